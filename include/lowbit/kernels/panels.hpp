// lowbit: the 64-column weight panels of the GEMM kernels (PackedQ4, PackedPanels), described
// by one PanelGroup, and their portable kernels (the HWY_SCALAR target's code).
//
// A 64-column group holds, per 32-deep k block, W * 256 bytes of W-bit codes (W = 2, 4 or 8) in
// 256-byte steps. Column j owns bytes 4j..4j+3 of a step; byte p's field f (bits [W f, W f + W))
// is depth t = 4 (s * 8 / W + f) + p. So one AVX-512 load gives 16 columns x 32 / W depths and
// each field, masked out, is one vpdpbusd operand of four consecutive depths. (W = 4 is ggml's
// low/high nibble split: low nibbles k = 8s..8s+3, high k = 8s+4..8s+7.) The first W / 2 steps
// hold depths 0..15, so 16-deep scale groups split a block at step W / 2.
//
// Element values: w = (ftable[c] - zp) * scale (exactly the PackedMatrix's decode; 8-bit panels
// of integer-valued formats store the integer, so a -0 code reads as +0), and for the
// integer path w = (itable[c] - z0 - zp) * scale * unit with an integer itable (codes of formats
// whose values are integer multiples of a power of two, unit). Scales and zero points are per
// (k group of blocks_per_group blocks, or half block, column): f32 planes, or PackedQ4's f16
// scales inside each block.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowbit/core/half.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels::detail {
inline constexpr std::size_t kPanelCols = 64, kPanelDepth = 32;
/// PackedQ4's blocks: 1024 bytes of 4-bit codes, then the 64 columns' f16 scales.
inline constexpr std::size_t kQ4CodeBytes = 1024, kQ4BlockBytes = kQ4CodeBytes + 2 * kPanelCols;

/// The code of column j, depth t (< 32) in a block of W-bit codes.
inline unsigned panel_code(const std::uint8_t* blk, int w, std::size_t t, std::size_t j) noexcept {
  const std::size_t u = t / 4, per = static_cast<std::size_t>(8 / w);
  const std::uint8_t byte = blk[(u / per) * 256 + 4 * j + t % 4];
  return (byte >> (w * (u % per))) & ((1u << w) - 1);
}
inline void set_panel_code(std::uint8_t* blk, int w, std::size_t t, std::size_t j, unsigned code) noexcept {
  const std::size_t u = t / 4, per = static_cast<std::size_t>(8 / w);
  std::uint8_t& byte = blk[(u / per) * 256 + 4 * j + t % 4];
  const int shift = w * static_cast<int>(u % per);
  const unsigned mask = ((1u << w) - 1) << shift;
  byte = static_cast<std::uint8_t>((byte & ~mask) | ((code << shift) & mask));
}

/// One 64-column group of panels, as the kernels read it.
struct PanelGroup {
  const std::uint8_t* codes;      ///< block b at codes + b * block_bytes
  std::size_t block_bytes;        ///< >= width * 256
  int width;                      ///< W: 2, 4 or 8 bits per code
  const float* scales;            ///< [k group][64], or nullptr: f16 scales at block + f16_scales
  std::size_t f16_scales;         ///< byte offset of a block's 64 f16 scales (scales == nullptr)
  const float* zero_points;       ///< [k group][64], or nullptr (all 0)
  std::size_t blocks_per_group;   ///< k blocks per scale
  const float* ftable;            ///< value of each code at scale 1 (16 entries for W <= 4, 256 for W = 8)
  const std::uint8_t* itable;     ///< integer path: code -> unsigned integer (16 entries), nullptr = the code
  float z0;                       ///< integer path: itable's offset
  float unit;                     ///< integer path: the value of integer 1 at scale 1
  std::size_t halves = 1;         ///< scale rows per block: 2 for 16-deep groups (blocks_per_group 1)
  float zp_min = 0.0f, zp_max = 0.0f;  ///< a range holding 0 and every zero point (integers) of the tensor
  float u_max = 255.0f;                ///< integer path, 8-bit codes: the largest U a code stands for

