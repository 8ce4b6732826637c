// Ternary, binary, codebooks, powers of two, fixed point and dyadic numbers: every code, the tie
// and saturation rules, and gemmlowp's arithmetic on its own published cases.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>

#include "lowbit/formats/binary.hpp"
#include "lowbit/formats/codebook.hpp"
#include "lowbit/formats/dyadic.hpp"
#include "lowbit/formats/fixed_point.hpp"
#include "lowbit/formats/pow2.hpp"
#include "lowbit/formats/ternary.hpp"
#include "lowbit/formats/value_grid.hpp"

namespace lb = lowbit;

TEST_CASE("ternary: codes -1, 0, +1 in 2 bits; base-3 bytes decode as ggml's TQ1_0", "[formats][ternary]") {
  for (int v = -1; v <= 1; ++v) CHECK(lb::Ternary::decode(lb::Ternary::encode(v)) == v);
  CHECK(lb::Ternary::encode(5) == lb::Ternary::encode(1));  // clamps
  // every 5-trit combination packs into one byte and unpacks exactly
  int t[5];
  std::set<int> bytes;
  for (int n = 0; n < 243; ++n) {
    for (int k = 0, m = n; k < 5; ++k, m /= 3) t[4 - k] = m % 3;
    const std::uint8_t b = lb::trits::pack5(t);
    bytes.insert(b);
    for (int k = 0; k < 5; ++k) CHECK(lb::trits::unpack(b, k) == t[k]);
  }
  CHECK(bytes.size() == 243);
  const int ones[5] = {1, 1, 1, 1, 1};
  CHECK(lb::trits::pack5(ones) == 0x80);  // 121 * 256 / 243 rounded up: TQ1_0's all-zero byte
}

TEST_CASE("binary: 1 is +1, 0 is -1, zero encodes as +1", "[formats][binary]") {
  CHECK(lb::Binary::decode(lb::Binary::encode(0.3f)) == 1.0f);
  CHECK(lb::Binary::decode(lb::Binary::encode(-0.3f)) == -1.0f);
  CHECK(lb::Binary::encode(0.0f) == 1);
  CHECK(lb::Binary::encode(-0.0f) == 1);
}

TEST_CASE("codebooks: tables as published, nearest entry, ties by each library's rule", "[formats][codebook]") {
  CHECK(lb::NF4::decode(0) == -1.0f);
  CHECK(lb::NF4::decode(7) == 0.0f);
  CHECK(lb::NF4::decode(15) == 1.0f);
  CHECK(lb::NF4::decode(13) == 0.5626170039176941f);
  CHECK(lb::IQ4NL::decode(0) == -127.0f);
  CHECK(lb::IQ4NL::decode(15) == 113.0f);
  CHECK(lb::BnbFP4::decode(3) == 1.0f);
  CHECK(lb::BnbFP4::decode(11) == -1.0f);
  CHECK(lb::BnbFP4::decode(1) == 0.0625f / 12);
  // every entry encodes to itself (bnb FP4's +-0 both decode to 0)
  for (std::uint8_t c = 0; c < 16; ++c) {
    CHECK(lb::NF4::encode(lb::NF4::decode(c)) == c);
    CHECK(lb::IQ4NL::encode(lb::IQ4NL::decode(c)) == c);
    CHECK(lb::BnbFP4::decode(lb::BnbFP4::encode(lb::BnbFP4::decode(c))) == lb::BnbFP4::decode(c));
  }
  // midpoints: bitsandbytes (bucketize right=False) goes down, ggml (best_index_int8) up
  const float nf4_mid = (lb::NF4::decode(14) + lb::NF4::decode(15)) / 2.0f;
  CHECK(lb::NF4::encode(nf4_mid) == 14);
  CHECK(lb::NF4::encode(std::nextafter(nf4_mid, 2.0f)) == 15);
  CHECK(lb::IQ4NL::encode(7.0f) == 9);   // midway between 1 and 13
  CHECK(lb::IQ4NL::encode(6.99f) == 8);
  CHECK(lb::IQ4NL::encode(-1000.0f) == 0);  // saturates
  CHECK(lb::IQ4NL::encode(1000.0f) == 15);
  CHECK(lb::NF4::encode(std::numeric_limits<float>::quiet_NaN()) == 7);  // NaN: the entry nearest 0
  CHECK(lb::NF4::max_value == 1.0f);
  CHECK(lb::IQ4NL::max_value == 127.0f);
}

