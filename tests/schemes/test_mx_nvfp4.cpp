// OCP MX and NVFP4: the spec's scale selection and element saturation, power-of-two amax,
// zero blocks, NaN/Inf, and the named compositions (BitNet, XNOR, bitsandbytes NF4).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "lowbit/quantize.hpp"
#include "lowbit/schemes/bitnet.hpp"
#include "lowbit/schemes/bnb_nf4.hpp"
#include "lowbit/schemes/mx.hpp"
#include "lowbit/schemes/nvfp4.hpp"

namespace lb = lowbit;

namespace {
template <class S>
auto quantize_row(const std::vector<float>& x) {
  return lb::quantize<S>(lb::make_view(x.data(), 1, x.size()));
}
template <class M>
std::vector<float> decode(const M& m) {
  std::vector<float> y(m.rows() * m.cols());
  lb::dequantize(m, lb::make_view(y.data(), m.rows(), m.cols()));
  return y;
}
std::uint8_t scale_code(const auto& m, std::size_t g) { return m.param_planes().scales()[g]; }
}  // namespace

TEST_CASE("MX: shared scale 2^(floor(log2 amax) - emax), stored as E8M0", "[schemes][mx]") {
  std::vector<float> x(64, 0.0f);
  x[0] = 4.0f;   // block 0: amax a power of two; E2M1 emax = 2 -> X = 1
  x[1] = -3.0f;
  x[2] = 0.25f;  // E2M1 0.25 is halfway 0 .. 0.5: ties to even -> 0
  x[32] = 7.9f;  // block 1: X = 2^(2 - 2) = 1 as well; 7.9 saturates to 6
  x[33] = 2.5f;  // halfway 2 .. 3: even mantissa -> 2
  const auto m = quantize_row<lb::MXFP4>(x);
  CHECK(scale_code(m, 0) == 127);
  CHECK(scale_code(m, 1) == 127);
  const auto y = decode(m);
  CHECK(y[0] == 4.0f);
  CHECK(y[1] == -3.0f);
  CHECK(y[2] == 0.0f);
  CHECK(y[32] == 6.0f);  // clipped: inherent to the spec's floor(log2) rule
  CHECK(y[33] == 2.0f);
  // amax 8 = 2^3: X = 2, elements in units of 2
  std::vector<float> z(32, 1.0f);
  z[5] = -8.0f;
  const auto m2 = quantize_row<lb::MXFP4>(z);
  CHECK(scale_code(m2, 0) == 128);
  CHECK(decode(m2)[5] == -8.0f);
  CHECK(decode(m2)[0] == 1.0f);
}

TEST_CASE("MX: every element format's emax and saturation", "[schemes][mx]") {
  STATIC_REQUIRE(lb::MxScaled<lb::E4M3>::emax == 8);
  STATIC_REQUIRE(lb::MxScaled<lb::E5M2>::emax == 15);
  STATIC_REQUIRE(lb::MxScaled<lb::E3M2>::emax == 4);
  STATIC_REQUIRE(lb::MxScaled<lb::E2M3>::emax == 2);
  STATIC_REQUIRE(lb::MxScaled<lb::E2M1>::emax == 2);
  STATIC_REQUIRE(lb::MxScaled<lb::Fixed<1, 6>>::emax == 0);
  std::vector<float> x(32, 0.0f);
  x[0] = 500.0f;  // E4M3: floor(log2 500) = 8 -> X = 1; 500 saturates to 448 (not NaN)
  x[1] = 1.0f / 512;  // E4M3 smallest subnormal at X = 1
  const auto y = decode(quantize_row<lb::MXFP8_E4M3>(x));
  CHECK(y[0] == 448.0f);
  CHECK(y[1] == 1.0f / 512);
  x[0] = 1.99f;  // MXINT8: X = 1, 1.99 saturates to 127/64
  x[1] = -1.99f;
  const auto yi = decode(quantize_row<lb::MXINT8>(x));
  CHECK(yi[0] == 127.0f / 64);
  CHECK(yi[1] == -127.0f / 64);
  x[0] = 30.0f;  // E3M2: X = 2^(4-4) = 1; 30 -> 28
  CHECK(decode(quantize_row<lb::MXFP6_E3M2>(x))[0] == 28.0f);
  x[0] = 7.9f;  // E2M3: X = 1; 7.9 -> 7.5
  CHECK(decode(quantize_row<lb::MXFP6_E2M3>(x))[0] == 7.5f);
  x[0] = 60000.0f;  // E5M2: X = 2^(15-15); 60000 -> 57344 (saturating, not Inf)
  CHECK(decode(quantize_row<lb::MXFP8_E5M2>(x))[0] == 57344.0f);
}

