// lowbit: Blockwise<N>: one set of parameters per N consecutive elements of a row (along the
// reduction axis), the granularity of GGUF's Q4_0 (N = 32) and of group-wise GPTQ/AWQ (N = 128).
#pragma once

#include "lowbit/core/error.hpp"
#include "lowbit/granularity/concepts.hpp"

LOWBIT_BEGIN_NAMESPACE

template <std::size_t kBlock, Tail kTail = Tail::kPad>
struct Blockwise {
  static_assert(kBlock > 0, "Blockwise<N>: block size N must be positive");
  static constexpr bool is_two_level = false;
  static constexpr std::size_t block = kBlock;
  static constexpr Tail tail = kTail;
  static constexpr std::size_t pad_cols = kBlock;
  static std::string name() {
    return "block" + std::to_string(kBlock) + (kTail == Tail::kReject ? "/strict" : "");
  }
  static GroupShape group_shape(std::size_t, std::size_t) noexcept { return {1, kBlock}; }
  static void validate(std::size_t, std::size_t cols) {
    if constexpr (kTail == Tail::kReject)
      LOWBIT_CHECK(cols % kBlock == 0, "cols: ", cols, " is not a multiple of the block size ", kBlock,
                   " (this Blockwise policy rejects ragged rows; use Tail::kPad to pad them)");
  }
};

LOWBIT_END_NAMESPACE
