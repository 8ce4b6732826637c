// lowbit: the integer-only output stage of the int8 GEMM (gemmlowp / TFLite semantics): from the
// int32 accumulators of A(u8, zero point za) x W(s8, symmetric) to int8 outputs:
//   out = clamp(zo + round(M_j * (acc - za * colsum_j + bias_j)), lo, hi)
// with M_j a Dyadic multiplier (per tensor or per output channel) applied exactly as TFLite's
// MultiplyByQuantizedMultiplier (saturating rounding doubling high multiply, then a rounding
// right shift), in SIMD (kernels/output_stage-inl.h). gemm_u8s8_requant fuses it per 64-column group
// while the int32 tile is in cache; requantize applies it to accumulators the caller holds.
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

  /// Errors (argument_error): multiplier or bias counts that are neither as documented, a
  /// multiplier shift outside [-31, 31] (Dyadic::from_real never makes one), a clamp range
  /// outside int8 or empty, a zero point outside its type.
  void validate(std::size_t n) const {
    LOWBIT_CHECK(multipliers.size() == 1 || multipliers.size() == n, "multipliers: expected 1 or ", n, ", got ",
                 multipliers.size());
    LOWBIT_CHECK(bias.empty() || bias.size() == n, "bias: expected 0 or ", n, " values, got ", bias.size());
    LOWBIT_CHECK(-128 <= min && min <= max && max <= 127, "clamp: [", min, ", ", max, "] is not a range inside int8");
    LOWBIT_CHECK(0 <= input_zero_point && input_zero_point <= 255, "input_zero_point: ", input_zero_point,
                 " is not a u8 value");
    LOWBIT_CHECK(-128 <= output_zero_point && output_zero_point <= 127, "output_zero_point: ", output_zero_point,
                 " is not an s8 value");
    for (const Dyadic& d : multipliers)
      LOWBIT_CHECK(-31 <= d.shift && d.shift <= 31, "multiplier shift: ", d.shift, " is outside [-31, 31]");
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

namespace detail {
LOWBIT_EXPORT(Requantize);

/// Columns [j0, j0 + cols) of C from their int32 accumulators (m rows, leading dimension
/// ld_acc; acc points at column j0), cols <= PackedI8::kGroup: the stage's per-column constants are laid out once for all m rows.
inline void requantize_columns(const std::int32_t* acc, std::size_t ld_acc, std::size_t m, std::size_t j0,
                               std::size_t cols, std::span<const std::int32_t> col_sums, const OutputStage& st,
                               std::int8_t* c, std::size_t ldc) noexcept {
  constexpr std::size_t kMax = PackedI8::kGroup;
  alignas(64) std::int32_t offset[kMax], mult[kMax], left[kMax], right[kMax];
  for (std::size_t j = 0; j < cols; ++j) {
    const std::size_t col = j0 + j;
    const std::int64_t sum = col_sums.empty() ? 0 : col_sums[col];
    // wraps as the scalar stage's int32 sum does
    offset[j] = static_cast<std::int32_t>(static_cast<std::uint32_t>(
        (st.bias.empty() ? 0 : std::int64_t{st.bias[col]}) - std::int64_t{st.input_zero_point} * sum));
    const Dyadic& d = st.multipliers[st.multipliers.size() == 1 ? 0 : col];
    mult[j] = d.multiplier;
    left[j] = d.shift > 0 ? d.shift : 0;
    right[j] = d.shift > 0 ? 0 : -d.shift;
  }
  const auto fn = LOWBIT_DISPATCH(Requantize);
  for (std::size_t i = 0; i < m; ++i)
    fn(acc + i * ld_acc, offset, mult, left, right, cols, st.output_zero_point, st.min, st.max, c + i * ldc + j0);
}
}  // namespace detail

/// C (m x n int8, ldc; 0 = n) = the output stage of int32 accumulators (m x n, ld_acc; 0 = n),
/// e.g. gemm_u8s8s32's, whose weights' column sums are col_sums (n values; may be empty when
/// input_zero_point is 0). Bit-exact to OutputStage::apply.
inline void requantize(const std::int32_t* acc, std::size_t m, std::size_t n, std::size_t ld_acc,
                       std::span<const std::int32_t> col_sums, const OutputStage& stage, std::int8_t* c,
                       std::size_t ldc = 0, const Executor& ex = {}) {
  stage.validate(n);
  if (ld_acc == 0) ld_acc = n;
  if (ldc == 0) ldc = n;
  LOWBIT_CHECK(ld_acc >= n && ldc >= n, "ld_acc, ldc: ", ld_acc, ", ", ldc, " are smaller than n = ", n);
  LOWBIT_CHECK(col_sums.size() == n || (col_sums.empty() && stage.input_zero_point == 0), "col_sums: expected ", n,
               " values, got ", col_sums.size());
  LOWBIT_CHECK(m == 0 || n == 0 || (acc != nullptr && c != nullptr), "acc, c: null pointer");
  if (m == 0 || n == 0) return;
  constexpr std::size_t kCols = PackedI8::kGroup;
  ex.parallel_for(div_ceil(n, kCols), [&](std::size_t g) {
    detail::requantize_columns(acc + g * kCols, ld_acc, m, g * kCols, std::min(kCols, n - g * kCols), col_sums, stage, c, ldc);
  });
}

/// C (m x n int8, ldc; 0 = n) = the output stage of A (u8, m x k, lda; 0 = k) x W^T, fused per
/// 64-column group while its int32 tile is in cache.
inline void gemm_u8s8_requant(const std::uint8_t* a, std::size_t m, std::size_t lda, const PackedI8& w,
                              const OutputStage& stage, std::int8_t* c, std::size_t ldc = 0, const Executor& ex = {}) {
  stage.validate(w.n());
  if (!detail::check_gemm_i8(a, m, lda, w, c, ldc)) return;
#if LOWBIT_HAVE_AMX
  if (detail::gemm_i8_on_amx(m, w))
    return detail::gemm_i8_amx(a, m, lda, w, ex, [&](std::size_t r0, std::size_t rows, std::size_t g, std::size_t cols, auto product) {
      std::vector<std::int32_t> acc(rows * cols);
      product(acc.data(), cols);
      for (std::size_t j = 0; j < cols; j += PackedI8::kGroup)
        detail::requantize_columns(acc.data() + j, cols, rows, g * PackedI8::kGroup + j, std::min(PackedI8::kGroup, cols - j),
                                   w.col_sums(), stage, c + r0 * ldc, ldc);
    });
#endif
  const detail::GemmI8Groups groups(a, m, lda, w);
  ex.parallel_for(w.groups(), [&](std::size_t g) {
    const std::size_t j0 = g * PackedI8::kGroup, cols = std::min(PackedI8::kGroup, w.n() - j0);
    std::vector<std::int32_t> acc(m * PackedI8::kGroup, 0);
    if (w.k() != 0) groups(g, acc.data(), PackedI8::kGroup);
    detail::requantize_columns(acc.data(), PackedI8::kGroup, m, j0, cols, w.col_sums(), stage, c, ldc);
  });
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
