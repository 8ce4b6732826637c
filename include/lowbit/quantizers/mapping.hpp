// lowbit: mappings from a group's clip range to its scale and zero point (symmetric, affine).
//
// Dequantization is always value = (code - zero_point) * scale.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "lowbit/core/bits.hpp"
#include "lowbit/formats/integer.hpp"

LOWBIT_BEGIN_NAMESPACE

/// The absmax scale rule shared by every level of quantization: amax / qmax, except that a
/// constant group uses the largest power-of-two code, so it decodes exactly (c / 2^k is exact in
/// binary floating point).
inline float absmax_scale(float amax, int qmax, bool constant) noexcept {
  return amax / static_cast<float>(constant ? pow2_floor(qmax) : qmax);
}

/// A group's clip range: the values a group's parameters are fitted to (lo <= hi).
struct Range {
  float lo = 0.0f;
  float hi = 0.0f;
};

/// A group's effective parameters (after the scale went through its storage type).
struct GroupParams {
  float scale = 0.0f;
  std::int32_t zero_point = 0;
};

enum class SymRange {
  kRestricted,  ///< codes in +-(2^(B-1) - 1): zero-symmetric, scale = absmax / (2^(B-1) - 1)
  kFull,        ///< codes in [-2^(B-1), 2^(B-1) - 1]: scale = m / -2^(B-1), m the signed extreme
};

/// Symmetric quantization: zero point 0, codes from Int<B>.
/// kFull is ggml's Q4_0/Q8_0-style rule: the element of largest magnitude lands exactly on code
/// -2^(B-1) (the scale takes its opposite sign), gaining one level over kRestricted; the other
/// sign then clips at 2^(B-1) - 1 steps.
/// A constant group (lo == hi) under kRestricted uses the largest power-of-two code instead of
/// qmax (absmax_scale), so it decodes exactly.
template <int kBits, SymRange kRange = SymRange::kRestricted>
struct Symmetric {
  using format = Int<kBits>;
  static constexpr bool has_zero_point = false;
  static constexpr bool signed_scale = kRange == SymRange::kFull;
  static constexpr int qmin = kRange == SymRange::kFull ? format::min_code : -format::max_code;
  static constexpr int qmax = format::max_code;

  static std::string name() {
    return "int" + std::to_string(kBits) + (kRange == SymRange::kFull ? " sym-full" : " sym");
  }
  static float ideal_scale(Range r) noexcept {
    if constexpr (kRange == SymRange::kRestricted) {
      return absmax_scale(std::max(std::fabs(r.lo), std::fabs(r.hi)), qmax, r.lo == r.hi);
    } else {
      const float m = std::fabs(r.lo) > std::fabs(r.hi) ? r.lo : r.hi;
      return m / static_cast<float>(format::min_code);
    }
  }
  static std::int32_t zero_point(Range, float) noexcept { return 0; }
};

/// Affine (asymmetric) quantization with an integer zero point, codes from UInt<B>
/// (PyTorch/TFLite convention). The range is widened to contain 0, so 0 is exact.
/// A constant group uses code 2^(B-1) (or 0 with zero point 2^(B-1) when negative): exact.
template <int kBits>
struct Affine {
  using format = UInt<kBits>;
  static constexpr bool has_zero_point = true;
  static constexpr bool signed_scale = false;
  static constexpr int qmin = format::min_code;
  static constexpr int qmax = format::max_code;

  static std::string name() { return "uint" + std::to_string(kBits) + " affine"; }
  static float ideal_scale(Range r) noexcept {
    if (r.lo == r.hi) return absmax_scale(std::fabs(r.lo), qmax, true);
    const float lo = std::min(r.lo, 0.0f), hi = std::max(r.hi, 0.0f);
    const float width = hi - lo;  // exact division keeps grid values on the grid
    return std::isfinite(width) ? width / qmax : hi / qmax - lo / qmax;  // no overflow near FLT_MAX
  }
  static std::int32_t zero_point(Range r, float scale) noexcept {
    if (scale == 0.0f) return 0;
    const float z = std::nearbyint(-std::min(r.lo, 0.0f) / scale);
    return static_cast<std::int32_t>(std::clamp(z, 0.0f, static_cast<float>(qmax)));  // clamp first: z may be huge
  }
};

LOWBIT_END_NAMESPACE
