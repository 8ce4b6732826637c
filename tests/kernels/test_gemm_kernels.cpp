// Integer GEMM against a naive int32 loop: ragged m/n/k, strides, every target, any thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/targets.hpp"
#include "lowbit/kernels/gemm_b1.hpp"
#include "lowbit/kernels/gemm_i8.hpp"
#include "lowbit/kernels/gemm_q4.hpp"
#include "lowbit/kernels/output_stage.hpp"

namespace lb = lowbit;
using lowbit_test::for_each_target;

namespace {
struct Case {
  std::size_t m, n, k;
};

std::vector<std::int32_t> naive(const std::vector<std::uint8_t>& a, std::size_t lda, const std::vector<std::int8_t>& w,
                                std::size_t ldw, Case s) {
  std::vector<std::int32_t> c(s.m * s.n);
  for (std::size_t i = 0; i < s.m; ++i)
    for (std::size_t j = 0; j < s.n; ++j) {
      std::int32_t acc = 0;
      for (std::size_t kk = 0; kk < s.k; ++kk) acc += a[i * lda + kk] * w[j * ldw + kk];
      c[i * s.n + j] = acc;
    }
  return c;
}
}  // namespace

TEST_CASE("kernels: u8 x s8 -> s32 GEMM is exact for ragged shapes on every target", "[kernels][gemm]") {
  std::mt19937 rng(42);
  lb::ThreadPool pool(2);
  for (Case s : {Case{1, 1, 1}, Case{3, 17, 5}, Case{7, 64, 4}, Case{6, 65, 255}, Case{17, 130, 257},
                 Case{13, 3, 1000}, Case{1, 255, 3}, Case{64, 200, 64}}) {
    const std::size_t lda = s.k + 3, ldw = s.k + 1, ldc = s.n + 2;  // strides, odd offsets
    std::vector<std::uint8_t> a(s.m * lda + 1);
    std::vector<std::int8_t> w(s.n * ldw);
    for (auto& v : a) v = static_cast<std::uint8_t>(rng());
    for (auto& v : w) v = static_cast<std::int8_t>(rng());
    // extremes: 255 x -128 everywhere in the first row/column, the worst case for saturation
    for (std::size_t kk = 0; kk < s.k; ++kk) a[kk] = 255, w[kk] = -128;
    const auto want = naive(a, lda, w, ldw, s);
    const lb::kernels::PackedI8 packed(w.data(), s.n, s.k, ldw);
    for_each_target([&] {
      for (int threads : {1, 2}) {
        std::vector<std::int32_t> c(s.m * ldc, -7);
        const auto* a_unaligned = a.data();  // rows start at odd offsets through lda
        lb::kernels::gemm_u8s8s32(a_unaligned, s.m, lda, packed, c.data(), ldc,
                                  threads == 1 ? lb::Executor{} : pool.executor());
        INFO("m " << s.m << " n " << s.n << " k " << s.k << " threads " << threads);
        for (std::size_t i = 0; i < s.m; ++i) {
          for (std::size_t j = 0; j < s.n; ++j) REQUIRE(c[i * ldc + j] == want[i * s.n + j]);
          for (std::size_t j = s.n; j < ldc; ++j) REQUIRE(c[i * ldc + j] == -7);  // padding untouched
        }
      }
    });
  }
}

TEST_CASE("kernels: PackedI8 column sums and argument errors", "[kernels][gemm]") {
  const std::vector<std::int8_t> w = {1, -2, 3, 4, 5, -6};
  const lb::kernels::PackedI8 p(w.data(), 2, 3);
  REQUIRE(p.col_sums()[0] == 2);
  REQUIRE(p.col_sums()[1] == 3);
  std::vector<std::uint8_t> a(6);
  std::vector<std::int32_t> c(4);
  REQUIRE_THROWS_AS(lb::kernels::gemm_u8s8s32(a.data(), 2, 2, p, c.data()), lb::argument_error);  // lda < k
  REQUIRE_THROWS_AS(lb::kernels::PackedI8(w.data(), 2, 3, 2), lb::argument_error);
}

// ---- 4-bit weights: PackedQ4, W4A8 and weight-only GEMM ----
namespace {
lb::BlockMatrix<lb::gguf::Q4_0> random_q4(std::size_t n, std::size_t k, std::mt19937& rng) {
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> w(n * k);
  for (auto& v : w) v = nd(rng);
  if (n * k != 0) w[0] = 40.0f;                           // an outlier block
  for (std::size_t c = 0; c < std::min<std::size_t>(k, 32) && n > 1; ++c) w[k + c] = 0.0f;  // an all-zero block
  return lb::gguf::Scheme<lb::gguf::Q4_0>::quantize(lb::make_view(w.data(), n, k));
}
}  // namespace

