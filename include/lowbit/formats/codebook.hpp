// lowbit: codebook formats: a 4-bit code indexes a table of 16 values (NF4, bitsandbytes FP4,
// ggml's IQ4_NL). Learned (k-means) codebooks, whose table is data, live in
// quantizers/kmeans.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Which code a value exactly halfway between two table entries gets.
enum class CodebookTie { kLower, kUpper };

/// \tparam Table  a type with `static constexpr std::array<float, 16> values` (in code order, any
///                order of values) and `static constexpr const char* name`
/// \tparam kTie   the tie rule at midpoints, compared in f32 as the reference implementations do
template <class Table, CodebookTie kTie>
struct Codebook {
  static constexpr std::size_t kSize = Table::values.size();
  static_assert(kSize == 16, "Codebook: tables have 16 entries (4-bit codes)");
  static constexpr int bits = 4;
  static constexpr bool is_integer = false;
  static constexpr bool is_signed = true;
  static constexpr const char* name = Table::name;

  static constexpr float decode(std::uint8_t raw) noexcept { return Table::values[raw & 0xF]; }
  static constexpr std::array<float, kSize> decode_table() noexcept { return Table::values; }

  static constexpr float max_value = [] {
    float m = 0.0f;
    for (float v : Table::values) m = std::max(m, v < 0 ? -v : v);
    return m;
  }();

  /// The codes in increasing order of value, and the f32 midpoints between neighbours.
  struct Sorted {
    std::array<std::uint8_t, kSize> code{};
    std::array<float, kSize - 1> mid{};
  };
  static constexpr Sorted sorted = [] {
    Sorted s;
    for (std::size_t i = 0; i < kSize; ++i) s.code[i] = static_cast<std::uint8_t>(i);
    for (std::size_t i = 1; i < kSize; ++i)  // insertion sort, stable: equal values keep code order
      for (std::size_t j = i; j > 0 && Table::values[s.code[j - 1]] > Table::values[s.code[j]]; --j)
        std::swap(s.code[j - 1], s.code[j]);
    for (std::size_t i = 0; i + 1 < kSize; ++i)
      s.mid[i] = (Table::values[s.code[i]] + Table::values[s.code[i + 1]]) / 2.0f;
    return s;
  }();

  /// The nearest entry; NaN gives the entry nearest 0.
  static std::uint8_t encode(float x) noexcept {
    if (std::isnan(x)) x = 0.0f;
    std::size_t i = 0;  // number of midpoints below x (kLower) or at/below x (kUpper)
    for (float m : sorted.mid) i += kTie == CodebookTie::kLower ? (m < x) : (m <= x);
    return sorted.code[i];
  }
};

namespace codebooks {
/// bitsandbytes NF4 (QLoRA): normal-distribution quantiles normalised to [-1, 1].
struct NF4Table {
  static constexpr const char* name = "nf4";
  static constexpr std::array<float, 16> values = {
      -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
      -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
      0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
      0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};
};
/// bitsandbytes FP4: its own E2M1-like code order {0, 0.0625, 8, 12, 4, 6, 2, 3} / 12, sign in
/// bit 3 (not the OCP E2M1 code order or values).
struct BnbFP4Table {
  static constexpr const char* name = "bnb-fp4";
  static constexpr std::array<float, 16> values = {
      0.0f, 0.0625f / 12, 8.0f / 12, 12.0f / 12, 4.0f / 12, 6.0f / 12, 2.0f / 12, 3.0f / 12,
      -0.0f, -0.0625f / 12, -8.0f / 12, -12.0f / 12, -4.0f / 12, -6.0f / 12, -2.0f / 12, -3.0f / 12};
};
/// ggml IQ4_NL / IQ4_XS non-linear table (int8 values, used with a per-block f16 scale).
struct IQ4NLTable {
  static constexpr const char* name = "iq4_nl";
  static constexpr std::array<float, 16> values = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                   1,    13,   25,  38,  53,  69,  89,  113};
};
}  // namespace codebooks

/// bitsandbytes: torch.bucketize(right=False) puts a value on a midpoint in the lower bucket.
using NF4 = Codebook<codebooks::NF4Table, CodebookTie::kLower>;
using BnbFP4 = Codebook<codebooks::BnbFP4Table, CodebookTie::kLower>;
/// ggml best_index_int8: an exact midpoint goes to the upper entry.
using IQ4NL = Codebook<codebooks::IQ4NLTable, CodebookTie::kUpper>;

LOWBIT_END_NAMESPACE
