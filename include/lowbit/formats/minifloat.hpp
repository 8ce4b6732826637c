// lowbit: minifloat code formats from one policy template: OCP FP8 E4M3FN / E5M2, FP6 E3M2 /
// E2M3, FP4 E2M1, and the scale types UE8M0 (MX) and UE4M3 (NVFP4).
//
// A code is [sign][exponent][mantissa] (sign only when kSigned). Finite values are
//   e == 0 and subnormals: m / 2^M * 2^(1 - bias)       else: (1 + m / 2^M) * 2^(e - bias)
// Specials per kSpecials: kNone (all codes finite: FP6, FP4), kIeee (top exponent: m == 0 is
// Inf, else NaN: E5M2), kNanOnly (only the all-ones exponent+mantissa is NaN, no Inf: E4M3FN,
// UE4M3, E8M0). encode rounds to nearest, ties to even (mantissa LSB 0); overflow saturates to
// +-max_value, or in Overflow::kNonSaturating mode gives Inf (kIeee) or NaN (kNanOnly); kNone
// always saturates. NaN encodes as the canonical NaN code (all ones), or +0 where no NaN exists.
// Unsigned formats clamp negative inputs to 0 (or to the smallest value when 0 does not exist).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "lowbit/core/bits.hpp"
#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

enum class Specials { kNone, kIeee, kNanOnly };
enum class Overflow { kSaturate, kNonSaturating };

/// \tparam kExp, kMan   exponent and mantissa bits
/// \tparam kSpecials    which codes are Inf/NaN
/// \tparam kSigned      a sign bit in front
/// \tparam kSubnormals  e == 0 is subnormal (false: e == 0 is 2^-bias, there is no zero, as E8M0)
/// \tparam kBias        exponent bias, 2^(kExp-1) - 1 by default
template <int kExp, int kMan, Specials kSpecials = Specials::kNone, bool kSigned = true, bool kSubnormals = true,
          int kBias = (1 << (kExp - 1)) - 1>
struct MiniFloat {
  static_assert(kExp >= 1 && kMan >= 0, "MiniFloat<E, M>: needs E >= 1 exponent and M >= 0 mantissa bits");
  static_assert(kSigned + kExp + kMan <= 8, "MiniFloat<E, M>: sign + E + M must fit in 8 bits");
  static_assert(kSpecials != Specials::kIeee || kExp >= 2, "MiniFloat: IEEE specials need at least 2 exponent bits");

  static constexpr int bits = kSigned + kExp + kMan;
  static inline const std::string name =
      std::string(kSigned ? "" : "u") + "e" + std::to_string(kExp) + "m" + std::to_string(kMan);
  static constexpr int exp_bits = kExp, man_bits = kMan, bias = kBias;
  static constexpr bool is_integer = false;
  static constexpr bool is_signed = kSigned;
  static constexpr bool has_zero = kSubnormals;
  static constexpr bool has_inf = kSpecials == Specials::kIeee;
  static constexpr bool has_nan = kSpecials != Specials::kNone;
  static constexpr std::uint8_t kExpMask = static_cast<std::uint8_t>(low_mask(kExp));
  static constexpr std::uint8_t kManMask = static_cast<std::uint8_t>(low_mask(kMan));
  static constexpr std::uint8_t kSignBit = kSigned ? static_cast<std::uint8_t>(1u << (kExp + kMan)) : 0;
  static constexpr std::uint8_t kNanCode = static_cast<std::uint8_t>(low_mask(kExp + kMan));
  static constexpr std::uint8_t kInfCode = static_cast<std::uint8_t>(kExpMask << kMan);

  static constexpr bool is_nan_code(std::uint8_t c) noexcept {
    const int e = (c >> kMan) & kExpMask, m = c & kManMask;
    if constexpr (kSpecials == Specials::kIeee) return e == kExpMask && m != 0;
    if constexpr (kSpecials == Specials::kNanOnly) return e == kExpMask && m == kManMask;
    return false;
  }
  static constexpr bool is_inf_code(std::uint8_t c) noexcept {
    return kSpecials == Specials::kIeee && (c & ~kSignBit & 0xFF) == kInfCode;
  }

