// GGUF blocks: hand-derived golden bytes from ggml's reference rules (formats.md §1), layouts and
// sizes, ggml's own error thresholds on its synthetic data (test-quantize-fns), errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "lowbit/quantize.hpp"
#include "lowbit/schemes/gguf.hpp"

namespace lb = lowbit;
namespace gg = lowbit::gguf;

namespace {
template <class B>
B quantize_block(const std::vector<float>& x) {
  REQUIRE(x.size() == B::kElems);
  B b{};
  B::quantize(x.data(), b);
  return b;
}
template <class B>
std::vector<float> decode_block(const B& b) {
  std::vector<float> y(B::kElems);
  B::dequantize(b, y.data());
  return y;
}
template <std::size_t N>
void check_bytes(const std::uint8_t* got, const std::uint8_t (&want)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    INFO("byte " << i);
    CHECK(static_cast<int>(got[i]) == static_cast<int>(want[i]));
  }
}
std::uint16_t h(float f) { return lb::f32_to_f16_bits(f); }
}  // namespace

TEST_CASE("GGUF: block sizes and activation partners", "[schemes][gguf]") {
  STATIC_REQUIRE(sizeof(gg::Q4_0) == 18 && sizeof(gg::Q4_1) == 20 && sizeof(gg::Q5_0) == 22 && sizeof(gg::Q5_1) == 24);
  STATIC_REQUIRE(sizeof(gg::Q8_0) == 34 && sizeof(gg::Q8_1) == 36 && sizeof(gg::Q8_K) == 292);
  STATIC_REQUIRE(sizeof(gg::Q2_K) == 84 && sizeof(gg::Q3_K) == 110 && sizeof(gg::Q4_K) == 144);
  STATIC_REQUIRE(sizeof(gg::Q5_K) == 176 && sizeof(gg::Q6_K) == 210);
  STATIC_REQUIRE(sizeof(gg::TQ1_0) == 54 && sizeof(gg::TQ2_0) == 66 && sizeof(gg::IQ4_NL) == 18 && sizeof(gg::MXFP4) == 17);
  STATIC_REQUIRE(std::is_same_v<gg::Q4_0::partner, gg::Q8_0> && std::is_same_v<gg::Q4_1::partner, gg::Q8_1>);
  STATIC_REQUIRE(std::is_same_v<gg::Q4_K::partner, gg::Q8_K> && std::is_same_v<gg::TQ2_0::partner, gg::Q8_K>);
  STATIC_REQUIRE(std::is_same_v<gg::IQ4_NL::partner, gg::Q8_0> && std::is_same_v<gg::MXFP4::partner, gg::Q8_0>);
}

