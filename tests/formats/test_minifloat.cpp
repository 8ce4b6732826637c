// Minifloats against the spec: value tables, every code decoded, encode against an independent
// nearest-value oracle on a dense sweep (every f32 high half x boundary low halves, every tie
// point +-1 ulp) plus the NaN/Inf/saturation/subnormal/negative-zero rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "lowbit/formats/minifloat.hpp"

namespace lb = lowbit;

namespace {

template <class F>
std::vector<float> positive_values(std::initializer_list<unsigned> codes) {
  std::vector<float> v;
  for (unsigned c : codes) v.push_back(F::decode(static_cast<std::uint8_t>(c)));
  return v;
}

/// The generic decode of formats.md section 3, computed independently with ldexp.
template <class F>
double spec_decode(unsigned c) {
  const int e = static_cast<int>((c >> F::man_bits) & F::kExpMask), m = static_cast<int>(c & F::kManMask);
  const double s = (F::is_signed && (c >> (F::exp_bits + F::man_bits)) & 1) ? -1.0 : 1.0;
  if (e == 0 && F::has_zero) return s * std::ldexp(m, 1 - F::bias - F::man_bits);
  return s * std::ldexp((1 << F::man_bits) + m, e - F::bias - F::man_bits);
}

/// Expected encode: the nearest finite non-negative code value; ties to the even code (to the
/// larger value when M = 0, which has no mantissa to be even); past max_value + half a step,
/// overflow.
template <class F, lb::Overflow kMode>
std::uint8_t oracle(float x) {
  if (std::isnan(x)) return F::has_nan ? F::kNanCode : 0;
  if (!F::is_signed && (std::signbit(x) || x == 0.0f)) return 0;
  const std::uint8_t sign = std::signbit(x) ? F::kSignBit : 0;
  std::vector<std::pair<double, unsigned>> vals;
  for (unsigned c = 0; c <= F::max_code; ++c)
    if (!F::is_nan_code(static_cast<std::uint8_t>(c)) && !F::is_inf_code(static_cast<std::uint8_t>(c)))
      vals.push_back({F::decode(static_cast<std::uint8_t>(c)), c});
  const double top = F::decode(F::max_code), below = F::decode(static_cast<std::uint8_t>(F::max_code - 1));
  vals.push_back({F::man_bits == 0 ? 2 * top : 2 * top - below, F::max_code + 1u});  // virtual next value
  const double a = std::fabs(static_cast<double>(x));
  std::uint8_t pick = 0;
  if (a <= vals.front().first) {
    pick = static_cast<std::uint8_t>(vals.front().second);
    if (!F::has_zero || a == vals.front().first) return sign | pick;
  }
  auto it = std::lower_bound(vals.begin(), vals.end(), std::pair<double, unsigned>{a, 0});
  if (it == vals.end()) it = std::prev(it);
  const auto hi = *it, lo = it == vals.begin() ? *it : *std::prev(it);
  const double dl = a - lo.first, dh = hi.first - a;
  const bool up = dh < dl || (dh == dl && (F::man_bits == 0 || (hi.second & 1) == 0));
  const unsigned c = up ? hi.second : lo.second;
  if (c > F::max_code || std::isinf(x)) {
    if (kMode == lb::Overflow::kNonSaturating && F::has_inf) return sign | F::kInfCode;
    if (kMode == lb::Overflow::kNonSaturating && F::has_nan) return sign | F::kNanCode;
    return sign | F::max_code;
  }
  return static_cast<std::uint8_t>(sign | c);
}

template <class F>
std::vector<float> sweep() {
  std::vector<float> xs;
  for (std::uint32_t hi = 0; hi < 0x10000; ++hi)
    for (std::uint32_t lo : {0x0000u, 0x0001u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu}) xs.push_back(std::bit_cast<float>(hi << 16 | lo));
  for (unsigned c = 0; c < F::max_code; ++c) {
    const float v = F::decode(static_cast<std::uint8_t>(c)), w = F::decode(static_cast<std::uint8_t>(c + 1));
    const float mid = static_cast<float>((static_cast<double>(v) + w) / 2);
    for (float s : {1.0f, -1.0f})
      for (float y : {v, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY)}) xs.push_back(s * y);
  }
  for (float y : {0.0f, -0.0f, INFINITY, -INFINITY, std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::denorm_min(), 1e-40f, F::max_value * 1.03125f, F::max_value * 1.0625f})
    xs.push_back(y);
  return xs;
}

}  // namespace

