// Property tests of lowbit::ref::quantize for every composition in AllCompositions.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "test_util.hpp"

using namespace lowbit_test;

namespace {

template <class Q>
constexpr bool kNearest = std::is_same_v<typename Q::rounding, lb::NearestEven> ||
                          std::is_same_v<typename Q::rounding, lb::NearestAway>;
template <class Q>
constexpr bool kClipsOutliers = !std::is_same_v<typename Q::estimator, lb::MinMax>;

/// Checks every invariant of a quantized matrix against its source.
template <class Q, class G>
void check_invariants(const Mat& x, const lb::PackedMatrix<Q, G>& q) {
  REQUIRE(q.rows() == x.rows);
  REQUIRE(q.cols() == x.cols);
  Mat d(x.rows, x.cols);
  lb::dequantize(q, d.view());
  std::size_t out_of_range = 0, too_far = 0, bad_pad = 0;
  for (std::size_t r = 0; r < x.rows; ++r) {
    for (std::size_t c = 0; c < x.cols; ++c) {
      const int code = q.code(r, c);
      out_of_range += code < Q::mapping::qmin || code > Q::mapping::qmax;
      const lb::GroupParams p = q.params(r, c);
      const float a = static_cast<float>(Q::mapping::qmin - p.zero_point) * p.scale;
      const float b = static_cast<float>(Q::mapping::qmax - p.zero_point) * p.scale;
      const float err = std::fabs(x(r, c) - d(r, c));
      const float step = std::fabs(p.scale);
      const float slack = 1e-6f * std::fabs(x(r, c)) + 1e-30f;
      if (x(r, c) >= std::min(a, b) && x(r, c) <= std::max(a, b)) {
        // nearest rounding: half a step; toward-zero and stochastic: less than a step
        too_far += err > (kNearest<Q> ? 0.5f * step : step) * (1 + 1e-6f) + slack;
      }
    }
    // Padding past cols decodes to exactly 0 with the row's last group.
    const lb::GroupParams last = q.params(r, x.cols - 1);
    for (std::size_t c = x.cols; c < q.padded_cols(); ++c)
      bad_pad += Q::decode(q.raw_code(r, c), last) != 0.0f;
  }
  CHECK(out_of_range == 0);
  CHECK(too_far == 0);
  CHECK(bad_pad == 0);
}

/// Data exactly on a grid: per group a power-of-two scale (per super-block a power-of-two super
/// scale and sub-codes with the top one present), random codes, the extreme codes present.
template <class Q, class G>
Mat grid_matrix(std::size_t rows, std::size_t cols, std::mt19937& rng) {
  Mat x(rows, cols);
  const auto grid = lb::group_grid<G>(rows, cols);
  std::uniform_int_distribution<int> code(Q::mapping::qmin, Q::mapping::qmax), zpd(Q::mapping::qmin, Q::mapping::qmax), ed(-6, 3);
  auto fill_group = [&](std::size_t gr, std::size_t gc, float s) {
    const int zp = Q::has_zero_point ? zpd(rng) : 0;
    const lb::GroupBounds b = lb::group_bounds(grid, gr, gc, rows, cols);
    int k = 0;
    for (std::size_t r = b.r0; r < b.r1; ++r)
      for (std::size_t c = b.c0; c < b.c1; ++c, ++k) {
        // The first two elements carry the extremes that pin the scale: for symmetric-full the
        // most negative code; otherwise qmax and (affine) qmin.
        int q = code(rng);
        if (k == 0) q = Q::mapping::signed_scale ? Q::mapping::qmin : Q::mapping::qmax;
        if (k == 1 && Q::has_zero_point) q = Q::mapping::qmin;
        x(r, c) = static_cast<float>(q - zp) * s;
      }
  };
  if constexpr (!lb::TwoLevelGranularity<G>) {
    for (std::size_t gr = 0; gr < grid.rows; ++gr)
      for (std::size_t gc = 0; gc < grid.cols; ++gc) fill_group(gr, gc, std::ldexp(1.0f, ed(rng)));
  } else {
    constexpr int kSubMax = G::template sub_qmax<Q::mapping::signed_scale>;
    std::uniform_int_distribution<int> sub(1, kSubMax);
    float d = 1.0f;
    for (std::size_t gr = 0; gr < grid.rows; ++gr)
      for (std::size_t gc = 0; gc < grid.cols; ++gc) {
        if (gc % G::subs_per_super == 0) d = std::ldexp(1.0f, ed(rng) - 5);
        // A lone sub-block is a constant scale: it is exact when it needs few bits (sub code 1).
        const bool lone = gc % G::subs_per_super == 0 && gc + 1 == grid.cols;
        fill_group(gr, gc, d * static_cast<float>(lone ? 1 : gc % G::subs_per_super == 0 ? kSubMax : sub(rng)));
      }
  }
  return x;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("quantize: invariants on normal data, every shape and layout", "[reference][properties]",
                        AllCompositions) {
  using Q = typename TestType::quantizer;
  using G = typename TestType::granularity;
  INFO(Q::name() << " / " << G::name());
  for (auto [rows, cols] : {std::pair<std::size_t, std::size_t>{1, 1}, {3, 17}, {17, 300}, {8, 784}}) {
    const Mat x = normal_matrix(rows, cols, static_cast<std::uint32_t>(rows * 1000 + cols));
    const auto q = lb::ref::quantize<Q, G>(x.view());
    check_invariants(x, q);
    // The same matrix in column-major memory with a leading dimension gives the same result.
    std::vector<float> cm((rows + 3) * cols);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) cm[c * (rows + 3) + r] = x(r, c);
    const auto q2 = lb::ref::quantize<Q, G>(lb::make_view<const float>(cm.data(), rows, cols, lb::Order::kColMajor, rows + 3));
    CHECK(std::equal(q.codes(), q.codes() + rows * q.row_bytes(), q2.codes()));
    Mat d1(rows, cols), d2(rows, cols);
    lb::dequantize(q, d1.view());
    lb::dequantize(q2, d2.view());
    CHECK(d1.v == d2.v);
  }
}

TEMPLATE_LIST_TEST_CASE("quantize: values on the grid round-trip exactly", "[reference][properties]",
                        AllCompositions) {
  using Q = typename TestType::quantizer;
  using G = typename TestType::granularity;
  if constexpr (!kClipsOutliers<Q> || std::is_same_v<typename Q::estimator, lb::MseSearch<>> ||
                std::is_same_v<typename Q::estimator, lb::MseSearch<16, 60>>) {
    INFO(Q::name() << " / " << G::name());
    std::mt19937 rng(123);
    for (auto [rows, cols] : {std::pair<std::size_t, std::size_t>{1, 1}, {2, 37}, {9, 300}, {5, 600}}) {
      const Mat x = grid_matrix<Q, G>(rows, cols, rng);
      const auto q = lb::ref::quantize<Q, G>(x.view());
      Mat d(rows, cols);
      lb::dequantize(q, d.view());
      std::size_t moved = 0;
      for (std::size_t i = 0; i < x.v.size(); ++i) moved += d.v[i] != x.v[i];
      CHECK(moved == 0);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("quantize: all-zero and constant matrices decode exactly", "[reference][properties]",
                        AllCompositions) {
  using Q = typename TestType::quantizer;
  using G = typename TestType::granularity;
  INFO(Q::name() << " / " << G::name());
  // Constants chosen so that c / 2^k fits every scale storage type (f16 included).
  for (float c : {0.0f, 0.75f, -3.5f, 0.0078125f, 1.25f}) {
    const Mat x(6, 100, c);
    const auto q = lb::ref::quantize<Q, G>(x.view());
    Mat d(6, 100, 99.0f);
    lb::dequantize(q, d.view());
    std::size_t moved = 0;
    for (float v : d.v) moved += v != c;
    CHECK(moved == 0);
    if (c == 0.0f) CHECK(q.params(0, 0).scale == 0.0f);
  }
  // Per-group constants (different in every group) are exact for single-level granularities.
  if constexpr (!lb::TwoLevelGranularity<G>) {
    Mat x(6, 100);
    const auto grid = lb::group_grid<G>(6, 100);
    for (std::size_t r = 0; r < 6; ++r)
      for (std::size_t c = 0; c < 100; ++c)
        x(r, c) = 0.25f * static_cast<float>(static_cast<int>((r / grid.shape.rows) * 7 + c / grid.shape.cols) - 3);
    Mat d(6, 100);
    lb::dequantize(lb::ref::quantize<Q, G>(x.view()), d.view());
    CHECK(d.v == x.v);
  }
}

using StochasticCompositions =
    std::tuple<Comp<lb::IntSym<4, lb::MinMax, lb::F32Scale, lb::Stochastic>, lb::PerRow>,
               Comp<lb::IntAffine<2, lb::MinMax, lb::F32Scale, lb::Stochastic>, lb::PerTensor>,
               Comp<lb::IntSym<3, lb::MinMax, lb::F16Scale, lb::Stochastic>, lb::SuperBlock<256, 32>>>;

TEMPLATE_LIST_TEST_CASE("quantize: stochastic rounding is unbiased and reproducible", "[reference][stochastic]",
                        StochasticCompositions) {
  using Q = typename TestType::quantizer;
  using G = typename TestType::granularity;
  const float v = 0.3f;  // between grid points for every scale below
  Mat x(1, 65536, v);
  for (std::size_t c = 0; c < x.cols; c += 32) x(0, c) = 1.0f;  // pins each group's scale
  const auto q = lb::ref::quantize<Q, G>(x.view(), {.seed = 1234});
  Mat d(1, x.cols);
  lb::dequantize(q, d.view());
  double sum = 0, step = 0;
  std::size_t n = 0;
  for (std::size_t c = 0; c < x.cols; ++c)
    if (x(0, c) == v) {
      sum += d(0, c);
      step = std::max(step, static_cast<double>(std::fabs(q.params(0, c).scale)));
      ++n;
    }
  // Each error is within one step with mean 0, so the mean's standard deviation is <= step / (2 sqrt(n)).
  CHECK(std::fabs(sum / static_cast<double>(n) - v) < 6 * step / (2 * std::sqrt(static_cast<double>(n))));
  const auto again = lb::ref::quantize<Q, G>(x.view(), {.seed = 1234});
  CHECK(std::equal(q.codes(), q.codes() + q.row_bytes(), again.codes()));
  const auto other = lb::ref::quantize<Q, G>(x.view(), {.seed = 99});
  CHECK(!std::equal(q.codes(), q.codes() + q.row_bytes(), other.codes()));
}
