#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "lowbit/quantizers/aliases.hpp"
#include "lowbit/quantizers/kmeans.hpp"

namespace lb = lowbit;

TEST_CASE("mapping: symmetric restricted, full range and affine parameters", "[quantizers][mapping]") {
  // restricted: scale = absmax / 7
  auto p = lb::Int4Sym::params({-3.5f, 2.0f});
  CHECK(p.scale == 0.5f);
  CHECK(p.zero_point == 0);
  CHECK(lb::Int4Sym::decode(lb::Int4Sym::encode(-3.5f, p, {}), p) == -3.5f);
  CHECK(lb::Int4Sym::format::decode(lb::Int4Sym::encode(-100.0f, p, {})) == -7);  // clamps at -7, not -8
  // full: the signed extreme lands on -8, the scale takes its opposite sign
  auto f = lb::IntSymFull<4>::params({-1.0f, 4.0f});
  CHECK(f.scale == -0.5f);
  CHECK(lb::IntSymFull<4>::format::decode(lb::IntSymFull<4>::encode(4.0f, f, {})) == -8);
  CHECK(lb::IntSymFull<4>::decode(lb::IntSymFull<4>::encode(4.0f, f, {}), f) == 4.0f);
  // affine: [lo, hi] widened to hold 0; scale = (hi - lo) / 15, zp = round(-lo / scale)
  auto a = lb::Int4Affine::params({1.0f, 16.0f});
  CHECK(a.scale == Approx(16.0f / 15.0f));
  CHECK(a.zero_point == 0);
  auto a2 = lb::Int4Affine::params({-5.0f, 10.0f});
  CHECK(a2.scale == 1.0f);
  CHECK(a2.zero_point == 5);
  CHECK(lb::Int4Affine::decode(lb::Int4Affine::encode(-5.0f, a2, {}), a2) == -5.0f);
  CHECK(lb::Int4Affine::decode(lb::Int4Affine::encode(0.0f, a2, {}), a2) == 0.0f);
}

TEST_CASE("mapping: zero and constant groups are exact, never divide by zero", "[quantizers][mapping]") {
  auto z = lb::Int4Affine::params({0.0f, 0.0f});
  CHECK(z.scale == 0.0f);
  CHECK(lb::Int4Affine::decode(lb::Int4Affine::encode(0.0f, z, {}), z) == 0.0f);
  for (float c : {0.1f, -0.1f, 3.0f, -1e-30f, 1e30f}) {
    const lb::Range r{c, c};
    auto s = lb::Int8Sym::params(r);
    CHECK(lb::Int8Sym::decode(lb::Int8Sym::encode(c, s, {}), s) == c);
    auto a = lb::Int3Affine::params(r);
    CHECK(lb::Int3Affine::decode(lb::Int3Affine::encode(c, a, {}), a) == c);
    auto f = lb::IntSymFull<2>::params(r);
    CHECK(lb::IntSymFull<2>::decode(lb::IntSymFull<2>::encode(c, f, {}), f) == c);
  }
  // Extreme ranges do not overflow the scale.
  auto big = lb::Int8Affine::params({-3e38f, 3e38f});
  CHECK(std::isfinite(big.scale));
}

TEST_CASE("scale storage: f16/bf16 round to nearest even and saturate", "[quantizers][scale]") {
  CHECK(lb::F16Scale::decode(lb::F16Scale::encode(1e6f)) == 65504.0f);
  CHECK(lb::F16Scale::decode(lb::F16Scale::encode(-1e6f)) == -65504.0f);
  CHECK(lb::F16Scale::decode(lb::F16Scale::encode(0.1f)) == Approx(0.1f).epsilon(1e-3));
  CHECK(std::isfinite(lb::BF16Scale::decode(lb::BF16Scale::encode(3.4e38f))));
  CHECK(lb::BF16Scale::decode(lb::BF16Scale::encode(1.0f)) == 1.0f);
  // The quantizer encodes with the stored scale: decode inverts encode on grid values.
  using Q = lb::IntSym<8, lb::MinMax, lb::F16Scale>;
  auto p = Q::params({-0.3f, 0.7f});
  CHECK(p.scale == lb::F16Scale::decode(lb::F16Scale::encode(0.7f / 127)));
  for (int q = -127; q <= 127; ++q) {
    const float x = static_cast<float>(q) * p.scale;
    CHECK(Q::decode(Q::encode(x, p, {}), p) == x);
  }
}

