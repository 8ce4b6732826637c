// Integer GEMM against a naive int32 loop: ragged m/n/k, strides, every target, any thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/targets.hpp"
#include "lowbit/reference/quantize.hpp"
#include "test_util.hpp"
#include "lowbit/kernels/gemm_b1.hpp"
#include "lowbit/kernels/gemm_i8.hpp"
#include "lowbit/kernels/gemm_panels.hpp"
#include "lowbit/kernels/gemm_q4.hpp"
#include "lowbit/kernels/output_stage.hpp"

namespace lb = lowbit;
using lowbit_test::for_each_target;
using lowbit_test::for_each_target_and_amx;

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
                 Case{13, 3, 1000}, Case{1, 255, 3}, Case{64, 200, 64}, Case{16, 64, 64}, Case{40, 70, 1000},
                 Case{33, 17, 129}, Case{35, 1000, 70},  // AMX: 4 tasks of 4 groups (the last ragged)
                 Case{300, 130, 70}}) {                            // AMX: 3 row tasks x 2 of the 3 groups
    const std::size_t lda = s.k + 3, ldw = s.k + 1, ldc = s.n + 2;  // strides, odd offsets
    std::vector<std::uint8_t> a(s.m * lda + 1);
    std::vector<std::int8_t> w(s.n * ldw);
    for (auto& v : a) v = static_cast<std::uint8_t>(rng());
    for (auto& v : w) v = static_cast<std::int8_t>(rng());
    // extremes: 255 x -128 everywhere in the first row/column, the worst case for saturation
    for (std::size_t kk = 0; kk < s.k; ++kk) a[kk] = 255, w[kk] = -128;
    const auto want = naive(a, lda, w, ldw, s);
    const lb::kernels::PackedI8 packed(w.data(), s.n, s.k, ldw);
    for_each_target_and_amx([&] {
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
/// The AMX tile kernel (kernels/gemm_panels_amx.hpp) sums the same block terms in the same
/// order as the vpdpbusd kernels: their outputs are equal bit for bit.
template <class Panels>
void require_amx_matches_vnni(const Panels& w, const std::vector<float>& x, std::size_t m, std::size_t ldx,
                              std::size_t ldy) {
  if (!lb::kernels::amx_active() || m < 16) return;
  const auto product = [&](bool amx) {
    std::vector<float> y(m * ldy, -7.0f);
    lb::kernels::set_amx_enabled(amx);
    if constexpr (std::is_same_v<Panels, lb::kernels::PackedQ4>) lb::kernels::gemm_q4_a8(x.data(), m, ldx, w, y.data(), ldy);
    else lb::kernels::gemm_a8(x.data(), m, ldx, w, y.data(), ldy);
    return y;
  };
  const std::vector<float> vnni = product(false), amx = product(true);
  REQUIRE(std::memcmp(vnni.data(), amx.data(), amx.size() * sizeof(float)) == 0);
}

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
  // 100 x 8192: several row passes (detail::for_row_passes: 80 rows for W4A8, 24 for weight-only,
  // 32 for weight-only on AMX tiles)
  for (S s : {S{1, 1, 32}, S{1, 255, 1024}, S{3, 17, 96}, S{5, 64, 32}, S{17, 65, 320}, S{7, 130, 0}, S{6, 3, 64},
              S{100, 70, 8192}}) {
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
    for_each_target_and_amx([&] {
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
        if (s.m > 1 && !lb::kernels::detail::panels_f32_amx(packed, s.m)) {  // a row alone (GEMV): GEMM's bits
          std::vector<float> row(s.n);
          lb::kernels::gemm_q4_f32(x.data() + (s.m - 1) * ldx, 1, ldx, packed, row.data(), 0, ex);
          for (std::size_t j = 0; j < s.n; ++j) REQUIRE(row[j] == y_f32[(s.m - 1) * ldy + j]);
        }
      }
    });
    require_amx_matches_vnni(packed, x, s.m, ldx, ldy);
  }
}

TEST_CASE("kernels: weight-only Q4 GEMM rounds a lone product once, on every path", "[kernels][gemm][q4]") {
  // x = +-(1 + 2^-8 + 2^-23) needs all 24 bits: on AMX tiles, its three bf16 parts (1, 2^-8,
  // 2^-23) must all reach the sum. Scale 1, so y = fl(x * (q - 8)) on every path.
  const std::size_t m = 19, n = 70, k = 64;
  std::mt19937 rng(5);
  lb::BlockMatrix<lb::gguf::Q4_0> w(n, k);
  std::vector<std::uint8_t> q(n * k);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t b = 0; b < k / 32; ++b) {
      for (std::size_t t = 0; t < 32; ++t) q[j * k + 32 * b + t] = static_cast<std::uint8_t>(rng() % 16);
      lb::gguf::detail::pack_nibbles(q.data() + j * k + 32 * b, w.row(j)[b].qs);
      w.row(j)[b].d = lb::gguf::to_f16(1.0f);
    }
  const lb::kernels::PackedQ4 packed(w);
  const float v = 1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -23);
  std::vector<float> x(m * k, 0.0f);
  for (std::size_t i = 0; i < m; ++i) x[i * k + (i * 7) % k] = i % 2 == 0 ? v : -v;
  for_each_target_and_amx([&] {
    std::vector<float> y(m * n, -7.0f);
    lb::kernels::gemm_q4_f32(x.data(), m, k, packed, y.data());
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        const std::size_t t = (i * 7) % k;
        REQUIRE(y[i * n + j] == x[i * k + t] * static_cast<float>(static_cast<int>(q[j * k + t]) - 8));
      }
  });
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
// ---- every PackedMatrix composition: PackedPanels, weight-only and integer GEMM ----
namespace {
/// gemm_f32 against the double dot of ref::dequantize's weights, and (integer-valued formats)
/// gemm_a8 against the exact per-block sums of those weights times Q8_0-quantized activations;
/// each within its rounding bound. Also: the panels decode to ref::dequantize's floats.
lowbit_test::Mat panel_weights(std::size_t n, std::size_t k) {
  auto w = lowbit_test::normal_matrix(n, k, static_cast<std::uint32_t>(n * 131 + k));
  if (n * k > 40) w.v[40 % (n * k)] = 9.0f;  // an outlier
  for (std::size_t c = 0; c < std::min<std::size_t>(k, 64) && n > 2; ++c) w(2, c) = 0.0f;  // all-zero groups
  return w;
}

/// The panels against wd, the weights they hold (n x k, times their tensor scale).
template <class Q, class G>
void check_panel_products(const lb::kernels::PackedPanels<Q, G>& panels, const lowbit_test::Mat& wd, std::size_t m,
                          lb::ThreadPool& pool) {
  const std::size_t n = wd.rows, k = wd.cols;
  const float ts = panels.tensor_scale();
  INFO(Q::name() << " / " << G::name() << " m " << m << " n " << n << " k " << k << " tensor scale " << ts);
  for (std::size_t j = 0; j < n; ++j)  // the panels hold exactly the weights
    for (std::size_t c = 0; c < k; ++c) {
      const auto g = panels.group(j / 64);
      const std::size_t b = c / 32, col = j % 64;
      const float v = (g.ftable[lb::kernels::detail::panel_code(g.block(b), g.width, c % 32, col)] -
                       g.zero_point(b, col, c % 32)) *
                      g.scale(b, col, c % 32) * ts;
      REQUIRE(v == wd(j, c));  // equal values (8-bit panels keep the integer, so -0 reads as +0)
      const float want = wd(j, c);
      if (g.width <= 4) REQUIRE(std::memcmp(&v, &want, 4) == 0);
    }
  const std::size_t ldx = k + 1, ldy = n + 3, nb = (k + 31) / 32;
  auto x = lowbit_test::normal_matrix(m, ldx, static_cast<std::uint32_t>(m + 7 * k));
  std::vector<double> want_f32(m * n), bound_f32(m * n), want_a8(m * n), bound_a8(m * n);
  for (std::size_t i = 0; i < m; ++i) {
    std::vector<float> row(nb * 32, 0.0f);
    std::copy(x.v.begin() + static_cast<std::ptrdiff_t>(i * ldx), x.v.begin() + static_cast<std::ptrdiff_t>(i * ldx + k), row.begin());
    std::vector<lb::gguf::Q8_0> xq(nb);
    for (std::size_t b = 0; b < nb; ++b) lb::gguf::Q8_0::quantize(row.data() + 32 * b, xq[b]);
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t b = 0; b < nb; ++b) {
        double term = 0.0, size = 0.0;  // exact: weights times small integers
        for (std::size_t t = 32 * b; t < std::min(k, 32 * b + 32); ++t) {
          const double p = static_cast<double>(wd(j, t)) * xq[b].qs[t - 32 * b];
          term += p;
          size += std::fabs(p);  // the kernel multiplies the unrounded w / scale: wd's rounding counts per element
        }
        want_a8[i * n + j] += term * lb::gguf::from_f16(xq[b].d);
        bound_a8[i * n + j] += size * lb::gguf::from_f16(xq[b].d);
      }
      for (std::size_t t = 0; t < k; ++t) {
        const double p = static_cast<double>(x.v[i * ldx + t]) * wd(j, t);
        want_f32[i * n + j] += p;
        bound_f32[i * n + j] += std::fabs(p);
      }
    }
  }
  const double eps = std::ldexp(1.0, -24), extra = ts == 1.0f ? 0 : 2;  // the tensor scale: one rounding more
  for_each_target_and_amx([&] {
    for (int threads : {1, 2}) {
      const lb::Executor ex = threads == 1 ? lb::Executor{} : pool.executor();
      std::vector<float> y(m * ldy, -7.0f);
      lb::kernels::gemm_f32(x.v.data(), m, ldx, panels, y.data(), ldy, ex);
      for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t j = 0; j < n; ++j)
          REQUIRE(std::fabs(y[i * ldy + j] - want_f32[i * n + j]) <= (32 * nb + 2 + extra) * eps * bound_f32[i * n + j] + 1e-30);
        for (std::size_t j = n; j < ldy; ++j) REQUIRE(y[i * ldy + j] == -7.0f);
      }
      if (m > 1 && !lb::kernels::detail::panels_f32_amx(panels, m)) {  // a row alone (GEMV) is GEMM's, bit for bit
        std::vector<float> row(n);
        lb::kernels::gemm_f32(x.v.data() + (m - 1) * ldx, 1, ldx, panels, row.data(), 0, ex);
        for (std::size_t j = 0; j < n; ++j) REQUIRE(row[j] == y[(m - 1) * ldy + j]);
      }
      if constexpr (lb::kernels::PackedPanels<Q, G>::kInteger) {
        std::fill(y.begin(), y.end(), -7.0f);
        lb::kernels::gemm_a8(x.v.data(), m, ldx, panels, y.data(), ldy, ex);
        for (std::size_t i = 0; i < m; ++i) {
          for (std::size_t j = 0; j < n; ++j)
            REQUIRE(std::fabs(y[i * ldy + j] - want_a8[i * n + j]) <= (nb + 3 + extra) * eps * bound_a8[i * n + j] + 1e-30);
          for (std::size_t j = n; j < ldy; ++j) REQUIRE(y[i * ldy + j] == -7.0f);
        }
      }
    }
  });
  if constexpr (lb::kernels::PackedPanels<Q, G>::kInteger) require_amx_matches_vnni(panels, x.v, m, ldx, ldy);
}

