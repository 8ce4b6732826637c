// lowbit: GEMM kernels over 64-column weight panels (layout: kernels/panels.hpp), one group per
// call, generic over the code width W (2, 4, 8), the code -> integer table and where the scales
// live:
//  - the integer path: activations in Q8_0 blocks; per block, the weight integers (the codes, or
//    a byte shuffle of them) meet the activations in vpdpbusd (weights the unsigned operand) and
//    the int32 sum, less (z0 + zp) * the activation sum, is scaled by scale * unit * da into f32;
//  - the weight-only path: each 64-deep slice of the group is decoded once into an f32 panel in
//    L1 (exactly the weights' values) and every row tile runs plain FMAs over it.

#if defined(LOWBIT_KERNELS_GEMM_PANELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_PANELS_INL_H_
#undef LOWBIT_KERNELS_GEMM_PANELS_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_PANELS_INL_H_
#endif

#include <algorithm>
#include <cstring>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/panels.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// The scales of columns [col, col + Lanes) at depth t of block b, as f32.
template <bool kF16, class DF>
HWY_INLINE hn::Vec<DF> PanelScales(DF df, const kernels::detail::PanelGroup& p, size_t b, size_t col, size_t t = 0) {
  if constexpr (kF16) {
    const hn::Rebind<hwy::float16_t, DF> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p.block(b) + p.f16_scales + 2 * col)));
  } else {
    return hn::LoadU(df, p.scales + p.param_row(b, t) * kernels::detail::kPanelCols + col);
  }
}
template <class DF>
HWY_INLINE hn::Vec<DF> PanelZeroPoints(DF df, const kernels::detail::PanelGroup& p, size_t b, size_t col, size_t t = 0) {
  return p.zero_points == nullptr ? hn::Zero(df)
                                  : hn::LoadU(df, p.zero_points + p.param_row(b, t) * kernels::detail::kPanelCols + col);
}

/// Field f (W bits) of every byte of w.
template <int kW, int kF, class DU8>
HWY_INLINE hn::Vec<DU8> PanelField(DU8 du8, hn::Vec<DU8> w) {
  if constexpr (kW == 8) {
    return w;
  } else {
    const hn::Repartition<uint16_t, DU8> du16;
    const auto shifted = kF == 0 ? w : hn::BitCast(du8, hn::ShiftRight<kW * kF>(hn::BitCast(du16, w)));
    return hn::And(shifted, hn::Set(du8, static_cast<uint8_t>((1u << kW) - 1)));
  }
}