TEST_CASE("Pow2<B>: every code is +-2^-k or 0; rounding in the log domain", "[formats][pow2]") {
  using P = lb::Pow2<4>;  // magnitudes 2^-6 .. 1
  STATIC_REQUIRE(P::levels == 7);
  std::set<float> values;
  for (unsigned c = 0; c < 16; ++c) {
    const float v = P::decode(static_cast<std::uint8_t>(c));
    values.insert(v);
    if (v != 0.0f) {
      int e = 0;
      CHECK(std::frexp(std::fabs(v), &e) == 0.5f);  // a power of two
      CHECK(P::encode(v) == c);
    }
  }
  CHECK(values.size() == 15);  // +-7 levels and 0 (code 8 is -0)
  CHECK(P::decode(P::encode(0.70f)) == 0.5f);   // below sqrt(2)/2 * 1: down
  CHECK(P::decode(P::encode(0.71f)) == 1.0f);   // above: up (linear midpoint 0.75 would say 0.5)
  CHECK(P::decode(P::encode(-0.36f)) == -0.5f);  // 0.36 > 0.25 * sqrt(2)
  CHECK(P::decode(P::encode(9.0f)) == 1.0f);     // saturates
  CHECK(P::encode(1.0f / 128) == 0);             // exactly halfway to the smallest level: zero
  CHECK(P::decode(P::encode(1.01f / 128)) == 1.0f / 64);
}

TEST_CASE("SumPow2<B>: 2^(2t) distinct sums of two shifted powers of two", "[formats][pow2]") {
  using S = lb::SumPow2<5>;
  std::set<float> mags;
  for (unsigned c = 0; c < 16; ++c) mags.insert(S::decode(static_cast<std::uint8_t>(c)));
  CHECK(mags.size() == 16);
  CHECK(S::max_value == 1.5f);
  CHECK(mags.count(1.0f + 0.125f) == 1);
  for (unsigned c = 0; c < 32; ++c) {
    const float v = S::decode(static_cast<std::uint8_t>(c));
    CHECK(S::decode(S::encode(v)) == v);
  }
  CHECK(S::decode(S::encode(0.95f)) == 1.0f);
  CHECK(S::decode(S::encode(2.0f)) == 1.5f);
}

TEST_CASE("Fixed<I, F>: code * 2^-F, nearest even, symmetric saturation", "[formats][fixed]") {
  using Q = lb::Fixed<1, 6>;  // MXINT8's element
  CHECK(Q::bits == 8);
  CHECK(Q::max_value == 127.0f / 64);
  for (unsigned c = 0; c < 256; ++c) {
    const float v = Q::decode(static_cast<std::uint8_t>(c));
    CHECK(v == static_cast<float>(static_cast<std::int8_t>(c)) / 64);
    if (c != 0x80) CHECK(Q::encode(v) == c);
  }
  CHECK(Q::decode(Q::encode(1.5f / 64)) == 2.0f / 64);  // tie to even
  CHECK(Q::decode(Q::encode(2.5f / 64)) == 2.0f / 64);
  CHECK(Q::decode(Q::encode(-5.0f)) == -127.0f / 64);   // never -128
  CHECK(Q::decode(Q::encode(5.0f)) == 127.0f / 64);
}

TEST_CASE("rounding onto a value grid: every policy; stochastic is unbiased", "[formats][rounding]") {
  using F = lb::NF4;
  const float lo = F::decode(13), hi = F::decode(14);  // 0.5626, 0.7230
  const float x = lo + 0.25f * (hi - lo);
  CHECK(lb::round_to_grid<F, lb::NearestEven>(x, {}) == 13);
  CHECK(lb::round_to_grid<F, lb::NearestAway>(x, {}) == 13);
  CHECK(lb::round_to_grid<F, lb::TowardZero>(x, {}) == 13);
  CHECK(lb::round_to_grid<F, lb::TowardZero>(-x, {}) == lb::NF4::encode(-0.5250730514526367f));
  CHECK(lb::round_to_grid<F, lb::NearestAway>(0.5f * (lo + hi), {}) == 14);  // tie: larger magnitude
  double sum = 0.0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) sum += F::decode(lb::round_to_grid<F, lb::Stochastic>(x, {7, static_cast<std::uint64_t>(i)}));
  CHECK(std::fabs(sum / kN - x) < 2e-3);
  CHECK(lb::round_to_grid<F, lb::Stochastic>(5.0f, {}) == 15);  // beyond the grid: saturates
}

