// lowbit: ggml's reference dot products of a GGUF weight block row with its partner activation
// row (ggml_vec_dot_*_generic): an exact int32 sum per block, then sum += sumi * (dx * dy) in
// f32, block by block. The SIMD kernels (kernels/gguf.hpp) match these within a stated tolerance.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowbit/schemes/gguf/legacy.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace gguf {

/// The exact int32 dot of block x with partner block y (codes only, scales left out).
inline std::int32_t block_dot(const Q4_0& x, const Q8_0& y) noexcept {
  std::int32_t s = 0;
  for (std::size_t j = 0; j < kQK; ++j) s += Q4_0::code(x, j) * y.qs[j];
  return s;
}
inline std::int32_t block_dot(const Q8_0& x, const Q8_0& y) noexcept {
  std::int32_t s = 0;
  for (std::size_t j = 0; j < kQK; ++j) s += x.qs[j] * y.qs[j];
  return s;
}

/// sum over nb blocks of block_dot * dx * dy, for the legacy symmetric pairs.
template <class X, class Y>
float vec_dot(const X* x, const Y* y, std::size_t nb) noexcept {
  float sum = 0.0f;
  for (std::size_t b = 0; b < nb; ++b)
    sum += static_cast<float>(block_dot(x[b], y[b])) * (from_f16(x[b].d) * from_f16(y[b].d));
  return sum;
}

}  // namespace gguf
LOWBIT_END_NAMESPACE
