// lowbit: the integer path of the panel GEMMs (W4A8 on PackedQ4, gemm_a8 on PackedPanels) on
// Intel AMX tiles, for m >= 16. A weight scale changes every 32 deep, so each tile product spans
// one block (K = 32; two of K = 16 for 16-deep groups) and is scaled into f32 before the next.
// tdpbssd multiplies s8 by s8:
//  - A tiles: 16 activation rows x one block's 32 codes;
//  - B tiles: 16 columns of the block's weight integers U - z0 as s8, in 8 rows of 4-deep quads.
//    The panels already are in that order (kernels/panels.hpp), so unpacking a k slice of the
//    group only splits the fields (and looks up U), once for all row tiles.
// Zero points (integers) are subtracted there too. So the tile product is exactly the block's sum
// a * (U - z0 - zp): the integer the vpdpbusd kernels form as isum - (z0 + zp) * sum(a). Each
// output then adds (scale * (da * unit)) * that integer in block order, as those kernels do, so
// the results are bit-identical to them. Panels whose weight integers leave -128..127 stay on the
// vpdpbusd kernels.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bits.hpp"
#include "lowbit/kernels/amx.hpp"  // first: it includes dispatch.hpp before <immintrin.h>
#include "lowbit/kernels/executor.hpp"
#include "lowbit/kernels/panels.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels::detail {

/// Whether the AMX kernel takes group p's weights: every weight integer U - z0 - zp within s8.
inline bool amx_panels_fit(const PanelGroup& p) noexcept {
  const bool zp = p.zero_points != nullptr;
  const float lo = -p.z0 - (zp ? p.zp_max : 0.0f), hi = -p.z0 - (zp ? p.zp_min : 0.0f);  // U - z0 - zp = U + [lo, hi]
  if (p.width == 8 && p.itable == nullptr) return lo >= -128.0f && p.u_max + hi <= 127.0f;  // codes are U
  for (unsigned code = 0; code < (1u << p.width); ++code) {
    const float u = static_cast<float>(p.itable != nullptr ? p.itable[code] : code);
    if (u + lo < -128.0f || u + hi > 127.0f) return false;
  }
  return true;
}

/// Rows [0, m) of Q8_0 activations as AMX A tiles: tile (rt, b) (16 rows, block b) at
/// (rt * nb + b) * 512 bytes; scales[(rt * nb + b) * 16 + r] = d * unit. Rows past m are 0.
struct AmxActivations {
  static constexpr std::size_t kTileBytes = kAmxRows * kPanelDepth;
  AlignedBuffer<std::uint8_t> tiles;
  AlignedBuffer<float> scales;
  AmxActivations(const Q8Blocks& a, std::size_t m, std::size_t nb, float unit, const Executor& ex)
      : tiles(div_ceil(m, kAmxRows) * nb * kTileBytes, AlignedBuffer<std::uint8_t>::Uninitialized{}),
        scales(div_ceil(m, kAmxRows) * nb * kAmxRows, AlignedBuffer<float>::Uninitialized{}) {
    ex.parallel_for(div_ceil(m, kAmxRows), [&](std::size_t rt) {
      for (std::size_t b = 0; b < nb; ++b) {
        std::uint8_t* tile = tiles.data() + (rt * nb + b) * kTileBytes;
        float* d = scales.data() + (rt * nb + b) * kAmxRows;
        for (std::size_t r = 0; r < kAmxRows; ++r) {
          const std::size_t i = rt * kAmxRows + r;
          if (i < m) std::memcpy(tile + r * kPanelDepth, a.q + i * a.ldq + b * kPanelDepth, kPanelDepth);
          else std::memset(tile + r * kPanelDepth, 0, kPanelDepth);
          d[r] = i < m ? a.d[i * a.lds + b] * unit : 0.0f;
        }
      }
    });
  }
};

#if LOWBIT_HAVE_AMX
#define LOWBIT_AMX512_ATTR __attribute__((target("amx-tile,amx-int8,avx512f,avx512bw")))

