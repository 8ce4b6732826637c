// lowbit: the int8 GEMM micro-kernel and its blocked driver: C(s32) = A(u8, m x k, row-major)
// times B(s8, k x n) from weights packed by pack_i8 (kernels/gemm_i8.hpp).
//
// Packed B: groups of 64 output columns; inside a group, for each 4-deep k step, 64 columns x 4
// bytes (k-minor), i.e. 256 bytes = four AVX-512 vectors in which lane j holds column j's four
// consecutive k bytes: exactly vpdpbusd's operand shape. K is zero-padded to a multiple of 4
// and N to a multiple of 64, so the kernel never branches on edges inside its loop.

#if defined(LOWBIT_KERNELS_GEMM_I8_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GEMM_I8_INL_H_
#undef LOWBIT_KERNELS_GEMM_I8_INL_H_
#else
#define LOWBIT_KERNELS_GEMM_I8_INL_H_
#endif

#include <algorithm>
#include <cstring>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/gemm_i8_scalar.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// One 4-deep k step of an MR x 4-vector tile: acc[i][v] += A row i's 4 bytes at rows[i] + off
/// (broadcast) times the 4 B vectors at bk.
template <size_t MR, class D32, class V>
LOWBIT_VNNI_ATTR HWY_INLINE void StepI8(D32 d32, V (&acc)[MR][4], const uint8_t* const (&rows)[MR], size_t off,
                                        const int8_t* HWY_RESTRICT bk) {
  const hn::Repartition<uint8_t, D32> du8;
  const hn::Repartition<int8_t, D32> d8;
  const size_t L = hn::Lanes(d32);
  const auto b0 = hn::LoadU(d8, bk), b1 = hn::LoadU(d8, bk + 4 * L), b2 = hn::LoadU(d8, bk + 8 * L),
             b3 = hn::LoadU(d8, bk + 12 * L);
#pragma GCC unroll 8
  for (size_t i = 0; i < MR; ++i) {
    int32_t w;
    std::memcpy(&w, rows[i] + off, 4);
    const auto av = hn::BitCast(du8, hn::Set(d32, w));
    acc[i][0] = DotBytes(d32, acc[i][0], av, b0);
    acc[i][1] = DotBytes(d32, acc[i][1], av, b1);
    acc[i][2] = DotBytes(d32, acc[i][2], av, b2);
    acc[i][3] = DotBytes(d32, acc[i][3], av, b3);
  }
}

/// An MR x (4 vectors) tile of C += A[rows, k4 steps] * B; `tail` bytes (1..3) of a last partial k
/// step are read through a zero-padded copy, so A is never read past its row.
template <size_t MR>
LOWBIT_VNNI_ATTR HWY_INLINE void TileI8(const uint8_t* HWY_RESTRICT a, size_t lda, const int8_t* HWY_RESTRICT b,
                                        size_t k4, size_t tail, int32_t* HWY_RESTRICT c, size_t ldc, bool accumulate) {
  const hn::ScalableTag<int32_t> d32;
  const size_t L = hn::Lanes(d32);
  hn::Vec<decltype(d32)> acc[MR][4];
  const uint8_t* rows[MR];
#pragma GCC unroll 8
  for (size_t i = 0; i < MR; ++i) {
    rows[i] = a + i * lda;
    for (size_t v = 0; v < 4; ++v) acc[i][v] = accumulate ? hn::LoadU(d32, c + i * ldc + v * L) : hn::Zero(d32);
  }
  for (size_t kk = 0; kk < k4; ++kk) StepI8(d32, acc, rows, 4 * kk, b + kk * 256);
  if (tail != 0) {
    uint8_t pad[MR][4] = {};
    const uint8_t* pad_rows[MR];
    for (size_t i = 0; i < MR; ++i) {
      std::memcpy(pad[i], a + i * lda + 4 * k4, tail);
      pad_rows[i] = pad[i];
    }
    StepI8(d32, acc, pad_rows, 0, b + k4 * 256);
  }
#pragma GCC unroll 8
  for (size_t i = 0; i < MR; ++i)
    for (size_t v = 0; v < 4; ++v) hn::StoreU(acc[i][v], d32, c + i * ldc + v * L);
}

template <size_t MR>
LOWBIT_VNNI_ATTR HWY_INLINE void TileI8Rows(size_t rows, const uint8_t* a, size_t lda, const int8_t* b, size_t k4,
                                            size_t tail, int32_t* c, size_t ldc, bool accumulate) {
  if constexpr (MR > 1) {
    if (rows < MR) return TileI8Rows<MR - 1>(rows, a, lda, b, k4, tail, c, ldc, accumulate);
  }
  TileI8<MR>(a, lda, b, k4, tail, c, ldc, accumulate);
}
#endif

/// C[m x 64] (columns of group g, ldc) = A * B for one 64-column group; the unit of parallel work.
/// kc: the k block (a multiple of 4) that keeps the group's B block in L1.
LOWBIT_VNNI_ATTR inline void GemmI8Group(const uint8_t* HWY_RESTRICT a, size_t m, size_t k, size_t lda,
                                         const int8_t* HWY_RESTRICT group, int32_t* HWY_RESTRICT c, size_t ldc,
                                         size_t cols) {
#if HWY_TARGET == HWY_SCALAR
  detail::gemm_i8_group_scalar(a, m, k, lda, group, c, ldc, cols);
#else
  const hn::ScalableTag<int32_t> d32;
  const size_t L = hn::Lanes(d32);
  constexpr size_t kMR = HWY_TARGET <= HWY_AVX3 ? 6 : 2;  // accumulators: 24 of 32 zmm; 8 of 16 ymm
  constexpr size_t kKC = 256;
  const size_t sub_cols = 4 * L;  // columns per tile
  alignas(64) int32_t edge[kMR * 64];
  for (size_t k0 = 0; k0 < k; k0 += kKC) {
    const size_t kb = std::min(kKC, k - k0);
    const int8_t* bk = group + (k0 / 4) * 256;
    for (size_t s = 0; s < 64; s += sub_cols) {
      const bool partial = s + sub_cols > cols;
      if (s >= cols) break;
      for (size_t i = 0; i < m; i += kMR) {
        const size_t rows = std::min(kMR, m - i);
        int32_t* ct = c + i * ldc + s;
        size_t ldt = ldc;
        if (partial) {  // the last group's columns past n: compute in a scratch tile
          for (size_t r = 0; r < rows; ++r)
            for (size_t j = 0; j < sub_cols; ++j) edge[r * 64 + j] = s + j < cols && k0 != 0 ? ct[r * ldc + j] : 0;
          ct = edge;
          ldt = 64;
        }
        TileI8Rows<kMR>(rows, a + i * lda + k0, lda, bk + s * 4, kb / 4, kb % 4, ct, ldt, k0 != 0);
        if (partial)
          for (size_t r = 0; r < rows; ++r)
            for (size_t j = 0; s + j < cols && j < sub_cols; ++j) c[(i + r) * ldc + s + j] = edge[r * 64 + j];
      }
    }
  }
#endif
}

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
