// lowbit: integer GEMM, C(s32, m x n) = A(u8, m x k) * W^T with W the s8 weights (n x k, one row
// per output channel), W repacked once by pack_i8 into PackedI8 (a value type: keep it, store
// it, reuse it). AMX tiles where the CPU has AMX-INT8 and m >= 16 (kernels/amx.hpp), VNNI vpdpbusd
// on AVX-512 VNNI machines; exact int32 on every path and target.
// Threading: the n dimension in 64-column groups through an Executor; results are identical
// for any executor.
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

/// One int8 GEMM call's per-group kernel: AMX when active and m >= 16 (A packed into tiles once,
/// here), else the dispatched SIMD kernel. (g0, g1, c, ldc) writes C's columns of groups
/// [g0, g1), c pointing at group g0's.
class GemmI8Groups {
 public:
  GemmI8Groups(const std::uint8_t* a, std::size_t m, std::size_t lda, const PackedI8& w, const Executor& ex)
      : a_(a), m_(m), lda_(lda), w_(w), simd_(&LOWBIT_DISPATCH(GemmI8Group)) {
#if LOWBIT_HAVE_AMX
    if (m >= kAmxRows && amx_active()) a_tiles_ = amx_pack_a(a, m, w.k(), lda, ex);
#else
    (void)ex;
#endif
  }
  void operator()(std::size_t g0, std::size_t g1, std::int32_t* c, std::size_t ldc) const {
    const auto cols = [&](std::size_t g) { return std::min(g * PackedI8::kGroup, w_.n()) - g0 * PackedI8::kGroup; };
#if LOWBIT_HAVE_AMX
    if (!a_tiles_.empty())
      return gemm_i8_groups_amx(a_tiles_.data(), m_, div_ceil(w_.k(), kAmxDepth), w_.group(g0),
                                w_.group_bytes(), c, ldc, cols(g1));
#endif
    for (std::size_t g = g0; g < g1; ++g)
      simd_(a_, m_, w_.k(), lda_, w_.group(g), c + cols(g), ldc, cols(g + 1) - cols(g));
  }
  /// Groups per parallel task: up to 4 (AMX keeps A in L1 across them), while there are 4 tasks.
  std::size_t per_task() const noexcept { return std::clamp<std::size_t>(w_.groups() / 4, 1, 4); }

 private:
  const std::uint8_t* a_;
  std::size_t m_, lda_;
  const PackedI8& w_;
  decltype(&HWY_STATIC_DISPATCH(GemmI8Group)) simd_;
  AlignedBuffer<std::uint8_t> a_tiles_;
};
}  // namespace detail

inline void gemm_u8s8s32(const std::uint8_t* a, std::size_t m, std::size_t lda, const PackedI8& w, std::int32_t* c,
                         std::size_t ldc = 0, const Executor& ex = {}) {
  if (!detail::check_gemm_i8(a, m, lda, w, c, ldc)) return;
  if (w.k() == 0) {
    for (std::size_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + w.n(), 0);
    return;
  }
  const detail::GemmI8Groups groups(a, m, lda, w, ex);
  const std::size_t per = groups.per_task();
  ex.parallel_for(div_ceil(w.groups(), per), [&](std::size_t t) {
    groups(t * per, std::min(w.groups(), (t + 1) * per), c + t * per * PackedI8::kGroup, ldc);
  });
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