/// Rows [row, row + MR) x columns [col, col + NV * Lanes) (ncols of them valid) over blocks
/// [b0, b1); adds to C when accumulate.
template <size_t MR, size_t NV, int kW, bool kLookup, bool kF16>
LOWBIT_VNNI_ATTR HWY_INLINE void TileA8(const kernels::detail::PanelGroup& p, const kernels::detail::Q8Blocks& a, size_t row, size_t b0,
                                        size_t b1, size_t col, size_t ncols, float* HWY_RESTRICT c, size_t ldc,
                                        bool accumulate) {
  const hn::ScalableTag<int32_t> d32;
  const hn::Repartition<uint8_t, decltype(d32)> du8;
  const hn::Repartition<int8_t, decltype(d32)> d8;
  const hn::RebindToFloat<decltype(d32)> df;
  const size_t L = hn::Lanes(d32);
  constexpr int kFields = 8 / kW;
  hn::Vec<decltype(df)> acc[MR][NV];
  LoadTile(df, acc, c, ldc, ncols, accumulate);
  const auto itable = kLookup ? hn::LoadDup128(du8, p.itable) : hn::Zero(du8);
  const auto z0 = hn::Set(df, p.z0);
  const float unit = p.unit;
  const bool has_zp = !kF16 && p.zero_points != nullptr;  // PackedQ4 has none
  const uint8_t* HWY_RESTRICT codes = p.codes;
  const size_t block_bytes = kF16 ? kernels::detail::kQ4BlockBytes : p.block_bytes;
  const size_t halves = kF16 ? 1 : p.halves;
  for (size_t b = b0; b < b1; ++b) {
    const uint8_t* blk = codes + b * block_bytes;
    // GEMV: the weights stream from DRAM once, and the hardware prefetcher alone kept them at
    // 0.72-0.79 of a streaming read here; 4 blocks ahead measured 1.0-1.13
    if (MR == 1 && b + 4 < b1)
      for (size_t off = 0; off < block_bytes; off += 64) hwy::Prefetch(blk + 4 * block_bytes + off);
    // Two vectors of columns at a time: their int32 sums and operands fit in registers.
    for (size_t v0 = 0; v0 < NV; v0 += 2) {
      hn::Vec<decltype(d32)> isum[MR][2];
      for (size_t i = 0; i < MR; ++i) isum[i][0] = isum[i][1] = hn::Zero(d32);
      // Adds the sums of half h (the whole block when halves == 1) to acc, scaled, and restarts them.
      const auto flush = [&](size_t h) LOWBIT_VNNI_ATTR {
        const size_t t = h * kernels::detail::kPanelDepth / 2;
        hn::Vec<decltype(df)> dw[2], z[2];
        for (size_t v = 0; v < 2; ++v) {
          dw[v] = PanelScales<kF16>(df, p, b, col + (v0 + v) * L, t);
          z[v] = has_zp ? hn::Add(z0, PanelZeroPoints(df, p, b, col + (v0 + v) * L, t)) : z0;
        }
#pragma GCC unroll 8
        for (size_t i = 0; i < MR; ++i) {
          const auto da = hn::Set(df, a.d[(row + i) * a.lds + b] * unit);
          const auto sa = hn::Set(df, a.half_sum(row + i, b, halves, h));
          for (size_t v = 0; v < 2; ++v) {  // isum - z * sum(a) is an exact integer below 2^24
            acc[i][v0 + v] = hn::MulAdd(hn::Mul(dw[v], da), hn::NegMulAdd(z[v], sa, hn::ConvertTo(df, isum[i][v])),
                                        acc[i][v0 + v]);
            isum[i][v] = hn::Zero(d32);
          }
        }
      };
#pragma GCC unroll 8
      for (int s = 0; s < kW; ++s) {
        if (s == kW / 2 && halves == 2) flush(0);  // steps [0, W / 2) hold depths 0..15
        hn::Vec<decltype(du8)> w[2];
        for (size_t v = 0; v < 2; ++v) w[v] = hn::LoadU(du8, blk + s * 256 + 4 * (col + (v0 + v) * L));
        hn::Vec<decltype(du8)> op[kFields][2];
        for (size_t v = 0; v < 2; ++v) {
          op[0][v] = PanelField<kW, 0>(du8, w[v]);
          if constexpr (kFields > 1) op[1][v] = PanelField<kW, 1>(du8, w[v]);
          if constexpr (kFields > 2) {
            op[2][v] = PanelField<kW, 2>(du8, w[v]);
            op[3][v] = PanelField<kW, 3>(du8, w[v]);
          }
          if constexpr (kLookup)
            for (int f = 0; f < kFields; ++f) op[f][v] = hn::TableLookupBytes(itable, op[f][v]);
        }
#pragma GCC unroll 8
        for (size_t i = 0; i < MR; ++i) {
          const int8_t* q = a.q + (row + i) * a.ldq + b * kernels::detail::kPanelDepth + 4 * kFields * s;
#pragma GCC unroll 4
          for (int f = 0; f < kFields; ++f) {
            int32_t q4;
            std::memcpy(&q4, q + 4 * f, 4);
            const auto av = hn::BitCast(d8, hn::Set(d32, q4));
            for (size_t v = 0; v < 2; ++v) {
              if constexpr (kW < 8 && !kLookup) isum[i][v] = DotSmallBytes(d32, isum[i][v], op[f][v], av);  // codes below 128
              else isum[i][v] = DotBytes(d32, isum[i][v], op[f][v], av);
            }
          }
        }
      }
      flush(halves - 1);
    }
  }
  StoreTile(df, acc, c, ldc, ncols);
}

