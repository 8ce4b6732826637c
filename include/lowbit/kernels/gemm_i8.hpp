// lowbit: integer GEMM, C(s32, m x n) = A(u8, m x k) * W^T with W the s8 weights (n x k, one row
// per output channel), W repacked once by pack_i8 into PackedI8 (a value type: keep it, store
// it, reuse it). AMX tiles where the CPU has AMX-INT8 and m >= 16 (kernels/amx.hpp), VNNI vpdpbusd
// on AVX-512 VNNI machines; exact int32 on every path and target.
// Threading through an Executor: the n dimension in 64-column groups (AMX: tasks of up to 128
// rows, split by groups too while there are fewer than 4); results are identical for any executor.
//
// Signed activations: pass a ^ 0x80 (= a + 128 as u8) and subtract 128 * col_sums (the output
// stages of kernels/output_stage.hpp take the zero point and do it).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bits.hpp"
#include "lowbit/kernels/amx.hpp"
#include "lowbit/kernels/dispatch.hpp"
#include "lowbit/kernels/executor.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
LOWBIT_EXPORT(GemmI8Group);
}

/// s8 weights in the micro-kernel's panel order (see gemm_i8-inl.h; k zero-padded to a multiple of
/// 64 so that AMX reads whole tiles), plus each output channel's weight sum (for activation zero
/// points).
class PackedI8 {
 public:
  static constexpr std::size_t kGroup = 64;
  PackedI8() = default;
  /// Packs w (n x k, row-major, leading dimension ldw >= k; 0 = dense).
  PackedI8(const std::int8_t* w, std::size_t n, std::size_t k, std::size_t ldw = 0)
      : n_(n), k_(k), data_(div_ceil(n, kGroup) * round_up(k, 64) * kGroup) {
    if (ldw == 0) ldw = k;
    LOWBIT_CHECK(ldw >= k, "ldw: ", ldw, " is smaller than k = ", k);
    LOWBIT_CHECK(n == 0 || k == 0 || w != nullptr, "w: null pointer for a non-empty matrix");
    std::fill(data_.begin(), data_.end(), std::int8_t{0});
    col_sums_.assign(n, 0);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t kk = 0; kk < k; ++kk) {
        const std::int8_t v = w[j * ldw + kk];
        group(j / kGroup)[(kk / 4) * 256 + 4 * (j % kGroup) + kk % 4] = v;
        col_sums_[j] += v;
      }
  }
  std::size_t n() const noexcept { return n_; }
  std::size_t k() const noexcept { return k_; }
  std::size_t groups() const noexcept { return div_ceil(n_, kGroup); }
  const std::int8_t* group(std::size_t g) const noexcept { return data_.data() + g * group_bytes(); }
  /// Bytes of one group's panel (k padded to 64).
  std::size_t group_bytes() const noexcept { return round_up(k_, 64) * kGroup; }
  std::span<const std::int32_t> col_sums() const noexcept { return col_sums_; }
  std::size_t bytes() const noexcept { return data_.bytes(); }

 private:
  std::int8_t* group(std::size_t g) noexcept { return data_.data() + g * group_bytes(); }
  std::size_t n_ = 0, k_ = 0;
  AlignedBuffer<std::int8_t> data_;
  std::vector<std::int32_t> col_sums_;
};

/// C = A * W^T in int32 (exact; no saturation). A: m x k u8 with leading dimension lda (0 = k);
/// C: m x n with ldc (0 = n).
namespace detail {
/// The int8 GEMMs' argument checks (dense defaults for lda = 0, ldc = 0); false when the output
/// is empty.
inline bool check_gemm_i8(const void* a, std::size_t m, std::size_t& lda, const PackedI8& w, const void* c,
                          std::size_t& ldc) {
  if (lda == 0) lda = w.k();
  if (ldc == 0) ldc = w.n();
  LOWBIT_CHECK(lda >= w.k(), "lda: ", lda, " is smaller than k = ", w.k());
  LOWBIT_CHECK(ldc >= w.n(), "ldc: ", ldc, " is smaller than n = ", w.n());
  LOWBIT_CHECK(m == 0 || w.n() == 0 || (c != nullptr && (w.k() == 0 || a != nullptr)), "a, c: null pointer");
  return m != 0 && w.n() != 0;
}

/// Whether the int8 GEMMs take AMX tiles for m rows of w (kernels/amx.hpp).
inline bool gemm_i8_on_amx(std::size_t m, const PackedI8& w) {
  return LOWBIT_HAVE_AMX && m >= kAmxRows && w.k() != 0 && amx_active();
}

/// The int8 GEMMs' per-group SIMD kernel (the dispatched target's). group(g, c, ldc) writes C's
/// columns of group g.
class GemmI8Groups {
 public:
  GemmI8Groups(const std::uint8_t* a, std::size_t m, std::size_t lda, const PackedI8& w)
      : a_(a), m_(m), lda_(lda), w_(w), simd_(&LOWBIT_DISPATCH(GemmI8Group)) {}
  void operator()(std::size_t g, std::int32_t* c, std::size_t ldc) const {
    simd_(a_, m_, w_.k(), lda_, w_.group(g), c, ldc, std::min(PackedI8::kGroup, w_.n() - g * PackedI8::kGroup));
  }

