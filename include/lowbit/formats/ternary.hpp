// lowbit: the ternary code format {-1, 0, +1} (BitNet b1.58, ggml TQ1_0/TQ2_0) and its two
// storages: 2-bit codes (any packed tensor) and base-3, 5 trits per byte (ggml TQ1_0's rule).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "lowbit/formats/concepts.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Integer codes -1, 0, +1 in 2-bit two's complement (-1 is 0b11; 0b10 is never produced).
struct Ternary {
  static constexpr int bits = 2;
  static constexpr bool is_integer = true;
  static constexpr bool is_signed = true;
  static constexpr bool has_zero = true;
  static constexpr int min_code = -1;
  static constexpr int max_code = 1;
  static constexpr const char* name = "ternary";

  static constexpr std::uint8_t encode(int v) noexcept { return static_cast<std::uint8_t>(std::clamp(v, -1, 1) & 3); }
  static constexpr int decode(std::uint8_t raw) noexcept {
    const int v = raw & 3;
    return v == 3 ? -1 : v == 2 ? 0 : v;  // 0b10 is not a valid code; it decodes to 0
  }
  static constexpr std::array<float, 4> decode_table() noexcept { return {0.0f, 1.0f, 0.0f, -1.0f}; }
};

/// Base-3 packing: 5 trits t_0..t_4 in {0, 1, 2} (value + 1) per byte as
/// ceil((sum t_n 3^(4-n)) * 256 / 243); t_0 is the most significant. A byte so built decodes
/// with one multiply and shift per trit (ggml TQ1_0): t_n = ((byte * 3^n mod 256) * 3) >> 8.
/// Fewer than 5 trits are padded with t = 0 at the end, as TQ1_0's 4-trit bytes are.
namespace trits {
inline constexpr std::uint8_t pack5(std::span<const int> t) noexcept {
  unsigned q = 0;
  for (std::size_t n = 0; n < 5; ++n) q = q * 3 + static_cast<unsigned>(n < t.size() ? t[n] : 0);
  return static_cast<std::uint8_t>((q * 256 + 242) / 243);
}
inline constexpr int unpack(std::uint8_t byte, int n) noexcept {
  constexpr std::array<unsigned, 5> kPow3 = {1, 3, 9, 27, 81};
  const auto q = static_cast<std::uint8_t>(byte * kPow3[static_cast<std::size_t>(n)]);
  return static_cast<int>((static_cast<unsigned>(q) * 3) >> 8);
}
}  // namespace trits

LOWBIT_END_NAMESPACE