TEST_CASE("GGUF legacy: golden bytes", "[schemes][gguf]") {
  std::vector<float> x(32, 0.0f);
  SECTION("Q4_0: negative maximum, .5 ties truncate after +8.5, split-half nibbles") {
    x[0] = -1.0f;  // d = -1 / -8 = 0.125
    x[1] = 0.5f;   // 4 + 8.5 -> 12
    x[2] = 0.25f;  // 2 + 8.5 -> 10
    const auto b = quantize_block<gg::Q4_0>(x);
    CHECK(b.d == 0x3000);
    const std::uint8_t qs[16] = {0x80, 0x8C, 0x8A, 0x88, 0x88, 0x88, 0x88, 0x88,
                                 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88};
    check_bytes(b.qs, qs);
    CHECK(decode_block(b) == x);
    x[0] = 1.0f;  // positive maximum: d negative, the maximum still on code 0
    const auto p = quantize_block<gg::Q4_0>(x);
    CHECK(p.d == 0xB000);
    CHECK(decode_block(p)[0] == 1.0f);
  }
  SECTION("Q4_1: d = (max - min) / 15, m = min, + 0.5 truncation") {
    x[0] = -1.0f;
    x[1] = 2.0f;
    x[2] = 0.5f;  // (1.5 * 5) + 0.5 = 8
    const auto b = quantize_block<gg::Q4_1>(x);
    CHECK(b.d == h(0.2f));
    CHECK(b.m == 0xBC00);
    const std::uint8_t qs[16] = {0x50, 0x5F, 0x58, 0x55, 0x55, 0x55, 0x55, 0x55,
                                 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
    check_bytes(b.qs, qs);
  }
  SECTION("Q5_0: the fifth bits in qh, little-endian") {
    x[0] = -1.0f;  // d = 1/16
    x[17] = 0.5f;  // 8 + 16.5 -> 24
    const auto b = quantize_block<gg::Q5_0>(x);
    CHECK(b.d == 0x2C00);
    const std::uint8_t qh[4] = {0xFE, 0xFF, 0xFF, 0xFF};
    check_bytes(b.qh, qh);
    CHECK(b.qs[1] == 0x80);
    CHECK(b.qs[0] == 0x00);
    CHECK(decode_block(b) == x);
  }
  SECTION("Q5_1: no clamp, codes up to 31") {
    x[0] = -1.0f;
    x[1] = 30.0f;  // d = 1
    x[2] = 14.5f;  // 15.5 + 0.5 = 16
    const auto b = quantize_block<gg::Q5_1>(x);
    CHECK(b.d == 0x3C00);
    CHECK(b.m == 0xBC00);
    const std::uint8_t qh[4] = {0x06, 0, 0, 0};
    check_bytes(b.qh, qh);
    CHECK(b.qs[0] == 0x10);
    CHECK(b.qs[1] == 0x1F);
    CHECK(b.qs[2] == 0x10);
    CHECK(b.qs[3] == 0x11);
  }
  SECTION("Q8_0 / Q8_1: roundf ties away from zero; s = d * sum") {
    x[0] = 127.0f;
    x[1] = 63.5f;
    x[2] = -63.5f;
    x[3] = 0.5f;
    const auto b = quantize_block<gg::Q8_0>(x);
    CHECK(b.d == 0x3C00);
    CHECK(b.qs[0] == 127);
    CHECK(b.qs[1] == 64);
    CHECK(b.qs[2] == -64);
    CHECK(b.qs[3] == 1);
    const auto b1 = quantize_block<gg::Q8_1>(x);
    CHECK(b1.s == h(128.0f));
  }
  SECTION("IQ4_NL: d0 = max / -127, codes by nearest entry, d by weighted least squares") {
    x[0] = 1.0f;
    const auto b = quantize_block<gg::IQ4_NL>(x);
    CHECK(b.d == h(-127.0f / 16129.0f));
    CHECK(b.qs[0] == 0x80);  // x0 -> entry 0 (-127); zeros -> entry 8 (+1, nearer than -10)
    CHECK(b.qs[1] == 0x88);
  }
  SECTION("MXFP4 (ggml): e = floor(log2 amax) - 2 + 127, first minimum wins ties") {
    x[0] = 4.0f;
    x[1] = -3.0f;
    x[2] = 2.5f;  // 2 and 3 equally near: the lower code (2)
    const auto b = quantize_block<gg::MXFP4>(x);
    CHECK(b.e == 127);
    const std::uint8_t qs[4] = {6, 13, 4, 0};
    check_bytes(b.qs, qs);
  }
  SECTION("all-zero blocks") {
    CHECK(quantize_block<gg::Q4_0>(x).qs[0] == 0x88);
    CHECK(quantize_block<gg::Q8_0>(x).d == 0);
    CHECK(quantize_block<gg::IQ4_NL>(x).d == 0);
    CHECK(quantize_block<gg::MXFP4>(x).e == 0);
    for (float v : decode_block(quantize_block<gg::Q5_1>(x))) CHECK(v == 0.0f);
  }
  SECTION("subnormal-sized blocks: 1 / d overflows as in ggml on x86; codes decode to 0") {
    x[0] = 1e-40f;
    x[5] = -3e-41f;
    const auto b = quantize_block<gg::Q4_0>(x);
    CHECK(b.d == 0x8000);  // -0 in f16
    for (auto q : b.qs) CHECK(q == 0);
    const auto b8 = quantize_block<gg::Q8_0>(x);
    CHECK(b8.d == 0);
    for (auto q : b8.qs) CHECK(q == 0);
    for (float v : decode_block(quantize_block<gg::Q5_0>(x))) CHECK(v == 0.0f);
  }
}

TEST_CASE("GGUF K-quants and ternary: golden bytes", "[schemes][gguf]") {
  std::vector<float> x(256, 0.0f);
  SECTION("all-zero super-blocks") {
    const auto q6 = quantize_block<gg::Q6_K>(x);
    CHECK(q6.d == 0);
    for (auto v : q6.ql) CHECK(v == 0);
    const auto q4 = quantize_block<gg::Q4_K>(x);
    CHECK(q4.d == 0);
    CHECK(q4.dmin == 0);
    const auto tq1 = quantize_block<gg::TQ1_0>(x);
    for (auto v : tq1.qs) CHECK(v == 0x80);  // five trits of 0, rounded up
    for (auto v : tq1.qh) CHECK(v == 0x7F);
    const auto q8 = quantize_block<gg::Q8_K>(x);
    CHECK(q8.d == 0.0f);
    for (float v : decode_block(quantize_block<gg::Q2_K>(x))) CHECK(v == 0.0f);
    for (float v : decode_block(quantize_block<gg::Q3_K>(x))) CHECK(v == 0.0f);
    for (float v : decode_block(quantize_block<gg::Q5_K>(x))) CHECK(v == 0.0f);
  }
  SECTION("one outlier") {
    x[0] = 1.0f;
    const auto q6 = quantize_block<gg::Q6_K>(x);  // sub-scale -1/32, iscale 4096: d = 2^-12, sc[0] = -128
    CHECK(q6.d == 0x0C00);
    CHECK(q6.scales[0] == -128);
    for (int i = 1; i < 16; ++i) CHECK(q6.scales[i] == 0);
    for (auto v : q6.ql) CHECK(v == 0);
    CHECK(q6.qh[0] == 0);
    for (int l = 1; l < 16; ++l) CHECK(q6.qh[l] == 2);  // level 32 = 0b10'0000
    for (int l = 16; l < 64; ++l) CHECK(q6.qh[l] == 0);
    CHECK(decode_block(q6) == x);

    const auto q3 = quantize_block<gg::Q3_K>(x);  // sub-scale -1/4; iscale 128: d = 2^-7
    CHECK(q3.d == 0x2000);
    const std::uint8_t sc3[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xA8, 0xAA, 0xAA, 0xAA};
    check_bytes(q3.scales, sc3);
    CHECK(q3.hmask[0] == 0);
    for (int j = 1; j < 16; ++j) CHECK(q3.hmask[j] == 1);
    for (auto v : q3.qs) CHECK(v == 0);
    CHECK(decode_block(q3) == x);

    const auto q2 = quantize_block<gg::Q2_K>(x);  // sub-scale 1/3, min 0: d = (1/3) / 15
    CHECK(q2.d == h((1.0f / 3) / 15.0f));
    CHECK(q2.dmin == 0);
    CHECK(q2.scales[0] == 15);
    CHECK(q2.qs[0] == 3);
    for (int i = 1; i < 64; ++i) CHECK(q2.qs[i] == 0);

    const auto q4 = quantize_block<gg::Q4_K>(x);  // sub-scale 1/15: d = (1/15) / 63, ls 63
    CHECK(q4.d == h((1.0f / 15) / 63.0f));
    CHECK(q4.dmin == 0);
    CHECK(q4.scales[0] == 63);
    CHECK(q4.qs[0] == 15);
    for (int i = 1; i < 128; ++i) CHECK(q4.qs[i] == 0);
  }
  SECTION("Q8_K: signed maximum, nearest_int ties to even, bsums") {
    x[0] = -2.0f;
    x[1] = 1.0f;  // 63.5 -> 64
    const auto b = quantize_block<gg::Q8_K>(x);
    CHECK(b.qs[0] == -127);
    CHECK(b.qs[1] == 64);
    CHECK(b.bsums[0] == -63);
    CHECK(b.d == 1 / 63.5f);
  }
  SECTION("TQ2_0 / TQ1_0: d = amax, lroundf ties away from zero") {
    x[0] = 1.0f;
    x[1] = -1.0f;
    x[2] = 0.5f;   // -> +1
    x[3] = -0.5f;  // -> -1
    x[4] = 0.49f;  // -> 0
    const auto t2 = quantize_block<gg::TQ2_0>(x);
    CHECK(t2.d == 0x3C00);
    const std::uint8_t qs[6] = {0x56, 0x54, 0x56, 0x54, 0x55, 0x55};
    check_bytes(t2.qs, qs);
    const auto t1 = quantize_block<gg::TQ1_0>(x);
    // byte 0 packs elements 0, 32, 64, 96, 128 = trits (2, 1, 1, 1, 1): 2*81 + 40 = 202 -> ceil(202 * 256 / 243)
    CHECK(t1.qs[0] == (202 * 256 + 242) / 243);
    CHECK(t1.qs[1] == (0 * 81 + 40) * 256 / 243 + 1);
    const auto y = decode_block(t1);
    CHECK(y[0] == 1.0f);
    CHECK(y[3] == -1.0f);
    CHECK(y[4] == 0.0f);
    CHECK(decode_block(t2) == y);
  }
}

namespace {
/// ggml test-quantize-fns: 0.1 + 2 cos(i + offset), n = 4096; error = sqrt(sum e^2) / n.
template <class Scheme>
double ggml_total_error() {
  std::vector<float> x(4096);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f + 2 * std::cos(static_cast<float>(i));
  const auto m = lb::quantize<Scheme>(lb::make_view(x.data(), 1, x.size()));
  std::vector<float> y(x.size());
  lb::dequantize(m, lb::make_view(y.data(), 1, y.size()));
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - y[i]) * (x[i] - y[i]);
  return std::sqrt(s) / static_cast<double>(x.size());
}
}  // namespace

