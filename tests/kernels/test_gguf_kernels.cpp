// The GGUF SIMD kernels against the reference codecs, on every supported target.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/targets.hpp"
#include "lowbit/kernels/gguf.hpp"
#include "test_util.hpp"

namespace lb = lowbit;
namespace gguf = lowbit::gguf;
using lowbit_test::for_each_target;

namespace {
/// Rows that exercise every rule: normal data, .5 ties on the code grid, zero and constant
/// blocks, a single outlier, subnormal-sized blocks (1/d overflows), large magnitudes.
std::vector<float> tricky_row(std::size_t nb, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(nb * 32);
  for (float& v : x) v = nd(rng);
  for (std::size_t b = 0; b < nb; ++b) {
    float* xb = x.data() + 32 * b;
    switch (b % 9) {
      case 1: for (int j = 0; j < 32; ++j) xb[j] = 0.0f; break;
      case 2: for (int j = 0; j < 32; ++j) xb[j] = (j % 17 - 8) * 0.5f + 0.25f; break;  // grid ties
      case 3: for (int j = 0; j < 32; ++j) xb[j] = 1e-39f * (j - 16); break;          // subnormal
      case 4: xb[b % 32] = -40.0f; break;
      case 5: for (int j = 0; j < 32; ++j) xb[j] = 3.0f; break;
      case 6: for (int j = 0; j < 32; ++j) xb[j] *= 1e4f; break;
      case 7: xb[5] = 7.0f, xb[9] = -7.0f; break;  // two extremes of equal magnitude: the first wins
      case 8: for (int j = 0; j < 32; ++j) xb[j] = j == 0 ? 127.0f : (j - 16) + 0.5f;  // Q8_0 ties (d = 1)
        xb[1] = 0.49999997f, xb[2] = -0.49999997f;  // where v + 0.5 rounds up
        break;
      default: break;
    }
  }
  return x;
}

template <class Block>
void check_codec(std::size_t nb) {
  const auto x = tricky_row(nb, 7 + static_cast<std::uint32_t>(nb));
  std::vector<Block> ref(nb), simd(nb);
  for (std::size_t b = 0; b < nb; ++b) Block::quantize(x.data() + 32 * b, ref[b]);
  std::vector<float> yref(x.size()), ysimd(x.size());
  for (std::size_t b = 0; b < nb; ++b) Block::dequantize(ref[b], yref.data() + 32 * b);
  for_each_target([&] {
    std::memset(simd.data(), 0xAB, nb * sizeof(Block));
    lb::kernels::quantize_row(x.data(), simd.data(), nb);
    REQUIRE(std::memcmp(ref.data(), simd.data(), nb * sizeof(Block)) == 0);
    lb::kernels::dequantize_row(ref.data(), ysimd.data(), nb);
    REQUIRE(std::memcmp(yref.data(), ysimd.data(), x.size() * sizeof(float)) == 0);
  });
}

template <class X, class Y>
void check_dot(std::size_t nb, bool hostile) {
  const auto xf = tricky_row(nb, 11), yf = tricky_row(nb, 12);
  std::vector<X> x(nb);
  std::vector<Y> y(nb);
  for (std::size_t b = 0; b < nb; ++b) {
    X::quantize(xf.data() + 32 * b, x[b]);
    Y::quantize(yf.data() + 32 * b, y[b]);
  }
  if (hostile) {  // bytes a file may hold but our quantizer never writes: -128 and extreme codes
    std::mt19937 rng(5);
    for (auto& b : y)
      for (auto& q : b.qs) q = static_cast<std::int8_t>(rng() % 2 ? -128 : 127);
  }
  const float ref = gguf::vec_dot(x.data(), y.data(), nb);
  double bound = 0.0;
  for (std::size_t b = 0; b < nb; ++b)
    bound += std::fabs(gguf::block_dot(x[b], y[b]) * gguf::from_f16(x[b].d) * gguf::from_f16(y[b].d));
  for_each_target([&] {
    const float got = lb::kernels::vec_dot(x.data(), y.data(), nb);
    INFO("ref " << ref << " simd " << got);
    REQUIRE(std::fabs(got - ref) <= 1e-6 * bound + 1e-30);
  });
}
}  // namespace

TEST_CASE("kernels: the targets this machine runs", "[kernels]") {
  std::string names;
  for (auto t : lb::kernels::supported_targets()) names += std::string(hwy::TargetName(t)) + " ";
  WARN("SIMD targets compiled and supported: " << names << "(dispatch picks " << lb::kernels::target_name() << ")");
  REQUIRE(!names.empty());
}

TEST_CASE("kernels: Q8_0 and Q4_0 quantize/dequantize are byte-identical to the reference", "[kernels][gguf]") {
  for (std::size_t nb : {1u, 3u, 9u, 17u, 64u}) {
    check_codec<gguf::Q8_0>(nb);
    check_codec<gguf::Q4_0>(nb);
  }
}

TEST_CASE("kernels: Q4_0 x Q8_0 and Q8_0 x Q8_0 dots match the reference", "[kernels][gguf]") {
  for (std::size_t nb : {0u, 1u, 2u, 3u, 17u, 128u}) {
    check_dot<gguf::Q4_0, gguf::Q8_0>(nb, false);
    check_dot<gguf::Q8_0, gguf::Q8_0>(nb, false);
    check_dot<gguf::Q4_0, gguf::Q8_0>(nb, true);
    check_dot<gguf::Q8_0, gguf::Q8_0>(nb, true);
  }
}

TEST_CASE("kernels: BlockMatrix quantize/dequantize through the kernels equal the scheme's", "[kernels][gguf]") {
  const auto m = lowbit_test::normal_matrix(5, 96, 3);
  for_each_target([&] {
    const auto a = gguf::Scheme<gguf::Q4_0>::quantize(m.view());
    const auto b = lb::kernels::quantize<gguf::Q4_0>(m.view());
    REQUIRE(std::memcmp(a.as_bytes().data(), b.as_bytes().data(), a.bytes()) == 0);
    lowbit_test::Mat y1(5, 96), y2(5, 96);
    a.dequantize(y1.view());
    lb::kernels::dequantize(b, y2.view());
    REQUIRE(y1.v == y2.v);
    auto bad = m;
    bad(2, 7) = NAN;
    REQUIRE_THROWS_AS(lb::kernels::quantize<gguf::Q8_0>(bad.view()), lb::argument_error);
  });
}