template <class Q, class G>
void check_panels(std::size_t m, std::size_t n, std::size_t k, lb::ThreadPool& pool) {
  const auto qw = lb::ref::quantize<Q, G>(panel_weights(n, k).view());
  lowbit_test::Mat wd(n, k);
  lb::ref::dequantize(qw, wd.view());
  check_panel_products(lb::kernels::PackedPanels<Q, G>(qw), wd, m, pool);
}

/// Two-level NVFP4: the block-scaled panels and the tensor scale on the outputs.
void check_nvfp4_panels(std::size_t m, std::size_t n, std::size_t k, lb::ThreadPool& pool) {
  const auto qw = lb::NvFp4Matrix::quantize(panel_weights(n, k).view());
  lowbit_test::Mat wd(n, k);
  qw.dequantize(wd.view());
  check_panel_products(lb::kernels::PackedPanels<lb::NVFP4_1L::quantizer, lb::NVFP4_1L::granularity>(qw), wd, m, pool);
}
}  // namespace

TEST_CASE("kernels: PackedPanels GEMM (weight-only and integer) for every kind of composition on every target",
          "[kernels][gemm][panels]") {
  using F16 = lb::F16Scale;
  lb::ThreadPool pool(2);
  STATIC_REQUIRE(lb::kernels::PackedPanels<lb::TernaryAbsMean<>, lb::PerChannel>::kInteger);
  STATIC_REQUIRE(lb::kernels::PackedPanels<lb::PowerOfTwo<4>, lb::Blockwise<32>>::kInteger);
  STATIC_REQUIRE(lb::kernels::PackedPanels<lb::Fp4E2M1, lb::Blockwise<32>>::kInteger);
  STATIC_REQUIRE(lb::kernels::PackedPanels<lb::Fp6E2M3, lb::Blockwise<32>>::kInteger);
  STATIC_REQUIRE(!lb::kernels::PackedPanels<lb::Nf4, lb::Blockwise<64>>::kInteger);
  STATIC_REQUIRE(!lb::kernels::PackedPanels<lb::Fp8E4M3, lb::PerChannel>::kInteger);
  struct S {
    std::size_t m, n, k;
  };
  for (S s : {S{1, 70, 256}, S{5, 3, 96}, S{17, 65, 100}, S{4, 130, 64}}) {
    check_panels<lb::Int8Sym, lb::PerChannel>(s.m, s.n, s.k, pool);                     // 8-bit codes
    check_panels<lb::IntSym<4, lb::MinMax, F16>, lb::Blockwise<32>>(s.m, s.n, s.k, pool);  // 4-bit, looked up
    check_panels<lb::Int4Affine, lb::Blockwise<64>>(s.m, s.n, s.k, pool);               // zero points
    check_panels<lb::Int8Affine, lb::PerChannel>(s.m, s.n, s.k, pool);                  // code - zp up to 255
    check_panels<lb::Int3Sym, lb::SuperBlock<256, 32>>(s.m, s.n, s.k, pool);            // two-level scales
    check_panels<lb::Int2Sym, lb::Blockwise<32>>(s.m, s.n, s.k, pool);                  // 2-bit
    check_panels<lb::TernaryAbsMean<>, lb::PerChannel>(s.m, s.n, s.k, pool);
    check_panels<lb::TernaryAbsMean<F16>, lb::Blockwise<64>>(s.m, s.n, s.k, pool);
    check_panels<lb::BinaryAbsMean<>, lb::PerChannel>(s.m, s.n, s.k, pool);
    check_panels<lb::PowerOfTwo<4>, lb::Blockwise<32>>(s.m, s.n, s.k, pool);            // +-2^-k: unit 2^-6
    check_panels<lb::PowerOfTwo<3>, lb::PerTensor>(s.m, s.n, s.k, pool);
    check_panels<lb::Fp4E2M1, lb::Blockwise<32>>(s.m, s.n, s.k, pool);                  // unit 1/2
    check_panels<lb::Fp6E2M3, lb::Blockwise<32>>(s.m, s.n, s.k, pool);                  // 8-bit, unit 1/8
    check_panels<lb::Nf4, lb::Blockwise<64>>(s.m, s.n, s.k, pool);                      // weight-only
    check_panels<lb::Fp8E4M3, lb::PerChannel>(s.m, s.n, s.k, pool);                     // weight-only, gathered
    // 16-deep groups: two scale rows per 32-deep block
    check_panels<lb::NVFP4_1L::quantizer, lb::NVFP4_1L::granularity>(s.m, s.n, s.k, pool);  // E2M1, UE4M3 scales
    check_panels<lb::Int2Affine, lb::Blockwise<16>>(s.m, s.n, s.k, pool);                    // 2-bit, zero points
    check_panels<lb::Int8Sym, lb::Blockwise<16>>(s.m, s.n, s.k, pool);                       // 8-bit
    check_panels<lb::Int4Sym, lb::SuperBlock<256, 16>>(s.m, s.n, s.k, pool);
    check_panels<lb::Nf4, lb::Blockwise<16>>(s.m, s.n, s.k, pool);                           // weight-only
    check_nvfp4_panels(s.m, s.n, s.k / 16 * 16, pool);                                       // two-level NVFP4
  }
}