 private:
  const std::uint8_t* a_;
  std::size_t m_, lda_;
  const PackedI8& w_;
  decltype(&HWY_STATIC_DISPATCH(GemmI8Group)) simd_;
};

#if LOWBIT_HAVE_AMX
/// The int8 GEMM on AMX tiles (gemm_i8_on_amx), in tasks of up to 128 rows, split by column
/// groups too while there are fewer than 4 row tasks. Each task packs its own rows: A's tiles
/// stay in its core's caches (1024^3 on 2 threads: 2.3 -> 3.3 TOPS, where tiles packed by the
/// other core were read across). A task runs its groups in chunks of 1 MiB of weights, each chunk
/// from L2 for all its rows: out(r0, rows, g, cols, product) per chunk, where product(dst, ldd)
/// writes the int32 block of rows [r0, r0 + rows) and columns [64 g, 64 g + cols).
template <class Out>
void gemm_i8_amx(const std::uint8_t* a, std::size_t m, std::size_t lda, const PackedI8& w, const Executor& ex, Out&& out) {
  const std::size_t kb = div_ceil(w.k(), kAmxDepth);
  // a task's A tiles (up to 512 KiB) and its weight chunk (1 MiB) share its core's L2
  const std::size_t rows_per = std::clamp<std::size_t>((std::size_t{512} << 10) / (kb * kAmxDepth) / 32 * 32, 32, 128);
  const std::size_t chunk = std::clamp<std::size_t>((std::size_t{1} << 20) / w.group_bytes(), 1, 16);  // groups
  const std::size_t row_tasks = div_ceil(m, rows_per), col_tasks = std::min(w.groups(), div_ceil(4, row_tasks));
  const std::size_t per = div_ceil(w.groups(), col_tasks);
  // few rows (several tasks a row chunk): packed once for all tasks
  const AlignedBuffer<std::uint8_t> shared = col_tasks > 1 ? amx_pack_a(a, m, w.k(), lda, ex) : AlignedBuffer<std::uint8_t>{};
  ex.parallel_for(row_tasks * col_tasks, [&](std::size_t t) {
    const std::size_t r0 = t / col_tasks * rows_per, rows = std::min(rows_per, m - r0);
    const std::size_t g_end = std::min(w.groups(), (t % col_tasks + 1) * per);
    const AlignedBuffer<std::uint8_t> own = col_tasks > 1 ? AlignedBuffer<std::uint8_t>{} : amx_pack_a(a + r0 * lda, rows, w.k(), lda, Executor{});
    const std::uint8_t* tiles = col_tasks > 1 ? shared.data() + r0 / kAmxRows * kb * kAmxTile : own.data();
    for (std::size_t g = t % col_tasks * per; g < g_end; g += chunk) {
      const std::size_t cols = std::min(std::min(g_end, g + chunk) * PackedI8::kGroup, w.n()) - g * PackedI8::kGroup;
      out(r0, rows, g, cols, [&](std::int32_t* dst, std::size_t ldd) {
        gemm_i8_groups_amx(tiles, rows, kb, w.group(g), w.group_bytes(), dst, ldd, cols);
      });
    }
  });
}
#endif
}  // namespace detail

inline void gemm_u8s8s32(const std::uint8_t* a, std::size_t m, std::size_t lda, const PackedI8& w, std::int32_t* c,
                         std::size_t ldc = 0, const Executor& ex = {}) {
  if (!detail::check_gemm_i8(a, m, lda, w, c, ldc)) return;
  if (w.k() == 0) {
    for (std::size_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + w.n(), 0);
    return;
  }
#if LOWBIT_HAVE_AMX
  if (detail::gemm_i8_on_amx(m, w))
    return detail::gemm_i8_amx(a, m, lda, w, ex, [&](std::size_t r0, std::size_t, std::size_t g, std::size_t, auto product) {
      product(c + r0 * ldc + g * PackedI8::kGroup, ldc);
    });
#endif
  const detail::GemmI8Groups groups(a, m, lda, w);
  ex.parallel_for(w.groups(), [&](std::size_t g) { groups(g, c + g * PackedI8::kGroup, ldc); });
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
