// lowbit: bit-exact scalar f32 <-> f16 (IEEE binary16) and f32 <-> bf16 conversions.
//
// f32 -> f16/bf16 rounds to nearest, ties to even; overflow gives +-Inf (the IEEE result; the
// saturating scale storage in quantizers/ clamps before it gets here); NaN stays NaN (quiet bit
// set, sign and high payload bits kept). f16/bf16 -> f32 is exact. All constexpr.
#pragma once

#include <bit>
#include <cstdint>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

constexpr std::uint16_t f32_to_f16_bits(float f) noexcept {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
  const std::uint32_t a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<std::uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x1FFu));
  if (a >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // >= 65520: Inf
  if (a >= 0x38800000u) {                                                 // f16 normal range
    const std::uint32_t mant = a & 0x7FFFFFu;
    std::uint32_t h = ((((a >> 23) - 127u + 15u) << 10) | (mant >> 13));
    const std::uint32_t rem = mant & 0x1FFFu;
    h += (rem > 0x1000u) | ((rem == 0x1000u) & h);  // no branch: the rounding bit is data; a carry bumps the exponent
    return static_cast<std::uint16_t>(sign | h);
  }
  if (a <= 0x33000000u) return sign;  // <= 2^-25: ties to even gives zero
  // f16 subnormal: units of 2^-24.
  const std::uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
  const int s = 126 - static_cast<int>(a >> 23);  // 14..24
  std::uint32_t h = m >> s;
  const std::uint32_t rem = m & ((1u << s) - 1u);
  const std::uint32_t half = 1u << (s - 1);
  h += (rem > half) | ((rem == half) & h);
  return static_cast<std::uint16_t>(sign | h);
}

constexpr float f16_bits_to_f32(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1Fu;
  std::uint32_t m = h & 0x3FFu;
  if (e == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (m << 13));
  if (e != 0) return std::bit_cast<float>(sign | ((e + 112u) << 23) | (m << 13));
  if (m == 0) return std::bit_cast<float>(sign);
  int exp = 113;  // normalise the subnormal: value = m * 2^-24
  while ((m & 0x400u) == 0) {
    m <<= 1;
    --exp;
  }
  return std::bit_cast<float>(sign | (static_cast<std::uint32_t>(exp) << 23) | ((m & 0x3FFu) << 13));
}

constexpr std::uint16_t f32_to_bf16_bits(float f) noexcept {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
  return static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

constexpr float bf16_bits_to_f32(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

LOWBIT_END_NAMESPACE
