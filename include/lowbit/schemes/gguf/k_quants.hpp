// lowbit: ggml's K-quants: 256-element super-blocks of 16 or 32-element sub-blocks whose scales
// (and mins) are quantized against an f16 super-block scale: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, and
// the activation format Q8_K they are dotted with. Quantization reproduces
// quantize_row_*_ref byte for byte, including the make_q*_quants searches (common.hpp).
#pragma once

#include <cstring>

#include "lowbit/schemes/gguf/common.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace gguf {

namespace detail {
/// 2-bit fields of 256 codes: byte 32c + l holds elements 128c + l + 32n at bits 2n (n = 0..3).
inline void pack_2bit(const std::uint8_t* L, std::uint8_t* qs) noexcept {
  for (std::size_t c = 0; c < kQK_K; c += 128)
    for (std::size_t l = 0; l < 32; ++l)
      qs[c / 4 + l] = static_cast<std::uint8_t>(L[c + l] | (L[c + l + 32] << 2) | (L[c + l + 64] << 4) |
                                                (L[c + l + 96] << 6));
}
inline int get_2bit(const std::uint8_t* qs, std::size_t i) noexcept {
  const std::size_t c = i / 128, n = (i % 128) / 32, l = i % 32;
  return (qs[32 * c + l] >> (2 * n)) & 3;
}
/// Q4_K/Q5_K's 12-byte field of eight 6-bit scales and eight 6-bit mins.
inline void pack_scale_min_k4(const std::uint8_t* ls, const std::uint8_t* lm, std::uint8_t* scales) noexcept {
  std::memset(scales, 0, 12);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      scales[j] = ls[j];
      scales[j + 4] = lm[j];
    } else {
      scales[j + 4] = static_cast<std::uint8_t>((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      scales[j - 4] |= static_cast<std::uint8_t>((ls[j] >> 4) << 6);
      scales[j] |= static_cast<std::uint8_t>((lm[j] >> 4) << 6);
    }
  }
}
/// All eight scales and mins of a Q4_K/Q5_K scales field (sc below 64, so int8 holds it).
inline void sub_scales_k4(const std::uint8_t* field, std::int8_t* sc, std::uint8_t* m) noexcept {
  for (int j = 0; j < 8; ++j) {
    std::uint8_t s = 0;
    get_scale_min_k4(j, field, s, m[j]);
    sc[j] = static_cast<std::int8_t>(s);
  }
}

/// The Q4_K / Q5_K sub-block searches (they differ in nmax and the search parameters): each
/// 32-element sub-block's scale, -min and codes in [0, nmax]. (kernels/ has a SIMD twin.)
template <int kNmax>
void search_k4(const float* x, float* scales, float* mins, std::uint8_t* L, float rmin, int nstep) noexcept {
  std::uint8_t Laux[32];
  float weights[32];
  for (int j = 0; j < 8; ++j) {
    float sum_x2 = 0.0f;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = make_qkx2_quants(32, kNmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep, false);
  }
}
/// The rest of the Q4_K / Q5_K quantizer: d, dmin and the 6-bit scales field from the
/// searched scales, then the codes again with the stored values.
template <int kNmax>
void finish_k4(const float* x, const float* scales, const float* mins, std::uint16_t& d16, std::uint16_t& dmin16,
               std::uint8_t* scales_field, std::uint8_t* L) noexcept {
  float max_scale = 0.0f, max_min = 0.0f;
  for (int j = 0; j < 8; ++j) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  std::uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    ls[j] = std::min<std::uint8_t>(63, static_cast<std::uint8_t>(nearest_int(inv_scale * scales[j])));
    lm[j] = std::min<std::uint8_t>(63, static_cast<std::uint8_t>(nearest_int(inv_min * mins[j])));
  }
  pack_scale_min_k4(ls, lm, scales_field);
  d16 = to_f16(max_scale / 63.0f);
  dmin16 = to_f16(max_min / 63.0f);
  for (int j = 0; j < 8; ++j) {
    std::uint8_t sc = 0, m = 0;
    get_scale_min_k4(j, scales_field, sc, m);
    const float d = from_f16(d16) * static_cast<float>(sc);
    if (d == 0.0f) continue;
    const float dm = from_f16(dmin16) * static_cast<float>(m);
    for (int ii = 0; ii < 32; ++ii)
      L[32 * j + ii] = static_cast<std::uint8_t>(std::max(0, std::min(kNmax, nearest_int((x[32 * j + ii] + dm) / d))));
  }
}
/// Q2_K/Q4_K/Q5_K's quantize: the sub-block search, then the block from its results.
template <class B>
void quantize_by_search(const float* x, B& b) noexcept {
  std::uint8_t L[kQK_K];
  float scales[16], mins[16];
  B::search(x, scales, mins, L);
  B::from_search(x, scales, mins, L, b);
}
}  // namespace detail