/// A k slice of one group, unpacked for the B tiles: per block, 8 quads x 64 columns x 4 s8
/// (U - z0 - zp), and the columns' scales per block half (kH halves: 16-deep groups).
struct AmxSlice {
  static constexpr std::size_t kBlocks = 8;  // 20 KiB: stays in L1 across the row tiles
  alignas(64) std::int8_t w[kBlocks][8 * 256];
  alignas(64) float dw[2 * kBlocks][kPanelCols];  // [b * kH + h]
};

template <int kW, int kH>
LOWBIT_AMX512_ATTR inline void amx_unpack(const PanelGroup& p, std::size_t b0, std::size_t nblk, AmxSlice& s) noexcept {
  const __m512i mask = _mm512_set1_epi8(static_cast<char>((1u << kW) - 1));
  const __m512i z0 = _mm512_set1_epi8(static_cast<char>(static_cast<int>(p.z0)));
  const __m512i table = p.itable != nullptr ? _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p.itable)))
                                            : _mm512_setzero_si512();
  for (std::size_t b = 0; b < nblk; ++b) {
    const std::uint8_t* blk = p.block(b0 + b);
    __m512i zp[kH][4];  // each column's zero point in its four bytes
    for (int h = 0; h < kH; ++h)
      for (int part = 0; part < 4; ++part) {
        const std::size_t row = p.param_row(b0 + b, h * kPanelDepth / kH);
        zp[h][part] = p.zero_points == nullptr
                          ? _mm512_setzero_si512()
                          : _mm512_mullo_epi32(_mm512_cvtps_epi32(_mm512_loadu_ps(p.zero_points + row * kPanelCols + 16 * part)),
                                               _mm512_set1_epi32(0x01010101));
        const __m512 dw = p.scales != nullptr
                              ? _mm512_loadu_ps(p.scales + row * kPanelCols + 16 * part)
                              : _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + p.f16_scales + 32 * part)));
        _mm512_store_ps(s.dw[b * kH + h] + 16 * part, dw);
      }
    for (int step = 0; step < kW; ++step)
      for (int part = 0; part < 4; ++part) {
        const __m512i w = _mm512_loadu_si512(blk + step * 256 + part * 64);
        for (int f = 0; f < 8 / kW; ++f) {
          __m512i u = kW == 8 ? w : _mm512_and_si512(_mm512_srl_epi16(w, _mm_cvtsi32_si128(kW * f)), mask);
          if (p.itable != nullptr) u = _mm512_shuffle_epi8(table, u);
          const int quad = step * (8 / kW) + f;  // depths 4 quad .. 4 quad + 3
          _mm512_store_si512(s.w[b] + quad * 256 + part * 64,
                             _mm512_sub_epi8(_mm512_sub_epi8(u, z0), zp[quad * kH / 8][part]));  // mod 256: exact in s8
        }
      }
  }
}

