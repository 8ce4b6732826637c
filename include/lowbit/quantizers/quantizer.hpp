// lowbit: the quantizer policy = mapping (code format, symmetric or affine) + range estimator
// + scale storage + rounding mode.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <span>
#include <string>

#include "lowbit/core/rounding.hpp"
#include "lowbit/quantizers/mapping.hpp"
#include "lowbit/quantizers/range_estimators.hpp"
#include "lowbit/quantizers/scale_storage.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Run-time options of a quantization call.
struct QuantizeOptions {
  std::uint64_t seed = 0;  ///< seed of stochastic rounding (ignored by other rounding modes)
};

/// \tparam Mapping   Symmetric<B, ...>, Affine<B>, Scaled<F> or MxScaled<F>: code format, range ->
///                   (scale, zero point), and encode/decode
/// \tparam Estimator MinMax, MseSearch<...> or Percentile<...>: a group's values -> clip range
/// \tparam Scale     F32Scale, F16Scale or BF16Scale: how each group's scale is stored
/// \tparam Round     NearestEven, NearestAway, TowardZero or Stochastic
///
/// encode/decode are the mapping's (integer: code = clamp(Round(x / scale) + zero_point), value
/// formats: the grid point nearest x / scale); scale 0 (an all-zero group) encodes 0 without a
/// division. Codes are always computed with the stored (rounded) scale, so decode inverts encode exactly
/// on grid values.
template <class Mapping, class Estimator = MinMax, ScaleStorage Scale = F32Scale,
          RoundingPolicy Round = NearestEven>
struct Quantizer {
  using mapping = Mapping;
  using format = typename Mapping::format;
  using estimator = Estimator;
  using scale_storage = Scale;
  using rounding = Round;
  static constexpr int bits = format::bits;
  static constexpr bool has_zero_point = Mapping::has_zero_point;
  /// Whether NaN/Inf input is defined by the format's spec (OCP MX) instead of rejected.
  static constexpr bool accepts_non_finite = requires { requires Mapping::accepts_non_finite; };

  static std::string name() {
    std::string n = Mapping::name() + Estimator::name();
    if (!std::same_as<Scale, F32Scale>) n += std::string("/") + Scale::name;
    if (!std::same_as<Round, NearestEven>) n += std::string("/") + Round::name;
    return n;
  }

  static Range fit_range(std::span<const float> x) { return Estimator::template fit<Quantizer>(x); }

  /// Parameters for a clip range, with the scale rounded through its storage type.
  static GroupParams params(Range r) noexcept {
    const float s = Scale::decode(Scale::encode(Mapping::ideal_scale(r)));
    return {s, Mapping::zero_point(r, s)};
  }

  template <RoundingPolicy R = Round>
  static std::uint8_t encode(float x, GroupParams p, RoundKey key) noexcept {
    return Mapping::template encode<R>(x, p, key);
  }
  static float decode(std::uint8_t raw, GroupParams p) noexcept { return Mapping::decode(raw, p); }
};

template <class Q>
concept QuantizerPolicy = requires(std::span<const float> x, Range r, GroupParams p, float v, std::uint8_t c) {
  typename Q::format;
  typename Q::scale_storage;
  { Q::bits } -> std::convertible_to<int>;
  { Q::fit_range(x) } -> std::same_as<Range>;
  { Q::params(r) } -> std::same_as<GroupParams>;
  { Q::encode(v, p, RoundKey{}) } -> std::same_as<std::uint8_t>;
  { Q::decode(c, p) } -> std::same_as<float>;
};

LOWBIT_END_NAMESPACE