/// Activations for the K-quant dot products: d = -max / 127 (f32; negative when the signed
/// extreme is positive), q = min(127, nearest(x / d)), bsums = sums of 16 codes.
struct Q8_K {
  static constexpr std::size_t kElems = kQK_K, kBytes = 292;
  static constexpr const char* name = "q8_k";
  float d;
  std::int8_t qs[kQK_K];
  std::int16_t bsums[kQK_K / 16];

  static void quantize(const float* x, Q8_K& b) noexcept {
    float amax = 0.0f;
    const float max = signed_absmax(x, kQK_K, &amax);
    b = Q8_K{};
    if (amax == 0.0f) return;
    const float iscale = -127.0f / max;
    for (std::size_t j = 0; j < kQK_K; ++j) b.qs[j] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * x[j])));
    for (std::size_t j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (std::size_t i = 0; i < 16; ++i) sum += b.qs[16 * j + i];
      b.bsums[j] = static_cast<std::int16_t>(sum);
    }
    b.d = 1 / iscale;
  }
  static void dequantize(const Q8_K& b, float* y) noexcept {
    for (std::size_t j = 0; j < kQK_K; ++j) y[j] = b.d * static_cast<float>(b.qs[j]);
  }
};

/// 2.625 bits: 16 x 16, x = d * sc * q - dmin * m with 4-bit sc, m and q in [0, 3].
struct Q2_K {
  static constexpr std::size_t kElems = kQK_K, kBytes = 84;
  static constexpr const char* name = "q2_k";
  using partner = Q8_K;
  std::uint8_t scales[16];  ///< low nibble scale, high nibble min
  std::uint8_t qs[64];
  std::uint16_t d, dmin;

  // The anatomy the dots and the SIMD kernels share: x = d*sc*(ucode - kOffset) - dmin*m.
  static constexpr std::size_t kSub = 16;
  static constexpr int kOffset = 0;
  static int ucode(const Q2_K& b, std::size_t i) noexcept { return detail::get_2bit(b.qs, i); }
  static void sub_scales(const Q2_K& b, std::int8_t* sc, std::uint8_t* m) noexcept {
    for (std::size_t j = 0; j < 16; ++j) {
      sc[j] = static_cast<std::int8_t>(b.scales[j] & 0xF);
      m[j] = static_cast<std::uint8_t>(b.scales[j] >> 4);
    }
  }