/// C[m x cols] (ldc) = the activations (as AmxActivations, nb blocks) x group p's weights, one
/// tile product per block half (kH: p.halves).
template <int kW, int kH>
LOWBIT_AMX512_ATTR inline void gemm_panels_a8_group_amx(const PanelGroup& p, const AmxActivations& a, std::size_t m,
                                                        std::size_t nb, float* c, std::size_t ldc,
                                                        std::size_t cols) noexcept {
  AmxTileConfig cfg;
  for (int set = 0; set < 2; ++set) {  // two tile sets: block b + 1's product overlaps block b's scaling
    cfg.colsb[3 * set] = 64, cfg.rows[3 * set] = 16;                         // C: 16 rows x 16 int32
    cfg.colsb[3 * set + 1] = kPanelDepth / kH, cfg.rows[3 * set + 1] = 16;  // A: 16 rows x 32 / kH s8
    cfg.colsb[3 * set + 2] = 64, cfg.rows[3 * set + 2] = 8 / kH;            // B: quads x 16 columns x 4 s8
  }
  _tile_loadconfig(&cfg);
  AmxSlice s;
  alignas(64) std::int32_t prod[2][kAmxRows * 16];
  const std::size_t row_tiles = div_ceil(m, kAmxRows);
  for (std::size_t b0 = 0; b0 < nb; b0 += AmxSlice::kBlocks) {
    const std::size_t nblk = std::min(AmxSlice::kBlocks, nb - b0);
    amx_unpack<kW, kH>(p, b0, nblk, s);
    // the next slice's panels stream in while this one is multiplied (the unpack stalled on them)
    p.prefetch(b0 + nblk, b0 + nblk + AmxSlice::kBlocks, nb);
    for (std::size_t rt = 0; rt < row_tiles; ++rt) {
      const std::size_t rows = std::min(kAmxRows, m - rt * kAmxRows);
      const std::uint8_t* a_tiles = a.tiles.data() + (rt * nb + b0) * AmxActivations::kTileBytes;
      const float* da = a.scales.data() + (rt * nb + b0) * kAmxRows;
      for (std::size_t ct = 0; ct * 16 < cols; ++ct) {
        const __mmask16 colmask = cols - ct * 16 >= 16 ? 0xffff : static_cast<__mmask16>((1u << (cols - ct * 16)) - 1);
        float* ct_c = c + rt * kAmxRows * ldc + ct * 16;
        __m512 acc[kAmxRows];
#pragma GCC unroll 16
        for (std::size_t r = 0; r < kAmxRows; ++r)
          acc[r] = b0 != 0 && r < rows ? _mm512_maskz_loadu_ps(colmask, ct_c + r * ldc) : _mm512_setzero_ps();
// Product q's (block q / kH, half q % kH) tile product into tile set C (C, A = C + 1, B = C + 2),
// then prod[set]. GCC's tile intrinsics paste their tile numbers into the assembly: literals only,
// hence a macro.
#define LOWBIT_AMX_PRODUCT(C, A, B, set, q)                                                                    \
  do {                                                                                                         \
    const std::size_t pb_ = (q) / kH, ph_ = (q) % kH;                                                          \
    _tile_zero(C);                                                                                             \
    _tile_loadd(A, a_tiles + pb_ * AmxActivations::kTileBytes + ph_ * kPanelDepth / kH, static_cast<long>(kPanelDepth)); \
    _tile_loadd(B, s.w[pb_] + ph_ * (8 / kH) * 256 + 64 * ct, 256);                                            \
    _tile_dpbssd(C, A, B);                                                                                     \
    _tile_stored(C, prod[set], 64);                                                                            \
  } while (0)
        const std::size_t products = nblk * kH;
        LOWBIT_AMX_PRODUCT(0, 1, 2, 0, 0);
        for (std::size_t q = 0; q < products; ++q) {
          if (q + 1 < products) {
            if ((q & 1) == 0) LOWBIT_AMX_PRODUCT(3, 4, 5, 1, q + 1);
            else LOWBIT_AMX_PRODUCT(0, 1, 2, 0, q + 1);
          }
          const std::int32_t* pq = prod[q & 1];
          const __m512 dw = _mm512_load_ps(s.dw[q] + 16 * ct);
          const float* dab = da + q / kH * kAmxRows;
#pragma GCC unroll 16
          for (std::size_t r = 0; r < kAmxRows; ++r)
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(dab[r])), _mm512_cvtepi32_ps(_mm512_load_si512(pq + 16 * r)),
                                     acc[r]);
        }
#pragma GCC unroll 16
        for (std::size_t r = 0; r < kAmxRows; ++r)
          if (r < rows) _mm512_mask_storeu_ps(ct_c + r * ldc, colmask, acc[r]);
#undef LOWBIT_AMX_PRODUCT
      }
    }
  }
  _tile_release();
}

/// The AMX kernel for group p's code width.
inline void gemm_panels_a8_amx(const PanelGroup& p, const AmxActivations& a, std::size_t m, std::size_t nb, float* c,
                               std::size_t ldc, std::size_t cols) noexcept {
  const auto with_width = [&]<int kW>() {
    if (p.halves == 2) gemm_panels_a8_group_amx<kW, 2>(p, a, m, nb, c, ldc, cols);
    else gemm_panels_a8_group_amx<kW, 1>(p, a, m, nb, c, ldc, cols);
  };
  if (p.width == 2) with_width.template operator()<2>();
  else if (p.width == 4) with_width.template operator()<4>();
  else with_width.template operator()<8>();
}
#endif
}  // namespace kernels::detail
LOWBIT_END_NAMESPACE
