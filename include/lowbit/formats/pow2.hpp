// lowbit: power-of-two code formats: every value is +-2^-k (one shift per product) or
// +-(2^-a + 2^-b) (two shifts and an add), with a zero code.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include "lowbit/core/bits.hpp"
#include "lowbit/formats/value_grid.hpp"

LOWBIT_BEGIN_NAMESPACE

/// B bits: a sign bit (MSB) and a (B-1)-bit magnitude code m: m = 0 is zero, m >= 1 is
/// 2^(m - L) with L = 2^(B-1) - 1 levels, so magnitudes run 2^(1-L) .. 1 (Pow2<4>: 1/64 .. 1).
/// encode rounds in the log domain (DeepShift, LogQuant): the threshold between 2^k and 2^(k+1)
/// is sqrt(2) * 2^k; below the smallest level the split is linear (nearer 0 or 2^(1-L), ties
/// to 0); above 1 it saturates.
template <int kBits>
struct Pow2 {
  static_assert(kBits >= 2 && kBits <= 8, "Pow2<B>: B must be in [2, 8]");
  static constexpr int bits = kBits;
  static constexpr bool is_integer = false;
  static constexpr bool is_signed = true;
  static constexpr bool has_zero = true;
  static constexpr int levels = (1 << (kBits - 1)) - 1;
  static constexpr int min_exp = 1 - levels;
  static constexpr std::uint8_t kSignBit = static_cast<std::uint8_t>(1u << (kBits - 1));
  static constexpr float max_value = 1.0f;
  static inline const std::string name = "pow2-" + std::to_string(kBits);

  /// Exponent of a magnitude code (m >= 1).
  static constexpr int exponent(std::uint8_t m) noexcept { return m - levels; }

  static constexpr float decode(std::uint8_t raw) noexcept {
    const int m = raw & (kSignBit - 1);
    if (m == 0) return 0.0f;
    const auto v = static_cast<float>(exp2i(exponent(static_cast<std::uint8_t>(m))));
    return (raw & kSignBit) ? -v : v;
  }
  static std::uint8_t encode(float x) noexcept {
    const float a = std::fabs(x);
    if (!(a > static_cast<float>(exp2i(min_exp - 1)))) return 0;  // also NaN
    const std::uint8_t sign = std::signbit(x) ? kSignBit : 0;
    int e = 0;
    const double f = std::frexp(static_cast<double>(a), &e);  // a = f * 2^e, f in [0.5, 1)
    const int k = (2.0 * f * f >= 1.0) ? e : e - 1;          // round(log2 a), exact
    const int clamped = k > 0 ? 0 : k < min_exp ? min_exp : k;
    return static_cast<std::uint8_t>(sign | (clamped + levels));
  }
  static constexpr auto decode_table() noexcept {
    std::array<float, (1u << kBits)> t{};
    for (unsigned i = 0; i < t.size(); ++i) t[i] = decode(static_cast<std::uint8_t>(i));
    return t;
  }
};

/// Sum of two powers of two (additive powers-of-two, APoT, Li et al. 2020, with k = 2 terms):
/// B = 1 + 2t bits: a sign bit and two t-bit term codes, value +-(P0[c0] + P1[c1]) with
/// P0 = {0, 1, 2^-2, 2^-4, ...} and P1 = {0, 2^-1, 2^-3, ...}: the terms take alternate binary
/// digits, so all 2^(2t) sums are distinct; max 1.5. encode: nearest sum, ties toward zero.
template <int kBits>
struct SumPow2 {
  static_assert(kBits % 2 == 1 && kBits >= 3 && kBits <= 7, "SumPow2<B>: B must be 3, 5 or 7 (1 + 2t)");
  static constexpr int bits = kBits;
  static constexpr int term_bits = (kBits - 1) / 2;
  static constexpr bool is_integer = false;
  static constexpr bool is_signed = true;
  static constexpr bool has_zero = true;
  static constexpr std::uint8_t kSignBit = static_cast<std::uint8_t>(1u << (kBits - 1));
  static inline const std::string name = "sum-pow2-" + std::to_string(kBits);

  /// Exponent of term code c of term j (c >= 1): term j's c-th power is 2^-(2(c-1) + j).
  static constexpr int term_shift(int j, int c) noexcept { return 2 * (c - 1) + j; }
  static constexpr float term(int j, int c) noexcept {
    return c == 0 ? 0.0f : 1.0f / static_cast<float>(1u << term_shift(j, c));
  }
  static constexpr float decode(std::uint8_t raw) noexcept {
    const int c0 = raw & static_cast<int>(low_mask(term_bits));
    const int c1 = (raw >> term_bits) & static_cast<int>(low_mask(term_bits));
    const float v = term(0, c0) + term(1, c1);
    return (raw & kSignBit) ? -v : v;
  }
  static constexpr float max_value = term(0, 1) + term(1, 1);

  static std::uint8_t encode(float x) noexcept {
    constexpr auto& g = value_grid<SumPow2>;
    if (std::isnan(x)) return 0;
    if (x <= g.value[0]) return g.code[0];
    if (x >= g.value[g.size - 1]) return g.code[g.size - 1];
    const std::size_t i = g.floor_index(x);
    const float dl = x - g.value[i], dh = g.value[i + 1] - x;
    const bool up = dh < dl || (dh == dl && std::fabs(g.value[i + 1]) < std::fabs(g.value[i]));
    return g.code[up ? i + 1 : i];
  }
  static constexpr auto decode_table() noexcept {
    std::array<float, (1u << kBits)> t{};
    for (unsigned i = 0; i < t.size(); ++i) t[i] = decode(static_cast<std::uint8_t>(i));
    return t;
  }
};

LOWBIT_END_NAMESPACE
