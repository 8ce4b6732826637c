// lowbit: writing rows a vector at a time in aligned lines, and copying a finished row out with
// non-temporal stores (kernels/stream.hpp says when).

#if defined(LOWBIT_KERNELS_STREAM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_STREAM_INL_H_
#undef LOWBIT_KERNELS_STREAM_INL_H_
#else
#define LOWBIT_KERNELS_STREAM_INL_H_
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

/// dst[i] = src[i] for i < n: streaming stores from the first vector-aligned element of dst on,
/// plain ones for the head before it and the tail; then a store fence.
inline void StreamFloats(const float* HWY_RESTRICT src, float* HWY_RESTRICT dst, size_t n) {
#if HWY_TARGET == HWY_SCALAR
  std::memcpy(dst, src, n * sizeof(float));
#else
  const hn::ScalableTag<float> df;
  const size_t N = hn::Lanes(df), align = N * sizeof(float);
  const size_t misalign = reinterpret_cast<uintptr_t>(dst) % align;
  // a dst that no whole number of floats brings to alignment is copied plainly
  size_t i = misalign % sizeof(float) != 0 ? n : misalign == 0 ? 0 : std::min(n, (align - misalign) / sizeof(float));
  std::memcpy(dst, src, i * sizeof(float));
  for (; i + N <= n; i += N) hn::Stream(hn::LoadU(df, src + i), df, dst + i);
  std::memcpy(dst + i, src + i, (n - i) * sizeof(float));
  hwy::FlushStream();
#endif
}

/// Whether RowWriter streams on this target (elsewhere, RowSink's buffer and StreamFloats do).
inline bool RowWriterStreams() { return HWY_TARGET <= HWY_AVX3; }

#if HWY_TARGET != HWY_SCALAR
/// Writes one row of n floats, a vector at a time in order. On AVX-512 every store but the head's
/// and the tail's covers one aligned 64-byte line, whatever the row's alignment: each line is cut
/// from the vector arriving and the one before (a two-table permute); a line-splitting store costs
/// two cache accesses. With `stream` those line stores are non-temporal, and the caller fences
/// (hwy::FlushStream) once its rows are written. Elsewhere, or for a row that is not whole vectors
/// (or empty, or not float-aligned), every store is a plain unaligned one. Finish() after the last
/// vector.
class RowWriter {
 public:
  using D = hn::ScalableTag<float>;
  RowWriter(float* HWY_RESTRICT row, size_t n, bool stream) : row_(row) {
#if HWY_TARGET <= HWY_AVX3
    lines_ = hn::Lanes(D()) == 16 && n != 0 && n % 16 == 0 && reinterpret_cast<uintptr_t>(row) % sizeof(float) == 0;
    stream_ = stream;
    skip_ = (16 - reinterpret_cast<uintptr_t>(row) / sizeof(float) % 16) % 16;
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    idx_ = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(skip_)));
#else
    (void)n, (void)stream;
#endif
  }

  /// Floats i .. i + count of the row (i a multiple of the lane count; count < lanes only last).
  HWY_INLINE void Store(hn::Vec<D> v, size_t i, size_t count) {
#if HWY_TARGET <= HWY_AVX3
    if (lines_) {
      if (skip_ == 0) {
        Line(row_ + i, v.raw);
      } else {
        if (i == 0) _mm512_mask_storeu_ps(row_, static_cast<__mmask16>((1u << skip_) - 1), v.raw);  // the head
        else Line(row_ + i - 16 + skip_, _mm512_permutex2var_ps(last_.raw, idx_, v.raw));
        last_ = v;
      }
      return;
    }
#endif
    StoreUpTo(v, D(), row_ + i, count);
  }

  /// Writes what Store() holds back: the last vector's lanes past the final aligned line.
  HWY_INLINE void Finish(size_t n) {
#if HWY_TARGET <= HWY_AVX3
    if (lines_ && skip_ != 0) _mm512_mask_storeu_ps(row_ + n - 16, static_cast<__mmask16>(~((1u << skip_) - 1)), last_.raw);
#else
    (void)n;
#endif
  }

 private:
#if HWY_TARGET <= HWY_AVX3
  HWY_INLINE void Line(float* HWY_RESTRICT at, __m512 v) const {
    if (stream_) _mm512_stream_ps(at, v);
    else _mm512_store_ps(at, v);
  }
#endif

  float* HWY_RESTRICT row_;
#if HWY_TARGET <= HWY_AVX3
  bool lines_ = false, stream_ = false;
  size_t skip_ = 0;   // floats before the row's first 64-byte boundary
  __m512i idx_;       // lanes skip_ .. skip_ + 15 of (last_, v)
  hn::Vec<D> last_{};
#endif
};
#endif

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
