// lowbit: formats defined by a finite set of values (minifloats, codebooks, powers of two):
// the sorted value grid of a format, and rounding a real number onto it under any rounding policy.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>

#include "lowbit/core/rounding.hpp"

LOWBIT_BEGIN_NAMESPACE

/// A value format: `bits`-bit codes, each decoding to a float in units of the group scale, with
/// a nearest-value encoder following the format's own tie rule.
template <class F>
concept ValueFormat = requires(float x, std::uint8_t raw) {
  requires !F::is_integer;
  { F::bits } -> std::convertible_to<int>;
  { F::max_value } -> std::convertible_to<float>;
  { F::encode(x) } -> std::same_as<std::uint8_t>;
  { F::decode(raw) } -> std::convertible_to<float>;
};

/// The distinct finite values of a format in increasing order, each with one code (the first in
/// code order: +0 rather than -0).
template <std::size_t N>
struct ValueGrid {
  std::array<float, N> value{};
  std::array<std::uint8_t, N> code{};
  std::size_t size = 0;

  /// Index of the largest grid value <= x (0 when x is below the grid).
  constexpr std::size_t floor_index(float x) const noexcept {
    const auto it = std::upper_bound(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(size), x);
    return it == value.begin() ? 0 : static_cast<std::size_t>(it - value.begin()) - 1;
  }
};

template <class F>
constexpr auto make_value_grid() noexcept {
  constexpr std::size_t kCodes = std::size_t{1} << F::bits;
  ValueGrid<kCodes> g;
  for (std::size_t c = 0; c < kCodes; ++c) {
    const float v = F::decode(static_cast<std::uint8_t>(c));
    if (!(v == v) || v == INFINITY || v == -INFINITY) continue;  // NaN / Inf codes are not grid points
    bool seen = false;
    for (std::size_t i = 0; i < g.size; ++i) seen = seen || g.value[i] == v;
    if (seen) continue;
    std::size_t i = g.size++;
    for (; i > 0 && g.value[i - 1] > v; --i) {  // insertion sort: constexpr-friendly
      g.value[i] = g.value[i - 1];
      g.code[i] = g.code[i - 1];
    }
    g.value[i] = v;
    g.code[i] = static_cast<std::uint8_t>(c);
  }
  return g;
}

template <class F>
inline constexpr auto value_grid = make_value_grid<F>();

/// Rounds x (in units of the scale, finite) onto F's grid: NearestEven uses the format's own
/// nearest rule (F::encode: ties to even for minifloats, the spec's tie rule for codebooks);
/// NearestAway takes the nearer neighbour with ties to the larger magnitude; TowardZero the
/// neighbour of smaller magnitude; Stochastic picks the upper neighbour with probability
/// (x - lo) / (hi - lo), so it is unbiased inside the grid. Outside the grid all saturate.
template <class F, RoundingPolicy R>
std::uint8_t round_to_grid(float x, RoundKey key) noexcept {
  if constexpr (std::same_as<R, NearestEven>) {
    return F::encode(x);
  } else {
    constexpr auto& g = value_grid<F>;
    if (!(x > g.value[0])) return g.code[0];  // also NaN: the lowest value, defined
    if (x >= g.value[g.size - 1]) return g.code[g.size - 1];
    const std::size_t i = g.floor_index(x);
    const float lo = g.value[i], hi = g.value[i + 1];
    if (x == lo) return g.code[i];
    bool up = false;
    if constexpr (std::same_as<R, TowardZero>) {
      up = hi <= 0.0f;
    } else if constexpr (std::same_as<R, NearestAway>) {
      const float dl = x - lo, dh = hi - x;
      up = dh < dl || (dh == dl && std::fabs(hi) > std::fabs(lo));
    } else {
      up = R::apply((x - lo) / (hi - lo), key) >= 1.0f;
    }
    return g.code[up ? i + 1 : i];
  }
}

LOWBIT_END_NAMESPACE
