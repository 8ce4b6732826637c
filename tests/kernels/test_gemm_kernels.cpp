// Integer GEMM against a naive int32 loop: ragged m/n/k, strides, every target, any thread count.
#include <random>
#include <vector>

#include "kernels/targets.hpp"
#include "lowbit/kernels/gemm_i8.hpp"

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