TEST_CASE("minifloat: value tables of the spec", "[formats][minifloat]") {
  CHECK(positive_values<lb::E2M1>({0, 1, 2, 3, 4, 5, 6, 7}) == std::vector<float>{0, 0.5f, 1, 1.5f, 2, 3, 4, 6});
  std::vector<float> e2m3, e3m2;
  for (unsigned c = 0; c < 32; ++c) e2m3.push_back(lb::E2M3::decode(static_cast<std::uint8_t>(c)));
  for (unsigned c = 0; c < 32; ++c) e3m2.push_back(lb::E3M2::decode(static_cast<std::uint8_t>(c)));
  CHECK(e2m3 == std::vector<float>{0, 0.125f, 0.25f, 0.375f, 0.5f, 0.625f, 0.75f, 0.875f, 1, 1.125f, 1.25f,
                                   1.375f, 1.5f, 1.625f, 1.75f, 1.875f, 2, 2.25f, 2.5f, 2.75f, 3, 3.25f, 3.5f,
                                   3.75f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7, 7.5f});
  CHECK(e3m2 == std::vector<float>{0, 0.0625f, 0.125f, 0.1875f, 0.25f, 0.3125f, 0.375f, 0.4375f, 0.5f, 0.625f,
                                   0.75f, 0.875f, 1, 1.25f, 1.5f, 1.75f, 2, 2.5f, 3, 3.5f, 4, 5, 6, 7, 8, 10, 12,
                                   14, 16, 20, 24, 28});
  CHECK(lb::E2M1::decode(8) == 0.0f);
  CHECK(std::signbit(lb::E2M1::decode(8)));
  CHECK(lb::E2M1::decode(15) == -6.0f);
  CHECK(lb::E4M3::max_value == 448.0f);
  CHECK(lb::E4M3::decode(0x08) == 0.015625f);  // min normal 2^-6
  CHECK(lb::E4M3::decode(0x01) == std::ldexp(1.0f, -9));
  CHECK(std::isnan(lb::E4M3::decode(0x7F)));
  CHECK(std::isnan(lb::E4M3::decode(0xFF)));
  CHECK(lb::E4M3::decode(0x78) == 256.0f);  // exponent 1111 is a normal binade
  CHECK(lb::E5M2::max_value == 57344.0f);
  CHECK(lb::E5M2::decode(0x7C) == INFINITY);
  CHECK(lb::E5M2::decode(0xFC) == -INFINITY);
  for (unsigned c : {0x7Du, 0x7Eu, 0x7Fu, 0xFDu, 0xFEu, 0xFFu}) CHECK(std::isnan(lb::E5M2::decode(static_cast<std::uint8_t>(c))));
  CHECK(lb::E5M2::decode(0x01) == std::ldexp(1.0f, -16));
  CHECK(lb::UE8M0::decode(127) == 1.0f);
  CHECK(lb::UE8M0::decode(0) == std::ldexp(1.0f, -127));
  CHECK(lb::UE8M0::decode(254) == std::ldexp(1.0f, 127));
  CHECK(std::isnan(lb::UE8M0::decode(255)));
  CHECK(lb::UE4M3::max_value == 448.0f);
  CHECK(std::isnan(lb::UE4M3::decode(0x7F)));
}

