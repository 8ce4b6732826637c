// lowbit: the concept every code format satisfies.
//
// A code format says how an n-bit code maps to a value in units of its group's scale. Formats
// are stateless types with constexpr members; kernels read their traits, never branch on names.
#pragma once

#include <concepts>
#include <cstdint>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Integer code formats: raw codes of `bits` bits stand for the integers [min_code, max_code].
template <class F>
concept IntegerFormat = requires(int v, std::uint8_t raw) {
  requires F::is_integer;
  { F::bits } -> std::convertible_to<int>;
  { F::min_code } -> std::convertible_to<int>;
  { F::max_code } -> std::convertible_to<int>;
  { F::has_zero } -> std::convertible_to<bool>;
  { F::encode(v) } -> std::same_as<std::uint8_t>;
  { F::decode(raw) } -> std::same_as<int>;
  { F::decode_table() };
};

LOWBIT_END_NAMESPACE
