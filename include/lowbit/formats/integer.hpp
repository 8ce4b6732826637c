// lowbit: integer code formats Int<B> (two's complement) and UInt<B> (unsigned), B = 2..8.
#pragma once

#include <array>
#include <cstdint>

#include "lowbit/core/bits.hpp"
#include "lowbit/formats/concepts.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Signed B-bit integer codes in [-2^(B-1), 2^(B-1) - 1]; the raw code is the value's low B bits
/// (two's complement), so Int<4> stores -8 as 0b1000 and -1 as 0b1111.
template <int kBits>
struct Int {
  static_assert(kBits >= 2 && kBits <= 8, "Int<B>: B must be in [2, 8]");
  static constexpr int bits = kBits;
  static constexpr bool is_integer = true;
  static constexpr bool is_signed = true;
  static constexpr bool has_zero = true;
  static constexpr int min_code = -(1 << (kBits - 1));
  static constexpr int max_code = (1 << (kBits - 1)) - 1;

  /// v must be in [min_code, max_code].
  static constexpr std::uint8_t encode(int v) noexcept {
    return static_cast<std::uint8_t>(static_cast<unsigned>(v) & low_mask(kBits));
  }
  static constexpr int decode(std::uint8_t raw) noexcept {
    const int v = raw & static_cast<int>(low_mask(kBits));
    return v > max_code ? v - (1 << kBits) : v;
  }
  /// decode_table()[raw] == decode(raw) for every raw code.
  static constexpr std::array<float, (1u << kBits)> decode_table() noexcept {
    std::array<float, (1u << kBits)> t{};
    for (unsigned i = 0; i < t.size(); ++i) t[i] = static_cast<float>(decode(static_cast<std::uint8_t>(i)));
    return t;
  }
};

/// Unsigned B-bit integer codes in [0, 2^B - 1] (affine quantization with a zero point).
template <int kBits>
struct UInt {
  static_assert(kBits >= 2 && kBits <= 8, "UInt<B>: B must be in [2, 8]");
  static constexpr int bits = kBits;
  static constexpr bool is_integer = true;
  static constexpr bool is_signed = false;
  static constexpr bool has_zero = true;
  static constexpr int min_code = 0;
  static constexpr int max_code = (1 << kBits) - 1;

  static constexpr std::uint8_t encode(int v) noexcept { return static_cast<std::uint8_t>(v); }
  static constexpr int decode(std::uint8_t raw) noexcept { return raw & static_cast<int>(low_mask(kBits)); }
  static constexpr std::array<float, (1u << kBits)> decode_table() noexcept {
    std::array<float, (1u << kBits)> t{};
    for (unsigned i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
    return t;
  }
};

using Int8 = Int<8>;
using Int4 = Int<4>;
using Int3 = Int<3>;
using Int2 = Int<2>;
using UInt8 = UInt<8>;
using UInt4 = UInt<4>;

LOWBIT_END_NAMESPACE