TEMPLATE_TEST_CASE("minifloat: every code decodes per the spec formula and re-encodes", "[formats][minifloat]",
                   lb::E4M3, lb::E5M2, lb::E3M2, lb::E2M3, lb::E2M1, lb::UE4M3, lb::UE8M0) {
  using F = TestType;
  constexpr auto table = F::decode_table();
  for (unsigned c = 0; c < (1u << F::bits); ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    const float v = F::decode(code);
    INFO("code " << c);
    CHECK((std::isnan(table[c]) ? std::isnan(v) : table[c] == v));
    if (F::is_nan_code(code)) {
      CHECK(std::isnan(v));
      CHECK(std::isnan(F::decode(F::encode(v))));
    } else if (F::is_inf_code(code)) {
      CHECK(std::isinf(v));
      CHECK(F::template encode<lb::Overflow::kNonSaturating>(v) == code);
    } else {
      CHECK(static_cast<double>(v) == spec_decode<F>(c));
      CHECK(F::encode(v) == code);  // -0 included: the sign survives
    }
  }
}

TEMPLATE_TEST_CASE("minifloat: encode is round-to-nearest-even on a dense sweep", "[formats][minifloat]", lb::E4M3,
                   lb::E5M2, lb::E3M2, lb::E2M3, lb::E2M1, lb::UE4M3, lb::UE8M0) {
  using F = TestType;
  const auto xs = sweep<F>();
  std::size_t bad_sat = 0, bad_nonsat = 0;
  for (float x : xs) {
    bad_sat += F::encode(x) != oracle<F, lb::Overflow::kSaturate>(x);
    bad_nonsat += F::template encode<lb::Overflow::kNonSaturating>(x) != oracle<F, lb::Overflow::kNonSaturating>(x);
  }
  CHECK(xs.size() > 390000);
  CHECK(bad_sat == 0);
  CHECK(bad_nonsat == 0);
}

TEST_CASE("minifloat: NaN, Inf, saturation, ties and negative zero", "[formats][minifloat]") {
  using lb::Overflow;
  CHECK(lb::E4M3::encode(464.0f) == 0x7E);  // the tie above 448 goes to even: 448
  CHECK(lb::E4M3::encode<Overflow::kNonSaturating>(464.0f) == 0x7E);
  CHECK(lb::E4M3::encode<Overflow::kNonSaturating>(465.0f) == 0x7F);  // overflow: NaN
  CHECK(lb::E4M3::encode(465.0f) == 0x7E);                            // saturating: max
  CHECK(lb::E4M3::encode(-INFINITY) == 0xFE);
  CHECK(lb::E4M3::encode<Overflow::kNonSaturating>(INFINITY) == 0x7F);
  CHECK(lb::E4M3::encode(std::nanf("")) == 0x7F);
  CHECK(lb::E5M2::encode<Overflow::kNonSaturating>(61440.0f) == 0x7C);  // tie past max: even is Inf
  CHECK(lb::E5M2::encode(61440.0f) == 0x7B);
  CHECK(lb::E5M2::encode<Overflow::kNonSaturating>(-INFINITY) == 0xFC);
  CHECK(lb::E5M2::encode(INFINITY) == 0x7B);
  CHECK(lb::E2M1::encode(INFINITY) == 0x7);
  CHECK(lb::E2M1::encode(std::nanf("")) == 0x0);  // no NaN code: documented +0
  CHECK(lb::E2M1::encode(2.5f) == 0x4);           // tie 2 | 3 -> even mantissa: 2
  CHECK(lb::E2M1::encode(3.5f) == 0x6);           // tie 3 | 4 -> 4
  CHECK(lb::E2M1::encode(0.25f) == 0x0);          // tie 0 | 0.5 -> 0
  CHECK(lb::E2M1::encode(-0.25f) == 0x8);         // -0 keeps its sign
  CHECK(lb::E4M3::encode(-0.0f) == 0x80);
  CHECK(lb::E4M3::encode(std::ldexp(1.0f, -10)) == 0x00);  // half the min subnormal: tie to 0
  CHECK(lb::E4M3::encode(std::ldexp(1.5f, -10)) == 0x01);
  CHECK(lb::UE4M3::encode(-3.0f) == 0x00);                 // unsigned: negatives clamp to 0
  CHECK(lb::UE8M0::encode(1e-45f) == 0x00);                // no zero: the smallest, 2^-127
  CHECK(lb::UE8M0::encode(3.0f) == 128 + 1);               // 1.5 * 2: ties up to 4
  CHECK(lb::UE8M0::encode(INFINITY) == 254);
}
