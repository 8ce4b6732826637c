// lowbit: the portable int8 GEMM over packed B (the HWY_SCALAR target's kernel and the test oracle
// for the packing): plain int32 sums, exact.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace detail {
/// Column j (< 64) of a 64-column group, k step kk: byte 4 * j + (k % 4) of step k / 4.
inline std::int8_t packed_i8_at(const std::int8_t* group, std::size_t k, std::size_t j) noexcept {
  return group[(k / 4) * 256 + 4 * j + k % 4];
}

inline void gemm_i8_group_scalar(const std::uint8_t* a, std::size_t m, std::size_t k, std::size_t lda,
                                 const std::int8_t* group, std::int32_t* c, std::size_t ldc, std::size_t cols) noexcept {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      std::int32_t s = 0;
      for (std::size_t kk = 0; kk < k; ++kk) s += a[i * lda + kk] * packed_i8_at(group, kk, j);
      c[i * ldc + j] = s;
    }
}
}  // namespace detail
LOWBIT_END_NAMESPACE
