// lowbit: binary x binary GEMM (XNOR networks, BitNet-style 1-bit layers): C(s32, m x n) = A . W^T
// where A (m x k) and W (n x k) hold +-1 values stored as sign bits, 1 = +1, so sign(0) = +1 as
// in lowbit's Binary format. Per output: k - 2 * popcount(a XOR w), exact. Scales (e.g. the
// absmean alphas of XnorWeights / XnorActivations) multiply the int32 result outside.
// Threading over 32-column groups through an Executor; results do not depend on it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bits.hpp"
#include "lowbit/kernels/dispatch.hpp"
#include "lowbit/kernels/executor.hpp"
#include "lowbit/kernels/scan.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
LOWBIT_EXPORT(GemmB1Group);
}  // namespace detail

/// Rows of sign bits: row r's bit t (t < cols) is word t / 64, bit t % 64; bits past cols are 0.
class SignBits {
 public:
  SignBits() = default;
  /// Bit = (x >= 0) of a rows x cols matrix (row-major, leading dimension ld; 0 = cols).
  /// Errors (argument_error): a null pointer, ld < cols, a NaN or infinite element.
  SignBits(const float* x, std::size_t rows, std::size_t cols, std::size_t ld = 0)
      : rows_(rows), cols_(cols), words_(div_ceil(cols, 64)), bits_(rows * words_, 0) {
    if (ld == 0) ld = cols;
    LOWBIT_CHECK(ld >= cols, "ld: ", ld, " is smaller than cols = ", cols);
    LOWBIT_CHECK(rows == 0 || cols == 0 || x != nullptr, "x: null pointer for a non-empty matrix");
    check_finite("x", x, rows, cols, ld);  // a NaN has no sign
    for (std::size_t r = 0; r < rows; ++r) {
      const float* row = x + r * ld;
      for (std::size_t c = 0; c < cols; ++c)
        bits_[r * words_ + c / 64] |= static_cast<std::uint64_t>(row[c] >= 0.0f) << (c % 64);
    }
  }
  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  std::size_t words() const noexcept { return words_; }  ///< u64 words per row
  const std::uint64_t* row(std::size_t r) const noexcept { return bits_.data() + r * words_; }
  bool bit(std::size_t r, std::size_t c) const noexcept { return (row(r)[c / 64] >> (c % 64)) & 1u; }

 private:
  std::size_t rows_ = 0, cols_ = 0, words_ = 0;
  std::vector<std::uint64_t> bits_;
};

/// Binary weights (n x k sign bits, one row per output channel) in the kernel's panel order:
/// 32-column groups, then per 64-deep word the 32 columns' words.
class PackedB1 {
 public:
  static constexpr std::size_t kGroup = 32;
  PackedB1() = default;
  explicit PackedB1(const SignBits& w)
      : n_(w.rows()), k_(w.cols()), words_(w.words()), data_(div_ceil(n_, kGroup) * words_ * kGroup) {
    std::fill(data_.begin(), data_.end(), std::uint64_t{0});
    for (std::size_t j = 0; j < n_; ++j)
      for (std::size_t t = 0; t < words_; ++t) data_[(j / kGroup) * words_ * kGroup + t * kGroup + j % kGroup] = w.row(j)[t];
  }
  /// The signs of w (n x k, leading dimension ldw; 0 = k); errors as SignBits.
  PackedB1(const float* w, std::size_t n, std::size_t k, std::size_t ldw = 0) : PackedB1(SignBits(w, n, k, ldw)) {}

  std::size_t n() const noexcept { return n_; }
  std::size_t k() const noexcept { return k_; }
  std::size_t words() const noexcept { return words_; }
  std::size_t groups() const noexcept { return div_ceil(n_, kGroup); }
  const std::uint64_t* group(std::size_t g) const noexcept { return data_.data() + g * words_ * kGroup; }
  std::size_t bytes() const noexcept { return data_.bytes(); }

 private:
  std::size_t n_ = 0, k_ = 0, words_ = 0;
  AlignedBuffer<std::uint64_t> data_;
};

/// C (a.rows() x w.n(), ldc; 0 = n) = A . W^T over +-1 values, exact int32.
/// Errors (argument_error): a.cols() != w.k(), ldc < n, a null c.
inline void gemm_b1(const SignBits& a, const PackedB1& w, std::int32_t* c, std::size_t ldc = 0, const Executor& ex = {}) {
  if (ldc == 0) ldc = w.n();
  LOWBIT_CHECK(a.cols() == w.k(), "a: ", a.cols(), " columns, but the weights are ", w.k(), " deep");
  LOWBIT_CHECK(ldc >= w.n(), "ldc: ", ldc, " is smaller than n = ", w.n());
  LOWBIT_CHECK(a.rows() == 0 || w.n() == 0 || c != nullptr, "c: null pointer");
  if (a.rows() == 0 || w.n() == 0) return;
  const auto fn = LOWBIT_DISPATCH(detail::GemmB1Group);
  ex.parallel_for(w.groups(), [&](std::size_t g) {
    fn(a.row(0), a.rows(), a.words(), a.words(), w.k(), w.group(g), c + g * PackedB1::kGroup, ldc,
       std::min(PackedB1::kGroup, w.n() - g * PackedB1::kGroup));
  });
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
