// lowbit: PerTensor granularity: one set of parameters for the whole matrix.
#pragma once

#include "lowbit/granularity/concepts.hpp"

LOWBIT_BEGIN_NAMESPACE

struct PerTensor {
  static constexpr bool is_two_level = false;
  static constexpr std::size_t pad_cols = 1;
  static std::string name() { return "per-tensor"; }
  static GroupShape group_shape(std::size_t rows, std::size_t cols) noexcept { return {rows, cols}; }
  static void validate(std::size_t, std::size_t) noexcept {}
};

LOWBIT_END_NAMESPACE
