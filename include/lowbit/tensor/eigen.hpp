// lowbit: Eigen interop, the only header that includes Eigen. Any dense Eigen matrix, map, block
// or expression in (row- or column-major, any strides); Eigen matrices or caller maps out.
#pragma once

#include <Eigen/Core>

#include "lowbit/metrics.hpp"
#include "lowbit/quantize.hpp"

LOWBIT_BEGIN_NAMESPACE

namespace detail {
template <class Derived>
constexpr bool kDirectAccess = (Eigen::internal::traits<Derived>::Flags & Eigen::DirectAccessBit) != 0;

/// Calls f(view) with a MatrixView of m: zero-copy when m has direct access, else over a
/// temporary holding the evaluated expression.
template <class Derived, class F>
decltype(auto) with_view(const Eigen::DenseBase<Derived>& m, F&& f) {
  if constexpr (kDirectAccess<Derived> && std::is_same_v<typename Derived::Scalar, float>) {
    const Derived& d = m.derived();
    const auto inner = static_cast<std::ptrdiff_t>(d.innerStride());
    const auto outer = static_cast<std::ptrdiff_t>(d.outerStride());
    const bool row_major = Derived::IsRowMajor;
    return f(MatrixView<const float>{d.data(), static_cast<std::size_t>(d.rows()), static_cast<std::size_t>(d.cols()),
                                     row_major ? outer : inner, row_major ? inner : outer});
  } else {
    const Eigen::MatrixXf tmp = m.template cast<float>();
    return f(MatrixView<const float>{tmp.data(), static_cast<std::size_t>(tmp.rows()),
                                     static_cast<std::size_t>(tmp.cols()), 1, static_cast<std::ptrdiff_t>(tmp.rows())});
  }
}

template <class Derived>
MatrixView<float> mutable_view(Eigen::PlainObjectBase<Derived>& m) {
  const bool row_major = Derived::IsRowMajor;
  const auto ld = static_cast<std::ptrdiff_t>(row_major ? m.cols() : m.rows());
  return {m.data(), static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols()), row_major ? ld : 1,
          row_major ? 1 : ld};
}
}  // namespace detail

/// Quantizes an Eigen matrix or expression; logical shape [rows, cols], groups along cols.
template <QuantizerPolicy Q, GranularityPolicy G, class L = SoaPlanes, class Derived>
PackedMatrix<Q, G, L> quantize(const Eigen::DenseBase<Derived>& x, const QuantizeOptions& opt = {}) {
  return detail::with_view(x, [&](MatrixView<const float> v) { return ref::quantize<Q, G, L>(v, opt); });
}

/// Quantizes an Eigen matrix with a named scheme: lowbit::quantize<MXFP4>(W).
template <class S, class Derived>
  requires requires(MatrixView<const float> v) { S::quantize(v, QuantizeOptions{}); }
auto quantize(const Eigen::DenseBase<Derived>& x, const QuantizeOptions& opt = {}) {
  return detail::with_view(x, [&](MatrixView<const float> v) { return S::quantize(v, opt); });
}

/// Decodes a scheme's own matrix type (one with a member dequantize(MatrixView<float>)).
template <class M = Eigen::MatrixXf, class T>
  requires requires(const T& t, MatrixView<float> v) { t.dequantize(v); }
M dequantize(const T& t) {
  M out(static_cast<Eigen::Index>(t.rows()), static_cast<Eigen::Index>(t.cols()));
  t.dequantize(detail::mutable_view(out));
  return out;
}

/// Decodes into a new Eigen matrix (column-major MatrixXf unless another type is asked for).
template <class M = Eigen::MatrixXf, class Q, class G, class L>
M dequantize(const PackedMatrix<Q, G, L>& m) {
  M out(static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.cols()));
  ref::dequantize(m, detail::mutable_view(out));
  return out;
}

/// Decodes into an existing float Eigen matrix of m's shape (resized if it is a plain matrix).
template <class Q, class G, class L, class Derived>
void dequantize_into(const PackedMatrix<Q, G, L>& m, Eigen::PlainObjectBase<Derived>& out) {
  out.resize(static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.cols()));
  ref::dequantize(m, detail::mutable_view(out));
}

/// The stored scales of a single-level packed matrix as a (group rows x group cols) row-major
/// Eigen map over the parameter plane (storage type: float, or uint16 bits of f16/bf16).
template <class Q, class G, class L>
  requires(!TwoLevelGranularity<G>)
auto scales_map(const PackedMatrix<Q, G, L>& m) {
  using S = typename Q::scale_storage::storage_type;
  using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const Mat>(m.param_planes().scales().data(), static_cast<Eigen::Index>(m.grid().rows),
                               static_cast<Eigen::Index>(m.grid().cols));
}

namespace metrics {
#define LOWBIT_EIGEN_METRIC(fn)                                                        \
  template <class A, class B>                                                          \
  double fn(const Eigen::DenseBase<A>& x, const Eigen::DenseBase<B>& y) {              \
    return detail::with_view(x, [&](MatrixView<const float> vx) {                      \
      return detail::with_view(y, [&](MatrixView<const float> vy) { return fn(vx, vy); }); \
    });                                                                                \
  }
LOWBIT_EIGEN_METRIC(rmse)
LOWBIT_EIGEN_METRIC(max_abs)
LOWBIT_EIGEN_METRIC(sqnr_db)
LOWBIT_EIGEN_METRIC(cosine)
LOWBIT_EIGEN_METRIC(rel_frobenius)
#undef LOWBIT_EIGEN_METRIC
}  // namespace metrics

LOWBIT_END_NAMESPACE
