// lowbit: copying a finished row out with non-temporal stores (kernels/stream.hpp says when).

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

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
