// lowbit: the public quantize / dequantize entry points on raw pointers and views.
// (Eigen overloads: tensor/eigen.hpp.) They run the reference path until SIMD kernels land.
#pragma once

#include <cstddef>

#include "lowbit/reference/quantize.hpp"

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

LOWBIT_END_NAMESPACE
