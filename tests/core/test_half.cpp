#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "lowbit/core/half.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace lb = lowbit;

namespace {
// Independent oracle: round |x| to the nearest of a sorted table of non-negative codes' values,
// ties to the even code; the entry past the table is the overflow value (the next power of two),
// which stands for Inf.
struct Table {
  std::vector<double> value;  // value[i] of code i, for i in [0, count]; value[count] = overflow
  std::uint16_t inf_code;
};
Table f16_table() {
  Table t{{}, 0x7C00};
  for (std::uint32_t h = 0; h < 0x7C00; ++h) t.value.push_back(lb::f16_bits_to_f32(static_cast<std::uint16_t>(h)));
  t.value.push_back(65536.0);
  return t;
}
Table bf16_table() {
  Table t{{}, 0x7F80};
  for (std::uint32_t h = 0; h < 0x7F80; ++h) t.value.push_back(lb::bf16_bits_to_f32(static_cast<std::uint16_t>(h)));
  t.value.push_back(std::ldexp(1.0, 128));
  return t;
}
std::uint16_t oracle(const Table& t, float x) {
  const double a = std::fabs(static_cast<double>(x));
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  auto it = std::upper_bound(t.value.begin(), t.value.end(), a);
  if (it == t.value.end()) return sign | t.inf_code;
  const auto hi = static_cast<std::uint16_t>(it - t.value.begin());
  const auto lo = static_cast<std::uint16_t>(hi - 1);
  const double dlo = a - t.value[lo], dhi = t.value[hi] - a;
  const std::uint16_t pick = dlo < dhi ? lo : dhi < dlo ? hi : ((lo & 1) ? hi : lo);
  return sign | pick;
}
// f32 inputs that matter: a strided sweep of all patterns, and for every code its value, the
// midpoint to the next code (the tie) and one f32 ulp either side of it.
std::vector<float> sweep(const Table& t) {
  std::vector<float> xs;
  for (std::uint64_t u = 0; u < (1ull << 32); u += 4093) xs.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(u)));
  for (std::size_t i = 0; i + 1 < t.value.size(); ++i) {
    const float v = static_cast<float>(t.value[i]);
    const float mid = static_cast<float>((t.value[i] + t.value[i + 1]) / 2);  // exact in f32
    for (float s : {1.0f, -1.0f})
      for (float y : {v, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY)}) xs.push_back(s * y);
  }
  return xs;
}
bool is_nan16(std::uint16_t h, std::uint16_t exp_mask, std::uint16_t mant_mask) {
  return (h & exp_mask) == exp_mask && (h & mant_mask) != 0;
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) std::uint16_t hw_f16(float x) {
  return static_cast<std::uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}
#endif
}  // namespace

TEST_CASE("half: every f16 code decodes and re-encodes to itself", "[core][half]") {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto c = static_cast<std::uint16_t>(h);
    const float f = lb::f16_bits_to_f32(c);
    if (is_nan16(c, 0x7C00, 0x3FF)) {
      CHECK(std::isnan(f));
      CHECK(is_nan16(lb::f32_to_f16_bits(f), 0x7C00, 0x3FF));
    } else {
      REQUIRE(lb::f32_to_f16_bits(f) == c);
    }
  }
  CHECK(lb::f16_bits_to_f32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(lb::f16_bits_to_f32(0x7BFF) == 65504.0f);
  CHECK(lb::f16_bits_to_f32(0x3C00) == 1.0f);
}

TEST_CASE("half: f32 -> f16 rounds to nearest even (oracle and F16C hardware)", "[core][half]") {
  const Table t = f16_table();
  const auto xs = sweep(t);
#if defined(__x86_64__)
  const bool hw = __builtin_cpu_supports("f16c");
#endif
  std::size_t bad = 0, checked = 0;
  for (float x : xs) {
    const std::uint16_t got = lb::f32_to_f16_bits(x);
    if (std::isnan(x)) {
      bad += !is_nan16(got, 0x7C00, 0x3FF);
      continue;
    }
    ++checked;
    bad += got != oracle(t, x);
#if defined(__x86_64__)
    if (hw) bad += got != hw_f16(x);
#endif
  }
  CHECK(bad == 0);
  CHECK(checked > 1000000);
  CHECK(lb::f32_to_f16_bits(65519.0f) == 0x7BFF);  // below the tie: max finite
  CHECK(lb::f32_to_f16_bits(65520.0f) == 0x7C00);  // the tie goes to even: Inf
  CHECK(lb::f32_to_f16_bits(-INFINITY) == 0xFC00);
  CHECK(lb::f32_to_f16_bits(std::ldexp(1.0f, -25)) == 0x0000);  // tie to even: 0
  CHECK(lb::f32_to_f16_bits(std::nextafter(std::ldexp(1.0f, -25), 1.0f)) == 0x0001);
  CHECK(lb::f32_to_f16_bits(-0.0f) == 0x8000);
}

TEST_CASE("half: bf16 encode/decode, nearest even, NaN stays NaN", "[core][half]") {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto c = static_cast<std::uint16_t>(h);
    const float f = lb::bf16_bits_to_f32(c);
    if (is_nan16(c, 0x7F80, 0x7F)) {
      CHECK(is_nan16(lb::f32_to_bf16_bits(f), 0x7F80, 0x7F));
    } else {
      REQUIRE(lb::f32_to_bf16_bits(f) == c);
    }
  }
  const Table t = bf16_table();
  std::size_t bad = 0;
  for (float x : sweep(t)) {
    const std::uint16_t got = lb::f32_to_bf16_bits(x);
    bad += std::isnan(x) ? !is_nan16(got, 0x7F80, 0x7F) : got != oracle(t, x);
  }
  CHECK(bad == 0);
  // A signalling NaN whose payload lives only in the low 16 bits must not become Inf.
  CHECK(is_nan16(lb::f32_to_bf16_bits(std::bit_cast<float>(0x7F800001u)), 0x7F80, 0x7F));
  CHECK(lb::f32_to_bf16_bits(1.0f + 0x1p-8f) == 0x3F80);  // tie, even stays
  CHECK(lb::f32_to_bf16_bits(1.0f + 0x1p-7f + 0x1p-8f) == 0x3F82);  // tie, odd goes up
}
