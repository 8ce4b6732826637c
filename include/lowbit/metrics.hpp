// lowbit: error metrics between a reference matrix x and its reconstruction y.
//
// All accumulate in double. Shapes must match and be non-empty (argument_error otherwise).
// Edge cases, by definition: sqnr_db is +Inf when the error is zero and -Inf when x is all zero
// but y is not; cosine is 1 when both are all zero and 0 when exactly one is; rel_frobenius is 0
// when both are zero and +Inf when only x is.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

#include "lowbit/core/error.hpp"
#include "lowbit/core/shape.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace metrics {

/// Sums of one pass over (x, y): what every metric below is made of.
struct ErrorSums {
  double xx = 0, yy = 0, xy = 0, ee = 0;  ///< sum x^2, y^2, x*y, (x - y)^2
  double max_abs = 0;                     ///< max |x - y|
  std::size_t n = 0;
};

inline ErrorSums error_sums(MatrixView<const float> x, MatrixView<const float> y) {
  LOWBIT_CHECK(x.rows == y.rows && x.cols == y.cols, "y: shape ", y.rows, " x ", y.cols,
               " differs from x's ", x.rows, " x ", x.cols);
  LOWBIT_CHECK(!x.empty(), "x: metrics need a non-empty matrix, got ", x.rows, " x ", x.cols);
  LOWBIT_CHECK(x.data != nullptr && y.data != nullptr, "x, y: null pointer for a non-empty matrix");
  ErrorSums s;
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c) {
      const double a = x(r, c), b = y(r, c), e = a - b;
      s.xx += a * a;
      s.yy += b * b;
      s.xy += a * b;
      s.ee += e * e;
      s.max_abs = std::max(s.max_abs, std::fabs(e));
    }
  s.n = x.size();
  return s;
}

inline ErrorSums error_sums(std::span<const float> x, std::span<const float> y) {
  LOWBIT_CHECK(x.size() == y.size(), "y: size ", y.size(), " differs from x's ", x.size());
  return error_sums(MatrixView<const float>{x.data(), 1, x.size(), 0, 1},
                    MatrixView<const float>{y.data(), 1, y.size(), 0, 1});
}

inline double rmse(const ErrorSums& s) noexcept { return std::sqrt(s.ee / static_cast<double>(s.n)); }
inline double max_abs(const ErrorSums& s) noexcept { return s.max_abs; }
/// 10 log10(sum x^2 / sum (x - y)^2).
inline double sqnr_db(const ErrorSums& s) noexcept {
  if (s.ee == 0) return std::numeric_limits<double>::infinity();
  if (s.xx == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(s.xx / s.ee);
}
inline double cosine(const ErrorSums& s) noexcept {
  if (s.xx == 0 || s.yy == 0) return s.xx == s.yy ? 1.0 : 0.0;
  return s.xy / std::sqrt(s.xx * s.yy);
}
/// ||x - y||_F / ||x||_F.
inline double rel_frobenius(const ErrorSums& s) noexcept {
  if (s.xx == 0) return s.ee == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(s.ee / s.xx);
}

// One-call forms over views and spans.
#define LOWBIT_METRIC_FORMS(fn)                                                                           \
  inline double fn(MatrixView<const float> x, MatrixView<const float> y) { return fn(error_sums(x, y)); } \
  inline double fn(std::span<const float> x, std::span<const float> y) { return fn(error_sums(x, y)); }
LOWBIT_METRIC_FORMS(rmse)
LOWBIT_METRIC_FORMS(max_abs)
LOWBIT_METRIC_FORMS(sqnr_db)
LOWBIT_METRIC_FORMS(cosine)
LOWBIT_METRIC_FORMS(rel_frobenius)
#undef LOWBIT_METRIC_FORMS

}  // namespace metrics
LOWBIT_END_NAMESPACE
