#include <catch2/catch.hpp>

#include "test_util.hpp"

using namespace lowbit_test;

TEST_CASE("packed matrix: bytes and bits per weight count codes, padding and parameters", "[tensor]") {
  Mat x = normal_matrix(4, 64, 1);
  auto q = lb::quantize<lb::IntSym<4, lb::MinMax, lb::F16Scale>, lb::Blockwise<32>>(x.view());
  CHECK(q.bytes() == 4 * 32 + 4 * 2 * 2);  // Q4_0's 4.5 bits per weight
  CHECK(q.bits_per_weight() == 4.5);
  Mat y = normal_matrix(1, 256, 2);
  auto k = lb::quantize<lb::Int4Affine, lb::SuperBlock<256, 32>>(y.view());
  CHECK(k.bytes() == 128 + 2 + 6 + 8);  // codes, f16 super scale, 8 x 6-bit sub-scales, 8 zero points
  auto t = lb::quantize<lb::Int3Sym, lb::PerTensor>(normal_matrix(3, 5, 3).view());
  CHECK(t.row_bytes() == 2);  // 5 x 3 bits = 15 bits
  CHECK(t.bytes() == 3 * 2 + 4);
  Mat z = normal_matrix(2, 40, 4);
  auto b = lb::quantize<lb::Int2Sym, lb::Blockwise<32>>(z.view());
  CHECK(b.padded_cols() == 64);
  CHECK(b.row_bytes() == 16);
}

TEST_CASE("packed matrix: element access, rows, copies", "[tensor]") {
  Mat x = normal_matrix(5, 70, 9);
  auto q = lb::quantize<lb::Int8Affine, lb::Blockwise<32>>(x.view());
  Mat d(5, 70);
  lb::dequantize(q, d.view());
  std::vector<float> row(70);
  q.row(3).dequantize(row);
  for (std::size_t c = 0; c < 70; ++c) {
    CHECK(row[c] == d(3, c));
    CHECK(q.value(3, c) == d(3, c));
    CHECK(q.row(3).code(c) == q.code(3, c));
    const auto p = q.params(3, c);
    CHECK(static_cast<float>(q.code(3, c) - p.zero_point) * p.scale == d(3, c));
  }
  auto copy = q;
  copy.set_raw_code(0, 0, static_cast<std::uint8_t>(q.code(0, 0) ^ 1));
  CHECK(copy.code(0, 0) != q.code(0, 0));
  CHECK_THROWS_WITH(q.value(5, 0), Catch::Contains("element (5, 0) out of range for a 5 x 70 matrix"));
  CHECK_THROWS_AS(q.code(0, 70), lb::argument_error);
  CHECK_THROWS_AS(q.row(9), lb::argument_error);
  CHECK_THROWS_AS(q.row(0).dequantize(std::span<float>(row.data(), 10)), lb::argument_error);
}
