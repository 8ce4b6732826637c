// lowbit: 4-bit weight GEMM. PackedQ4 holds Q4_0 weights (n x k, one row per output channel)
// repacked into 64-column panels (kernels/panels.hpp): the same codes and f16 scales as
// the GGUF tensor, so packing is lossless both ways and costs no extra bytes (4.5 bits/weight).
// Two products, both Y (m x n) = X (m x k) * W^T, threaded over 64-column groups (results do
// not depend on the executor):
//  - gemm_q4_a8 (W4A8, integer path): X is quantized per 32-block by Q8_0's rule (as ggml's
//    mul_mat does), each block product is exact int32 and scaled by dw * dx: every per-block term
//    is bit-identical to ggml's Q4_0 x Q8_0 dot; only the f32 summation order differs.
//  - gemm_q4_f32 (weight-only): X stays f32; W is decoded to exactly Q4_0's dequantized values
//    (on AMX tiles: X in three exact bf16 parts times the integers q - 8, kernels/gemm_panels_amx.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bits.hpp"
#include "lowbit/kernels/gemm_panels.hpp"
#include "lowbit/kernels/gguf.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {

/// Q4_0 weights in 4-bit panels (kernels/panels.hpp): per 32-deep block, 1024 bytes of codes
/// (Q4_0's q, 0..15) then the 64 columns' f16 scales.
class PackedQ4 {
 public:
  static constexpr std::size_t kGroup = detail::kPanelCols, kBlock = detail::kPanelDepth;
  static constexpr std::size_t kCodeBytes = detail::kQ4CodeBytes, kBlockBytes = detail::kQ4BlockBytes;
  PackedQ4() = default;
  /// Repacks a Q4_0 tensor (lossless).
  explicit PackedQ4(const BlockMatrix<gguf::Q4_0>& w) : n_(w.rows()), k_(w.cols()), data_(groups() * blocks() * kBlockBytes) {
    std::fill(data_.begin(), data_.end(), std::uint8_t{0});
    for (std::size_t j = 0; j < n_; ++j)
      for (std::size_t b = 0; b < blocks(); ++b) {
        const gguf::Q4_0& src = w.row(j)[b];
        std::uint8_t* blk = block(j / kGroup, b);
        for (std::size_t t = 0; t < kBlock; ++t)
          detail::set_panel_code(blk, 4, t, j % kGroup, static_cast<unsigned>(gguf::Q4_0::code(src, t) + 8));
        std::memcpy(blk + kCodeBytes + 2 * (j % kGroup), &src.d, 2);
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
        for (std::size_t t = 0; t < kBlock; ++t) q[t] = static_cast<std::uint8_t>(detail::panel_code(blk, 4, t, j % kGroup));
        gguf::Q4_0& dst = w.row(j)[b];
        gguf::detail::pack_nibbles(q, dst.qs);
        std::memcpy(&dst.d, blk + kCodeBytes + 2 * (j % kGroup), 2);
      }
    return w;
  }

  std::size_t n() const noexcept { return n_; }
  std::size_t k() const noexcept { return k_; }
  std::size_t blocks() const noexcept { return k_ / kBlock; }
  std::size_t groups() const noexcept { return div_ceil(n_, kGroup); }
  /// Panel bytes (the last group is padded to 64 columns).
  std::size_t bytes() const noexcept { return data_.bytes(); }
  /// The panel products' output multiplier: Q4_0 has no tensor scale.
  static constexpr float tensor_scale() noexcept { return 1.0f; }
  /// Group g as the panel kernels read it: w = d * (q - 8).
  detail::PanelGroup group(std::size_t g) const noexcept {
    static constexpr auto kValues = [] {
      std::array<float, 16> t{};
      for (int q = 0; q < 16; ++q) t[static_cast<std::size_t>(q)] = static_cast<float>(q - 8);
      return t;
    }();
    return {block(g, 0), kBlockBytes, 4, nullptr, kCodeBytes, nullptr, 1, kValues.data(), nullptr, 8.0f, 1.0f, 1};
  }

 private:
  std::size_t offset(std::size_t g, std::size_t b) const noexcept { return (g * blocks() + b) * kBlockBytes; }
  const std::uint8_t* block(std::size_t g, std::size_t b) const noexcept { return data_.data() + offset(g, b); }
  std::uint8_t* block(std::size_t g, std::size_t b) noexcept { return data_.data() + offset(g, b); }
  std::size_t n_ = 0, k_ = 0;
  AlignedBuffer<std::uint8_t> data_;
};

/// W4A8: Y (m x n, ldy; 0 = n) = X (m x k, ldx; 0 = k) * W^T with X quantized per 32-block by
/// Q8_0's rule. Errors (argument_error): strides smaller than the shape, null pointers, a
/// non-finite activation. Nothing is written on error.
inline void gemm_q4_a8(const float* x, std::size_t m, std::size_t ldx, const PackedQ4& w, float* y,
                       std::size_t ldy = 0, const Executor& ex = {}) {
  detail::run_panels_a8(x, m, ldx, w, y, ldy, ex);
}

/// Weight-only: Y = X * W^T in f32 (FMA, per output k summed in order; per block on AMX tiles),
/// within (k + 2) * 2^-24 * sum |x * w| of the exact dot. Errors as gemm_q4_a8.
inline void gemm_q4_f32(const float* x, std::size_t m, std::size_t ldx, const PackedQ4& w, float* y,
                        std::size_t ldy = 0, const Executor& ex = {}) {
  detail::run_panels_f32(x, m, ldx, w, y, ldy, ex);
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
