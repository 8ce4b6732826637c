// lowbit: the panel GEMMs (PackedQ4, PackedPanels) on Intel AMX tiles, for m >= 16 and weights
// whose integers U - z0 - zp fit s8. A weight scale changes every 32 deep, so each tile product
// spans one block (K = 32; two of K = 16 for 16-deep groups) and is scaled into f32 before the
// next. B tiles: 16 columns of the block's weight integers, unpacked once per k slice of a group
// for all row tiles (the panels already are in quad order, kernels/panels.hpp: unpacking splits
// the fields, looks up U and subtracts z0 and the zero points).
//  - Integer path (W4A8, gemm_a8): tdpbssd of the Q8_0 activation codes by the s8 integers. The
//    tile holds exactly the block's sum a * (U - z0 - zp): the integer the vpdpbusd kernels form
//    as isum - (z0 + zp) * sum(a). Each output then adds (scale * (da * unit)) * that integer in
//    block order, as those kernels do, so the results are bit-identical to them.
//  - Weight-only (gemm_f32, gemm_q4_f32): tdpbf16ps of the f32 activations, split exactly into
//    three bf16 parts, by the integers as bf16 (exact): three products into one tile, smallest
//    part first, so only the 32 additions of the largest carry f32 rounding; then
//    acc += (scale * unit) * tile in block order (one FMA). The sum stays within the FMA path's
//    bound, (k + 2) * 2^-24 * sum |x * w|; AMX reads bf16 and f32 values below 2^-126 as 0, so
//    activations below 2^-103 in magnitude lose their smallest part.
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

/// One row pass of activations as AMX A tiles, rows past m zero: per 16-row tile rt and block b,
/// `parts` tiles of 16 rows x row_bytes.
///  - integer path: the Q8_0 codes (one part, 32 bytes a row); scales[(rt * nb + b) * 16 + r] =
///    d * unit;
///  - weight-only path: X split exactly into three bf16 parts, hi + mid + lo (three parts, 64 bytes
///    a row). Each part is the top 8 significant bits of what the parts before it left, so the
///    sum is x itself (for |x| >= 2^-110; AMX reads smaller parts as 0).
struct AmxActivations {
  std::size_t nb = 0, parts = 1, row_bytes = kPanelDepth;
  AlignedBuffer<std::uint8_t> tiles;
  AlignedBuffer<float> scales;

  AmxActivations(const Q8Blocks& a, std::size_t m, std::size_t blocks, float unit, const Executor& ex)
      : AmxActivations(m, blocks, 1, kPanelDepth) {
    scales = AlignedBuffer<float>(div_ceil(m, kAmxRows) * nb * kAmxRows, AlignedBuffer<float>::Uninitialized{});
    ex.parallel_for(div_ceil(m, kAmxRows), [&](std::size_t rt) {
      for (std::size_t b = 0; b < nb; ++b) {
        std::uint8_t* t = tile(rt, b);
        float* d = scales.data() + (rt * nb + b) * kAmxRows;
        for (std::size_t r = 0; r < kAmxRows; ++r) {
          const std::size_t i = rt * kAmxRows + r;
          if (i < m) std::memcpy(t + r * kPanelDepth, a.q + i * a.ldq + b * kPanelDepth, kPanelDepth);
          else std::memset(t + r * kPanelDepth, 0, kPanelDepth);
          d[r] = i < m ? a.d[i * a.lds + b] * unit : 0.0f;
        }
      }
    });
  }
  /// The weight-only path's tiles of rows [0, m) of x (ldx; 32 nb columns).
  AmxActivations(const float* x, std::size_t ldx, std::size_t m, std::size_t blocks, const Executor& ex);

  std::uint8_t* tile(std::size_t rt, std::size_t b, std::size_t part = 0) noexcept {
    return tiles.data() + ((rt * nb + b) * parts + part) * kAmxRows * row_bytes;
  }
  const std::uint8_t* tile(std::size_t rt, std::size_t b, std::size_t part = 0) const noexcept {
    return tiles.data() + ((rt * nb + b) * parts + part) * kAmxRows * row_bytes;
  }

 private:
  AmxActivations(std::size_t m, std::size_t blocks, std::size_t n_parts, std::size_t bytes)
      : nb(blocks), parts(n_parts), row_bytes(bytes),
        tiles(div_ceil(m, kAmxRows) * nb * parts * kAmxRows * row_bytes, AlignedBuffer<std::uint8_t>::Uninitialized{}) {}
};

