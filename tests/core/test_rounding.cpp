#include <catch2/catch.hpp>

#include <cmath>

#include "lowbit/core/rounding.hpp"

namespace lb = lowbit;

TEST_CASE("rounding: deterministic modes and their ties", "[core][rounding]") {
  const lb::RoundKey k{};
  CHECK(lb::NearestEven::apply(2.5f, k) == 2.0f);
  CHECK(lb::NearestEven::apply(3.5f, k) == 4.0f);
  CHECK(lb::NearestEven::apply(-2.5f, k) == -2.0f);
  CHECK(lb::NearestEven::apply(-2.6f, k) == -3.0f);
  CHECK(lb::NearestAway::apply(2.5f, k) == 3.0f);
  CHECK(lb::NearestAway::apply(-2.5f, k) == -3.0f);
  CHECK(lb::NearestAway::apply(2.4f, k) == 2.0f);
  CHECK(lb::TowardZero::apply(-2.7f, k) == -2.0f);
  CHECK(lb::TowardZero::apply(2.7f, k) == 2.0f);
}

TEST_CASE("rounding: stochastic is unbiased, bounded and reproducible", "[core][rounding]") {
  for (float v : {0.3f, -1.75f, 7.01f, 123.5f}) {
    const int n = 200000;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      const float r = lb::Stochastic::apply(v, {42, static_cast<std::uint64_t>(i)});
      REQUIRE((r == std::floor(v) || r == std::floor(v) + 1));
      sum += r;
    }
    // The rounding error has standard deviation <= 1/2, so the mean's is <= 1/(2 sqrt(n)) ~ 0.0011.
    CHECK(sum / n == Approx(v).margin(0.006));
  }
  CHECK(lb::Stochastic::apply(5.0f, {1, 2}) == 5.0f);  // integers never move
  CHECK(lb::Stochastic::apply(0.5f, {9, 77}) == lb::Stochastic::apply(0.5f, {9, 77}));
  int differ = 0;  // another seed gives another stream
  for (std::uint64_t i = 0; i < 64; ++i)
    differ += lb::Stochastic::apply(0.5f, {1, i}) != lb::Stochastic::apply(0.5f, {2, i});
  CHECK(differ > 10);
}
