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

/// \tparam Mapping   Symmetric<B, ...> or Affine<B>: code format and range -> (scale, zero point)
/// \tparam Estimator MinMax, MseSearch<...> or Percentile<...>: a group's values -> clip range
/// \tparam Scale     F32Scale, F16Scale or BF16Scale: how each group's scale is stored
/// \tparam Round     NearestEven, NearestAway, TowardZero or Stochastic
///
/// encode: code = clamp(Round(x / scale) + zero_point, qmin, qmax); scale 0 gives the zero
/// point (an all-zero group: no division). decode: (code - zero_point) * scale.
/// Codes are always computed with the stored (rounded) scale, so decode inverts encode exactly
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
  static constexpr int qmin = Mapping::qmin;
  static constexpr int qmax = Mapping::qmax;
  static constexpr bool has_zero_point = Mapping::has_zero_point;

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
    const float v = p.scale != 0.0f ? x / p.scale : 0.0f;
    float q = R::apply(v, key) + static_cast<float>(p.zero_point);
    q = std::clamp(q, static_cast<float>(qmin), static_cast<float>(qmax));  // before the int cast: v may be Inf
    return format::encode(static_cast<int>(q));
  }

  static float decode(std::uint8_t raw, GroupParams p) noexcept {
    return static_cast<float>(format::decode(raw) - p.zero_point) * p.scale;
  }
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
