// lowbit: rounding modes as policies, and the counter-based generator behind stochastic rounding.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Identifies one rounding decision: a user seed and the element's linear index (r * cols + c).
/// Stochastic rounding draws from a hash of both, so results do not depend on the order in which
/// elements are visited, the thread count, or the SIMD width.
struct RoundKey {
  std::uint64_t seed = 0;
  std::uint64_t index = 0;
};

namespace detail {
/// SplitMix64's output function, applied to counter (seed, index): a counter-based generator.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
/// A uniform draw in [0, 1) with 24 random bits (exact in float).
constexpr float uniform01(RoundKey k) noexcept {
  const std::uint64_t h = mix64(mix64(k.seed + 0x9E3779B97F4A7C15ull) + k.index * 0x9E3779B97F4A7C15ull);
  return static_cast<float>(h >> 40) * 0x1p-24f;
}
}  // namespace detail

/// Round to nearest, ties to even (IEEE default; what SIMD round instructions do).
struct NearestEven {
  static constexpr const char* name = "nearest-even";
  static float apply(float v, RoundKey) noexcept { return std::nearbyint(v); }
};

/// Round to nearest, ties away from zero (C `roundf`).
struct NearestAway {
  static constexpr const char* name = "nearest-away";
  static float apply(float v, RoundKey) noexcept { return std::round(v); }
};

/// Truncate toward zero.
struct TowardZero {
  static constexpr const char* name = "toward-zero";
  static float apply(float v, RoundKey) noexcept { return std::trunc(v); }
};

/// Stochastic rounding: rounds up with probability equal to the fractional part, so the result is
/// unbiased (E[round(v)] = v up to the generator's 2^-24 resolution). Reproducible: the draw
/// depends only on RoundKey.
struct Stochastic {
  static constexpr const char* name = "stochastic";
  static float apply(float v, RoundKey k) noexcept {
    const float lo = std::floor(v);
    return detail::uniform01(k) < v - lo ? lo + 1.0f : lo;  // v - lo is exact for floats
  }
};

/// A rounding policy maps a float to an integral float.
template <class R>
concept RoundingPolicy = requires(float v, RoundKey k) {
  { R::apply(v, k) } -> std::same_as<float>;
  { R::name } -> std::convertible_to<const char*>;
};

LOWBIT_END_NAMESPACE