#if LOWBIT_HAVE_AMX
#define LOWBIT_AMX512_ATTR __attribute__((target("amx-tile,amx-int8,amx-bf16,avx512f,avx512bw")))

/// Row tile rt of the weight-only A tiles (see AmxActivations).
LOWBIT_AMX512_ATTR inline void amx_split_bf16(const float* x, std::size_t ldx, std::size_t m, std::size_t rt,
                                              AmxActivations& a) noexcept {
  const __m512i top = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  const auto trunc = [&](__m512 v) LOWBIT_AMX512_ATTR { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), top)); };
  alignas(64) static constexpr std::uint16_t kOdd[32] = {1,  3,  5,  7,  9,  11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31,
                                                         33, 35, 37, 39, 41, 43, 45, 47, 49, 51, 53, 55, 57, 59, 61, 63};
  const __m512i high_words = _mm512_load_si512(kOdd);  // the bf16 of 32 truncated floats: their high words
  for (std::size_t r = 0; r < kAmxRows; ++r) {
    const std::size_t i = rt * kAmxRows + r;
    for (std::size_t b = 0; b < a.nb; ++b) {
      __m512i part[3];
      if (i < m) {
        __m512 p[3][2];
        for (int h = 0; h < 2; ++h) {
          const __m512 v = _mm512_loadu_ps(x + i * ldx + b * kPanelDepth + 16 * h);
          p[0][h] = trunc(v);
          const __m512 rest = _mm512_sub_ps(v, p[0][h]);  // exact, as is the next
          p[1][h] = trunc(rest);
          p[2][h] = trunc(_mm512_sub_ps(rest, p[1][h]));
        }
        for (int q = 0; q < 3; ++q)
          part[q] = _mm512_permutex2var_epi16(_mm512_castps_si512(p[q][0]), high_words, _mm512_castps_si512(p[q][1]));
      } else {
        for (int q = 0; q < 3; ++q) part[q] = _mm512_setzero_si512();
      }
      for (std::size_t q = 0; q < 3; ++q) _mm512_store_si512(a.tile(rt, b, q) + r * 64, part[q]);
    }
  }
}

inline AmxActivations::AmxActivations(const float* x, std::size_t ldx, std::size_t m, std::size_t blocks,
                                      const Executor& ex)
    : AmxActivations(m, blocks, 3, 2 * kPanelDepth) {
  ex.parallel_for(div_ceil(m, kAmxRows), [&](std::size_t rt) { amx_split_bf16(x, ldx, m, rt, *this); });
}

/// A k slice of one group, unpacked for the B tiles, and the columns' scales per block half (kH
/// halves: 16-deep groups). Per block, the weight integers U - z0 - zp: 8 rows of 4-deep quads x 64
/// columns as s8 (integer path), or 16 rows of 2-deep pairs x 64 columns as bf16 (weight-only).
template <bool kBf16>
struct AmxSlice {
  static constexpr std::size_t kBlocks = kBf16 ? 4 : 8;  // 16 KiB: stays in L1 across the row tiles
  alignas(64) std::uint8_t w[kBlocks][kBf16 ? 4096 : 2048];
  alignas(64) float dw[2 * kBlocks][kPanelCols];  // [b * kH + h]; weight-only: times unit
};

