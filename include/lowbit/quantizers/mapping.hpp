// lowbit: mappings from a group's clip range to its scale and zero point (symmetric, affine).
//
// A mapping also owns encode and decode: for integer formats value = (code - zero_point) * scale;
// for value formats (minifloats, codebooks, powers of two) value = format_value(code) * scale.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "lowbit/core/bits.hpp"
#include "lowbit/core/rounding.hpp"
#include "lowbit/formats/integer.hpp"
#include "lowbit/formats/value_grid.hpp"

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

namespace detail {
/// code = clamp(R(x / scale) + zero_point, qmin, qmax); scale 0 (an all-zero group) gives the
/// zero point without dividing.
template <class Format, RoundingPolicy R>
std::uint8_t encode_integer(float x, GroupParams p, RoundKey key, int qmin, int qmax) noexcept {
  const float v = p.scale != 0.0f ? x / p.scale : 0.0f;
  const float q = std::clamp(R::apply(v, key) + static_cast<float>(p.zero_point), static_cast<float>(qmin),
                             static_cast<float>(qmax));  // clamp before the int cast: v may be Inf
  return Format::encode(static_cast<int>(q));
}
template <class Format>
float decode_integer(std::uint8_t raw, GroupParams p) noexcept {
  return static_cast<float>(Format::decode(raw) - p.zero_point) * p.scale;
}
template <class F>
std::string format_name() {
  if constexpr (requires { F::name; }) return std::string(F::name);
  else return (F::is_signed ? "int" : "uint") + std::to_string(F::bits);
}
}  // namespace detail

enum class SymRange {
  kRestricted,  ///< codes in +-(2^(B-1) - 1): zero-symmetric, scale = absmax / (2^(B-1) - 1)
  kFull,        ///< codes in [-2^(B-1), 2^(B-1) - 1]: scale = m / -2^(B-1), m the signed extreme
};

/// Symmetric quantization: zero point 0, integer codes of Format (Int<B>, Ternary).
/// kFull is ggml's Q4_0/Q8_0-style rule: the element of largest magnitude lands exactly on code
/// -2^(B-1) (the scale takes its opposite sign), gaining one level over kRestricted; the other
/// sign then clips at 2^(B-1) - 1 steps.
/// A constant group (lo == hi) under kRestricted uses the largest power-of-two code instead of
/// qmax (absmax_scale), so it decodes exactly.
template <IntegerFormat Format, SymRange kRange = SymRange::kRestricted>
struct SymmetricOf {
  static_assert(Format::is_signed, "SymmetricOf<Format>: symmetric quantization needs a signed format; use Affine<B>");
  using format = Format;
  static constexpr bool has_zero_point = false;
  static constexpr bool signed_scale = kRange == SymRange::kFull;
  static constexpr int qmin = kRange == SymRange::kFull ? format::min_code : -format::max_code;
  static constexpr int qmax = format::max_code;

  static std::string name() {
    if constexpr (requires { Format::name; }) return Format::name;
    else return detail::format_name<Format>() + (kRange == SymRange::kFull ? " sym-full" : " sym");
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
  template <RoundingPolicy R>
  static std::uint8_t encode(float x, GroupParams p, RoundKey key) noexcept {
    return detail::encode_integer<format, R>(x, p, key, qmin, qmax);
  }
  static float decode(std::uint8_t raw, GroupParams p) noexcept { return detail::decode_integer<format>(raw, p); }
};

template <int kBits, SymRange kRange = SymRange::kRestricted>
using Symmetric = SymmetricOf<Int<kBits>, kRange>;

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
  template <RoundingPolicy R>
  static std::uint8_t encode(float x, GroupParams p, RoundKey key) noexcept {
    return detail::encode_integer<format, R>(x, p, key, qmin, qmax);
  }
  static float decode(std::uint8_t raw, GroupParams p) noexcept { return detail::decode_integer<format>(raw, p); }
};

/// Scaled value formats (minifloats, codebooks, powers of two, binary, fixed point): zero point
/// 0, scale = absmax / max_value, code = the grid point nearest x / scale under the rounding
/// policy (round_to_grid); values beyond the grid saturate.
template <ValueFormat Format>
struct Scaled {
  static_assert(Format::is_signed,
                "Scaled<Format>: unsigned minifloats (UE8M0, UE4M3) are scale types, not element formats");
  using format = Format;
  static constexpr bool has_zero_point = false;
  static constexpr bool signed_scale = false;

  static std::string name() { return std::string(Format::name); }
  static float ideal_scale(Range r) noexcept {
    return std::max(std::fabs(r.lo), std::fabs(r.hi)) / static_cast<float>(Format::max_value);
  }
  static std::int32_t zero_point(Range, float) noexcept { return 0; }
  template <RoundingPolicy R>
  static std::uint8_t encode(float x, GroupParams p, RoundKey key) noexcept {
    return round_to_grid<Format, R>(p.scale != 0.0f ? x / p.scale : 0.0f, key);
  }
  static float decode(std::uint8_t raw, GroupParams p) noexcept {
    return static_cast<float>(Format::decode(raw)) * p.scale;
  }
};

/// OCP Microscaling (MX v1.0) scale rule: X = 2^(floor(log2 amax) - emax), emax the exponent of
/// the element format's largest value; X below 2^-127 clamps to it (also for an all-zero block),
/// above 2^127 it is NaN. Elements x / X are rounded and saturated to +-max_value, so a block's
/// top elements may clip (inherent to the spec). Non-finite input follows the spec too: a block
/// holding NaN or Inf gets the NaN scale and decodes to NaN entirely.
template <ValueFormat Format>
struct MxScaled : Scaled<Format> {
  static constexpr bool accepts_non_finite = true;
  static constexpr int emax = [] {
    int e = 0;
    while (exp2i(e + 1) <= Format::max_value) ++e;
    return e;
  }();
  static std::string name() { return "mx-" + std::string(Format::name); }
  static float ideal_scale(Range r) noexcept {
    const float amax = std::max(std::fabs(r.lo), std::fabs(r.hi));
    if (!std::isfinite(r.lo) || !std::isfinite(r.hi)) return std::numeric_limits<float>::quiet_NaN();
    int e = -127 + emax + 1;  // amax == 0: the smallest scale
    if (amax > 0.0f) std::frexp(amax, &e);  // amax = f * 2^e, f in [0.5, 1): floor(log2 amax) = e - 1
    const int shared = std::max(e - 1 - emax, -127);
    return shared > 127 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(exp2i(shared));
  }
};

LOWBIT_END_NAMESPACE
