#include <catch2/catch.hpp>

#include "test_util.hpp"

using namespace lowbit_test;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

TEST_CASE("eigen: row-major, column-major, blocks and expressions quantize alike", "[tensor][eigen]") {
  using Q = lb::IntAffine<4, lb::MinMax, lb::F16Scale>;
  using G = lb::Blockwise<32>;
  Eigen::MatrixXf big = Eigen::MatrixXf::Random(20, 90);
  Eigen::MatrixXf cm = big.block(2, 5, 13, 70);  // dense copy
  RowMat rm = cm;
  auto a = lb::quantize<Q, G>(cm);
  auto b = lb::quantize<Q, G>(rm);
  auto c = lb::quantize<Q, G>(big.block(2, 5, 13, 70));  // strided, no copy
  auto d = lb::quantize<Q, G>(cm * 1.0f);                 // an expression: evaluated first
  for (const auto* o : {&b, &c, &d}) CHECK(std::equal(a.codes(), a.codes() + 13 * a.row_bytes(), o->codes()));
  Eigen::MatrixXf back = lb::dequantize(a);
  RowMat back_rm = lb::dequantize<RowMat>(a);
  CHECK(back.isApprox(back_rm, 0.0f));
  CHECK((back - cm).cwiseAbs().maxCoeff() < 0.1f);
  RowMat into;
  lb::dequantize_into(a, into);
  CHECK(into == back_rm);
  const auto scales = lb::scales_map(a);
  CHECK(scales.rows() == 13);
  CHECK(scales.cols() == 3);
  CHECK(lb::F16Scale::decode(scales(4, 1)) == a.params(4, 40).scale);
  CHECK(lb::metrics::sqnr_db(cm, back) == Approx(lb::metrics::sqnr_db(rm, back_rm)));
}

TEST_CASE("raw pointers: the same results as Eigen, with a leading dimension", "[tensor]") {
  Eigen::MatrixXf m = Eigen::MatrixXf::Random(7, 50);
  auto a = lb::quantize<lb::Int8Sym, lb::PerRow>(m);
  auto b = lb::quantize<lb::Int8Sym, lb::PerRow>(m.data(), 7, 50, lb::Order::kColMajor, 7);
  CHECK(std::equal(a.codes(), a.codes() + 7 * a.row_bytes(), b.codes()));
  std::vector<float> out(9 * 50, -1.0f);
  lb::dequantize(a, out.data(), lb::Order::kColMajor, 9);
  CHECK(out[9 * 3 + 2] == a.value(2, 3));
  CHECK(out[9 * 3 + 8] == -1.0f);  // past the rows: untouched
}