/// Quad row q of s8 weight integers (64 columns x 4 depths) as pair rows 2q, 2q + 1 of bf16.
LOWBIT_AMX512_ATTR inline void amx_quads_to_bf16(const std::int8_t* quads, std::uint8_t* pairs) noexcept {
  alignas(64) static constexpr std::uint16_t kIdx[32] = {1,  3,  9,  11, 17, 19, 25, 27, 33, 35, 41, 43, 49, 51, 57, 59,
                                                         5,  7,  13, 15, 21, 23, 29, 31, 37, 39, 45, 47, 53, 55, 61, 63};
  const __m512i idx = _mm512_load_si512(kIdx);  // per column: depths 0, 1, then depths 2, 3 (high words)
  for (int part = 0; part < 4; ++part) {  // 16 columns
    __m512i f[4];
    for (int j = 0; j < 4; ++j)  // columns 4j..4j+3 as f32: small integers, so their bf16 is the top half
      f[j] = _mm512_castps_si512(_mm512_cvtepi32_ps(
          _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(quads + 64 * part + 16 * j)))));
    const __m512i lo = _mm512_permutex2var_epi16(f[0], idx, f[1]), hi = _mm512_permutex2var_epi16(f[2], idx, f[3]);
    _mm512_store_si512(pairs + 64 * part, _mm512_shuffle_i64x2(lo, hi, 0x44));
    _mm512_store_si512(pairs + 256 + 64 * part, _mm512_shuffle_i64x2(lo, hi, 0xee));
  }
}
template <int kW, int kH, bool kBf16>
LOWBIT_AMX512_ATTR inline void amx_unpack(const PanelGroup& p, std::size_t b0, std::size_t nblk, AmxSlice<kBf16>& s) noexcept {
  const __m512i mask = _mm512_set1_epi8(static_cast<char>((1u << kW) - 1));
  const __m512i z0 = _mm512_set1_epi8(static_cast<char>(static_cast<int>(p.z0)));
  const __m512i table = p.itable != nullptr ? _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p.itable)))
                                            : _mm512_setzero_si512();
  alignas(64) std::int8_t quads[kBf16 ? 8 * 256 : 1];
  for (std::size_t b = 0; b < nblk; ++b) {
    const std::uint8_t* blk = p.block(b0 + b);
    std::int8_t* out = kBf16 ? quads : reinterpret_cast<std::int8_t*>(s.w[b]);
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
        _mm512_store_ps(s.dw[b * kH + h] + 16 * part, kBf16 ? _mm512_mul_ps(dw, _mm512_set1_ps(p.unit)) : dw);
      }
    for (int step = 0; step < kW; ++step)
      for (int part = 0; part < 4; ++part) {
        const __m512i w = _mm512_loadu_si512(blk + step * 256 + part * 64);
        for (int f = 0; f < 8 / kW; ++f) {
          __m512i u = kW == 8 ? w : _mm512_and_si512(_mm512_srl_epi16(w, _mm_cvtsi32_si128(kW * f)), mask);
          if (p.itable != nullptr) u = _mm512_shuffle_epi8(table, u);
          const int quad = step * (8 / kW) + f;  // depths 4 quad .. 4 quad + 3
          _mm512_store_si512(out + quad * 256 + part * 64,
                             _mm512_sub_epi8(_mm512_sub_epi8(u, z0), zp[quad * kH / 8][part]));  // mod 256: exact in s8
        }
      }
    if constexpr (kBf16)
      for (int quad = 0; quad < 8; ++quad) amx_quads_to_bf16(quads + quad * 256, s.w[b] + quad * 512);
  }
}

