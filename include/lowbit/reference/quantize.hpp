// lowbit: lowbit::ref::quantize / dequantize: the scalar oracle for every (Q, G) composition.
// Plain loops in element order; every SIMD path must reproduce these results bit for bit.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "lowbit/core/error.hpp"
#include "lowbit/core/shape.hpp"
#include "lowbit/granularity/superblock.hpp"
#include "lowbit/tensor/packed_matrix.hpp"

LOWBIT_BEGIN_NAMESPACE

namespace detail {
/// Throws argument_error naming the first non-finite element: quantization parameters of a group
/// holding NaN or Inf are meaningless, and silently clamping would hide broken upstream data.
inline void check_finite(MatrixView<const float> x) {
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c)
      if (!std::isfinite(x(r, c)))
        throw_argument_error("input: element (", r, ", ", c, ") is ", x(r, c), "; quantize expects finite values");
}

/// Copies group (gr, gc) of x into buf in row-major order.
inline void gather_group(MatrixView<const float> x, const GroupGrid& grid, std::size_t gr, std::size_t gc,
                         std::vector<float>& buf) {
  buf.clear();
  const GroupBounds b = group_bounds(grid, gr, gc, x.rows, x.cols);
  for (std::size_t r = b.r0; r < b.r1; ++r)
    for (std::size_t c = b.c0; c < b.c1; ++c) buf.push_back(x(r, c));
}

/// Encodes group (gr, gc) of x with the parameters m already stores for it.
template <class Q, class G, class L>
void encode_group(MatrixView<const float> x, PackedMatrix<Q, G, L>& m, std::size_t gr, std::size_t gc,
                  std::uint64_t seed) {
  const GroupParams p = m.param_planes().get(gr, gc);
  const GroupBounds b = group_bounds(m.grid(), gr, gc, x.rows, x.cols);
  for (std::size_t r = b.r0; r < b.r1; ++r)
    for (std::size_t c = b.c0; c < b.c1; ++c) m.set_raw_code(r, c, Q::encode(x(r, c), p, {seed, r * x.cols + c}));
  if (b.c1 == x.cols) {  // the row's padding belongs to its last group: give it the code of 0
    const std::uint8_t zero = Q::encode(0.0f, p, {});
    for (std::size_t r = b.r0; r < b.r1; ++r)
      for (std::size_t c = x.cols; c < m.padded_cols(); ++c) m.set_raw_code(r, c, zero);
  }
}
/// Sets the parameters of group row gr of m from the clip range fit(gr, gc) of each group (a
/// two-level granularity quantizes each super-block's sub-scales first). fit is ref's
/// Q::fit_range on the gathered group, or a kernel that returns the same Range. With `out`, each
/// group's effective parameters (what planes.get returns) go to out[gc] as well.
template <class Q, class G, class L, class Fit>
void fit_params(PackedMatrix<Q, G, L>& m, std::size_t gr, Fit&& fit, GroupParams* out = nullptr) {
  const GroupGrid& grid = m.grid();
  auto& planes = m.param_planes();
  if constexpr (!TwoLevelGranularity<G>) {
    for (std::size_t gc = 0; gc < grid.cols; ++gc) {
      const GroupParams p = Q::params(fit(gr, gc));
      planes.set(gr, gc, p);
      if (out) out[gc] = p;
    }
  } else {
    constexpr bool kSigned = Q::mapping::signed_scale;
    Range ranges[G::subs_per_super];
    float ideal[G::subs_per_super];
    int sub_codes[G::subs_per_super];
    for (std::size_t sc = 0; sc < planes.super_cols(); ++sc) {
      const std::size_t g0 = sc * G::subs_per_super, n = std::min(G::subs_per_super, grid.cols - g0);
      for (std::size_t j = 0; j < n; ++j) {
        ranges[j] = fit(gr, g0 + j);
        ideal[j] = Q::mapping::ideal_scale(ranges[j]);
      }
      planes.set_super(gr, sc, G::template quantize_scales<kSigned>({ideal, n}, {sub_codes, n}));
      for (std::size_t j = 0; j < n; ++j) {
        planes.set_sub_code(gr, g0 + j, sub_codes[j]);
        planes.set_zero_point(gr, g0 + j, Q::mapping::zero_point(ranges[j], planes.get(gr, g0 + j).scale));
        if (out) out[g0 + j] = planes.get(gr, g0 + j);
      }
    }
  }
}
}  // namespace detail

namespace ref {

/// Quantizes x with quantizer Q at granularity G.
/// Errors (argument_error): a non-finite element (unless Q's format defines NaN/Inf input, as OCP
/// MX does); a ragged row under a Tail::kReject policy.
/// An empty x (rows or cols 0) gives an empty PackedMatrix.
template <QuantizerPolicy Q, GranularityPolicy G, class L = SoaPlanes>
PackedMatrix<Q, G, L> quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
  if constexpr (!Q::accepts_non_finite) detail::check_finite(x);
  G::validate(x.rows, x.cols);
  PackedMatrix<Q, G, L> m(x.rows, x.cols);
  std::vector<float> buf;
  for (std::size_t gr = 0; gr < m.grid().rows; ++gr) {
    detail::fit_params(m, gr, [&](std::size_t, std::size_t gc) {
      detail::gather_group(x, m.grid(), gr, gc, buf);
      return Q::fit_range(buf);
    });
    for (std::size_t gc = 0; gc < m.grid().cols; ++gc) detail::encode_group(x, m, gr, gc, opt.seed);
  }
  return m;
}

/// Decodes m into out, which must have m's shape.
template <class Q, class G, class L>
void dequantize(const PackedMatrix<Q, G, L>& m, MatrixView<float> out) {
  LOWBIT_CHECK(out.rows == m.rows() && out.cols == m.cols(), "out: expected a ", m.rows(), " x ", m.cols(),
               " matrix, got ", out.rows, " x ", out.cols);
  LOWBIT_CHECK(out.empty() || out.data != nullptr, "out: null pointer for a non-empty matrix");
  const GroupGrid& grid = m.grid();
  for (std::size_t r = 0; r < m.rows(); ++r)
    for (std::size_t gc = 0; gc < grid.cols; ++gc) {
      const GroupParams p = m.param_planes().get(m.group_row(r), gc);
      const GroupBounds b = group_bounds(grid, m.group_row(r), gc, m.rows(), m.cols());
      for (std::size_t c = b.c0; c < b.c1; ++c) out(r, c) = Q::decode(m.raw_code(r, c), p);
    }
}

}  // namespace ref
LOWBIT_END_NAMESPACE
