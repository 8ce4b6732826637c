// lowbit: SIMD scans for special values (kernels/scan-inl.h): the finite check that guards the
// kernels' entry points, and zero extremes.
#pragma once

#include <cmath>
#include <cstddef>

#include "lowbit/core/error.hpp"
#include "lowbit/kernels/dispatch.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
LOWBIT_EXPORT(NoneWithBits);
}  // namespace detail

/// True when no element of x[0, n) is NaN or infinite.
inline bool all_finite(const float* x, std::size_t n) noexcept {
  return LOWBIT_DISPATCH(detail::NoneWithBits)(x, n, 0x7F800000u, 0x7F800000u);
}
/// True when no element of x[0, n) is +0 or -0.
inline bool none_zero(const float* x, std::size_t n) noexcept {
  return LOWBIT_DISPATCH(detail::NoneWithBits)(x, n, 0x7FFFFFFFu, 0u);
}

/// Throws argument_error naming the first NaN or infinite element of a rows x cols matrix
/// (row-major, leading dimension ld); rows are scanned in SIMD and walked only on failure.
inline void check_finite(const char* name, const float* x, std::size_t rows, std::size_t cols, std::size_t ld) {
  for (std::size_t i = 0; i < rows; ++i)
    if (!all_finite(x + i * ld, cols))
      for (std::size_t c = 0; c < cols; ++c)
        LOWBIT_CHECK(std::isfinite(x[i * ld + c]), name, ": element (", i, ", ", c, ") is not finite");
}
}  // namespace kernels
LOWBIT_END_NAMESPACE