/// panel[t][64] = the f32 weights of depth t (< 32 * nblk) of the group, blocks [b0, b0 + nblk).
template <int kW, bool kF16>
HWY_INLINE void DecodePanel(const kernels::detail::PanelGroup& p, size_t b0, size_t nblk, float* HWY_RESTRICT panel) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const size_t L = hn::Lanes(df);
  const auto mask = hn::Set(du, (1u << kW) - 1);
  for (size_t b = b0; b < b0 + nblk; ++b, panel += kernels::detail::kPanelDepth * kernels::detail::kPanelCols) {
    const uint8_t* blk = p.block(b);
    for (size_t col = 0; col < kernels::detail::kPanelCols; col += L) {
      auto s = PanelScales<kF16>(df, p, b, col);
      auto zp = PanelZeroPoints(df, p, b, col);
      for (int step = 0; step < kW; ++step) {
        if (step == kW / 2 && !kF16 && p.halves == 2) {  // depths 16..31: the second half's parameters
          s = PanelScales<kF16>(df, p, b, col, kernels::detail::kPanelDepth / 2);
          zp = PanelZeroPoints(df, p, b, col, kernels::detail::kPanelDepth / 2);
        }
        const auto w = hn::LoadU(du, reinterpret_cast<const uint32_t*>(blk + step * 256 + 4 * col));
#pragma GCC unroll 8
        for (int f = 0; f < 8 / kW; ++f)
#pragma GCC unroll 4
          for (int byte = 0; byte < 4; ++byte) {
            const auto code = hn::BitCast(di, hn::And(hn::ShiftRightSame(w, 8 * byte + kW * f), mask));
            const auto v = kW <= 4 ? Lookup16(df, p.ftable, code) : hn::GatherIndex(df, p.ftable, code);
            const size_t t = 4 * (step * (8 / kW) + f) + byte;
            hn::Store(hn::Mul(hn::Sub(v, zp), s), df, panel + t * kernels::detail::kPanelCols + col);
          }
      }
    }
  }
}