TEST_CASE("GGUF: errors within ggml's thresholds on its synthetic data", "[schemes][gguf]") {
  CHECK(ggml_total_error<gg::Q4_0Scheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q4_1Scheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q5_0Scheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q5_1Scheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q8_0Scheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q8_1Scheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q2_KScheme>() < 0.0075);
  CHECK(ggml_total_error<gg::Q3_KScheme>() < 0.0040);
  CHECK(ggml_total_error<gg::Q4_KScheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q5_KScheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q6_KScheme>() < 0.002);
  CHECK(ggml_total_error<gg::Q8_KScheme>() < 0.002);
  CHECK(ggml_total_error<gg::TQ1_0Scheme>() < 0.01);
  CHECK(ggml_total_error<gg::TQ2_0Scheme>() < 0.01);
  CHECK(ggml_total_error<gg::IQ4_NLScheme>() < 0.002);
  CHECK(ggml_total_error<gg::MXFP4Scheme>() < 0.002 * 1.5);  // ggml's test has no MXFP4 row; FP4's is 0.003
}

TEST_CASE("GGUF: matrices, bytes round trip, bad input", "[schemes][gguf]") {
  std::vector<float> w(3 * 512);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sin(0.1f * static_cast<float>(i));
  const auto m = lb::quantize<gg::Q4_KScheme>(lb::make_view(w.data(), 3, 512));
  CHECK(m.bytes() == 3 * 2 * 144);
  CHECK(m.bits_per_weight() == 4.5);
  const auto copy = lb::BlockMatrix<gg::Q4_K>::from_bytes(3, 512, m.as_bytes());
  CHECK(std::memcmp(copy.as_bytes().data(), m.as_bytes().data(), m.bytes()) == 0);
  // a column-major (strided) input gives the same bytes
  std::vector<float> cm(w.size());
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 512; ++c) cm[c * 3 + r] = w[r * 512 + c];
  const auto m2 = lb::quantize<gg::Q4_KScheme>(lb::make_view(cm.data(), 3, 512, lb::Order::kColMajor));
  CHECK(std::memcmp(m2.as_bytes().data(), m.as_bytes().data(), m.bytes()) == 0);
  CHECK_THROWS_AS(lb::quantize<gg::Q4_KScheme>(lb::make_view(w.data(), 3, 500)), lb::argument_error);
  CHECK_THROWS_AS(lb::BlockMatrix<gg::Q4_K>::from_bytes(3, 512, m.as_bytes().first(100)), lb::argument_error);
  w[7] = std::nanf("");
  CHECK_THROWS_AS(lb::quantize<gg::Q8_0Scheme>(lb::make_view(w.data(), 3, 512)), lb::argument_error);
  w[7] = 1e30f;  // the f16 scale would overflow: rejected, not written as Inf
  CHECK_THROWS_AS(lb::quantize<gg::Q8_0Scheme>(lb::make_view(w.data(), 3, 512)), lb::argument_error);
}
