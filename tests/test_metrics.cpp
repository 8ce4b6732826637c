#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "lowbit/metrics.hpp"

namespace lb = lowbit;

TEST_CASE("metrics: known values", "[metrics]") {
  const std::vector<float> x = {1, 2}, y = {1, 1};
  CHECK(lb::metrics::rmse(x, y) == Approx(std::sqrt(0.5)));
  CHECK(lb::metrics::max_abs(x, y) == 1.0);
  CHECK(lb::metrics::sqnr_db(x, y) == Approx(10 * std::log10(5.0)));
  CHECK(lb::metrics::cosine(x, y) == Approx(3 / std::sqrt(10.0)));
  CHECK(lb::metrics::rel_frobenius(x, y) == Approx(1 / std::sqrt(5.0)));
}

TEST_CASE("metrics: documented edge cases", "[metrics]") {
  const std::vector<float> x = {1, -2}, z = {0, 0};
  CHECK(std::isinf(lb::metrics::sqnr_db(x, x)));
  CHECK(lb::metrics::sqnr_db(x, x) > 0);
  CHECK(lb::metrics::sqnr_db(z, x) < 0);
  CHECK(std::isinf(lb::metrics::sqnr_db(z, x)));
  CHECK(lb::metrics::cosine(z, z) == 1.0);
  CHECK(lb::metrics::cosine(x, z) == 0.0);
  CHECK(lb::metrics::rel_frobenius(z, z) == 0.0);
  CHECK(std::isinf(lb::metrics::rel_frobenius(z, x)));
}

TEST_CASE("metrics: shape mismatch and empty input throw", "[metrics][errors]") {
  const std::vector<float> a = {1, 2, 3}, b = {1, 2};
  CHECK_THROWS_WITH(lb::metrics::rmse(a, b), Catch::Contains("y: size 2 differs from x's 3"));
  CHECK_THROWS_WITH(lb::metrics::rmse(std::vector<float>{}, std::vector<float>{}),
                    Catch::Contains("x: metrics need a non-empty matrix"));
  const auto va = lb::make_view<const float>(a.data(), 1, 3), vb = lb::make_view<const float>(a.data(), 3, 1);
  CHECK_THROWS_AS(lb::metrics::sqnr_db(va, vb), lb::argument_error);
}
