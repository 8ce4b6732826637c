// lowbit: dyadic numbers m * 2^(shift - 31) with an int32 multiplier m: how integer-only
// inference applies a real scale (the requantization multiplier of the int8 GEMM's output stage).
#pragma once

#include <cmath>
#include <cstdint>

#include "lowbit/core/error.hpp"
#include "lowbit/formats/fixed_point.hpp"

LOWBIT_BEGIN_NAMESPACE

struct Dyadic {
  std::int32_t multiplier = 0;  ///< Q0.31 mantissa in [2^30, 2^31), or 0
  int shift = 0;                ///< value = multiplier * 2^(shift - 31)

  /// The closest dyadic number to m >= 0 (TFLite QuantizeMultiplier): the mantissa keeps all 31
  /// bits (rounded half away from zero); m below 2^-31 (not representable) gives 0.
  /// Errors: argument_error for a negative, NaN or infinite m, or m >= 2^31.
  static Dyadic from_real(double m) {
    LOWBIT_CHECK(std::isfinite(m) && m >= 0.0 && m < 2147483648.0, "multiplier: ", m,
                 " is not a finite real in [0, 2^31)");
    if (m == 0.0) return {};
    int shift = 0;
    const double q = std::frexp(m, &shift);  // m = q * 2^shift, q in [0.5, 1)
    auto q_fixed = static_cast<std::int64_t>(std::round(q * 2147483648.0));
    if (q_fixed == (std::int64_t{1} << 31)) {
      q_fixed /= 2;
      ++shift;
    }
    if (shift < -31) return {};
    return {static_cast<std::int32_t>(q_fixed), shift};
  }

  double to_real() const noexcept { return std::ldexp(static_cast<double>(multiplier), shift - 31); }

  /// round(x * value) with gemmlowp's double rounding (TFLite MultiplyByQuantizedMultiplier):
  /// a saturating rounding doubling high multiply, then a rounding shift right (half away from
  /// zero). x is shifted left with saturation where TFLite's plain shift would overflow.
  constexpr std::int32_t apply(std::int32_t x) const noexcept {
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return fixedpoint::rounding_divide_by_pot(
        fixedpoint::saturating_rounding_doubling_high_mul(fixedpoint::saturating_shift_left(x, left), multiplier),
        right);
  }
};

LOWBIT_END_NAMESPACE
