// Bad input at the quantize/dequantize boundary: each case a lowbit error naming the argument,
// or a documented result.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "test_util.hpp"

using namespace lowbit_test;

TEST_CASE("bad input: NaN and Inf are rejected, naming the element", "[reference][errors]") {
  Mat x = normal_matrix(3, 40, 5);
  x(2, 17) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH((lb::quantize<lb::Int4Sym, lb::Blockwise<32>>(x.view())),
                    Catch::Contains("input: element (2, 17) is nan") && Catch::Contains("finite"));
  x(2, 17) = -std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS((lb::quantize<lb::Int8Affine, lb::PerTensor>(x.view())), lb::argument_error);
  x(2, 17) = std::numeric_limits<float>::max();  // finite extremes are fine
  auto q = lb::quantize<lb::Int8Affine, lb::PerRow>(x.view());
  CHECK(std::isfinite(q.value(2, 17)));
  CHECK(q.value(2, 17) > 3e38f);
}

TEST_CASE("bad input: shapes, pointers, strict tails", "[reference][errors]") {
  Mat x = normal_matrix(2, 50, 6);
  CHECK_THROWS_WITH((lb::quantize<lb::Int4Sym, lb::Blockwise<32, lb::Tail::kReject>>(x.view())),
                    Catch::Contains("cols: 50 is not a multiple of the block size 32"));
  CHECK_THROWS_WITH((lb::quantize<lb::Int4Sym, lb::PerRow>(nullptr, 2, 3)), Catch::Contains("data: null pointer"));
  CHECK_THROWS_WITH((lb::quantize<lb::Int4Sym, lb::PerRow>(x.v.data(), 2, 50, lb::Order::kRowMajor, 49)),
                    Catch::Contains("ld: leading dimension 49"));
  auto q = lb::quantize<lb::Int4Sym, lb::PerRow>(x.view());
  Mat wrong(2, 49);
  CHECK_THROWS_WITH(lb::dequantize(q, wrong.view()), Catch::Contains("out: expected a 2 x 50 matrix, got 2 x 49"));
  CHECK_THROWS_AS(lb::dequantize(q, static_cast<float*>(nullptr)), lb::argument_error);
}

TEST_CASE("bad input: empty matrices give empty results", "[reference][errors]") {
  auto q = lb::quantize<lb::Int4Sym, lb::Blockwise<32>>(static_cast<const float*>(nullptr), 0, 64);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
  CHECK(q.bits_per_weight() == 0.0);
  auto t = lb::quantize<lb::Int4Affine, lb::SuperBlock<256, 32>>(static_cast<const float*>(nullptr), 5, 0);
  CHECK(t.empty());
  CHECK_NOTHROW(lb::dequantize(t, static_cast<float*>(nullptr)));
  CHECK_THROWS_AS(t.value(0, 0), lb::argument_error);
}

TEST_CASE("bad input: huge and tiny magnitudes stay finite and never divide by zero", "[reference][errors]") {
  Mat x(2, 64);
  for (std::size_t c = 0; c < 64; ++c) {
    x(0, c) = (c % 2 ? 1 : -1) * 3e38f;
    x(1, c) = std::ldexp(1.0f, -149) * static_cast<float>(c % 3);  // f32 subnormals
  }
  Mat d(2, 64);
  lb::dequantize(lb::quantize<lb::IntAffine<4, lb::MinMax, lb::F16Scale>, lb::Blockwise<32>>(x.view()), d.view());
  for (float v : d.v) CHECK(std::isfinite(v));
  lb::dequantize(lb::quantize<lb::Int8Sym, lb::SuperBlock<64, 16>>(x.view()), d.view());
  for (float v : d.v) CHECK(std::isfinite(v));
  lb::dequantize(lb::quantize<lb::IntAffine<8>, lb::PerTensor>(x.view()), d.view());
  for (float v : d.v) CHECK(std::isfinite(v));
}
