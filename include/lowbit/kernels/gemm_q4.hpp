// lowbit: 4-bit weight GEMM. PackedQ4 holds Q4_0 weights (n x k, one row per output channel)
// repacked into 64-column panels (kernels/gemm_q4_scalar.hpp): the same codes and f16 scales as
// the GGUF tensor, so packing is lossless both ways and costs no extra bytes (4.5 bits/weight).
// Two products, both Y (m x n) = X (m x k) * W^T, threaded over 64-column groups (results do
// not depend on the executor):
//  - gemm_q4_a8 (W4A8, integer path): X is quantized per 32-block by Q8_0's rule (as ggml's
//    mul_mat does), each block product is exact int32 and scaled by dw * dx: every per-block term
//    is bit-identical to ggml's Q4_0 x Q8_0 dot; only the f32 summation order differs.
//  - gemm_q4_f32 (weight-only): X stays f32; W is decoded to exactly Q4_0's dequantized values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bits.hpp"
#include "lowbit/kernels/dispatch.hpp"
#include "lowbit/kernels/executor.hpp"
#include "lowbit/kernels/gguf.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
LOWBIT_EXPORT(GemmQ4A8Group);
LOWBIT_EXPORT(GemmQ4F32Group);
}  // namespace detail

class PackedQ4 {
 public:
  static constexpr std::size_t kGroup = lowbit::detail::kQ4Cols, kBlock = lowbit::detail::kQ4Block;
  PackedQ4() = default;
  /// Repacks a Q4_0 tensor (lossless).
  explicit PackedQ4(const BlockMatrix<gguf::Q4_0>& w)
      : n_(w.rows()), k_(w.cols()), data_(groups() * blocks() * lowbit::detail::kQ4BlockBytes) {
    std::fill(data_.begin(), data_.end(), std::uint8_t{0});
    for (std::size_t j = 0; j < n_; ++j)
      for (std::size_t b = 0; b < blocks(); ++b) {
        const gguf::Q4_0& src = w.row(j)[b];
        std::uint8_t* blk = block(j / kGroup, b);
        for (std::size_t t = 0; t < kBlock; ++t)
          lowbit::detail::set_q4_code(blk, t, j % kGroup, static_cast<unsigned>(gguf::Q4_0::code(src, t) + 8));
        std::memcpy(blk + lowbit::detail::kQ4CodeBytes + 2 * (j % kGroup), &src.d, 2);
      }
  }
  /// Quantizes w (n x k, finite, k a multiple of 32) by Q4_0's rule, then packs it.
  explicit PackedQ4(MatrixView<const float> w) : PackedQ4(kernels::quantize<gguf::Q4_0>(w)) {}

  /// Back to the GGUF tensor (the exact bytes it was packed from).
  BlockMatrix<gguf::Q4_0> to_q4_0() const {
    BlockMatrix<gguf::Q4_0> w(n_, k_);
    for (std::size_t j = 0; j < n_; ++j)
      for (std::size_t b = 0; b < blocks(); ++b) {
        const std::uint8_t* blk = block(j / kGroup, b);
        std::uint8_t q[kBlock];
        for (std::size_t t = 0; t < kBlock; ++t) q[t] = static_cast<std::uint8_t>(lowbit::detail::q4_code(blk, t, j % kGroup));
        gguf::Q4_0& dst = w.row(j)[b];
        gguf::detail::pack_nibbles(q, dst.qs);
        std::memcpy(&dst.d, blk + lowbit::detail::kQ4CodeBytes + 2 * (j % kGroup), 2);
      }
    return w;
  }

  std::size_t n() const noexcept { return n_; }
  std::size_t k() const noexcept { return k_; }
  std::size_t blocks() const noexcept { return k_ / kBlock; }
  std::size_t groups() const noexcept { return div_ceil(n_, kGroup); }
  /// Panel bytes (the last group is padded to 64 columns).
  std::size_t bytes() const noexcept { return data_.bytes(); }
  const std::uint8_t* group(std::size_t g) const noexcept { return block(g, 0); }

