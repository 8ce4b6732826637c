// lowbit: the integer-only output stage of the int8 GEMM (gemmlowp / TFLite semantics): from the
// int32 accumulators of A(u8, zero point za) x W(s8, symmetric) to int8 outputs:
//   out = clamp(zo + round(M_j * (acc - za * colsum_j + bias_j)), lo, hi)
// with M_j a Dyadic multiplier (per tensor or per output channel) applied exactly as TFLite's
// MultiplyByQuantizedMultiplier (saturating rounding doubling high multiply, then a rounding
// right shift). gemm_u8s8_requant fuses it per 64-column group while the int32 tile is in cache.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "lowbit/formats/dyadic.hpp"
#include "lowbit/kernels/gemm_i8.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {

struct OutputStage {
  std::span<const Dyadic> multipliers;  ///< 1 (per tensor) or n (per output channel)
  std::span<const std::int32_t> bias;   ///< empty or n
  std::int32_t input_zero_point = 0;    ///< za of the u8 activations
  std::int32_t output_zero_point = 0;
  std::int32_t min = -128, max = 127;   ///< clamp, inside int8

  /// Errors (argument_error): multiplier or bias counts that are neither as documented, a clamp
  /// range outside int8 or empty, a zero point outside its type.
  void validate(std::size_t n) const {
    LOWBIT_CHECK(multipliers.size() == 1 || multipliers.size() == n, "multipliers: expected 1 or ", n, ", got ",
                 multipliers.size());
    LOWBIT_CHECK(bias.empty() || bias.size() == n, "bias: expected 0 or ", n, " values, got ", bias.size());
    LOWBIT_CHECK(-128 <= min && min <= max && max <= 127, "clamp: [", min, ", ", max, "] is not a range inside int8");
    LOWBIT_CHECK(0 <= input_zero_point && input_zero_point <= 255, "input_zero_point: ", input_zero_point,
                 " is not a u8 value");
    LOWBIT_CHECK(-128 <= output_zero_point && output_zero_point <= 127, "output_zero_point: ", output_zero_point,
                 " is not an s8 value");
  }

  /// One output of channel j from its accumulator (noexcept on validated stages). The
  /// zero-point and bias sums wrap in int32 as TFLite's do (no overflow for real layers).
  std::int8_t apply(std::int32_t acc, std::int32_t col_sum, std::size_t j) const noexcept {
    const auto wrap = [](std::int64_t v) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(v)); };
    std::int32_t v = wrap(std::int64_t{acc} - std::int64_t{input_zero_point} * col_sum + (bias.empty() ? 0 : bias[j]));
    v = multipliers[multipliers.size() == 1 ? 0 : j].apply(v);
    const std::int64_t o = std::int64_t{v} + output_zero_point;
    return static_cast<std::int8_t>(o < min ? min : o > max ? max : o);
  }
};

/// C (m x n int8, ldc; 0 = n) = the output stage of A (u8, m x k, lda; 0 = k) x W^T.
inline void gemm_u8s8_requant(const std::uint8_t* a, std::size_t m, std::size_t lda, const PackedI8& w,
                              const OutputStage& stage, std::int8_t* c, std::size_t ldc = 0, const Executor& ex = {}) {
  stage.validate(w.n());
  if (!detail::check_gemm_i8(a, m, lda, w, c, ldc)) return;
  const auto fn = LOWBIT_DISPATCH(detail::GemmI8Group);
  ex.parallel_for(w.groups(), [&](std::size_t g) {
    const std::size_t j0 = g * PackedI8::kGroup, cols = std::min(PackedI8::kGroup, w.n() - j0);
    std::vector<std::int32_t> acc(m * PackedI8::kGroup, 0);
    if (w.k() != 0) fn(a, m, w.k(), lda, w.group(g), acc.data(), PackedI8::kGroup, cols);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < cols; ++j)
        c[i * ldc + j0 + j] = stage.apply(acc[i * PackedI8::kGroup + j], w.col_sums()[j0 + j], j0 + j);
  });
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