TEST_CASE("estimators: MSE search and percentile clip outliers; minmax does not", "[quantizers][estimators]") {
  std::vector<float> x;
  for (int i = 0; i < 999; ++i) x.push_back(std::sin(static_cast<float>(i)));  // in [-1, 1]
  x.push_back(5.0f);                                                          // one outlier: clipping it pays under MSE
  const lb::Range mm = lb::Int4Sym::fit_range(x);
  CHECK(mm.hi == 5.0f);
  const lb::Range pc = lb::IntSym<4, lb::Percentile<99, 100>>::fit_range(x);
  CHECK(pc.hi < 1.0f);
  CHECK(pc.lo > -1.0f);
  using Mse = lb::IntSym<4, lb::MseSearch<>>;
  const lb::Range ms = Mse::fit_range(x);
  CHECK(ms.hi < 5.0f);
  auto err = [&](auto q, lb::Range r) {
    using Q = decltype(q);
    const auto p = Q::params(r);
    double e = 0;
    for (float v : x) e += std::pow(v - Q::decode(Q::encode(v, p, {}), p), 2);
    return e;
  };
  CHECK(err(Mse{}, ms) <= err(Mse{}, mm));  // the search never does worse than minmax
  // Percentile p = 1 is minmax; nearest-rank keeps the top element of a small group at 99.9%.
  std::vector<float> small(32, 0.5f);
  small[3] = 2.0f;
  CHECK(lb::IntSym<4, lb::Percentile<>>::fit_range(small).hi == 2.0f);
  CHECK(lb::IntSym<4, lb::Percentile<1, 1>>::fit_range(x).hi == 5.0f);
}

TEST_CASE("quantizer names say what they are", "[quantizers]") {
  CHECK(lb::Int4Sym::name() == "int4 sym");
  CHECK(lb::IntAffine<3, lb::MseSearch<>, lb::F16Scale, lb::Stochastic>::name() == "uint3 affine+mse/f16/stochastic");
  CHECK(lb::IntSymFull<8, lb::Percentile<999, 1000>>::name() == "int8 sym-full+p99.90");
}

TEST_CASE("k-means codebooks: exact on clustered data, deterministic per seed", "[quantizers][kmeans]") {
  std::vector<float> x;
  const float centres[4] = {-2.0f, -0.5f, 0.25f, 3.0f};
  for (int i = 0; i < 400; ++i) x.push_back(centres[i % 4]);
  const auto m = lb::CodebookMatrix<2>::quantize(lb::make_view(x.data(), 4, 100), false, 1);
  std::vector<float> y(x.size());
  m.dequantize(lb::make_view(y.data(), 4, 100));
  CHECK(y == x);  // four clusters, four centroids: exact
  CHECK(std::vector<float>(m.table(0), m.table(0) + 4) == std::vector<float>(centres, centres + 4));
  // noisy data: per-row tables beat one table; the same seed gives the same bytes
  std::vector<float> w(8 * 64);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sin(1.7f * static_cast<float>(i)) * static_cast<float>(1 + i / 64);
  const auto a = lb::CodebookMatrix<3>::quantize(lb::make_view(w.data(), 8, 64), true, 7);
  const auto b = lb::CodebookMatrix<3>::quantize(lb::make_view(w.data(), 8, 64), true, 7);
  const auto t = lb::CodebookMatrix<3>::quantize(lb::make_view(w.data(), 8, 64), false, 7);
  auto err = [&](const auto& q) {
    std::vector<float> d(w.size());
    q.dequantize(lb::make_view(d.data(), 8, 64));
    double e = 0;
    for (std::size_t i = 0; i < w.size(); ++i) e += (d[i] - w[i]) * (d[i] - w[i]);
    return e;
  };
  CHECK(err(a) == err(b));
  for (std::size_t r = 0; r < 8; ++r)
    for (std::size_t c = 0; c < 64; ++c) CHECK(a.code(r, c) == b.code(r, c));
  CHECK(err(a) < err(t));
  std::vector<float> nan(4, std::nanf(""));
  CHECK_THROWS_AS(lb::CodebookMatrix<2>::quantize(lb::make_view(nan.data(), 1, 4), false, 0), lb::argument_error);
}
