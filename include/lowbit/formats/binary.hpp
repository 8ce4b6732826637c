// lowbit: the binary code format {-1, +1} (XNOR-Net, BinaryConnect): one bit, 1 stands for +1,
// so a dot product of two packed vectors of length n is n - 2 * popcount(a XOR b).
#pragma once

#include <array>
#include <cstdint>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

struct Binary {
  static constexpr int bits = 1;
  static constexpr bool is_integer = false;
  static constexpr bool is_signed = true;
  static constexpr bool has_zero = false;  ///< 0 encodes as +1 (sign(0) = +1)
  static constexpr float max_value = 1.0f;
  static constexpr const char* name = "binary";

  static constexpr std::uint8_t encode(float x) noexcept { return x < 0.0f ? 0 : 1; }  // NaN -> +1
  static constexpr float decode(std::uint8_t raw) noexcept { return (raw & 1) ? 1.0f : -1.0f; }
  static constexpr std::array<float, 2> decode_table() noexcept { return {-1.0f, 1.0f}; }
};

LOWBIT_END_NAMESPACE