TEST_CASE("kernels: PackedQ4 repacks Q4_0 losslessly and rejects ragged k", "[kernels][gemm][q4]") {
  std::mt19937 rng(7);
  for (auto [n, k] : {std::pair<std::size_t, std::size_t>{1, 32}, {3, 96}, {65, 64}, {130, 32}}) {
    const auto w = random_q4(n, k, rng);
    const lb::kernels::PackedQ4 p(w);
    REQUIRE(p.groups() == (n + 63) / 64);
    const auto back = p.to_q4_0();
    REQUIRE(std::equal(back.as_bytes().begin(), back.as_bytes().end(), w.as_bytes().begin(), w.as_bytes().end()));
  }
  std::vector<float> w(2 * 33, 1.0f);
  REQUIRE_THROWS_AS(lb::kernels::PackedQ4(lb::make_view<const float>(w.data(), 2, 33)), lb::argument_error);
}

TEST_CASE("kernels: W4A8 and weight-only Q4 GEMM match the reference on every target", "[kernels][gemm][q4]") {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  lb::ThreadPool pool(2);
  struct S {
    std::size_t m, n, k;
  };
  for (S s : {S{1, 1, 32}, S{1, 255, 1024}, S{3, 17, 96}, S{5, 64, 32}, S{17, 65, 320}, S{7, 130, 0}, S{6, 3, 64}}) {
    const auto w = random_q4(s.n, s.k, rng);
    const lb::kernels::PackedQ4 packed(w);
    const std::size_t ldx = s.k + 3, ldy = s.n + 2, nb = s.k / 32;
    std::vector<float> x(s.m * ldx + 1);
    for (auto& v : x) v = nd(rng);
    // The oracles: ggml's reference Q4_0 x Q8_0 dot per output (integer path), and the double
    // dot of the dequantized weights (weight-only path), each with its rounding bound.
    std::vector<lb::gguf::Q8_0> xq(s.m * nb);
    for (std::size_t i = 0; i < s.m; ++i)
      for (std::size_t b = 0; b < nb; ++b) lb::gguf::Q8_0::quantize(x.data() + i * ldx + 32 * b, xq[i * nb + b]);
    std::vector<float> wd(s.n * s.k);
    if (s.k != 0) w.dequantize(lb::make_view(wd.data(), s.n, s.k));
    std::vector<double> want_a8(s.m * s.n), bound_a8(s.m * s.n), want_f32(s.m * s.n), bound_f32(s.m * s.n);
    for (std::size_t i = 0; i < s.m; ++i)
      for (std::size_t j = 0; j < s.n; ++j) {
        const auto* wr = w.row(j).data();
        const auto* xr = xq.data() + i * nb;
        want_a8[i * s.n + j] = lb::gguf::vec_dot(wr, xr, nb);
        for (std::size_t b = 0; b < nb; ++b)
          bound_a8[i * s.n + j] += std::fabs(lb::gguf::block_dot(wr[b], xr[b]) * lb::gguf::from_f16(wr[b].d) *
                                             lb::gguf::from_f16(xr[b].d));
        for (std::size_t t = 0; t < s.k; ++t) {
          const double p = static_cast<double>(x[i * ldx + t]) * wd[j * s.k + t];
          want_f32[i * s.n + j] += p;
          bound_f32[i * s.n + j] += std::fabs(p);
        }
      }
    const double eps = std::ldexp(1.0, -24);
    for_each_target([&] {
      for (int threads : {1, 2}) {
        const lb::Executor ex = threads == 1 ? lb::Executor{} : pool.executor();
        std::vector<float> y_a8(s.m * ldy, -7.0f), y_f32(s.m * ldy, -7.0f);
        lb::kernels::gemm_q4_a8(x.data(), s.m, ldx, packed, y_a8.data(), ldy, ex);
        lb::kernels::gemm_q4_f32(x.data(), s.m, ldx, packed, y_f32.data(), ldy, ex);
        INFO("m " << s.m << " n " << s.n << " k " << s.k << " threads " << threads);
        for (std::size_t i = 0; i < s.m; ++i) {
          for (std::size_t j = 0; j < s.n; ++j) {
            const std::size_t o = i * s.n + j;
            // |error| <= (terms + 1) * 2^-24 * sum |terms| for any f32 summation order
            REQUIRE(std::fabs(y_a8[i * ldy + j] - want_a8[o]) <= (nb + 2) * eps * bound_a8[o] + 1e-30);
            REQUIRE(std::fabs(y_f32[i * ldy + j] - want_f32[o]) <= (s.k + 2) * eps * bound_f32[o] + 1e-30);
          }
          for (std::size_t j = s.n; j < ldy; ++j) REQUIRE((y_a8[i * ldy + j] == -7.0f && y_f32[i * ldy + j] == -7.0f));
        }
      }
    });
  }
}

