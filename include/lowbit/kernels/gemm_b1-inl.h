// lowbit: the binary (XNOR-popcount) GEMM micro-kernel: C(s32) = A . W^T for +-1 matrices stored
// as sign bits (1 = +1), dot = k - 2 * popcount(a XOR w). Panels (kernels/gemm_b1.hpp): groups of
// 32 columns; per 64-deep word, the 32 columns' u64 words (256 bytes): one AVX-512 vector holds 8
// columns, so each tile step is XOR + VPOPCNTQ + add per vector and row.

#if defined(LOWBIT_KERNELS_GEMM_B1_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_B1_INL_H_
#undef LOWBIT_KERNELS_GEMM_B1_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_B1_INL_H_
#endif

#include <algorithm>
#include <bit>
#include <cstdint>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// Rows [0, MR) of a (lda words) x columns [col, col + NV * Lanes) of the group, full depth.
template <size_t MR, size_t NV>
HWY_INLINE void TileB1(const uint64_t* HWY_RESTRICT a, size_t lda, size_t words, size_t k,
                       const uint64_t* HWY_RESTRICT group, size_t col, size_t ncols, int32_t* HWY_RESTRICT c,
                       size_t ldc) {
  const hn::ScalableTag<uint64_t> d64;
  const hn::Rebind<uint32_t, decltype(d64)> du32;
  const hn::Rebind<int32_t, decltype(d64)> d32;
  const size_t L = hn::Lanes(d64);
  hn::Vec<decltype(d64)> pop[MR][NV];
  for (size_t i = 0; i < MR; ++i)
    for (size_t v = 0; v < NV; ++v) pop[i][v] = hn::Zero(d64);
  for (size_t t = 0; t < words; ++t) {
    hn::Vec<decltype(d64)> w[NV];
    for (size_t v = 0; v < NV; ++v) w[v] = hn::LoadU(d64, group + t * 32 + col + v * L);
#pragma GCC unroll 8
    for (size_t i = 0; i < MR; ++i) {
      const auto ai = hn::Set(d64, a[i * lda + t]);
      for (size_t v = 0; v < NV; ++v) pop[i][v] = hn::Add(pop[i][v], hn::PopulationCount(hn::Xor(ai, w[v])));
    }
  }
  const auto kv = hn::Set(d32, static_cast<int32_t>(k));
  hn::Vec<decltype(d32)> dot[MR][NV];
  for (size_t i = 0; i < MR; ++i)
    for (size_t v = 0; v < NV; ++v) {
      const auto p = hn::BitCast(d32, hn::TruncateTo(du32, pop[i][v]));
      dot[i][v] = hn::Sub(kv, hn::Add(p, p));
    }
  StoreTile(d32, dot, c, ldc, ncols);
}
#endif

/// C[m x cols] (ldc) = the +-1 dot products of a's rows (words u64 per row, lda) with the
/// group's columns; k bits deep (bits past k are zero in both operands).
inline void GemmB1Group(const uint64_t* HWY_RESTRICT a, size_t m, size_t lda, size_t words, size_t k,
                        const uint64_t* HWY_RESTRICT group, int32_t* HWY_RESTRICT c, size_t ldc, size_t cols) {
#if HWY_TARGET == HWY_SCALAR
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < cols; ++j) {
      int32_t pop = 0;
      for (size_t t = 0; t < words; ++t) pop += std::popcount(a[i * lda + t] ^ group[t * 32 + j]);
      c[i * ldc + j] = static_cast<int32_t>(k) - 2 * pop;
    }
#else
  const size_t L = hn::Lanes(hn::ScalableTag<uint64_t>());
  constexpr size_t kMR = HWY_TARGET <= HWY_AVX3 ? 6 : 3, kNV = 4;  // MR * NV counters + NV words live
  for (size_t col = 0; col < cols; col += kNV * L)
    for (size_t i = 0; i < m; i += kMR)
      ForRows<kMR>(m - i, [&](auto rows) {
        TileB1<decltype(rows)::value, kNV>(a + i * lda, lda, words, k, group, col, cols - col, c + i * ldc + col, ldc);
      });
#endif
}

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