/// c[0, cols) = x (32 nb floats) times the group's weights: GEMV with no panel. Each weight is
/// decoded in registers to DecodePanel's value and meets x in TileF32's FMA, in its order, so
/// the row is GEMM's, bit for bit, without the panel's store and reload.
template <int kW, bool kF16>
HWY_INLINE void GemvF32Group(const kernels::detail::PanelGroup& p, const float* HWY_RESTRICT x, size_t nb,
                             float* HWY_RESTRICT c, size_t cols) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const size_t L = hn::Lanes(df);
  constexpr size_t kNV = 4;  // columns a pass: the accumulators, parameters and codes stay in registers
  const auto mask = hn::Set(di, (1 << kW) - 1);
  for (size_t col0 = 0; col0 < cols; col0 += kNV * L) {
    hn::Vec<decltype(df)> acc[kNV], s[kNV], zp[kNV];
    for (size_t v = 0; v < kNV; ++v) acc[v] = hn::Zero(df);
    const auto params = [&](size_t b, size_t t) {
      for (size_t v = 0; v < kNV; ++v) {
        s[v] = PanelScales<kF16>(df, p, b, col0 + v * L, t);
        zp[v] = PanelZeroPoints(df, p, b, col0 + v * L, t);
      }
    };
    for (size_t b = 0; b < nb; ++b) {
      const uint8_t* blk = p.block(b);
      if (b + 4 < nb)  // the weights stream from DRAM once: as in TileA8's GEMV
        for (size_t off = 0; off < p.block_bytes; off += 64) hwy::Prefetch(blk + 4 * p.block_bytes + off);
      params(b, 0);
#pragma GCC unroll 8
      for (int step = 0; step < kW; ++step) {
        if (step == kW / 2 && !kF16 && p.halves == 2) params(b, kernels::detail::kPanelDepth / 2);
        hn::Vec<decltype(du)> w[kNV];
        for (size_t v = 0; v < kNV; ++v) w[v] = hn::LoadU(du, reinterpret_cast<const uint32_t*>(blk + step * 256 + 4 * (col0 + v * L)));
#pragma GCC unroll 8
        for (int f = 0; f < 8 / kW; ++f)
#pragma GCC unroll 4
          for (int byte = 0; byte < 4; ++byte) {
            const auto xt = hn::Set(df, x[b * kernels::detail::kPanelDepth + 4 * (step * (8 / kW) + f) + byte]);
#pragma GCC unroll 4
            for (size_t v = 0; v < kNV; ++v) {
              const auto field = hn::BitCast(di, hn::ShiftRightSame(w[v], 8 * byte + kW * f));
              // Lookup16 reads the low four bits: W = 4 needs no mask
              const auto value = kW == 4 ? Lookup16(df, p.ftable, field)
                                 : kW < 4 ? Lookup16(df, p.ftable, hn::And(field, mask))
                                          : hn::GatherIndex(df, p.ftable, hn::And(field, mask));
              acc[v] = hn::MulAdd(xt, hn::Mul(hn::Sub(value, zp[v]), s[v]), acc[v]);
            }
          }
      }
    }
    for (size_t v = 0; v < kNV && col0 + v * L < cols; ++v) StoreUpTo(acc[v], df, c + col0 + v * L, cols - col0 - v * L);
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
#pragma GCC unroll 4  // fully, at -O2 too: constant indices keep the tile in registers
    for (size_t v = 0; v < NV; ++v) w[v] = hn::Load(df, panel + t * kernels::detail::kPanelCols + col + v * L);
#pragma GCC unroll 8
    for (size_t i = 0; i < MR; ++i) {
      const auto xi = hn::Set(df, x[i * ldx + t]);
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) acc[i][v] = hn::MulAdd(xi, w[v], acc[i][v]);
    }
  }
  StoreTile(df, acc, c, ldc, ncols);
}

template <int kW, bool kLookup, bool kF16>
LOWBIT_VNNI_ATTR HWY_INLINE void PanelsA8Group(const kernels::detail::PanelGroup& p, const kernels::detail::Q8Blocks& a, size_t m,
                                               size_t nb, float* HWY_RESTRICT c, size_t ldc, size_t cols) {
  const size_t L = hn::Lanes(hn::ScalableTag<int32_t>());
  constexpr size_t kMR = HWY_TARGET <= HWY_AVX3 ? 4 : 2, kNV = 2;
  if (m == 1) {  // GEMV: the whole depth per tile, so y is written once
    constexpr size_t kNV1 = HWY_TARGET <= HWY_AVX3 ? 4 : 2;  // one pass over the group's stream
    for (size_t col = 0; col < cols; col += kNV1 * L)
      TileA8<1, kNV1, kW, kLookup, kF16>(p, a, 0, 0, nb, col, cols - col, c + col, ldc, false);
    return;
  }  // 2 * MR * NV + (W / 8 + 1) * NV vectors live
  constexpr size_t kKB = 8;  // blocks per k slice: the group's slice stays in L1 across row tiles
  for (size_t b0 = 0; b0 < nb; b0 += kKB) {
    const size_t b1 = std::min(nb, b0 + kKB);
    for (size_t col = 0; col < cols; col += kNV * L)
      for (size_t i = 0; i < m; i += kMR)
        ForRows<kMR>(m - i, [&](auto rows) LOWBIT_VNNI_ATTR {
          TileA8<decltype(rows)::value, kNV, kW, kLookup, kF16>(p, a, i, b0, b1, col, cols - col, c + i * ldc + col,
                                                                 ldc, b0 != 0);
        });
  }
}

