// lowbit: PackedMatrix<Q, G, Layout>: an owning quantized matrix (codes + parameters).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bitpack.hpp"
#include "lowbit/core/error.hpp"
#include "lowbit/granularity/concepts.hpp"
#include "lowbit/quantizers/quantizer.hpp"
#include "lowbit/tensor/layout.hpp"
#include "lowbit/tensor/param_planes.hpp"

LOWBIT_BEGIN_NAMESPACE

/// A rows x cols matrix quantized with quantizer Q at granularity G, stored in Layout.
/// Element (r, c) decodes to Q::decode(code, params of its group). Build one with
/// lowbit::quantize / lowbit::ref::quantize; a default-constructed one is empty.
///
/// \tparam Q      a QuantizerPolicy (quantizers/)
/// \tparam G      a GranularityPolicy (granularity/)
/// \tparam Layout SoaPlanes (the only layout so far; the slot is where AoS GGUF blocks go)
template <QuantizerPolicy Q, GranularityPolicy G, class Layout = SoaPlanes>
class PackedMatrix {
  static_assert(std::is_same_v<Layout, SoaPlanes>,
                "PackedMatrix: only the SoaPlanes layout; GGUF's AoS blocks are schemes::BlockMatrix");
  static_assert(!(TwoLevelGranularity<G> && Q::accepts_non_finite),
                "PackedMatrix: OCP MX scales are per-block powers of two; they do not compose with SuperBlock's "
                "quantized sub-scales (use Blockwise<32>)");
  static_assert(!TwoLevelGranularity<G> || sizeof(typename Q::scale_storage::storage_type) >= 2,
                "PackedMatrix: SuperBlock stores the sub-scales itself, as integer codes against its SuperScale; "
                "an 8-bit minifloat scale storage (E8M0, UE4M3) has no meaning there");

 public:
  using quantizer = Q;
  using granularity = G;
  using layout = Layout;
  static constexpr int kBits = Q::bits;

  /// A row of the matrix: codes and values by column.
  class RowView {
   public:
    RowView(const PackedMatrix& m, std::size_t r) noexcept : m_(&m), r_(r) {}
    std::size_t size() const noexcept { return m_->cols(); }
    auto code(std::size_t c) const { return m_->code(r_, c); }
    float value(std::size_t c) const { return m_->value(r_, c); }
    /// Decodes the row into out[0, cols).
    void dequantize(std::span<float> out) const {
      LOWBIT_CHECK(out.size() == size(), "out: expected ", size(), " floats for the row, got ", out.size());
      for (std::size_t c = 0; c < size(); ++c) out[c] = m_->value_unchecked(r_, c);
    }

   private:
    const PackedMatrix* m_;
    std::size_t r_;
  };

  PackedMatrix() = default;
  /// An all-zero-codes matrix of the given shape, for a quantizer to fill.
  PackedMatrix(std::size_t rows, std::size_t cols) : PackedMatrix(rows, cols, CodesUnset{}) {
    std::fill(codes_.begin(), codes_.end(), std::uint8_t{0});
  }
  /// Tag: the codes are left unset, for a quantizer that writes every row's row_bytes() in full.
  struct CodesUnset {};
  PackedMatrix(std::size_t rows, std::size_t cols, CodesUnset)
      : rows_(rows),
        cols_(cols),
        padded_cols_(cols == 0 ? 0 : round_up(cols, G::pad_cols)),
        row_bytes_(packed_bytes(padded_cols_, kBits)),
        grid_(group_grid<G>(rows, cols)),
        codes_(rows * row_bytes_, AlignedBuffer<std::uint8_t>::Uninitialized{}),
        params_(grid_) {}

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  bool empty() const noexcept { return rows_ == 0 || cols_ == 0; }
  /// cols rounded up to the granularity's padding; codes of [cols, padded_cols) encode 0.
  std::size_t padded_cols() const noexcept { return padded_cols_; }
  /// Bytes from one row's codes to the next's.
  std::size_t row_bytes() const noexcept { return row_bytes_; }
  const GroupGrid& grid() const noexcept { return grid_; }

  /// Group coordinates of element (r, c).
  std::size_t group_row(std::size_t r) const noexcept { return r / grid_.shape.rows; }
  std::size_t group_col(std::size_t c) const noexcept { return c / grid_.shape.cols; }

  // -- unchecked access, for code that validated its indices ---------------------------------
  std::uint8_t raw_code(std::size_t r, std::size_t c) const noexcept {
    return get_code(codes_.data() + r * row_bytes_, kBits, c);
  }
  void set_raw_code(std::size_t r, std::size_t c, std::uint8_t raw) noexcept {
    lowbit::set_code(codes_.data() + r * row_bytes_, kBits, c, raw);
  }
  GroupParams params_unchecked(std::size_t r, std::size_t c) const noexcept {
    return params_.get(group_row(r), group_col(c));
  }
  float value_unchecked(std::size_t r, std::size_t c) const noexcept {
    return Q::decode(raw_code(r, c), params_unchecked(r, c));
  }

  // -- checked access: argument_error on an index out of range --------------------------------
  /// The integer code of element (r, c) (signed for Int<B>, unsigned for UInt<B>).
  auto code(std::size_t r, std::size_t c) const {
    check_index(r, c);
    return Q::format::decode(raw_code(r, c));
  }
  GroupParams params(std::size_t r, std::size_t c) const {
    check_index(r, c);
    return params_unchecked(r, c);
  }
  float value(std::size_t r, std::size_t c) const {
    check_index(r, c);
    return value_unchecked(r, c);
  }
  RowView row(std::size_t r) const {
    LOWBIT_CHECK(r < rows_, "r: row ", r, " out of range for ", rows_, " rows");
    return RowView(*this, r);
  }

  // -- planes ----------------------------------------------------------------------------------
  const std::uint8_t* codes() const noexcept { return codes_.data(); }
  std::uint8_t* codes() noexcept { return codes_.data(); }
  const std::uint8_t* row_codes(std::size_t r) const noexcept { return codes_.data() + r * row_bytes_; }
  const ParamPlanes<Q, G>& param_planes() const noexcept { return params_; }
  ParamPlanes<Q, G>& param_planes() noexcept { return params_; }

  /// Storage in bytes: codes (with row padding) + every parameter plane.
  std::size_t bytes() const noexcept { return codes_.bytes() + params_.bytes(); }
  /// bytes() * 8 / (rows * cols): what a weight really costs, padding and parameters included.
  double bits_per_weight() const noexcept {
    return empty() ? 0.0 : static_cast<double>(bytes()) * 8.0 / static_cast<double>(rows_ * cols_);
  }

 private:
  void check_index(std::size_t r, std::size_t c) const {
    LOWBIT_CHECK(r < rows_ && c < cols_, "(r, c): element (", r, ", ", c, ") out of range for a ", rows_, " x ",
                 cols_, " matrix");
  }

  std::size_t rows_ = 0, cols_ = 0, padded_cols_ = 0, row_bytes_ = 0;
  GroupGrid grid_;
  AlignedBuffer<std::uint8_t> codes_;
  ParamPlanes<Q, G> params_;
};

LOWBIT_END_NAMESPACE