TEST_CASE("gemmlowp fixed point: SRDHM and RoundingDivideByPOT, exact", "[formats][fixed]") {
  namespace fp = lb::fixedpoint;
  constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min(), kMax = std::numeric_limits<std::int32_t>::max();
  STATIC_REQUIRE(fp::saturating_rounding_doubling_high_mul(kMin, kMin) == kMax);  // the one overflow
  STATIC_REQUIRE(fp::saturating_rounding_doubling_high_mul(1 << 30, 1 << 30) == 1 << 29);  // 0.5 * 0.5
  STATIC_REQUIRE(fp::saturating_rounding_doubling_high_mul(3, 1 << 30) == 2);    // 1.5: away from 0
  STATIC_REQUIRE(fp::saturating_rounding_doubling_high_mul(-3, 1 << 30) == -1);  // -1.5: nudge 1 - 2^30, toward 0
  STATIC_REQUIRE(fp::saturating_rounding_doubling_high_mul(-7, 1 << 30) == -3);  // -3.5 likewise
  STATIC_REQUIRE(fp::saturating_rounding_doubling_high_mul(5, 1 << 29) == 1);    // 1.25: 1
  STATIC_REQUIRE(fp::rounding_divide_by_pot(5, 1) == 3);    // 2.5 -> 3
  STATIC_REQUIRE(fp::rounding_divide_by_pot(-5, 1) == -3);  // -2.5 -> -3
  STATIC_REQUIRE(fp::rounding_divide_by_pot(-6, 2) == -2);  // -1.5 -> -2
  STATIC_REQUIRE(fp::rounding_divide_by_pot(-5, 2) == -1);  // -1.25 -> -1
  STATIC_REQUIRE(fp::rounding_divide_by_pot(kMax, 31) == 1);
  STATIC_REQUIRE(fp::rounding_divide_by_pot(kMin, 31) == -1);
  STATIC_REQUIRE(fp::saturating_shift_left(kMax / 2 + 1, 1) == kMax);
  // Q31 arithmetic: 0.75 * 0.5 in Q0.31, and rescaling
  const auto a = fp::Q31<0>::from_double(0.75), b = fp::Q31<0>::from_double(0.5);
  CHECK((a * b).to_double() == 0.375);
  CHECK(fp::Q31<2>::from_double(3.0).rescale<0>().raw == kMax);  // saturates
  CHECK(fp::Q31<0>::from_double(0.75).rescale<3>().to_double() == 0.75);
}

TEST_CASE("dyadic numbers: TFLite QuantizeMultiplier and MultiplyByQuantizedMultiplier", "[formats][dyadic]") {
  const lb::Dyadic half = lb::Dyadic::from_real(0.5);
  CHECK(half.multiplier == (1 << 30));
  CHECK(half.shift == 0);
  CHECK(half.apply(3) == 2);    // 1.5 rounds away from zero
  CHECK(half.apply(-3) == -1);  // -1.5: SRDHM's negative ties go toward zero
  const lb::Dyadic two = lb::Dyadic::from_real(2.0);
  CHECK(two.shift == 2);
  CHECK(two.apply(1000) == 2000);
  CHECK(lb::Dyadic::from_real(0.0).apply(12345) == 0);
  CHECK(lb::Dyadic::from_real(1e-12).multiplier == 0);  // below 2^-31: not representable, 0
  // mantissa rounding to 2^31 renormalises
  const lb::Dyadic almost1 = lb::Dyadic::from_real(1.0 - 1e-12);
  CHECK(almost1.multiplier == (1 << 30));
  CHECK(almost1.shift == 1);
  // best precision: relative error below 2^-31 over a sweep
  for (double m = 1e-6; m < 1e4; m *= 1.37) {
    const lb::Dyadic d = lb::Dyadic::from_real(m);
    CHECK(std::fabs(d.to_real() - m) <= m * 0x1p-31);
    CHECK(d.multiplier >= (1 << 30));
  }
  // apply() against the exact product: gemmlowp's double rounding adds at most half a unit of the
  // high multiply, scaled down by the right shift
  const lb::Dyadic s = lb::Dyadic::from_real(0.0123);
  const double bound = 0.5 + std::ldexp(0.5, s.shift) + 1e-9;
  for (std::int32_t x = -100000; x <= 100000; x += 37) {
    const double exact = static_cast<double>(x) * s.to_real();
    CHECK(std::fabs(s.apply(x) - exact) <= bound);
  }
  CHECK_THROWS_AS(lb::Dyadic::from_real(-1.0), lb::argument_error);
  CHECK_THROWS_AS(lb::Dyadic::from_real(std::nan("")), lb::argument_error);
}
