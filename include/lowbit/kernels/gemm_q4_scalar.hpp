// lowbit: the PackedQ4 panel layout and its portable kernels (the HWY_SCALAR target's code).
//
// A 64-column group holds, per 32-deep k block, 1024 bytes of codes then the 64 columns' f16
// scales (128 bytes). The codes come in four 8-deep steps of 256 bytes; column j owns bytes
// 4j..4j+3 of a step, whose low nibbles are k = 8s..8s+3 and high nibbles k = 8s+4..8s+7: one
// AVX-512 load gives 16 columns x 8 k, and And / shift split it into two vpdpbusd operands.
// Codes are Q4_0's: w = d * (q - 8), q in 0..15.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowbit/core/half.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace detail {
inline constexpr std::size_t kQ4Cols = 64, kQ4Block = 32, kQ4CodeBytes = 1024, kQ4BlockBytes = 1024 + 2 * 64;

/// The code (0..15) of column j, depth t (< 32) in a block's panel.
inline unsigned q4_code(const std::uint8_t* blk, std::size_t t, std::size_t j) noexcept {
  const std::uint8_t byte = blk[(t / 8) * 256 + 4 * j + t % 4];
  return t % 8 < 4 ? byte & 0x0F : byte >> 4;
}
inline void set_q4_code(std::uint8_t* blk, std::size_t t, std::size_t j, unsigned q) noexcept {
  std::uint8_t& byte = blk[(t / 8) * 256 + 4 * j + t % 4];
  byte = static_cast<std::uint8_t>(t % 8 < 4 ? (byte & 0xF0) | q : (byte & 0x0F) | (q << 4));
}
inline float q4_scale(const std::uint8_t* blk, std::size_t j) noexcept {
  std::uint16_t h;
  std::memcpy(&h, blk + kQ4CodeBytes + 2 * j, 2);
  return f16_bits_to_f32(h);
}

/// Activations quantized per 32-block (Q8_0's rule): codes, scales and 8 * the block's code sum.
struct Q8Blocks {
  const std::int8_t* q;
  std::size_t ldq;  ///< codes per row (>= k)
  const float* d;
  const std::int32_t* sum8;
  std::size_t lds;  ///< blocks per row
};

/// C[m x cols] = sum over blocks of (dw * da) * (sum_t q * a - 8 * sum_t a): ggml's Q4_0 x Q8_0
/// per-block terms, summed in block order.
inline void gemm_q4a8_group_scalar(const Q8Blocks& a, std::size_t m, std::size_t nb, const std::uint8_t* group,
                                   float* c, std::size_t ldc, std::size_t cols) noexcept {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      float acc = 0.0f;
      for (std::size_t b = 0; b < nb; ++b) {
        const std::uint8_t* blk = group + b * kQ4BlockBytes;
        std::int32_t s = 0;
        for (std::size_t t = 0; t < kQ4Block; ++t)
          s += static_cast<std::int32_t>(q4_code(blk, t, j)) * a.q[i * a.ldq + b * kQ4Block + t];
        acc += q4_scale(blk, j) * a.d[i * a.lds + b] * static_cast<float>(s - a.sum8[i * a.lds + b]);
      }
      c[i * ldc + j] = acc;
    }
}

/// C[m x cols] = X * W^T with W decoded to f32 (exactly Q4_0's dequantized values).
inline void gemm_q4f32_group_scalar(const float* x, std::size_t ldx, std::size_t m, std::size_t nb,
                                    const std::uint8_t* group, float* c, std::size_t ldc, std::size_t cols) noexcept {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      float acc = 0.0f;
      for (std::size_t b = 0; b < nb; ++b) {
        const std::uint8_t* blk = group + b * kQ4BlockBytes;
        const float d = q4_scale(blk, j);
        for (std::size_t t = 0; t < kQ4Block; ++t)
          acc += x[i * ldx + b * kQ4Block + t] * (static_cast<float>(static_cast<int>(q4_code(blk, t, j)) - 8) * d);
      }
      c[i * ldc + j] = acc;
    }
}
}  // namespace detail
LOWBIT_END_NAMESPACE
