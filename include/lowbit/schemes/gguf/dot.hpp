// lowbit: ggml's reference dot products of a GGUF weight block row with its partner activation
// row (ggml_vec_dot_*_generic): an exact int32 sum per block, then that block's f32 term,
// summed block by block. The SIMD kernels (kernels/gguf.hpp) match these within a stated
// tolerance.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lowbit/schemes/gguf/k_quants.hpp"
#include "lowbit/schemes/gguf/legacy.hpp"
#include "lowbit/schemes/gguf/nonlinear.hpp"
#include "lowbit/schemes/gguf/ternary.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace gguf {

/// A 32-element weight block through its anatomy: x_j = scale(x) * code(x, j) (+ m, the
/// affine Q4_1/Q5_1), dotted with its partner Q8_0 or Q8_1.
template <class X>
concept LegacyBlock = X::kElems == kQK && requires(const X& x, std::size_t j) {
  typename X::partner;
  { X::code(x, j) } -> std::same_as<int>;
  { X::scale(x) } -> std::same_as<float>;
};

/// The exact int32 dot of block x with partner block y (codes only, scales left out).
template <LegacyBlock X>
std::int32_t block_dot(const X& x, const typename X::partner& y) noexcept {
  std::int32_t s = 0;
  for (std::size_t j = 0; j < kQK; ++j) s += X::code(x, j) * y.qs[j];
  return s;
}

/// A super-block type dotted with Q8_K through its anatomy: x = d*sc*(ucode - kOffset) - dmin*m.
template <class X>
concept KBlock = requires(const X& x, std::size_t i, std::int8_t* sc, std::uint8_t* m) {
  requires std::is_same_v<typename X::partner, Q8_K>;
  { X::ucode(x, i) } -> std::same_as<int>;
  X::sub_scales(x, sc, m);
};

/// The exact int32 sums of one super-block pair: dot = sum_i sc(i) * (ucode_i - kOffset) * y_i,
/// and min = sum_j m(j) * y.bsums[j] (Q2_K/Q4_K/Q5_K; ggml's dmin term). The SIMD kernels take
/// the kOffset part from y.bsums too (as ggml's do), so y.bsums must be the sums of y's codes,
/// which Q8_K::quantize guarantees.
struct KSums {
  std::int32_t dot = 0, min = 0;
};
template <KBlock X>
KSums block_sums(const X& x, const Q8_K& y) noexcept {
  std::int8_t sc[16];
  std::uint8_t m[16];
  X::sub_scales(x, sc, m);
  KSums s;
  for (std::size_t i = 0; i < kQK_K; ++i) s.dot += sc[i / X::kSub] * (X::ucode(x, i) - X::kOffset) * y.qs[i];
  for (std::size_t j = 0; j < kQK_K / 16; ++j) s.min += m[j * 16 / X::kSub] * y.bsums[j];
  return s;
}

/// One block's f32 term of the dot, as ggml's generic dots form it: dx*dy*dot, plus m*s for
/// the affine blocks (s = dy * sum(y), Q8_1's second field).
template <LegacyBlock X>
float block_term(const X& x, const typename X::partner& y) noexcept {
  const float t = static_cast<float>(block_dot(x, y)) * (X::scale(x) * from_f16(y.d));
  if constexpr (requires { x.m; })
    return t + from_f16(x.m) * from_f16(y.s);
  else
    return t;
}
/// d*dy*dot - dmin*dy*min (ggml's Q2_K/Q4_K/Q5_K form; the others have no min).
template <KBlock X>
float block_term(const X& x, const Q8_K& y) noexcept {
  const KSums s = block_sums(x, y);
  const float t = static_cast<float>(s.dot) * (from_f16(x.d) * y.d);
  if constexpr (requires { x.dmin; })
    return t - static_cast<float>(s.min) * (from_f16(x.dmin) * y.d);
  else
    return t;
}

/// The sum over nb blocks of block_term, in block order.
template <class X, class Y>
  requires requires(const X& x, const Y& y) { block_term(x, y); }
float vec_dot(const X* x, const Y* y, std::size_t nb) noexcept {
  float sum = 0.0f;
  for (std::size_t b = 0; b < nb; ++b) sum += block_term(x[b], y[b]);
  return sum;
}

}  // namespace gguf
LOWBIT_END_NAMESPACE
