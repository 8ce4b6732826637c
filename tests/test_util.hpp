// Shared test helpers: deterministic data and the list of compositions every property test runs.
#pragma once

#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

#include "lowbit/portable.hpp"

namespace lowbit_test {
namespace lb = lowbit;

/// A row-major matrix owned by a test.
struct Mat {
  std::size_t rows = 0, cols = 0;
  std::vector<float> v;
  Mat(std::size_t r, std::size_t c, float fill = 0.0f) : rows(r), cols(c), v(r * c, fill) {}
  float& operator()(std::size_t r, std::size_t c) { return v[r * cols + c]; }
  float operator()(std::size_t r, std::size_t c) const { return v[r * cols + c]; }
  lb::MatrixView<const float> view() const { return lb::make_view(v.data(), rows, cols); }
  lb::MatrixView<float> view() { return lb::make_view(v.data(), rows, cols); }
};

/// N(0, 1) data with a few outliers, from a fixed seed.
inline Mat normal_matrix(std::size_t rows, std::size_t cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  Mat m(rows, cols);
  for (float& x : m.v) x = nd(rng);
  if (!m.v.empty()) m.v[m.v.size() / 3] = 9.0f;  // an outlier
  return m;
}

template <class Q, class G>
struct Comp {
  using quantizer = Q;
  using granularity = G;
};

/// Every INT composition of the foundation issue: {8,4,3,2} bits x {sym, affine} x granularities.
template <class G>
using IntQuantizersAt = std::tuple<Comp<lb::IntSym<8>, G>, Comp<lb::IntSym<4>, G>, Comp<lb::IntSym<3>, G>,
                                   Comp<lb::IntSym<2>, G>, Comp<lb::IntAffine<8>, G>, Comp<lb::IntAffine<4>, G>,
                                   Comp<lb::IntAffine<3>, G>, Comp<lb::IntAffine<2>, G>>;

/// The policy variants (full range, estimators, scale storage, rounding), at a few granularities.
template <class G>
using VariantQuantizersAt =
    std::tuple<Comp<lb::IntSymFull<4>, G>, Comp<lb::IntSymFull<8>, G>, Comp<lb::IntSym<4, lb::MseSearch<>>, G>,
               Comp<lb::IntAffine<4, lb::MseSearch<16, 60>>, G>, Comp<lb::IntSym<4, lb::Percentile<>>, G>,
               Comp<lb::IntAffine<3, lb::Percentile<99, 100>>, G>, Comp<lb::IntSym<4, lb::MinMax, lb::F16Scale>, G>,
               Comp<lb::IntAffine<4, lb::MinMax, lb::BF16Scale>, G>,
               Comp<lb::IntSym<4, lb::MinMax, lb::F32Scale, lb::Stochastic>, G>,
               Comp<lb::IntSym<8, lb::MinMax, lb::F32Scale, lb::NearestAway>, G>,
               Comp<lb::IntAffine<3, lb::MinMax, lb::F32Scale, lb::TowardZero>, G>>;

template <class... Ts>
using Cat = decltype(std::tuple_cat(std::declval<Ts>()...));

using Super256 = lb::SuperBlock<256, 32>;
using Super64 = lb::SuperBlock<64, 16, 4, lb::F32Scale>;

using AllCompositions =
    Cat<IntQuantizersAt<lb::PerTensor>, IntQuantizersAt<lb::PerRow>, IntQuantizersAt<lb::PerCol>,
        IntQuantizersAt<lb::Blockwise<32>>, IntQuantizersAt<lb::Blockwise<128>>, IntQuantizersAt<Super256>,
        IntQuantizersAt<Super64>, VariantQuantizersAt<lb::PerRow>, VariantQuantizersAt<lb::Blockwise<32>>,
        VariantQuantizersAt<Super256>>;

}  // namespace lowbit_test
