// lowbit: the public quantize / dequantize entry points on raw pointers and views.
// (Eigen overloads: tensor/eigen.hpp.) They run the reference path, which needs no Highway pass;
// kernels::quantize / kernels::dequantize (kernels/packed.hpp) give the same bytes in SIMD.
#pragma once

#include <cstddef>

#include "lowbit/reference/quantize.hpp"
#include "lowbit/schemes/scheme.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Quantizes the rows x cols matrix x (see ref::quantize for errors and edge cases).
template <QuantizerPolicy Q, GranularityPolicy G, class L = SoaPlanes>
PackedMatrix<Q, G, L> quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
  return ref::quantize<Q, G, L>(x, opt);
}

/// Quantizes a matrix in caller memory: `ld` is its leading dimension (0 = dense).
template <QuantizerPolicy Q, GranularityPolicy G, class L = SoaPlanes>
PackedMatrix<Q, G, L> quantize(const float* data, std::size_t rows, std::size_t cols, Order order = Order::kRowMajor,
                               std::size_t ld = 0, const QuantizeOptions& opt = {}) {
  return ref::quantize<Q, G, L>(make_view(data, rows, cols, order, ld), opt);
}

template <class Q, class G, class L>
void dequantize(const PackedMatrix<Q, G, L>& m, MatrixView<float> out) {
  ref::dequantize(m, out);
}

/// Decodes m into caller memory of m's shape, with leading dimension `ld` (0 = dense).
template <class Q, class G, class L>
void dequantize(const PackedMatrix<Q, G, L>& m, float* out, Order order = Order::kRowMajor, std::size_t ld = 0) {
  ref::dequantize(m, make_view(out, m.rows(), m.cols(), order, ld));
}

/// Quantizes x with a named scheme (MXFP4, GGUF Q4_K, NVFP4, ...): lowbit::quantize<MXFP4>(x).
template <SchemePolicy S>
typename S::matrix quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
  return S::quantize(x, opt);
}
template <SchemePolicy S>
typename S::matrix quantize(const float* data, std::size_t rows, std::size_t cols, Order order = Order::kRowMajor,
                            std::size_t ld = 0, const QuantizeOptions& opt = {}) {
  return S::quantize(make_view(data, rows, cols, order, ld), opt);
}

/// Decodes a scheme's own matrix type (GGUF blocks, NVFP4, bitsandbytes NF4) into out.
template <class M>
  requires requires(const M& m, MatrixView<float> v) { m.dequantize(v); }
void dequantize(const M& m, MatrixView<float> out) {
  m.dequantize(out);
}

LOWBIT_END_NAMESPACE