  static void quantize(const float* x, Q2_K& b) noexcept { detail::quantize_by_search(x, b); }
  /// Each 16-element sub-block's scale, -min and codes (kernels/ has a SIMD twin).
  static void search(const float* x, float* scales, float* mins, std::uint8_t* L) noexcept {
    std::uint8_t Laux[16];
    float weights[16];
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, true);
    }
  }
  /// The block from its sub-block search (x, and the scales, -mins and codes it found).
  LOWBIT_REFERENCE_CODEGEN static void from_search(const float* x, const float* scales, const float* mins,
                                                   std::uint8_t* L, Q2_K& b) noexcept {
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < 16; ++j) {
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = 15.0f / max_scale;
      for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<std::uint8_t>(nearest_int(iscale * scales[j]));
      b.d = to_f16(max_scale / 15.0f);
    } else {
      std::memset(b.scales, 0, 16);
      b.d = to_f16(0.0f);
    }
    if (max_min > 0) {
      const float iscale = 15.0f / max_min;
      for (int j = 0; j < 16; ++j) b.scales[j] |= static_cast<std::uint8_t>(nearest_int(iscale * mins[j]) << 4);
      b.dmin = to_f16(max_min / 15.0f);
    } else {
      b.dmin = to_f16(0.0f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = from_f16(b.d) * static_cast<float>(b.scales[j] & 0xF);
      if (d == 0.0f) continue;
      const float dm = from_f16(b.dmin) * static_cast<float>(b.scales[j] >> 4);
      for (int ii = 0; ii < 16; ++ii)
        L[16 * j + ii] = static_cast<std::uint8_t>(std::max(0, std::min(3, nearest_int((x[16 * j + ii] + dm) / d))));
    }
    detail::pack_2bit(L, b.qs);
  }
  static void dequantize(const Q2_K& b, float* y) noexcept {
    const float d = from_f16(b.d), min = from_f16(b.dmin);
    for (std::size_t i = 0; i < kQK_K; ++i) {
      const std::uint8_t sc = b.scales[i / 16];
      y[i] = d * static_cast<float>(sc & 0xF) * static_cast<float>(detail::get_2bit(b.qs, i)) -
             min * static_cast<float>(sc >> 4);
    }
  }
};

/// 3.4375 bits: 16 x 16, x = d * (sc - 32) * q with 6-bit sc and q in [-4, 3]; q's high bit is
/// in hmask (set means +0, clear means -4).
struct Q3_K {
  static constexpr std::size_t kElems = kQK_K, kBytes = 110;
  static constexpr const char* name = "q3_k";
  using partner = Q8_K;
  std::uint8_t hmask[32];
  std::uint8_t qs[64];
  std::uint8_t scales[12];
  std::uint16_t d;

