// lowbit: GEMM kernels over PackedQ4 weight panels (layout: kernels/gemm_q4_scalar.hpp), one
// 64-column group per call:
//  - W4A8, the integer path: activations in Q8_0 blocks; per block, the codes meet in vpdpbusd
//    (weights the unsigned operand, activations the signed one) and the int32 sum, less 8 * the
//    activation sum (Q4_0's offset), is scaled by dw * da into f32 (ggml's per-block term);
//  - weight-only: each 64-deep slice of the group is decoded once into an f32 panel in L1
//    (exactly Q4_0's dequantized values) and every row tile runs plain FMAs over it.

#if defined(LOWBIT_KERNELS_GEMM_Q4_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_Q4_INL_H_
#undef LOWBIT_KERNELS_GEMM_Q4_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_Q4_INL_H_
#endif

#include <algorithm>
#include <cstring>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/gemm_q4_scalar.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// The f16 scales of columns [col, col + Lanes) of one block, as f32.
template <class DF>
HWY_INLINE hn::Vec<DF> Q4Scales(DF df, const uint8_t* HWY_RESTRICT blk, size_t col) {
  const hn::Rebind<hwy::float16_t, DF> dh;
  return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(blk + detail::kQ4CodeBytes + 2 * col)));
}

/// Rows [row, row + MR) x columns [col, col + NV * Lanes) (ncols of them valid) over blocks
/// [b0, b1); adds to C when accumulate.
template <size_t MR, size_t NV>
LOWBIT_VNNI_ATTR HWY_INLINE void TileQ4A8(const detail::Q8Blocks& a, size_t row, const uint8_t* HWY_RESTRICT group,
                                          size_t b0, size_t b1, size_t col, size_t ncols, float* HWY_RESTRICT c,
                                          size_t ldc, bool accumulate) {
  const hn::ScalableTag<int32_t> d32;
  const hn::Repartition<uint8_t, decltype(d32)> du8;
  const hn::Repartition<int8_t, decltype(d32)> d8;
  const hn::Repartition<uint16_t, decltype(d32)> du16;
  const hn::RebindToFloat<decltype(d32)> df;
  const size_t L = hn::Lanes(d32);
  hn::Vec<decltype(df)> acc[MR][NV];
  LoadTile(df, acc, c, ldc, ncols, accumulate);
  const auto low4 = hn::Set(du8, 0x0F);
  for (size_t b = b0; b < b1; ++b) {
    const uint8_t* blk = group + b * detail::kQ4BlockBytes;
    // Two vectors of columns at a time: their int32 sums and decoded codes fit in registers.
    for (size_t v0 = 0; v0 < NV; v0 += 2) {
      hn::Vec<decltype(d32)> isum[MR][2];
      for (size_t i = 0; i < MR; ++i) isum[i][0] = isum[i][1] = hn::Zero(d32);
#pragma GCC unroll 4
      for (size_t s = 0; s < 4; ++s) {
        hn::Vec<decltype(du8)> lo[2], hi[2];
        for (size_t v = 0; v < 2; ++v) {
          const auto w = hn::LoadU(du8, blk + s * 256 + 4 * (col + (v0 + v) * L));
          lo[v] = hn::And(w, low4);
          hi[v] = hn::And(hn::BitCast(du8, hn::ShiftRight<4>(hn::BitCast(du16, w))), low4);
        }
#pragma GCC unroll 8
        for (size_t i = 0; i < MR; ++i) {
          int32_t q_lo, q_hi;
          const int8_t* q = a.q + (row + i) * a.ldq + b * detail::kQ4Block + 8 * s;
          std::memcpy(&q_lo, q, 4);
          std::memcpy(&q_hi, q + 4, 4);
          const auto a_lo = hn::BitCast(d8, hn::Set(d32, q_lo)), a_hi = hn::BitCast(d8, hn::Set(d32, q_hi));
          for (size_t v = 0; v < 2; ++v) {
            isum[i][v] = DotBytes(d32, isum[i][v], lo[v], a_lo);
            isum[i][v] = DotBytes(d32, isum[i][v], hi[v], a_hi);
          }
        }
      }
      const auto dw0 = Q4Scales(df, blk, col + v0 * L), dw1 = Q4Scales(df, blk, col + (v0 + 1) * L);
#pragma GCC unroll 8
      for (size_t i = 0; i < MR; ++i) {
        const auto da = hn::Set(df, a.d[(row + i) * a.lds + b]);
        const auto s8 = hn::Set(d32, a.sum8[(row + i) * a.lds + b]);
        acc[i][v0] = hn::MulAdd(hn::Mul(dw0, da), hn::ConvertTo(df, hn::Sub(isum[i][0], s8)), acc[i][v0]);
        acc[i][v0 + 1] = hn::MulAdd(hn::Mul(dw1, da), hn::ConvertTo(df, hn::Sub(isum[i][1], s8)), acc[i][v0 + 1]);
      }
    }
  }
  StoreTile(df, acc, c, ldc, ncols);
}

