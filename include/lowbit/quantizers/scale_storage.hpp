// lowbit: how a group's scale is stored (f32, f16, bf16). Encoding saturates to the largest
// finite value of the storage type, so a stored scale is never Inf or NaN.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>

#include "lowbit/core/half.hpp"
#include "lowbit/formats/minifloat.hpp"

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

/// OCP MX shared scale: E8M0, exact for the powers of two 2^-127 .. 2^127 the MX rule produces;
/// NaN is code 0xFF.
struct E8M0Scale {
  using storage_type = std::uint8_t;
  static constexpr const char* name = "e8m0";
  static constexpr bool power_of_two = true;
  static storage_type encode(float s) noexcept { return UE8M0::encode(s); }
  static float decode(storage_type s) noexcept { return kValues[s]; }  // a lookup: UE8M0::decode goes through doubles
  static constexpr auto kValues = UE8M0::decode_table();
};

/// NVFP4 block scale: unsigned E4M3, round to nearest even, clamped to [2^-9, 448] (the smallest
/// subnormal up to the largest normal), so a stored scale is never 0, Inf or NaN.
struct UE4M3Scale {
  using storage_type = std::uint8_t;
  static constexpr const char* name = "ue4m3";
  static storage_type encode(float s) noexcept {
    return UE4M3::encode(std::clamp(s, UE4M3::min_value, UE4M3::max_value));
  }
  static float decode(storage_type s) noexcept { return kValues[s]; }  // a lookup: UE4M3::decode goes through doubles
  static constexpr auto kValues = UE4M3::decode_table();
};

template <class S>
concept ScaleStorage = requires(float f, typename S::storage_type s) {
  { S::encode(f) } -> std::same_as<typename S::storage_type>;
  { S::decode(s) } -> std::same_as<float>;
};

LOWBIT_END_NAMESPACE
