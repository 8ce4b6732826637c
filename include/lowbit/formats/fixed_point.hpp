// lowbit: fixed-point numbers: the B <= 8-bit code format Fixed<I, F> (value = code * 2^-F,
// e.g. MXINT8 = Fixed<1, 6>), and gemmlowp's exact 32-bit fixed-point arithmetic, which the
// integer GEMM's output stage uses to requantize.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "lowbit/core/bits.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Signed fixed point with kInt integer and kFrac fractional bits in 1 + kInt + kFrac <= 8 bits
/// (two's complement). encode rounds to nearest, ties to even, and saturates symmetrically to
/// +-max_value (the most negative code decodes but is never produced, as OCP MXINT8).
template <int kInt, int kFrac>
struct Fixed {
  static_assert(kInt >= 0 && kFrac >= 0 && 1 + kInt + kFrac >= 2 && 1 + kInt + kFrac <= 8,
                "Fixed<I, F>: needs 2 <= 1 + I + F <= 8 bits");
  static constexpr int bits = 1 + kInt + kFrac;
  static constexpr bool is_integer = false;
  static constexpr bool is_signed = true;
  static constexpr bool has_zero = true;
  static constexpr int max_int = (1 << (kInt + kFrac)) - 1;
  static constexpr float ulp = static_cast<float>(exp2i(-kFrac));
  static constexpr float max_value = static_cast<float>(max_int) * ulp;
  static inline const std::string name = "q" + std::to_string(kInt) + "." + std::to_string(kFrac);

  static constexpr float decode(std::uint8_t raw) noexcept {
    const int v = raw & static_cast<int>(low_mask(bits));
    return static_cast<float>(v >= (1 << (bits - 1)) ? v - (1 << bits) : v) * ulp;
  }
  static std::uint8_t encode(float x) noexcept {
    if (std::isnan(x)) return 0;
    const float q = std::clamp(std::nearbyint(x / ulp), -static_cast<float>(max_int), static_cast<float>(max_int));
    return static_cast<std::uint8_t>(static_cast<unsigned>(static_cast<int>(q)) & low_mask(bits));
  }
  static constexpr auto decode_table() noexcept {
    std::array<float, (1u << bits)> t{};
    for (unsigned i = 0; i < t.size(); ++i) t[i] = decode(static_cast<std::uint8_t>(i));
    return t;
  }
};

/// gemmlowp / TFLite fixed-point primitives (fixedpoint.h), bit-exact.
namespace fixedpoint {

/// a * b / 2^31 rounded to nearest, saturating the one overflow case (INT32_MIN * INT32_MIN);
/// ARM's VQRDMULH. Ties: positive ones round up, negative ones toward zero (the nudge for a
/// negative product is 1 - 2^30, then C division truncates).
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) noexcept {
  const bool overflow = a == b && a == std::numeric_limits<std::int32_t>::min();
  const std::int64_t ab = static_cast<std::int64_t>(a) * b;
  const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
  const auto r = static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));  // truncates toward 0
  return overflow ? std::numeric_limits<std::int32_t>::max() : r;
}

/// x / 2^exponent rounded to nearest, ties away from zero; 0 <= exponent <= 31.
constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) noexcept {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);  // >> of a negative: arithmetic (C++20)
}

/// x * 2^exponent, saturating to the int32 range; 0 <= exponent <= 31.
constexpr std::int32_t saturating_shift_left(std::int32_t x, int exponent) noexcept {
  const std::int64_t r = static_cast<std::int64_t>(x) * (std::int64_t{1} << exponent);
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(r, std::numeric_limits<std::int32_t>::min(),
                                                            std::numeric_limits<std::int32_t>::max()));
}

/// gemmlowp's FixedPoint<int32, kIntBits>: a real number raw * 2^-(31 - kIntBits).
template <int kIntBits>
struct Q31 {
  static_assert(kIntBits >= 0 && kIntBits <= 31, "Q31<I>: integer bits must be in [0, 31]");
  static constexpr int int_bits = kIntBits;
  static constexpr int frac_bits = 31 - kIntBits;
  std::int32_t raw = 0;

  /// Nearest representable value (ties away from zero), saturating.
  static Q31 from_double(double v) noexcept {
    const double s = std::round(v * exp2i(frac_bits));
    return {static_cast<std::int32_t>(std::clamp(s, -2147483648.0, 2147483647.0))};
  }
  constexpr double to_double() const noexcept { return static_cast<double>(raw) * exp2i(-frac_bits); }

  /// Product: integer bits add (gemmlowp operator*), one rounding.
  template <int kOther>
  constexpr Q31<kIntBits + kOther> operator*(Q31<kOther> b) const noexcept {
    return {saturating_rounding_doubling_high_mul(raw, b.raw)};
  }
  /// The same value with kNew integer bits: rounding shift right (more integer bits) or
  /// saturating shift left (fewer), gemmlowp's Rescale.
  template <int kNew>
  constexpr Q31<kNew> rescale() const noexcept {
    if constexpr (kNew >= kIntBits) return {rounding_divide_by_pot(raw, kNew - kIntBits)};
    else return {saturating_shift_left(raw, kIntBits - kNew)};
  }
};

}  // namespace fixedpoint

LOWBIT_END_NAMESPACE
