// lowbit: strided 2-D views of caller memory (row- or column-major, any leading dimension).
#pragma once

#include <cstddef>
#include <type_traits>

#include "lowbit/core/error.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Storage order of a caller's matrix.
enum class Order { kRowMajor, kColMajor };

/// A non-owning view of a rows x cols matrix: element (r, c) is data[r*row_stride + c*col_stride]
/// (strides in elements). Logical shape is always [rows, cols]; lowbit quantizes along cols (the
/// reduction axis: `in` of [out, in] weights, the hidden size of [tokens, hidden] activations).
template <class T>
struct MatrixView {
  T* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::ptrdiff_t row_stride = 0;
  std::ptrdiff_t col_stride = 1;

  std::size_t size() const noexcept { return rows * cols; }
  bool empty() const noexcept { return rows == 0 || cols == 0; }
  T& operator()(std::size_t r, std::size_t c) const noexcept {
    return data[static_cast<std::ptrdiff_t>(r) * row_stride + static_cast<std::ptrdiff_t>(c) * col_stride];
  }
  operator MatrixView<const T>() const noexcept  // NOLINT: views convert like pointers
    requires(!std::is_const_v<T>)
  {
    return {data, rows, cols, row_stride, col_stride};
  }
};

/// A validated view of caller memory. `ld` is the leading dimension in elements (the distance
/// between consecutive rows for kRowMajor, columns for kColMajor); 0 means dense.
/// Throws argument_error for a null pointer with a non-empty shape or an ld smaller than the
/// dense one. An empty shape (rows or cols 0) is valid and may have a null pointer.
template <class T>
MatrixView<T> make_view(T* data, std::size_t rows, std::size_t cols, Order order = Order::kRowMajor,
                        std::size_t ld = 0) {
  const std::size_t dense = order == Order::kRowMajor ? cols : rows;
  if (ld == 0) ld = dense;
  LOWBIT_CHECK(rows == 0 || cols == 0 || data != nullptr, "data: null pointer for a ", rows, " x ",
               cols, " matrix; expected a valid pointer when rows and cols are non-zero");
  LOWBIT_CHECK(ld >= dense, "ld: leading dimension ", ld, " is smaller than ",
               order == Order::kRowMajor ? "cols" : "rows", " = ", dense);
  const auto s = static_cast<std::ptrdiff_t>(ld);
  if (order == Order::kRowMajor) return {data, rows, cols, s, 1};
  return {data, rows, cols, 1, s};
}

LOWBIT_END_NAMESPACE