TEST_CASE("kernels: Q4 GEMM argument errors leave the output untouched", "[kernels][gemm][q4]") {
  std::mt19937 rng(3);
  const lb::kernels::PackedQ4 p(random_q4(4, 64, rng));
  std::vector<float> x(2 * 64, 1.0f), y(8, -1.0f);
  x[64 + 5] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_WITH(lb::kernels::gemm_q4_a8(x.data(), 2, 0, p, y.data()), Catch::Contains("(1, 5) is not finite"));
  REQUIRE_THROWS_AS(lb::kernels::gemm_q4_f32(x.data(), 2, 0, p, y.data()), lb::argument_error);
  REQUIRE_THROWS_AS(lb::kernels::gemm_q4_f32(x.data(), 1, 32, p, y.data()), lb::argument_error);  // ldx < k
  REQUIRE(std::all_of(y.begin(), y.end(), [](float v) { return v == -1.0f; }));
}

// ---- binary x binary (XNOR-popcount) ----
TEST_CASE("kernels: binary GEMM equals the +-1 dot product on every target", "[kernels][gemm][b1]") {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  lb::ThreadPool pool(2);
  for (Case s : {Case{1, 1, 1}, Case{3, 17, 63}, Case{7, 32, 64}, Case{6, 33, 65}, Case{17, 130, 255},
                 Case{13, 3, 1000}, Case{1, 255, 3}, Case{64, 100, 128}, Case{2, 5, 0}}) {
    const std::size_t lda = s.k + 3, ldw = s.k + 1, ldc = s.n + 2;
    std::vector<float> a(s.m * lda + 1), w(s.n * ldw);
    for (auto& v : a) v = nd(rng);
    for (auto& v : w) v = nd(rng);
    if (s.k > 0) a[0] = 0.0f, w[0] = -0.0f;  // sign(0) = +1, also for -0
    const auto sgn = [](float v) { return v >= 0.0f ? 1 : -1; };
    std::vector<std::int32_t> want(s.m * s.n);
    for (std::size_t i = 0; i < s.m; ++i)
      for (std::size_t j = 0; j < s.n; ++j)
        for (std::size_t kk = 0; kk < s.k; ++kk) want[i * s.n + j] += sgn(a[i * lda + kk]) * sgn(w[j * ldw + kk]);
    const lb::kernels::SignBits bits(a.data(), s.m, s.k, lda);
    const lb::kernels::PackedB1 packed(w.data(), s.n, s.k, ldw);
    for_each_target([&] {
      for (int threads : {1, 2}) {
        std::vector<std::int32_t> c(s.m * ldc, -7);
        lb::kernels::gemm_b1(bits, packed, c.data(), ldc, threads == 1 ? lb::Executor{} : pool.executor());
        INFO("m " << s.m << " n " << s.n << " k " << s.k << " threads " << threads);
        for (std::size_t i = 0; i < s.m; ++i) {
          for (std::size_t j = 0; j < s.n; ++j) REQUIRE(c[i * ldc + j] == want[i * s.n + j]);
          for (std::size_t j = s.n; j < ldc; ++j) REQUIRE(c[i * ldc + j] == -7);
        }
      }
    });
  }
}

TEST_CASE("kernels: binary GEMM argument errors", "[kernels][gemm][b1]") {
  std::vector<float> x(4 * 8, 1.0f);
  x[9] = std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_WITH(lb::kernels::SignBits(x.data(), 4, 8), Catch::Contains("(1, 1) is not finite"));
  x[9] = 1.0f;
  const lb::kernels::SignBits a(x.data(), 4, 8);
  REQUIRE(a.bit(0, 0));
  const lb::kernels::PackedB1 w(x.data(), 2, 7, 8);
  std::vector<std::int32_t> c(8);
  REQUIRE_THROWS_AS(lb::kernels::gemm_b1(a, w, c.data()), lb::argument_error);  // 8 vs 7 deep
  REQUIRE_THROWS_AS(lb::kernels::SignBits(x.data(), 4, 8, 7), lb::argument_error);
}

