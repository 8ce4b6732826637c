// lowbit: what a granularity policy is: a tiling of the [rows, cols] matrix into groups that
// share parameters, plus how a row's codes are padded and what happens to a ragged tail.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <string>

#include "lowbit/core/bits.hpp"
#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Extent of one group: every group covers [r0, r0 + rows) x [c0, c0 + cols), clipped to the
/// matrix (the last group along an axis may be partial).
struct GroupShape {
  std::size_t rows = 0;
  std::size_t cols = 0;
};

/// The grid of groups of a rows x cols matrix.
struct GroupGrid {
  GroupShape shape;       ///< extent of a full group
  std::size_t rows = 0;   ///< groups along rows
  std::size_t cols = 0;   ///< groups along cols
  std::size_t count() const noexcept { return rows * cols; }
};

/// What a block policy does with a row whose length is not a multiple of the block.
enum class Tail {
  kPad,     ///< the last block is partial: its parameters come from the elements it has, and its
            ///< codes are padded to a whole block with the code of 0 (so kernels read whole blocks)
  kReject,  ///< quantize throws argument_error
};

/// Element ranges [r0, r1) x [c0, c1) of group (gr, gc) of a rows x cols matrix.
struct GroupBounds {
  std::size_t r0, r1, c0, c1;
};
inline GroupBounds group_bounds(const GroupGrid& grid, std::size_t gr, std::size_t gc, std::size_t rows,
                                std::size_t cols) noexcept {
  const std::size_t r0 = gr * grid.shape.rows, c0 = gc * grid.shape.cols;
  return {r0, std::min(rows, r0 + grid.shape.rows), c0, std::min(cols, c0 + grid.shape.cols)};
}

template <class G>
concept GranularityPolicy = requires(std::size_t n) {
  { G::name() } -> std::convertible_to<std::string>;
  { G::group_shape(n, n) } -> std::same_as<GroupShape>;
  { G::pad_cols } -> std::convertible_to<std::size_t>;
  G::validate(n, n);
};

/// Two-level policies (SuperBlock) expose this flag; their parameters are stored differently.
template <class G>
concept TwoLevelGranularity = GranularityPolicy<G> && G::is_two_level;

/// The group grid of a rows x cols matrix under G (empty for an empty matrix).
template <GranularityPolicy G>
GroupGrid group_grid(std::size_t rows, std::size_t cols) noexcept {
  if (rows == 0 || cols == 0) return {};
  const GroupShape s = G::group_shape(rows, cols);
  return {s, div_ceil(rows, s.rows), div_ceil(cols, s.cols)};
}

LOWBIT_END_NAMESPACE