  static constexpr float decode(std::uint8_t raw) noexcept {
    const std::uint8_t c = static_cast<std::uint8_t>(raw & low_mask(bits));
    const double sign = (c & kSignBit) ? -1.0 : 1.0;
    if (is_nan_code(c)) return std::numeric_limits<float>::quiet_NaN();
    if (is_inf_code(c)) return static_cast<float>(sign) * std::numeric_limits<float>::infinity();
    const int e = (c >> kMan) & kExpMask, m = c & kManMask;
    if (e == 0 && kSubnormals) return static_cast<float>(sign * m * exp2i(1 - kBias - kMan));
    return static_cast<float>(sign * ((1 << kMan) + m) * exp2i(e - kBias - kMan));
  }

  /// The largest finite code (positive) and its value.
  static constexpr std::uint8_t max_code = static_cast<std::uint8_t>(
      kSpecials == Specials::kIeee      ? ((kExpMask - 1) << kMan) | kManMask
      : kSpecials == Specials::kNanOnly ? (kMan == 0 ? (kExpMask - 1) : ((kExpMask << kMan) | (kManMask - 1)))
                                        : ((kExpMask << kMan) | kManMask));
  static constexpr float max_value = decode(max_code);
  /// The smallest positive value (a subnormal when they exist).
  static constexpr float min_value = decode(kSubnormals ? 1 : 0);

  template <Overflow kMode = Overflow::kSaturate>
  static std::uint8_t encode(float x) noexcept {
    if (std::isnan(x)) return has_nan ? kNanCode : 0;
    const bool neg = std::signbit(x);
    if (!kSigned && (neg || x == 0.0f)) return 0;  // no sign: clamp to the bottom code
    const std::uint8_t sign = neg ? kSignBit : 0;
    const double a = std::fabs(static_cast<double>(x));
    const auto overflow = [&]() -> std::uint8_t {
      if constexpr (kMode == Overflow::kNonSaturating && kSpecials == Specials::kIeee) return sign | kInfCode;
      if constexpr (kMode == Overflow::kNonSaturating && kSpecials == Specials::kNanOnly) return sign | kNanCode;
      return sign | max_code;
    };
    if (std::isinf(a)) return overflow();
    constexpr int kEmin = kSubnormals ? 1 - kBias : -kBias;  // exponent of the smallest binade's values
    int e2 = 0;
    std::frexp(a, &e2);                       // a = f * 2^e2, f in [0.5, 1)
    const int e = std::max(e2 - 1, kEmin);    // binade of a, or the subnormal one
    const double q = exp2i(e - kMan);  // spacing of values there
    const double r = std::nearbyint(a / q) * q;  // RNE; exact in double (a has 24 bits)
    if (r > static_cast<double>(max_value)) return overflow();
    // +-0; a format without zero (E8M0) clamps to its smallest value, code 0
    if (r == 0.0 || (!kSubnormals && r < exp2i(kEmin))) return sign;
    int re = 0;
    const double rf = std::frexp(r, &re);  // r = rf * 2^re
    if (kSubnormals && re - 1 < kEmin) {   // below the smallest normal: subnormal code
      return static_cast<std::uint8_t>(sign | static_cast<int>(r / exp2i(kEmin - kMan)));
    }
    const int biased = re - 1 + kBias;
    const int m = static_cast<int>((rf * 2.0 - 1.0) * (1 << kMan));
    return static_cast<std::uint8_t>(sign | (biased << kMan) | m);
  }

  static constexpr std::array<float, (1u << bits)> decode_table() noexcept {
    std::array<float, (1u << bits)> t{};
    for (unsigned i = 0; i < t.size(); ++i) t[i] = decode(static_cast<std::uint8_t>(i));
    return t;
  }
};

using E4M3 = MiniFloat<4, 3, Specials::kNanOnly>;  ///< OCP FP8 E4M3FN: max 448, NaN S.1111.111, no Inf
using E5M2 = MiniFloat<5, 2, Specials::kIeee>;     ///< OCP FP8 E5M2: max 57344, IEEE Inf/NaN
using E3M2 = MiniFloat<3, 2>;                      ///< OCP FP6 E3M2: max 28, all finite
using E2M3 = MiniFloat<2, 3>;                      ///< OCP FP6 E2M3: max 7.5, all finite
using E2M1 = MiniFloat<2, 1>;                      ///< OCP FP4 E2M1: max 6, all finite
using UE4M3 = MiniFloat<4, 3, Specials::kNanOnly, false>;  ///< NVFP4 block scale: E4M3 without sign
using UE8M0 = MiniFloat<8, 0, Specials::kNanOnly, false, false>;  ///< MX scale: 2^(e-127), 0xFF NaN, no zero

LOWBIT_END_NAMESPACE