 private:
  std::size_t offset(std::size_t g, std::size_t b) const noexcept {
    return (g * blocks() + b) * lowbit::detail::kQ4BlockBytes;
  }
  const std::uint8_t* block(std::size_t g, std::size_t b) const noexcept { return data_.data() + offset(g, b); }
  std::uint8_t* block(std::size_t g, std::size_t b) noexcept { return data_.data() + offset(g, b); }
  std::size_t n_ = 0, k_ = 0;
  AlignedBuffer<std::uint8_t> data_;
};

namespace detail {
/// Validates the arguments; returns false when there is nothing to multiply (Y is then done).
inline bool check_gemm_q4(const float* x, std::size_t m, std::size_t& ldx, const PackedQ4& w, float* y,
                          std::size_t& ldy) {
  if (ldx == 0) ldx = w.k();
  if (ldy == 0) ldy = w.n();
  LOWBIT_CHECK(ldx >= w.k() && ldy >= w.n(), "ldx, ldy: ", ldx, ", ", ldy, " are smaller than k = ", w.k(),
               ", n = ", w.n());
  LOWBIT_CHECK(m == 0 || w.n() == 0 || (y != nullptr && (w.k() == 0 || x != nullptr)), "x, y: null pointer");
  if (w.n() != 0) check_finite("x", x, m, w.k(), ldx);
  if (w.k() == 0)
    for (std::size_t i = 0; i < m; ++i) std::fill(y + i * ldy, y + i * ldy + w.n(), 0.0f);
  return m != 0 && w.n() != 0 && w.k() != 0;
}
}  // namespace detail

/// W4A8: Y (m x n, ldy; 0 = n) = X (m x k, ldx; 0 = k) * W^T with X quantized per 32-block by
/// Q8_0's rule. Errors (argument_error): strides smaller than the shape, null pointers, a
/// non-finite activation. Nothing is written on error.
inline void gemm_q4_a8(const float* x, std::size_t m, std::size_t ldx, const PackedQ4& w, float* y,
                       std::size_t ldy = 0, const Executor& ex = {}) {
  if (!detail::check_gemm_q4(x, m, ldx, w, y, ldy)) return;
  const std::size_t nb = w.blocks(), k = w.k();
  std::vector<gguf::Q8_0> blocks(nb);
  std::vector<std::int8_t> q(m * k);
  std::vector<float> d(m * nb);
  std::vector<std::int32_t> sum8(m * nb);
  for (std::size_t i = 0; i < m; ++i) {
    quantize_row(x + i * ldx, blocks.data(), nb);
    for (std::size_t b = 0; b < nb; ++b) {
      std::int32_t s = 0;
      for (std::size_t t = 0; t < PackedQ4::kBlock; ++t) s += q[i * k + b * PackedQ4::kBlock + t] = blocks[b].qs[t];
      d[i * nb + b] = gguf::from_f16(blocks[b].d);
      sum8[i * nb + b] = 8 * s;
    }
  }
  const lowbit::detail::Q8Blocks a{q.data(), k, d.data(), sum8.data(), nb};
  const auto fn = LOWBIT_DISPATCH(detail::GemmQ4A8Group);
  const std::size_t per_task = m == 1 ? 8 : 1;  // GEMV: each thread streams long contiguous runs
  ex.parallel_for(div_ceil(w.groups(), per_task), [&](std::size_t t) {
    for (std::size_t g = t * per_task; g < std::min(w.groups(), (t + 1) * per_task); ++g)
      fn(a, m, nb, w.group(g), y + g * PackedQ4::kGroup, ldy, std::min(PackedQ4::kGroup, w.n() - g * PackedQ4::kGroup));
  });
}

/// Weight-only: Y = X * W^T in f32 (FMA; per output, k summed in order). Errors as gemm_q4_a8.
inline void gemm_q4_f32(const float* x, std::size_t m, std::size_t ldx, const PackedQ4& w, float* y,
                        std::size_t ldy = 0, const Executor& ex = {}) {
  if (!detail::check_gemm_q4(x, m, ldx, w, y, ldy)) return;
  const auto fn = LOWBIT_DISPATCH(detail::GemmQ4F32Group);
  ex.parallel_for(w.groups(), [&](std::size_t g) {
    fn(x, ldx, m, w.blocks(), w.group(g), y + g * PackedQ4::kGroup, ldy,
       std::min(PackedQ4::kGroup, w.n() - g * PackedQ4::kGroup));
  });
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
