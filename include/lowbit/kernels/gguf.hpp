// lowbit: GGUF block rows through the SIMD kernels: quantize_row / dequantize_row / vec_dot for
// any block type (the SIMD kernel where one exists, the reference codec otherwise), and
// quantize / dequantize of whole BlockMatrix tensors.
//
// quantize_row and dequantize_row give exactly the reference's bytes and floats. vec_dot sums
// the same exact int32 products as gguf::vec_dot but accumulates partial sums in f32 SIMD lanes
// (with FMA), so it differs from the sequential reference by rounding only:
// |vec_dot - gguf::vec_dot| <= 1e-6 * (the sum of |terms| over blocks), where a block's terms are
// |d*dy| * sum_i |sc_i * (ucode_i - kOffset) * y_i|, plus |dmin*dy| * sum_j m_j * |bsums_j| for
// the K-quants with mins, and |dx*dy * block_dot| + |m*s| for the legacy pairs (tested).
#pragma once

#include <cstddef>
#include <type_traits>

#include "lowbit/kernels/dispatch.hpp"
#include "lowbit/kernels/scan.hpp"
#include "lowbit/kernels/stream.hpp"
#include "lowbit/schemes/gguf.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
#define LOWBIT_LEGACY_EXPORTS(T) \
  LOWBIT_EXPORT(Quantize##T);     \
  LOWBIT_EXPORT(Dequantize##T);
LOWBIT_LEGACY_EXPORTS(Q8_0)
LOWBIT_LEGACY_EXPORTS(Q8_1)
LOWBIT_LEGACY_EXPORTS(Q4_0)
LOWBIT_LEGACY_EXPORTS(Q4_1)
LOWBIT_LEGACY_EXPORTS(Q5_0)
LOWBIT_LEGACY_EXPORTS(Q5_1)
LOWBIT_LEGACY_EXPORTS(IQ4_NL)
LOWBIT_LEGACY_EXPORTS(MXFP4)
#undef LOWBIT_LEGACY_EXPORTS
LOWBIT_EXPORT(DotQ4_0);
LOWBIT_EXPORT(DotQ4_1);
LOWBIT_EXPORT(DotQ5_0);
LOWBIT_EXPORT(DotQ5_1);
LOWBIT_EXPORT(DotQ8_0);
LOWBIT_EXPORT(DotIQ4_NL);
LOWBIT_EXPORT(DotMXFP4);
#define LOWBIT_K_EXPORTS(T) \
  LOWBIT_EXPORT(Dot##T##Q8_K); \
  LOWBIT_EXPORT(Dequantize##T);
LOWBIT_K_EXPORTS(Q2_K)
LOWBIT_K_EXPORTS(Q3_K)
LOWBIT_K_EXPORTS(Q4_K)
LOWBIT_K_EXPORTS(Q5_K)
LOWBIT_K_EXPORTS(Q6_K)
LOWBIT_K_EXPORTS(TQ2_0)
#undef LOWBIT_K_EXPORTS
LOWBIT_EXPORT(QuantizeQ8_K);
LOWBIT_EXPORT(QuantizeTQ1_0);
LOWBIT_EXPORT(QuantizeTQ2_0);
LOWBIT_EXPORT(DequantizeTQ1_0);
LOWBIT_EXPORT(DotTQ1_0Q8_K);
LOWBIT_EXPORT(QuantizeQ2_K);
LOWBIT_EXPORT(QuantizeQ3_K);
LOWBIT_EXPORT(QuantizeQ4_K);
LOWBIT_EXPORT(QuantizeQ5_K);
LOWBIT_EXPORT(QuantizeQ6_K);

/// The super-block types with SIMD dot and dequantize kernels (kernels/gguf_k-inl.h).
template <class Block>
inline constexpr bool is_k_kernel_block =
    std::is_same_v<Block, gguf::Q2_K> || std::is_same_v<Block, gguf::Q3_K> || std::is_same_v<Block, gguf::Q4_K> ||
    std::is_same_v<Block, gguf::Q5_K> || std::is_same_v<Block, gguf::Q6_K> || std::is_same_v<Block, gguf::TQ2_0>;
/// The 32-element blocks with SIMD quantize and dequantize kernels (kernels/gguf-inl.h).
template <class Block>
inline constexpr bool is_legacy_kernel_block = gguf::LegacyBlock<Block> || std::is_same_v<Block, gguf::Q8_1>;

/// The SIMD quantize kernel of Block, if it has one: it returns bool (the check-as-you-go
/// kernels: whether x and every scale were finite) or void; the reference otherwise.
template <class Block>
auto quantize_blocks(const float* x, Block* out, std::size_t nb) noexcept {
#define LOWBIT_CASE(T) else if constexpr (std::is_same_v<Block, gguf::T>) return LOWBIT_DISPATCH(detail::Quantize##T)(x, out, nb);
  if constexpr (false) {}
  LOWBIT_CASE(Q8_0) LOWBIT_CASE(Q8_1) LOWBIT_CASE(Q4_0) LOWBIT_CASE(Q4_1) LOWBIT_CASE(Q5_0) LOWBIT_CASE(Q5_1)
  LOWBIT_CASE(IQ4_NL) LOWBIT_CASE(MXFP4) LOWBIT_CASE(Q2_K) LOWBIT_CASE(Q3_K) LOWBIT_CASE(Q4_K) LOWBIT_CASE(Q5_K) LOWBIT_CASE(Q6_K)
  LOWBIT_CASE(Q8_K) LOWBIT_CASE(TQ1_0) LOWBIT_CASE(TQ2_0)
  else
    for (std::size_t b = 0; b < nb; ++b) Block::quantize(x + b * Block::kElems, out[b]);
#undef LOWBIT_CASE
}
}  // namespace detail

/// Blocks whose quantize_row, dequantize_row and vec_dot (with their partner) have SIMD
/// kernels; the others run the reference through the same entry points.
template <class Block>
inline constexpr bool has_simd_quantize =
    detail::is_legacy_kernel_block<Block> || detail::is_k_kernel_block<Block> || std::is_same_v<Block, gguf::Q8_K> ||
    std::is_same_v<Block, gguf::TQ1_0>;
template <class Block>
inline constexpr bool has_simd_dequantize =
    detail::is_legacy_kernel_block<Block> || detail::is_k_kernel_block<Block> || std::is_same_v<Block, gguf::TQ1_0>;
template <class Block>
inline constexpr bool has_simd_dot =
    gguf::LegacyBlock<Block> || detail::is_k_kernel_block<Block> || std::is_same_v<Block, gguf::TQ1_0>;

/// Quantizes nb * Block::kElems finite floats into nb blocks (the caller validated x).
template <BlockCodec Block>
void quantize_row(const float* x, Block* out, std::size_t nb) noexcept {
  detail::quantize_blocks(x, out, nb);
}

/// Decodes nb blocks into nb * Block::kElems floats.
template <BlockCodec Block>
void dequantize_row(const Block* in, float* y, std::size_t nb) noexcept {
#define LOWBIT_CASE(T) else if constexpr (std::is_same_v<Block, gguf::T>) LOWBIT_DISPATCH(detail::Dequantize##T)(in, y, nb);
  if constexpr (false) {}
  LOWBIT_CASE(Q8_0) LOWBIT_CASE(Q8_1) LOWBIT_CASE(Q4_0) LOWBIT_CASE(Q4_1) LOWBIT_CASE(Q5_0) LOWBIT_CASE(Q5_1)
  LOWBIT_CASE(IQ4_NL) LOWBIT_CASE(MXFP4) LOWBIT_CASE(Q2_K) LOWBIT_CASE(Q3_K) LOWBIT_CASE(Q4_K) LOWBIT_CASE(Q5_K)
  LOWBIT_CASE(Q6_K) LOWBIT_CASE(TQ1_0) LOWBIT_CASE(TQ2_0)
  else
    for (std::size_t b = 0; b < nb; ++b) Block::dequantize(in[b], y + b * Block::kElems);
#undef LOWBIT_CASE
}

/// The dot product of nb weight blocks with nb partner blocks (Q4_0, Q5_0, Q8_0, IQ4_NL, MXFP4
/// x Q8_0; Q4_1, Q5_1 x Q8_1; the K-quants and TQ2_0 x Q8_K, whose y.bsums must be the sums of y's codes, as Q8_K::quantize
/// writes them).
template <class X, class Y>
  requires requires(const X* x, const Y* y) { gguf::vec_dot(x, y, std::size_t{}); }
float vec_dot(const X* x, const Y* y, std::size_t nb) noexcept {
  if constexpr (std::is_same_v<X, gguf::Q4_0>) return LOWBIT_DISPATCH(detail::DotQ4_0)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q4_1>) return LOWBIT_DISPATCH(detail::DotQ4_1)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q5_0>) return LOWBIT_DISPATCH(detail::DotQ5_0)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q5_1>) return LOWBIT_DISPATCH(detail::DotQ5_1)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q8_0>) return LOWBIT_DISPATCH(detail::DotQ8_0)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::IQ4_NL>) return LOWBIT_DISPATCH(detail::DotIQ4_NL)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::MXFP4>) return LOWBIT_DISPATCH(detail::DotMXFP4)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q2_K>) return LOWBIT_DISPATCH(detail::DotQ2_KQ8_K)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q3_K>) return LOWBIT_DISPATCH(detail::DotQ3_KQ8_K)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q4_K>) return LOWBIT_DISPATCH(detail::DotQ4_KQ8_K)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q5_K>) return LOWBIT_DISPATCH(detail::DotQ5_KQ8_K)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::Q6_K>) return LOWBIT_DISPATCH(detail::DotQ6_KQ8_K)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::TQ2_0>) return LOWBIT_DISPATCH(detail::DotTQ2_0Q8_K)(x, y, nb);
  else if constexpr (std::is_same_v<X, gguf::TQ1_0>) return LOWBIT_DISPATCH(detail::DotTQ1_0Q8_K)(x, y, nb);
  else
    return gguf::vec_dot(x, y, nb);
}

/// gguf::Scheme<Block>::quantize through the SIMD row kernels: same validation, same bytes.
template <BlockCodec Block>
BlockMatrix<Block> quantize(MatrixView<const float> x) {
  return gguf::Scheme<Block>::quantize_rows(
      x,
      // the kernels that return bool check their input and scales as they go (one pass over x)
      [](const float* in, Block* out, std::size_t nb) { return detail::quantize_blocks(in, out, nb); },
      [](const float* in, std::size_t n) { return all_finite(in, n); });
}

/// Decodes m into out (m's shape; any strides).
template <BlockCodec Block>
void dequantize(const BlockMatrix<Block>& m, MatrixView<float> out) {
  LOWBIT_CHECK(out.rows == m.rows() && out.cols == m.cols(), "out: expected a ", m.rows(), " x ", m.cols(),
               " matrix, got ", out.rows, " x ", out.cols);
  RowSink sink(out);
  for (std::size_t r = 0; r < m.rows() && m.cols() != 0; ++r) {
    dequantize_row(m.row(r).data(), sink.row(r), m.blocks_per_row());
    sink.done(r);
  }
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