  static int scale(const Q3_K& b, int j) noexcept {
    const int lo = j < 8 ? b.scales[j] & 0xF : b.scales[j - 8] >> 4;
    return (lo | (((b.scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
  }
  static constexpr std::size_t kSub = 16;
  static constexpr int kOffset = 4;
  static int ucode(const Q3_K& b, std::size_t i) noexcept {
    return detail::get_2bit(b.qs, i) | (((b.hmask[i % 32] >> (i / 32)) & 1) << 2);
  }
  static void sub_scales(const Q3_K& b, std::int8_t* sc, std::uint8_t* m) noexcept {
    for (int j = 0; j < 16; ++j) sc[j] = static_cast<std::int8_t>(scale(b, j)), m[j] = 0;
  }
  static void quantize(const float* x, Q3_K& b) noexcept {
    std::int8_t L[kQK_K];
    float scales[16];
    search(x, scales, L);
    from_search(x, scales, L, b);
  }
  /// Each 16-element sub-block's signed scale and codes + 4 (kernels/ has a SIMD twin).
  static void search(const float* x, float* scales, std::int8_t* L) noexcept {
    for (int j = 0; j < 16; ++j) scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
  }
  /// The block from its sub-block search.
  LOWBIT_REFERENCE_CODEGEN static void from_search(const float* x, const float* scales, std::int8_t* L,
                                                   Q3_K& b) noexcept {
    float max_scale = 0.0f, amax = 0.0f;
    for (int j = 0; j < 16; ++j) {
      const float s = std::fabs(scales[j]);
      if (s > amax) {
        amax = s;
        max_scale = scales[j];
      }
    }
    std::memset(b.scales, 0, 12);
    if (max_scale != 0.0f) {
      const float iscale = -32.0f / max_scale;
      for (int j = 0; j < 16; ++j) {
        auto l = static_cast<std::int8_t>(nearest_int(iscale * scales[j]));
        l = static_cast<std::int8_t>(std::max<int>(-32, std::min<int>(31, l)) + 32);
        if (j < 8) b.scales[j] = static_cast<std::uint8_t>(l & 0xF);
        else b.scales[j - 8] |= static_cast<std::uint8_t>((l & 0xF) << 4);
        l = static_cast<std::int8_t>(l >> 4);
        b.scales[j % 4 + 8] |= static_cast<std::uint8_t>(l << (2 * (j / 4)));
      }
      b.d = to_f16(1 / iscale);
    } else {
      b.d = to_f16(0.0f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = from_f16(b.d) * static_cast<float>(scale(b, j));
      if (d == 0.0f) continue;
      for (int ii = 0; ii < 16; ++ii)
        L[16 * j + ii] = static_cast<std::int8_t>(std::max(-4, std::min(3, nearest_int(x[16 * j + ii] / d))) + 4);
    }
    std::memset(b.hmask, 0, 32);
    std::uint8_t low[kQK_K];
    for (std::size_t j = 0; j < kQK_K; ++j) {
      int l = L[j];
      if (l > 3) {
        b.hmask[j % 32] |= static_cast<std::uint8_t>(1u << (j / 32));
        l -= 4;
      }
      low[j] = static_cast<std::uint8_t>(l);
    }
    detail::pack_2bit(low, b.qs);
  }
  static void dequantize(const Q3_K& b, float* y) noexcept {
    const float d_all = from_f16(b.d);
    for (std::size_t i = 0; i < kQK_K; ++i) {
      const float dl = d_all * static_cast<float>(scale(b, static_cast<int>(i / 16)));
      const int hi = (b.hmask[i % 32] >> (i / 32)) & 1;
      y[i] = dl * static_cast<float>(detail::get_2bit(b.qs, i) - (hi ? 0 : 4));
    }
  }
};

/// 4.5 bits: 8 x 32, x = d * sc * q - dmin * m with 6-bit sc, m and q in [0, 15].
struct Q4_K {
  static constexpr std::size_t kElems = kQK_K, kBytes = 144;
  static constexpr const char* name = "q4_k";
  using partner = Q8_K;
  std::uint16_t d, dmin;
  std::uint8_t scales[12];
  std::uint8_t qs[128];

  static constexpr std::size_t kSub = 32;
  static constexpr int kOffset = 0;
  static int ucode(const Q4_K& b, std::size_t i) noexcept { return (b.qs[(i / 64) * 32 + i % 32] >> (4 * (i / 32 % 2))) & 0xF; }
  static void sub_scales(const Q4_K& b, std::int8_t* sc, std::uint8_t* m) noexcept {
    detail::sub_scales_k4(b.scales, sc, m);
  }

  // the search's parameters (make_qkx2_quants), shared with its SIMD twin
  static constexpr int kNmax = 15, kSteps = 20;
  static constexpr float kRmin = -1.0f;
  static void quantize(const float* x, Q4_K& b) noexcept { detail::quantize_by_search(x, b); }
  static void search(const float* x, float* scales, float* mins, std::uint8_t* L) noexcept {
    detail::search_k4<kNmax>(x, scales, mins, L, kRmin, kSteps);
  }
  /// The block from its sub-block search (x, and the scales, -mins and codes it found).
  LOWBIT_REFERENCE_CODEGEN static void from_search(const float* x, const float* scales, const float* mins,
                                                   std::uint8_t* L, Q4_K& b) noexcept {
    detail::finish_k4<kNmax>(x, scales, mins, b.d, b.dmin, b.scales, L);
    for (std::size_t c = 0; c < kQK_K; c += 64)
      for (std::size_t l = 0; l < 32; ++l) b.qs[c / 2 + l] = static_cast<std::uint8_t>(L[c + l] | (L[c + l + 32] << 4));
  }
  static void dequantize(const Q4_K& b, float* y) noexcept {
    const float d = from_f16(b.d), min = from_f16(b.dmin);
    for (std::size_t i = 0; i < kQK_K; ++i) {
      std::uint8_t sc = 0, m = 0;
      get_scale_min_k4(static_cast<int>(i / 32), b.scales, sc, m);
      const std::uint8_t byte = b.qs[(i / 64) * 32 + i % 32];
      const int q = (i % 64) < 32 ? byte & 0xF : byte >> 4;
      y[i] = d * static_cast<float>(sc) * static_cast<float>(q) - min * static_cast<float>(m);
    }
  }
};

/// 5.5 bits: Q4_K with q in [0, 31]; the high bits in qh (element 64c + j: bit 2c of qh[j],
/// element 64c + 32 + j: bit 2c + 1).
struct Q5_K {
  static constexpr std::size_t kElems = kQK_K, kBytes = 176;
  static constexpr const char* name = "q5_k";
  using partner = Q8_K;
  std::uint16_t d, dmin;
  std::uint8_t scales[12];
  std::uint8_t qh[32];
  std::uint8_t qs[128];

  static constexpr std::size_t kSub = 32;
  static constexpr int kOffset = 0;
  static int ucode(const Q5_K& b, std::size_t i) noexcept {
    return ((b.qs[(i / 64) * 32 + i % 32] >> (4 * (i / 32 % 2))) & 0xF) | (((b.qh[i % 32] >> (i / 32)) & 1) << 4);
  }
  static void sub_scales(const Q5_K& b, std::int8_t* sc, std::uint8_t* m) noexcept {
    detail::sub_scales_k4(b.scales, sc, m);
  }

  static constexpr int kNmax = 31, kSteps = 15;
  static constexpr float kRmin = -0.5f;
  static void quantize(const float* x, Q5_K& b) noexcept { detail::quantize_by_search(x, b); }
  static void search(const float* x, float* scales, float* mins, std::uint8_t* L) noexcept {
    detail::search_k4<kNmax>(x, scales, mins, L, kRmin, kSteps);
  }
  LOWBIT_REFERENCE_CODEGEN static void from_search(const float* x, const float* scales, const float* mins,
                                                   std::uint8_t* L, Q5_K& b) noexcept {
    detail::finish_k4<kNmax>(x, scales, mins, b.d, b.dmin, b.scales, L);
    std::memset(b.qh, 0, 32);
    for (std::size_t c = 0; c < 4; ++c)
      for (std::size_t j = 0; j < 32; ++j) {
        int l1 = L[64 * c + j], l2 = L[64 * c + j + 32];
        if (l1 > 15) {
          l1 -= 16;
          b.qh[j] |= static_cast<std::uint8_t>(1u << (2 * c));
        }
        if (l2 > 15) {
          l2 -= 16;
          b.qh[j] |= static_cast<std::uint8_t>(2u << (2 * c));
        }
        b.qs[32 * c + j] = static_cast<std::uint8_t>(l1 | (l2 << 4));
      }
  }
  static void dequantize(const Q5_K& b, float* y) noexcept {
    const float d = from_f16(b.d), min = from_f16(b.dmin);
    for (std::size_t i = 0; i < kQK_K; ++i) {
      std::uint8_t sc = 0, m = 0;
      get_scale_min_k4(static_cast<int>(i / 32), b.scales, sc, m);
      const std::size_t c = i / 64, j = i % 32;
      const bool upper = (i % 64) >= 32;
      const int lo = upper ? b.qs[32 * c + j] >> 4 : b.qs[32 * c + j] & 0xF;
      const int hi = (b.qh[j] >> (2 * c + (upper ? 1 : 0))) & 1;
      y[i] = d * static_cast<float>(sc) * static_cast<float>(lo + 16 * hi) - min * static_cast<float>(m);
    }
  }
};

/// 6.5625 bits: 16 x 16, x = d * sc * q with int8 sc and q in [-32, 31]: low 4 bits in ql, high
/// 2 in qh.
struct Q6_K {
  static constexpr std::size_t kElems = kQK_K, kBytes = 210;
  static constexpr const char* name = "q6_k";
  using partner = Q8_K;
  std::uint8_t ql[128];
  std::uint8_t qh[64];
  std::int8_t scales[16];
  std::uint16_t d;

  static void quantize(const float* x, Q6_K& b) noexcept {
    std::int8_t L[kQK_K];
    float scales[16];
    search(x, scales, L);
    from_search(x, scales, L, b);
  }
  /// Each 16-element sub-block's signed scale and codes + 32 (kernels/ has a SIMD twin).
  static void search(const float* x, float* scales, std::int8_t* L) noexcept {
    for (int ib = 0; ib < 16; ++ib) scales[ib] = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1, nullptr);
  }
  /// The block from its sub-block search.
  LOWBIT_REFERENCE_CODEGEN static void from_search(const float* x, const float* scales, std::int8_t* L,
                                                   Q6_K& b) noexcept {
    float max_scale = 0.0f, max_abs_scale = 0.0f;
    for (int ib = 0; ib < 16; ++ib) {
      const float a = std::fabs(scales[ib]);
      if (a > max_abs_scale) {
        max_abs_scale = a;
        max_scale = scales[ib];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      b = Q6_K{};
      b.d = to_f16(0.0f);
      return;
    }
    const float iscale = -128.0f / max_scale;
    b.d = to_f16(1 / iscale);
    for (int ib = 0; ib < 16; ++ib) b.scales[ib] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    for (int j = 0; j < 16; ++j) {
      const float d = from_f16(b.d) * static_cast<float>(b.scales[j]);
      if (d == 0.0f) continue;
      for (int ii = 0; ii < 16; ++ii)
        L[16 * j + ii] = static_cast<std::int8_t>(std::max(-32, std::min(31, nearest_int(x[16 * j + ii] / d))) + 32);
    }
    for (std::size_t c = 0; c < 2; ++c) {
      const std::int8_t* Lc = L + 128 * c;
      for (std::size_t l = 0; l < 32; ++l) {
        b.ql[64 * c + l] = static_cast<std::uint8_t>((Lc[l] & 0xF) | ((Lc[l + 64] & 0xF) << 4));
        b.ql[64 * c + l + 32] = static_cast<std::uint8_t>((Lc[l + 32] & 0xF) | ((Lc[l + 96] & 0xF) << 4));
        b.qh[32 * c + l] = static_cast<std::uint8_t>((Lc[l] >> 4) | ((Lc[l + 32] >> 4) << 2) | ((Lc[l + 64] >> 4) << 4) |
                                                     ((Lc[l + 96] >> 4) << 6));
      }
    }
  }
  static int code(const Q6_K& b, std::size_t i) noexcept {
    const std::size_t c = i / 128, k = (i % 128) / 32, l = i % 32;
    const std::uint8_t lq = b.ql[64 * c + l + 32 * (k % 2)];
    const int lo = k < 2 ? lq & 0xF : lq >> 4;
    const int hi = (b.qh[32 * c + l] >> (2 * k)) & 3;
    return (lo | (hi << 4)) - 32;
  }
  static constexpr std::size_t kSub = 16;
  static constexpr int kOffset = 32;
  static int ucode(const Q6_K& b, std::size_t i) noexcept { return code(b, i) + 32; }
  static void sub_scales(const Q6_K& b, std::int8_t* sc, std::uint8_t* m) noexcept {
    for (std::size_t j = 0; j < 16; ++j) sc[j] = b.scales[j], m[j] = 0;
  }
  static void dequantize(const Q6_K& b, float* y) noexcept {
    const float d = from_f16(b.d);
    for (std::size_t i = 0; i < kQK_K; ++i)
      y[i] = d * static_cast<float>(b.scales[i / 16]) * static_cast<float>(code(b, i));
  }
};

using Q2_KScheme = Scheme<Q2_K>;
using Q3_KScheme = Scheme<Q3_K>;
using Q4_KScheme = Scheme<Q4_K>;
using Q5_KScheme = Scheme<Q5_K>;
using Q6_KScheme = Scheme<Q6_K>;
using Q8_KScheme = Scheme<Q8_K>;

}  // namespace gguf
LOWBIT_END_NAMESPACE