// ---- the gemmlowp output stage ----
namespace {
// TFLite's MultiplyByQuantizedMultiplier, written out independently of lowbit's fixedpoint.
std::int32_t tflite_mbqm(std::int32_t x, std::int32_t mult, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const std::int64_t xs = std::clamp<std::int64_t>(std::int64_t{x} * (std::int64_t{1} << left), INT32_MIN, INT32_MAX);
  std::int32_t h;
  if (xs == INT32_MIN && mult == INT32_MIN) h = INT32_MAX;
  else {
    const std::int64_t ab = xs * mult, nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    h = static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));
  }
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << right) - 1);
  const std::int32_t rem = h & mask, thr = (mask >> 1) + (h < 0 ? 1 : 0);
  return (h >> right) + (rem > thr ? 1 : 0);
}
}  // namespace

TEST_CASE("kernels: int8 GEMM with the gemmlowp output stage matches TFLite's arithmetic", "[kernels][gemm][requant]") {
  std::mt19937 rng(9);
  lb::ThreadPool pool(2);
  for (Case s : {Case{1, 1, 1}, Case{5, 70, 33}, Case{17, 130, 257}, Case{3, 64, 0}}) {
    std::vector<std::uint8_t> a(s.m * s.k);
    std::vector<std::int8_t> w(s.n * s.k);
    for (auto& v : a) v = static_cast<std::uint8_t>(rng());
    for (auto& v : w) v = static_cast<std::int8_t>(rng());
    const lb::kernels::PackedI8 packed(w.data(), s.n, s.k);
    const auto acc = naive(a, s.k, w, s.k, s);
    std::vector<lb::Dyadic> mults;
    std::vector<std::int32_t> bias;
    for (std::size_t j = 0; j < s.n; ++j) {
      mults.push_back(lb::Dyadic::from_real(std::ldexp(0.5 + 0.5 * (rng() % 1000) / 1000.0, -8 - int(rng() % 8))));
      bias.push_back(static_cast<std::int32_t>(rng() % 20001) - 10000);
    }
    mults[0] = lb::Dyadic::from_real(3.0);  // a left shift
    for (bool per_channel : {false, true}) {
      lb::kernels::OutputStage stage;
      stage.multipliers = per_channel ? std::span<const lb::Dyadic>(mults) : std::span<const lb::Dyadic>(mults.data(), 1);
      stage.bias = bias;
      stage.input_zero_point = 128;
      stage.output_zero_point = -5;
      stage.min = -100;
      stage.max = 120;
      const std::size_t ldo = s.n + 1;
      for_each_target([&] {
        for (int threads : {1, 2}) {
          std::vector<std::int8_t> out(s.m * ldo, 77);
          lb::kernels::gemm_u8s8_requant(a.data(), s.m, 0, packed, stage, out.data(), ldo,
                                         threads == 1 ? lb::Executor{} : pool.executor());
          for (std::size_t i = 0; i < s.m; ++i) {
            for (std::size_t j = 0; j < s.n; ++j) {
              const lb::Dyadic& d = mults[per_channel ? j : 0];
              const std::int32_t v = acc[i * s.n + j] - 128 * packed.col_sums()[j] + bias[j];
              const std::int32_t want = std::clamp(tflite_mbqm(v, d.multiplier, d.shift) - 5, -100, 120);
              INFO("m " << s.m << " n " << s.n << " k " << s.k << " (" << i << ", " << j << ")");
              REQUIRE(out[i * ldo + j] == want);
            }
            REQUIRE(out[i * ldo + s.n] == 77);
          }
        }
      });
    }
  }
  // a hand value: acc 1000, zero points 0, M = 0.25 -> 250; clamp at 127
  const std::vector<std::int8_t> w1 = {10};
  const std::vector<std::uint8_t> a1 = {100};
  const lb::kernels::PackedI8 p1(w1.data(), 1, 1);
  const lb::Dyadic quarter = lb::Dyadic::from_real(0.25), tenth = lb::Dyadic::from_real(0.1);
  lb::kernels::OutputStage st;
  st.multipliers = std::span<const lb::Dyadic>(&quarter, 1);
  std::int8_t o = 0;
  lb::kernels::gemm_u8s8_requant(a1.data(), 1, 0, p1, st, &o);
  REQUIRE(o == 127);
  st.multipliers = std::span<const lb::Dyadic>(&tenth, 1);
  lb::kernels::gemm_u8s8_requant(a1.data(), 1, 0, p1, st, &o);
  REQUIRE(o == 100);
  st.max = 200;
  REQUIRE_THROWS_AS(lb::kernels::gemm_u8s8_requant(a1.data(), 1, 0, p1, st, &o), lb::argument_error);
  st.max = 127;
  st.multipliers = {};
  REQUIRE_THROWS_AS(lb::kernels::gemm_u8s8_requant(a1.data(), 1, 0, p1, st, &o), lb::argument_error);
}
