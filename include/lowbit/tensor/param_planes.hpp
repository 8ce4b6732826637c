// lowbit: the parameter planes of a packed matrix: per-group scales and zero points, or for a
// two-level granularity, super-block scales plus packed sub-scale codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bitpack.hpp"
#include "lowbit/formats/integer.hpp"
#include "lowbit/granularity/concepts.hpp"
#include "lowbit/quantizers/quantizer.hpp"

LOWBIT_BEGIN_NAMESPACE

/// One stored scale (Q's scale storage) and, for affine quantizers, one uint8 zero point per
/// group, both row-major over the group grid.
template <QuantizerPolicy Q, GranularityPolicy G>
class ParamPlanes {
 public:
  using scale_type = typename Q::scale_storage::storage_type;

  ParamPlanes() = default;
  explicit ParamPlanes(GroupGrid grid)
      : grid_(grid), scales_(grid.count()), zero_points_(Q::has_zero_point ? grid.count() : 0) {}

  GroupParams get(std::size_t gr, std::size_t gc) const noexcept {
    const std::size_t g = gr * grid_.cols + gc;
    return {Q::scale_storage::decode(scales_[g]), Q::has_zero_point ? zero_points_[g] : 0};
  }
  /// Stores `p`; p.scale must already be representable (it came from Q::params).
  void set(std::size_t gr, std::size_t gc, GroupParams p) noexcept {
    const std::size_t g = gr * grid_.cols + gc;
    scales_[g] = Q::scale_storage::encode(p.scale);
    if constexpr (Q::has_zero_point) zero_points_[g] = static_cast<std::uint8_t>(p.zero_point);
  }

  /// Group row gr's stored scales and zero points (grid.cols each), for writers in bulk.
  scale_type* scale_row(std::size_t gr) noexcept { return scales_.data() + gr * grid_.cols; }
  std::uint8_t* zero_point_row(std::size_t gr) noexcept { return zero_points_.data() + gr * grid_.cols; }

  const AlignedBuffer<scale_type>& scales() const noexcept { return scales_; }
  const AlignedBuffer<std::uint8_t>& zero_points() const noexcept { return zero_points_; }
  std::size_t bytes() const noexcept { return scales_.bytes() + zero_points_.bytes(); }

 private:
  GroupGrid grid_;
  AlignedBuffer<scale_type> scales_;
  AlignedBuffer<std::uint8_t> zero_points_;
};

/// Two-level parameters: per super-block one stored super scale; per sub-block (group) one
/// G::sub_bits-bit sub-scale code (two's complement when Q's scales are signed) packed row-major
/// over the group grid, and a uint8 zero point for affine quantizers.
template <QuantizerPolicy Q, TwoLevelGranularity G>
class ParamPlanes<Q, G> {
 public:
  using super_type = typename G::super_scale::storage_type;
  using SubFormat = std::conditional_t<Q::mapping::signed_scale, Int<G::sub_bits>, UInt<G::sub_bits>>;

  ParamPlanes() = default;
  explicit ParamPlanes(GroupGrid grid)
      : grid_(grid),
        super_cols_(div_ceil(grid.cols, G::subs_per_super)),
        super_scales_(grid.rows * super_cols_),
        sub_codes_(packed_bytes(grid.count(), G::sub_bits)),
        zero_points_(Q::has_zero_point ? grid.count() : 0) {}

  GroupParams get(std::size_t gr, std::size_t gc) const noexcept {
    const std::size_t g = gr * grid_.cols + gc;
    const float d = G::super_scale::decode(super_scales_[gr * super_cols_ + gc / G::subs_per_super]);
    return {d * static_cast<float>(sub_code(g)), Q::has_zero_point ? zero_points_[g] : 0};
  }
  std::size_t super_cols() const noexcept { return super_cols_; }
  void set_super(std::size_t gr, std::size_t sc, super_type stored) noexcept {
    super_scales_[gr * super_cols_ + sc] = stored;
  }
  void set_sub_code(std::size_t gr, std::size_t gc, int code) noexcept {
    set_code(sub_codes_.data(), G::sub_bits, gr * grid_.cols + gc, SubFormat::encode(code));
  }
  void set_zero_point(std::size_t gr, std::size_t gc, std::int32_t zp) noexcept {
    if constexpr (Q::has_zero_point) zero_points_[gr * grid_.cols + gc] = static_cast<std::uint8_t>(zp);
  }
  int sub_code(std::size_t g) const noexcept {
    return SubFormat::decode(get_code(sub_codes_.data(), G::sub_bits, g));
  }

  const AlignedBuffer<super_type>& super_scales() const noexcept { return super_scales_; }
  const AlignedBuffer<std::uint8_t>& sub_codes() const noexcept { return sub_codes_; }
  const AlignedBuffer<std::uint8_t>& zero_points() const noexcept { return zero_points_; }
  std::size_t bytes() const noexcept { return super_scales_.bytes() + sub_codes_.bytes() + zero_points_.bytes(); }

 private:
  GroupGrid grid_;
  std::size_t super_cols_ = 0;
  AlignedBuffer<super_type> super_scales_;
  AlignedBuffer<std::uint8_t> sub_codes_;
  AlignedBuffer<std::uint8_t> zero_points_;
};

LOWBIT_END_NAMESPACE
