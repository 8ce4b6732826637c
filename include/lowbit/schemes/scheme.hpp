// lowbit: a named scheme is a (quantizer, granularity, layout) composition, or a type with its
// own exact layout, that lowbit::quantize<Scheme>(x) accepts by name.
#pragma once

#include <string>

#include "lowbit/reference/quantize.hpp"

LOWBIT_BEGIN_NAMESPACE

/// What lowbit::quantize<S> needs of a scheme: a static quantize of a float view.
template <class S>
concept SchemePolicy = requires(MatrixView<const float> x, const QuantizeOptions& opt) {
  typename S::matrix;
  { S::quantize(x, opt) } -> std::same_as<typename S::matrix>;
};

/// A scheme that is only a composition of lower layers.
template <QuantizerPolicy Q, GranularityPolicy G, class L = SoaPlanes>
struct Scheme {
  using quantizer = Q;
  using granularity = G;
  using layout = L;
  using matrix = PackedMatrix<Q, G, L>;
  static std::string name() { return Q::name() + " " + G::name(); }
  static matrix quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
    return ref::quantize<Q, G, L>(x, opt);
  }
};

LOWBIT_END_NAMESPACE
