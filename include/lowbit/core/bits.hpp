// lowbit: small integer helpers shared by every layer (masks, rounding up, powers of two).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// ceil(a / b) for b > 0.
constexpr std::size_t div_ceil(std::size_t a, std::size_t b) noexcept { return (a + b - 1) / b; }

/// The smallest multiple of b that is >= a, for b > 0.
constexpr std::size_t round_up(std::size_t a, std::size_t b) noexcept { return div_ceil(a, b) * b; }

/// A mask of the low `bits` bits, bits in [0, 32].
constexpr std::uint32_t low_mask(int bits) noexcept {
  return bits >= 32 ? 0xFFFFFFFFu : ((std::uint32_t{1} << bits) - 1u);
}

/// The largest power of two <= v, for v >= 1.
constexpr int pow2_floor(int v) noexcept {
  int p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

/// Exactly 2^k as a double, |k| < 1023 (constexpr, unlike std::ldexp).
constexpr double exp2i(int k) noexcept {
  double p = 1.0;
  for (; k > 0; --k) p *= 2.0;
  for (; k < 0; ++k) p *= 0.5;
  return p;
}

LOWBIT_END_NAMESPACE