TEST_CASE("kernels: PackedPanels rejects groups it cannot scale per block, and GEMM argument errors", "[kernels][gemm][panels]") {
  const auto w = lowbit_test::normal_matrix(4, 64, 5);
  REQUIRE_THROWS_WITH((lb::kernels::PackedPanels<lb::Int4Sym, lb::Blockwise<8>>(lb::ref::quantize<lb::Int4Sym, lb::Blockwise<8>>(w.view()))),
                      Catch::Contains("groups of 8 columns"));
  REQUIRE_THROWS_AS((lb::kernels::PackedPanels<lb::Int4Sym, lb::Blockwise<48>>(lb::ref::quantize<lb::Int4Sym, lb::Blockwise<48>>(w.view()))),
                    lb::argument_error);
  REQUIRE_THROWS_AS((lb::kernels::PackedPanels<lb::Int4Sym, lb::PerCol>(lb::ref::quantize<lb::Int4Sym, lb::PerCol>(w.view()))),
                    lb::argument_error);
  const lb::kernels::PackedPanels<lb::Int4Sym, lb::PerChannel> p(lb::ref::quantize<lb::Int4Sym, lb::PerChannel>(w.view()));
  std::vector<float> x(2 * 64, 1.0f), y(8, -1.0f);
  x[64 + 5] = std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_WITH(lb::kernels::gemm_a8(x.data(), 2, 0, p, y.data()), Catch::Contains("(1, 5) is not finite"));
  REQUIRE_THROWS_AS(lb::kernels::gemm_f32(x.data(), 2, 0, p, y.data()), lb::argument_error);
  REQUIRE_THROWS_AS(lb::kernels::gemm_f32(x.data(), 1, 32, p, y.data()), lb::argument_error);  // ldx < k
  REQUIRE_THROWS_AS(lb::kernels::gemm_a8(x.data(), 1, 0, p, nullptr), lb::argument_error);
  REQUIRE(std::all_of(y.begin(), y.end(), [](float v) { return v == -1.0f; }));
  const lb::kernels::PackedPanels<lb::Int4Sym, lb::PerChannel> empty;
  lb::kernels::gemm_f32(x.data(), 2, 0, empty, y.data());  // n = k = 0: nothing to do
}

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
  for (Case s : {Case{1, 1, 1}, Case{5, 70, 33}, Case{17, 130, 257}, Case{3, 64, 0}, Case{40, 70, 100}, Case{20, 1, 0},
                 Case{150, 700, 100}}) {  // AMX: 2 row tasks x 2 column chunks, ragged
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
      for_each_target_and_amx([&] {
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

TEST_CASE("kernels: the SIMD output stage is bit-exact to TFLite at the int32 edges on every target",
          "[kernels][requant]") {
  // Accumulators and multipliers at the edges of the arithmetic: the saturating shift, the one
  // high-multiply overflow, round-half ties of both signs, wrapping zero-point sums.
  std::mt19937 rng(4);
  const std::vector<std::int32_t> edge = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -3, -2, -1, 0, 1, 2, 3,
                                          65535, 1 << 30, INT32_MAX - 1, INT32_MAX};
  const std::vector<std::int32_t> mult_edge = {INT32_MIN, -(1 << 30), -1, 0, 1, 1 << 30, (1 << 30) + 1, INT32_MAX};
  const std::size_t n = 131;  // two column groups and a tail
  for (int round = 0; round < 12; ++round) {
    std::vector<lb::Dyadic> mults(n);
    std::vector<std::int32_t> bias(n), col_sums(n), acc(3 * (n + 2));
    for (std::size_t j = 0; j < n; ++j) {
      mults[j].multiplier = rng() % 3 == 0 ? mult_edge[rng() % mult_edge.size()] : static_cast<std::int32_t>(rng());
      mults[j].shift = static_cast<int>(rng() % 63) - 31;
      bias[j] = rng() % 2 ? edge[rng() % edge.size()] : static_cast<std::int32_t>(rng() % 2001) - 1000;
      col_sums[j] = static_cast<std::int32_t>(rng() % 65536) - 32768;
    }
    for (auto& v : acc) v = rng() % 2 ? edge[rng() % edge.size()] : static_cast<std::int32_t>(rng()) >> (rng() % 31);
    lb::kernels::OutputStage stage;
    stage.multipliers = round % 3 == 0 ? std::span<const lb::Dyadic>(mults.data(), 1) : std::span<const lb::Dyadic>(mults);
    if (round % 2) stage.bias = bias;
    stage.input_zero_point = static_cast<std::int32_t>(rng() % 256);
    stage.output_zero_point = static_cast<std::int32_t>(rng() % 256) - 128;
    stage.min = -128 + static_cast<std::int32_t>(rng() % 50);
    stage.max = 127 - static_cast<std::int32_t>(rng() % 50);
    for_each_target([&] {
      std::vector<std::int8_t> out(3 * (n + 1), 77);
      lb::kernels::requantize(acc.data(), 3, n, n + 2, col_sums, stage, out.data(), n + 1);
      for (std::size_t i = 0; i < 3; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          const std::int32_t a = acc[i * (n + 2) + j];
          const lb::Dyadic& d = stage.multipliers[stage.multipliers.size() == 1 ? 0 : j];
          const auto v = static_cast<std::int32_t>(static_cast<std::uint32_t>(
              std::int64_t{a} - std::int64_t{stage.input_zero_point} * col_sums[j] + (round % 2 ? bias[j] : 0)));
          const std::int64_t want =
              std::clamp<std::int64_t>(std::int64_t{tflite_mbqm(v, d.multiplier, d.shift)} + stage.output_zero_point,
                                       stage.min, stage.max);
          INFO("round " << round << " (" << i << ", " << j << ") acc " << a << " mult " << d.multiplier << " shift "
                        << d.shift);
          REQUIRE(out[i * (n + 1) + j] == want);
          REQUIRE(out[i * (n + 1) + j] == stage.apply(a, col_sums[j], j));
        }
        REQUIRE(out[i * (n + 1) + n] == 77);
      }
    });
  }
  // errors: a shift TFLite cannot apply, short column sums, short strides; nothing written
  std::vector<std::int32_t> acc(4, 5), sums(4, 1);
  std::vector<std::int8_t> out(4, 9);
  lb::Dyadic big{1 << 30, 32};
  lb::kernels::OutputStage st;
  st.multipliers = std::span<const lb::Dyadic>(&big, 1);
  REQUIRE_THROWS_WITH(lb::kernels::requantize(acc.data(), 1, 4, 0, sums, st, out.data()),
                      Catch::Contains("outside [-31, 31]"));
  big.shift = -1;
  st.input_zero_point = 3;
  REQUIRE_THROWS_AS(lb::kernels::requantize(acc.data(), 1, 4, 0, {}, st, out.data()), lb::argument_error);
  REQUIRE_THROWS_AS(lb::kernels::requantize(acc.data(), 1, 4, 3, sums, st, out.data()), lb::argument_error);
  REQUIRE(out == std::vector<std::int8_t>(4, 9));
  st.input_zero_point = 0;
  lb::kernels::requantize(acc.data(), 1, 4, 0, {}, st, out.data());  // 5 * 0.25: 2.5 -> 3, then 1.5 -> 2
  REQUIRE(out == std::vector<std::int8_t>(4, 2));                     // (gemmlowp rounds twice)
  big.shift = 0;
  lb::kernels::requantize(acc.data(), 1, 4, 0, {}, st, out.data());  // 5 * 0.5 = 2.5 -> 3
  REQUIRE(out == std::vector<std::int8_t>(4, 3));
}
