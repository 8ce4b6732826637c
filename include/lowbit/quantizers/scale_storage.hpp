// lowbit: how a group's scale is stored (f32, f16, bf16). Encoding saturates to the largest
// finite value of the storage type, so a stored scale is never Inf or NaN.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>

#include "lowbit/core/half.hpp"

LOWBIT_BEGIN_NAMESPACE

struct F32Scale {
  using storage_type = float;
  static constexpr const char* name = "f32";
  static storage_type encode(float s) noexcept { return s; }
  static float decode(storage_type s) noexcept { return s; }
};

/// IEEE binary16, round to nearest even, saturating at +-65504.
struct F16Scale {
  using storage_type = std::uint16_t;
  static constexpr const char* name = "f16";
  static storage_type encode(float s) noexcept { return f32_to_f16_bits(std::clamp(s, -65504.0f, 65504.0f)); }
  static float decode(storage_type s) noexcept { return f16_bits_to_f32(s); }
};

/// bfloat16, round to nearest even, saturating at +-(2 - 2^-7) * 2^127.
struct BF16Scale {
  using storage_type = std::uint16_t;
  static constexpr const char* name = "bf16";
  static constexpr float kMax = 0x1.FEp127f;
  static storage_type encode(float s) noexcept { return f32_to_bf16_bits(std::clamp(s, -kMax, kMax)); }
  static float decode(storage_type s) noexcept { return bf16_bits_to_f32(s); }
};

template <class S>
concept ScaleStorage = requires(float f, typename S::storage_type s) {
  { S::encode(f) } -> std::same_as<typename S::storage_type>;
  { S::decode(s) } -> std::same_as<float>;
};

LOWBIT_END_NAMESPACE