/// panel[t][64] = the f32 weights of depth t (< 32 * nblk) of the group, decoded from nblk blocks.
HWY_INLINE void DecodeQ4Panel(const uint8_t* HWY_RESTRICT blk, size_t nblk, float* HWY_RESTRICT panel) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const size_t L = hn::Lanes(df);
  const auto low4 = hn::Set(du, 0x0F);
  for (size_t b = 0; b < nblk; ++b, blk += detail::kQ4BlockBytes, panel += 32 * 64) {
    for (size_t col = 0; col < 64; col += L) {
      const auto d = Q4Scales(df, blk, col);
      const auto minus8d = hn::Mul(d, hn::Set(df, -8.0f));  // exact: d * q - 8d rounds once, as (q - 8) * d
      for (size_t s = 0; s < 4; ++s) {
        const auto w = hn::LoadU(du, reinterpret_cast<const uint32_t*>(blk + s * 256 + 4 * col));
#pragma GCC unroll 8
        for (int t = 0; t < 8; ++t) {  // t < 4: low nibbles (k = 8s + t); else high (k = 8s + t)
          const int shift = 8 * (t % 4) + 4 * (t / 4);
          const auto q = hn::ConvertTo(df, hn::BitCast(hn::RebindToSigned<decltype(df)>(),
                                                       hn::And(hn::ShiftRightSame(w, shift), low4)));
          hn::Store(hn::MulAdd(d, q, minus8d), df, panel + (8 * s + t) * 64 + col);
        }
      }
    }
  }
}

/// Rows [0, MR) of x (ldx) times panel depths [0, kb), columns [col, col + NV * Lanes).
template <size_t MR, size_t NV>
HWY_INLINE void TileF32(const float* HWY_RESTRICT x, size_t ldx, size_t kb, const float* HWY_RESTRICT panel, size_t col,
                        size_t ncols, float* HWY_RESTRICT c, size_t ldc, bool accumulate) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  hn::Vec<decltype(df)> acc[MR][NV];
  LoadTile(df, acc, c, ldc, ncols, accumulate);
  for (size_t t = 0; t < kb; ++t) {
    hn::Vec<decltype(df)> w[NV];
    for (size_t v = 0; v < NV; ++v) w[v] = hn::Load(df, panel + t * 64 + col + v * L);
#pragma GCC unroll 8
    for (size_t i = 0; i < MR; ++i) {
      const auto xi = hn::Set(df, x[i * ldx + t]);
      for (size_t v = 0; v < NV; ++v) acc[i][v] = hn::MulAdd(xi, w[v], acc[i][v]);
    }
  }
  StoreTile(df, acc, c, ldc, ncols);
}
#endif

/// C[m x cols] (ldc) = activations (Q8_0 blocks) x the group's weights; nb blocks deep.
LOWBIT_VNNI_ATTR inline void GemmQ4A8Group(const detail::Q8Blocks& a, size_t m, size_t nb,
                                           const uint8_t* HWY_RESTRICT group, float* HWY_RESTRICT c, size_t ldc,
                                           size_t cols) {
#if HWY_TARGET == HWY_SCALAR
  detail::gemm_q4a8_group_scalar(a, m, nb, group, c, ldc, cols);
#else
  const size_t L = hn::Lanes(hn::ScalableTag<int32_t>());
  constexpr size_t kMR = HWY_TARGET <= HWY_AVX3 ? 4 : 2, kNV = 2;
  if (m == 1) {  // GEMV: the whole depth per tile, so y is written once
    constexpr size_t kNV1 = HWY_TARGET <= HWY_AVX3 ? 4 : 2;  // one pass over the group's stream
    for (size_t col = 0; col < cols; col += kNV1 * L) TileQ4A8<1, kNV1>(a, 0, group, 0, nb, col, cols - col, c + col, ldc, false);
    return;
  }  // 2 * MR * NV + 3 * NV vectors live
  constexpr size_t kKB = 8;  // blocks per k slice: 9 KiB of the group stays in L1 across row tiles
  for (size_t b0 = 0; b0 < nb; b0 += kKB) {
    const size_t b1 = std::min(nb, b0 + kKB);
    for (size_t col = 0; col < cols; col += kNV * L)
      for (size_t i = 0; i < m; i += kMR)
        ForRows<kMR>(m - i, [&](auto rows) LOWBIT_VNNI_ATTR {
          TileQ4A8<decltype(rows)::value, kNV>(a, i, group, b0, b1, col, cols - col, c + i * ldc + col, ldc, b0 != 0);
        });
  }
#endif
}

/// C[m x cols] (ldc) = X (m x 32 nb, ldx) x the group's weights decoded to f32.
inline void GemmQ4F32Group(const float* HWY_RESTRICT x, size_t ldx, size_t m, size_t nb,
                           const uint8_t* HWY_RESTRICT group, float* HWY_RESTRICT c, size_t ldc, size_t cols) {
#if HWY_TARGET == HWY_SCALAR
  detail::gemm_q4f32_group_scalar(x, ldx, m, nb, group, c, ldc, cols);
#else
  const size_t L = hn::Lanes(hn::ScalableTag<float>());
  constexpr size_t kMR = HWY_TARGET <= HWY_AVX3 ? 6 : 4, kNV = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
  constexpr size_t kKB = 2;  // blocks per panel: 64 x 64 f32 = 16 KiB in L1
  HWY_ALIGN float panel[kKB * 32 * 64];
  for (size_t b0 = 0; b0 < nb; b0 += kKB) {
    const size_t kb = std::min(kKB, nb - b0);
    DecodeQ4Panel(group + b0 * detail::kQ4BlockBytes, kb, panel);
    for (size_t col = 0; col < cols; col += kNV * L)
      for (size_t i = 0; i < m; i += kMR)
        ForRows<kMR>(m - i, [&](auto rows) {
          TileF32<decltype(rows)::value, kNV>(x + i * ldx + b0 * 32, ldx, kb * 32, panel, col, cols - col,
                                              c + i * ldc + col, ldc, b0 != 0);
        });
  }
#endif
}

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