/// C[m x cols] (ldc) = the activations (AmxActivations, nb blocks) x group p's weights, per block
/// half (kH: p.halves) one tile product (integer path: tdpbssd) or three (weight-only: tdpbf16ps
/// of the lo, mid and hi parts, small first, into one tile), then scaled into f32.
template <bool kBf16, int kW, int kH>
LOWBIT_AMX512_ATTR inline void gemm_panels_group_amx(const PanelGroup& p, const AmxActivations& a, std::size_t m,
                                                     std::size_t nb, float* c, std::size_t ldc, std::size_t cols) noexcept {
  constexpr std::size_t kPairRows = kBf16 ? 16 / kH : 8 / kH;  // B tile rows: 2-deep bf16 pairs or 4-deep s8 quads
  AmxTileConfig cfg;
  for (int set = 0; set < 2; ++set) {  // two tile sets: block b + 1's product overlaps block b's scaling
    cfg.colsb[3 * set] = 64, cfg.rows[3 * set] = 16;                                                  // C: 16 x 16 32-bit
    cfg.colsb[3 * set + 1] = static_cast<std::uint16_t>(a.row_bytes / kH), cfg.rows[3 * set + 1] = 16;  // A
    cfg.colsb[3 * set + 2] = 64, cfg.rows[3 * set + 2] = kPairRows;                                    // B
  }
  _tile_loadconfig(&cfg);
  AmxSlice<kBf16> s;
  alignas(64) std::int32_t prod[2][kAmxRows * 16];
  const std::size_t row_tiles = div_ceil(m, kAmxRows);
  for (std::size_t b0 = 0; b0 < nb; b0 += AmxSlice<kBf16>::kBlocks) {
    const std::size_t nblk = std::min(AmxSlice<kBf16>::kBlocks, nb - b0);
    amx_unpack<kW, kH>(p, b0, nblk, s);
    // the next slice's panels stream in while this one is multiplied (the unpack stalled on them)
    p.prefetch(b0 + nblk, b0 + nblk + AmxSlice<kBf16>::kBlocks, nb);
    for (std::size_t rt = 0; rt < row_tiles; ++rt) {
      const std::size_t rows = std::min(kAmxRows, m - rt * kAmxRows);
      const float* da = kBf16 ? nullptr : a.scales.data() + (rt * nb + b0) * kAmxRows;
      for (std::size_t ct = 0; ct * 16 < cols; ++ct) {
        const __mmask16 colmask = cols - ct * 16 >= 16 ? 0xffff : static_cast<__mmask16>((1u << (cols - ct * 16)) - 1);
        float* ct_c = c + rt * kAmxRows * ldc + ct * 16;
        __m512 acc[kAmxRows];
#pragma GCC unroll 16
        for (std::size_t r = 0; r < kAmxRows; ++r)
          acc[r] = b0 != 0 && r < rows ? _mm512_maskz_loadu_ps(colmask, ct_c + r * ldc) : _mm512_setzero_ps();
// Product q's (block q / kH, half q % kH) tile product(s) into tile set C (C, A = C + 1, B = C + 2),
// then prod[set]. GCC's tile intrinsics paste their tile numbers into the assembly: literals only,
// hence a macro.
#define LOWBIT_AMX_PRODUCT(C, A, B, set, q)                                                                   \
  do {                                                                                                        \
    const std::size_t pb_ = (q) / kH, ph_ = (q) % kH;                                                         \
    const long lda_ = static_cast<long>(a.row_bytes);                                                         \
    _tile_zero(C);                                                                                            \
    _tile_loadd(B, s.w[pb_] + ph_ * kPairRows * 256 + 64 * ct, 256);                                          \
    if constexpr (kBf16) {                                                                                    \
      for (std::size_t part_ = 3; part_-- > 0;) {                                                             \
        _tile_loadd(A, a.tile(rt, b0 + pb_, part_) + ph_ * a.row_bytes / kH, lda_);                           \
        _tile_dpbf16ps(C, A, B);                                                                              \
      }                                                                                                       \
    } else {                                                                                                  \
      _tile_loadd(A, a.tile(rt, b0 + pb_) + ph_ * a.row_bytes / kH, lda_);                                    \
      _tile_dpbssd(C, A, B);                                                                                  \
    }                                                                                                         \
    _tile_stored(C, prod[set], 64);                                                                           \
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
          if constexpr (kBf16) {
#pragma GCC unroll 16
            for (std::size_t r = 0; r < kAmxRows; ++r)
              acc[r] = _mm512_fmadd_ps(dw, _mm512_load_ps(reinterpret_cast<const float*>(pq) + 16 * r), acc[r]);
          } else {
            const float* dab = da + q / kH * kAmxRows;
#pragma GCC unroll 16
            for (std::size_t r = 0; r < kAmxRows; ++r)
              acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(dab[r])),
                                       _mm512_cvtepi32_ps(_mm512_load_si512(pq + 16 * r)), acc[r]);
          }
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

/// The AMX kernel for group p's code width and halves: integer path (kBf16 false) or weight-only.
template <bool kBf16>
inline void gemm_panels_amx(const PanelGroup& p, const AmxActivations& a, std::size_t m, std::size_t nb, float* c,
                            std::size_t ldc, std::size_t cols) noexcept {
  const auto with_width = [&]<int kW>() {
    if (p.halves == 2) gemm_panels_group_amx<kBf16, kW, 2>(p, a, m, nb, c, ldc, cols);
    else gemm_panels_group_amx<kBf16, kW, 1>(p, a, m, nb, c, ldc, cols);
  };
  if (p.width == 2) with_width.template operator()<2>();
  else if (p.width == 4) with_width.template operator()<4>();
  else with_width.template operator()<8>();
}
#endif
}  // namespace kernels::detail
LOWBIT_END_NAMESPACE
