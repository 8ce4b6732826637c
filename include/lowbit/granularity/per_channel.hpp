// lowbit: per-channel granularity: one set of parameters per row or per column.
#pragma once

#include "lowbit/granularity/concepts.hpp"

LOWBIT_BEGIN_NAMESPACE

/// One group per row: per output channel of [out, in] weights, per token of [tokens, hidden]
/// activations (dynamic per-token quantization).
struct PerRow {
  static constexpr bool is_two_level = false;
  static constexpr std::size_t pad_cols = 1;
  static std::string name() { return "per-row"; }
  static GroupShape group_shape(std::size_t, std::size_t cols) noexcept { return {1, cols}; }
  static void validate(std::size_t, std::size_t) noexcept {}
};

/// One group per column: per output channel of weights stored [in, out].
struct PerCol {
  static constexpr bool is_two_level = false;
  static constexpr std::size_t pad_cols = 1;
  static std::string name() { return "per-col"; }
  static GroupShape group_shape(std::size_t rows, std::size_t) noexcept { return {rows, 1}; }
  static void validate(std::size_t, std::size_t) noexcept {}
};

/// Per output channel of [out, in] weights; the same policy is per-token for activations.
using PerChannel = PerRow;

LOWBIT_END_NAMESPACE