TEST_CASE("MX: zero blocks, tiny blocks, NaN and Inf", "[schemes][mx]") {
  std::vector<float> x(96, 0.0f);
  x[32] = 1e-40f;                                      // block 1: below 2^-127 * 2^emax: X clamps to 2^-127
  x[64] = std::numeric_limits<float>::quiet_NaN();     // block 2: NaN
  x[65] = 1.0f;
  const auto m = quantize_row<lb::MXFP4>(x);
  CHECK(scale_code(m, 0) == 0);  // zero block: the smallest scale, 2^-127
  CHECK(scale_code(m, 1) == 0);
  CHECK(scale_code(m, 2) == 0xFF);  // NaN scale
  const auto y = decode(m);
  for (int i = 0; i < 32; ++i) CHECK(y[static_cast<std::size_t>(i)] == 0.0f);
  for (int i = 64; i < 96; ++i) CHECK(std::isnan(y[static_cast<std::size_t>(i)]));
  x[64] = std::numeric_limits<float>::infinity();
  CHECK(scale_code(quantize_row<lb::MXFP8_E5M2>(x), 2) == 0xFF);
  // ragged rows pad with zeros
  std::vector<float> r(40, 1.0f);
  const auto mr = quantize_row<lb::MXFP4>(r);
  CHECK(mr.grid().cols == 2);
  CHECK(decode(mr)[39] == 1.0f);
}

TEST_CASE("NVFP4: tensor scale amax / 2688, E4M3 block scales, E2M1 elements", "[schemes][nvfp4]") {
  std::vector<float> x(32, 0.0f);
  x[0] = 6.0f * 448.0f;  // tensor amax: s_tensor = 1
  x[16] = 3.0f;          // block 1: s_block = E4M3(0.5) = 0.5 exactly
  x[17] = 1.2f;          // / 0.5 = 2.4 -> E2M1 2 -> 1.0
  const auto m = lb::quantize<lb::NVFP4>(lb::make_view(x.data(), 1, 32));
  CHECK(m.tensor_scale() == 1.0f);
  CHECK(lb::UE4M3::decode(m.block_scale_code(0, 0)) == 448.0f);
  CHECK(lb::UE4M3::decode(m.block_scale_code(0, 1)) == 0.5f);
  const auto y = decode(m);
  CHECK(y[0] == 2688.0f);
  CHECK(y[16] == 3.0f);
  CHECK(y[17] == 1.0f);
  CHECK(m.bits_per_weight() > 4.5);
  // a block far below the tensor's amax clamps its scale at E4M3's smallest normal
  x[16] = 1e-3f;
  x[17] = 0.0f;
  const auto m2 = lb::quantize<lb::NVFP4>(lb::make_view(x.data(), 1, 32));
  CHECK(lb::UE4M3::decode(m2.block_scale_code(0, 1)) == 0.015625f);
  // all zero: s_tensor 0, decodes to 0; ragged and NaN rejected
  std::vector<float> z(16, 0.0f);
  for (float v : decode(lb::quantize<lb::NVFP4>(lb::make_view(z.data(), 1, 16)))) CHECK(v == 0.0f);
  CHECK_THROWS_AS(lb::quantize<lb::NVFP4>(lb::make_view(z.data(), 1, 15)), lb::argument_error);
  z[3] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(lb::quantize<lb::NVFP4>(lb::make_view(z.data(), 1, 16)), lb::argument_error);
  // single level: s_block = E4M3(amax / 6)
  std::vector<float> s(16, 0.0f);
  s[0] = 3.0f;
  const auto m1 = quantize_row<lb::NVFP4_1L>(s);
  CHECK(lb::UE4M3::decode(scale_code(m1, 0)) == 0.5f);
  CHECK(decode(m1)[0] == 3.0f);
}

TEST_CASE("BitNet, XNOR and bitsandbytes NF4 compositions", "[schemes]") {
  std::vector<float> w = {0.9f, -0.1f, 0.4f, -2.0f, 0.0f, 0.6f, -0.5f, 0.3f};  // mean |w| = 0.6
  const auto bw = quantize_row<lb::BitNetWeights>(w);
  const auto yb = decode(bw);
  CHECK(yb[0] == 0.6f);   // round(1.5) = 2 -> clamp 1
  CHECK(yb[1] == 0.0f);
  CHECK(yb[2] == 0.6f);   // 0.667 -> 1
  CHECK(yb[3] == -0.6f);
  CHECK(yb[6] == -0.6f);  // -0.833 -> -1
  CHECK(yb[7] == 0.0f);   // 0.5 -> 0 (ties to even)
  const auto yx = decode(quantize_row<lb::XnorWeights>(w));
  CHECK(yx[0] == 0.6f);
  CHECK(yx[4] == 0.6f);  // sign(0) = +1
  CHECK(yx[3] == -0.6f);
  std::vector<float> big(64 * 300);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = std::sin(0.37f * static_cast<float>(i)) * (1.0f + static_cast<float>(i % 7));
  const auto nf = lb::quantize<lb::BnbNF4>(lb::make_view(big.data(), 4, big.size() / 4));
  CHECK(nf.bits_per_weight() < 4.2);
  const auto y = decode(nf);
  double e2 = 0, s2 = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    e2 += (y[i] - big[i]) * (y[i] - big[i]);
    s2 += big[i] * big[i];
  }
  CHECK(10 * std::log10(s2 / e2) > 18.0);  // NF4 ~20 dB; double quantization costs little
  for (std::size_t i = 0; i < 300; ++i)  // double-quantized absmax within a step of the map
    CHECK(std::fabs(nf.block_absmax(i) - nf.codes().param_planes().scales()[i]) < 0.02f * (1.0f + nf.offset()));
  CHECK_THROWS_AS(lb::quantize<lb::BnbNF4>(lb::make_view(big.data(), 1, 100)), lb::argument_error);
}