template <int kW, bool kF16>
HWY_INLINE void PanelsF32Group(const kernels::detail::PanelGroup& p, const float* HWY_RESTRICT x, size_t ldx, size_t m,
                               size_t nb, float* HWY_RESTRICT c, size_t ldc, size_t cols) {
  const size_t L = hn::Lanes(hn::ScalableTag<float>());
  constexpr size_t kMR = HWY_TARGET <= HWY_AVX3 ? 6 : 4, kNV = HWY_TARGET <= HWY_AVX3 ? 4 : 2;
  constexpr size_t kKB = 2;  // blocks per panel: 64 x 64 f32 = 16 KiB in L1
  if (m == 1) return GemvF32Group<kW, kF16>(p, x, nb, c, cols);
  HWY_ALIGN float panel[kKB * kernels::detail::kPanelDepth * kernels::detail::kPanelCols];
  for (size_t b0 = 0; b0 < nb; b0 += kKB) {
    const size_t kb = std::min(kKB, nb - b0);
    // the next panel's codes stream in while this one is multiplied: perf put 16% of the time
    // on the decode's first loads (the weights come from L3 once per row pass)
    p.prefetch(b0 + kKB, b0 + 2 * kKB, nb);
    DecodePanel<kW, kF16>(p, b0, kb, panel);
    for (size_t col = 0; col < cols; col += kNV * L)
      for (size_t i = 0; i < m; i += kMR)
        ForRows<kMR>(m - i, [&](auto rows) {
          TileF32<decltype(rows)::value, kNV>(x + i * ldx + b0 * kernels::detail::kPanelDepth, ldx, kb * kernels::detail::kPanelDepth,
                                              panel, col, cols - col, c + i * ldc + col, ldc, b0 != 0);
        });
  }
}
#endif

/// C[m x cols] (ldc) = activations (Q8_0 blocks) x the group's weights; nb blocks deep.
LOWBIT_VNNI_ATTR inline void GemmPanelsA8Group(const kernels::detail::PanelGroup& p, const kernels::detail::Q8Blocks& a, size_t m,
                                               size_t nb, float* HWY_RESTRICT c, size_t ldc, size_t cols) {
#if HWY_TARGET == HWY_SCALAR
  kernels::detail::gemm_panels_a8_scalar(p, a, m, nb, c, ldc, cols);
#else
  const bool lookup = p.itable != nullptr;
  if (p.scales == nullptr) PanelsA8Group<4, false, true>(p, a, m, nb, c, ldc, cols);  // PackedQ4
  else if (p.width == 2) lookup ? PanelsA8Group<2, true, false>(p, a, m, nb, c, ldc, cols)
                                : PanelsA8Group<2, false, false>(p, a, m, nb, c, ldc, cols);
  else if (p.width == 4) lookup ? PanelsA8Group<4, true, false>(p, a, m, nb, c, ldc, cols)
                                : PanelsA8Group<4, false, false>(p, a, m, nb, c, ldc, cols);
  else PanelsA8Group<8, false, false>(p, a, m, nb, c, ldc, cols);
#endif
}

/// C[m x cols] (ldc) = X (m x 32 nb, ldx) x the group's weights decoded to f32.
inline void GemmPanelsF32Group(const kernels::detail::PanelGroup& p, const float* HWY_RESTRICT x, size_t ldx, size_t m, size_t nb,
                               float* HWY_RESTRICT c, size_t ldc, size_t cols) {
#if HWY_TARGET == HWY_SCALAR
  kernels::detail::gemm_panels_f32_scalar(p, x, ldx, m, nb, c, ldc, cols);
#else
  if (p.scales == nullptr) PanelsF32Group<4, true>(p, x, ldx, m, nb, c, ldc, cols);  // PackedQ4
  else if (p.width == 2) PanelsF32Group<2, false>(p, x, ldx, m, nb, c, ldc, cols);
  else if (p.width == 4) PanelsF32Group<4, false>(p, x, ldx, m, nb, c, ldc, cols);
  else PanelsF32Group<8, false>(p, x, ldx, m, nb, c, ldc, cols);
#endif
}

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
