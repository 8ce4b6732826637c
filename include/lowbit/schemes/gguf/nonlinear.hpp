// lowbit: ggml's 32-element non-linear 4-bit formats: IQ4_NL (the IQ4_NL codebook, f16 scale
// fitted by weighted least squares) and MXFP4 (E2M1 elements, E8M0 scale; ggml's variant of the
// OCP rule, without clamping the exponent); both dotted with Q8_0. Nibble order as Q4_0.
#pragma once

#include <bit>

#include "lowbit/formats/codebook.hpp"
#include "lowbit/schemes/gguf/legacy.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace gguf {

/// ggml best_index_int8 over the sorted int8 table: nearest entry, compared by differences in
/// f32; an exact tie goes to the upper entry; clamps at both ends.
inline int best_index_iq4nl(float x) noexcept {
  constexpr auto& v = codebooks::IQ4NLTable::values;
  if (x <= v[0]) return 0;
  if (x >= v[15]) return 15;
  int ml = 0, mu = 15;
  while (mu - ml > 1) {
    const int mav = (ml + mu) / 2;
    if (x < v[static_cast<std::size_t>(mav)]) mu = mav;
    else ml = mav;
  }
  return x - v[static_cast<std::size_t>(mu - 1)] < v[static_cast<std::size_t>(mu)] - x ? mu - 1 : mu;
}

struct IQ4_NL {
  static constexpr std::size_t kElems = kQK, kBytes = 18;
  static constexpr const char* name = "iq4_nl";
  using partner = Q8_0;
  std::uint16_t d;
  std::uint8_t qs[kQK / 2];

  /// quantize_row_iq4_nl_ref: d0 = max / -127, codes by nearest entry of x / d0, then
  /// d = sum(w v x) / sum(w v^2) with w = x^2; codes are not re-derived from d.
  static void quantize(const float* x, IQ4_NL& b) noexcept {
    constexpr auto& values = codebooks::IQ4NLTable::values;
    std::uint8_t L[kQK] = {};
    float amax = 0.0f;
    const float max = signed_absmax(x, kQK, &amax);
    float d = 0.0f;
    if (!(amax < kGroupMaxEps)) {
      const float id = 1 / (max / values[0]);
      float sumqx = 0.0f, sumq2 = 0.0f;
      for (std::size_t j = 0; j < kQK; ++j) {
        const int l = best_index_iq4nl(id * x[j]);
        L[j] = static_cast<std::uint8_t>(l);
        const float q = values[static_cast<std::size_t>(l)], w = x[j] * x[j];
        sumqx += w * q * x[j];
        sumq2 += w * q * q;
      }
      d = sumqx / sumq2;
    }
    b.d = to_f16(d);
    detail::pack_nibbles(L, b.qs);
  }
  static int code(const IQ4_NL& b, std::size_t j) noexcept {
    return codebooks::IQ4NLTable::values[static_cast<std::size_t>(detail::nibble(b.qs, j))];
  }
  static float scale(const IQ4_NL& b) noexcept { return from_f16(b.d); }
  static void dequantize(const IQ4_NL& b, float* y) noexcept {
    const float d = from_f16(b.d);
    for (std::size_t j = 0; j < kQK; ++j) {
      y[j] = d * codebooks::IQ4NLTable::values[static_cast<std::size_t>(detail::nibble(b.qs, j))];
    }
  }
};

struct MXFP4 {
  static constexpr std::size_t kElems = kQK, kBytes = 17;
  static constexpr const char* name = "mxfp4";
  using partner = Q8_0;
  std::uint8_t e;  ///< E8M0
  std::uint8_t qs[kQK / 2];

  /// Twice the E2M1 value of each code (ggml's kvalues_mxfp4), paired with half the E8M0 scale.
  static constexpr float kValues[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
  /// 2^(e - 128) as an f32 bit pattern (e < 2 gives f32 subnormals), ggml's E8M0_TO_FP32_HALF.
  static float half_scale(std::uint8_t e) noexcept {
    const std::uint32_t bits = e < 2 ? (0x00200000u << e) : (static_cast<std::uint32_t>(e - 1) << 23);
    return std::bit_cast<float>(bits);
  }
  /// ggml: (uint8_t)(floorf(log2f(amax)) - 2 + 127), no clamping; a conversion to int first
  /// keeps the wrap-around defined.
  static std::uint8_t shared_exponent(float amax) noexcept {
    return amax > 0.0f ? static_cast<std::uint8_t>(x86_trunc(std::floor(std::log2(amax)) - 2 + 127)) : 0;
  }
  static void quantize(const float* x, MXFP4& b) noexcept {
    float amax = 0.0f;
    for (std::size_t j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    b.e = shared_exponent(amax);
    const float d = half_scale(b.e);
    std::uint8_t L[kQK];
    for (std::size_t j = 0; j < kQK; ++j) {  // argmin |kValues[i] * d - x|, the first minimum wins
      int best = 0;
      float best_err = std::fabs(kValues[0] * d - x[j]);
      for (int i = 1; i < 16; ++i) {
        const float err = std::fabs(kValues[i] * d - x[j]);
        if (err < best_err) {
          best = i;
          best_err = err;
        }
      }
      L[j] = static_cast<std::uint8_t>(best);
    }
    detail::pack_nibbles(L, b.qs);
  }
  /// Twice the element (kValues), so the scale is half_scale.
  static int code(const MXFP4& b, std::size_t j) noexcept {
    return static_cast<int>(kValues[detail::nibble(b.qs, j)]);
  }
  static float scale(const MXFP4& b) noexcept { return half_scale(b.e); }
  static void dequantize(const MXFP4& b, float* y) noexcept {
    const float d = half_scale(b.e);
    for (std::size_t j = 0; j < kQK; ++j) {
      y[j] = kValues[detail::nibble(b.qs, j)] * d;
    }
  }
};

using IQ4_NLScheme = Scheme<IQ4_NL>;
using MXFP4Scheme = Scheme<MXFP4>;

}  // namespace gguf
LOWBIT_END_NAMESPACE