  /// The scale and zero-point row of depth t (< 32) of block b.
  std::size_t param_row(std::size_t b, std::size_t t) const noexcept {
    return (b / blocks_per_group) * halves + t * halves / kPanelDepth;
  }
  float scale(std::size_t b, std::size_t j, std::size_t t = 0) const noexcept {
    if (scales != nullptr) return scales[param_row(b, t) * kPanelCols + j];
    std::uint16_t h;
    std::memcpy(&h, codes + b * block_bytes + f16_scales + 2 * j, 2);
    return f16_bits_to_f32(h);
  }
  float zero_point(std::size_t b, std::size_t j, std::size_t t = 0) const noexcept {
    return zero_points != nullptr ? zero_points[param_row(b, t) * kPanelCols + j] : 0.0f;
  }
  const std::uint8_t* block(std::size_t b) const noexcept { return codes + b * block_bytes; }
  /// Prefetches blocks [b0, b1) (clipped to nb), e.g. the next slice while one is multiplied.
  void prefetch(std::size_t b0, std::size_t b1, std::size_t nb) const noexcept {
    for (std::size_t b = b0; b < std::min(b1, nb); ++b)
      for (std::size_t off = 0; off < block_bytes; off += 64) __builtin_prefetch(block(b) + off);
  }
};

/// Activations quantized per 32-block (Q8_0's rule): codes, scales and each block's code sum.
struct Q8Blocks {
  const std::int8_t* q;
  std::size_t ldq;  ///< codes per row (>= k)
  const float* d;
  const float* sum;     ///< exact: |sum| <= 32 * 127
  std::size_t lds;      ///< blocks per row
  const float* sum_lo;  ///< the sums of each block's first 16 codes (for 16-deep weight groups)

  /// The same activations from row i on.
  Q8Blocks from_row(std::size_t i) const noexcept {
    return {q + i * ldq, ldq, d + i * lds, sum + i * lds, lds, sum_lo != nullptr ? sum_lo + i * lds : nullptr};
  }

  /// The code sum of half h of block b of row i (the whole block when halves == 1).
  float half_sum(std::size_t i, std::size_t b, std::size_t halves, std::size_t h) const noexcept {
    const float all = sum[i * lds + b];
    return halves == 1 ? all : h == 0 ? sum_lo[i * lds + b] : all - sum_lo[i * lds + b];
  }
};

/// C[m x cols] = the sum over blocks of (scale * unit * da) * (sum_t itable[c] * a - (z0 + zp) * sum_t a),
/// in block order (the integer path).
inline void gemm_panels_a8_scalar(const PanelGroup& p, const Q8Blocks& a, std::size_t m, std::size_t nb, float* c,
                                  std::size_t ldc, std::size_t cols) noexcept {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      float acc = 0.0f;
      for (std::size_t b = 0; b < nb; ++b)
        for (std::size_t h = 0; h < p.halves; ++h) {
          const std::size_t t0 = h * kPanelDepth / p.halves;
          std::int32_t s = 0;
          for (std::size_t t = t0; t < t0 + kPanelDepth / p.halves; ++t) {
            const unsigned code = panel_code(p.block(b), p.width, t, j);
            s += static_cast<std::int32_t>(p.itable != nullptr ? p.itable[code] : code) *
                 a.q[i * a.ldq + b * kPanelDepth + t];
          }
          const float z = p.z0 + p.zero_point(b, j, t0);
          acc += p.scale(b, j, t0) * (a.d[i * a.lds + b] * p.unit) *
                 (static_cast<float>(s) - z * a.half_sum(i, b, p.halves, h));
        }
      c[i * ldc + j] = acc;
    }
}

/// C[m x cols] = X * W^T with W decoded to f32 (the weight-only path).
inline void gemm_panels_f32_scalar(const PanelGroup& p, const float* x, std::size_t ldx, std::size_t m,
                                   std::size_t nb, float* c, std::size_t ldc, std::size_t cols) noexcept {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      float acc = 0.0f;
      for (std::size_t b = 0; b < nb; ++b)
        for (std::size_t t = 0; t < kPanelDepth; ++t)
          acc += x[i * ldx + b * kPanelDepth + t] *
                 ((p.ftable[panel_code(p.block(b), p.width, t, j)] - p.zero_point(b, j, t)) * p.scale(b, j, t));
      c[i * ldc + j] = acc;
    }
}
}  // namespace kernels::detail
LOWBIT_END_NAMESPACE
