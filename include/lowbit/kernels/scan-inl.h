// lowbit: scans for special values (non-finite inputs at the API boundary, zero extremes), in SIMD.

#if defined(LOWBIT_KERNELS_SCAN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_SCAN_INL_H_
#undef LOWBIT_KERNELS_SCAN_INL_H_
#else
#define LOWBIT_KERNELS_SCAN_INL_H_
#endif

#include <cmath>
#include <cstring>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

/// True when no element of x[0, n) has (bits & mask) == value: no NaN or Inf (the exponent
/// field all ones), or no zero (every bit but the sign clear).
inline bool NoneWithBits(const float* HWY_RESTRICT x, size_t n, uint32_t mask, uint32_t value) {
#if HWY_TARGET == HWY_SCALAR
  bool ok = true;
  for (size_t i = 0; i < n; ++i) {
    uint32_t b;
    std::memcpy(&b, x + i, 4);
    ok &= (b & mask) != value;
  }
  return ok;
#else
  const hn::ScalableTag<uint32_t> du;
  const auto vmask = hn::Set(du, mask), vvalue = hn::Set(du, value);
  auto bad = hn::Zero(du);  // lanes that matched
  const uint32_t* u = reinterpret_cast<const uint32_t*>(x);
  size_t i = 0;
  for (; i + hn::Lanes(du) <= n; i += hn::Lanes(du))
    bad = hn::Or(bad, hn::VecFromMask(du, hn::Eq(hn::And(hn::LoadU(du, u + i), vmask), vvalue)));
  if (i < n)  // LoadN's missing lanes are zero: matched only by a value of 0, so masked off
    bad = hn::Or(bad, hn::VecFromMask(du, hn::And(hn::FirstN(du, n - i), hn::Eq(hn::And(LoadN(du, u + i, n - i), vmask), vvalue))));
  return hn::AllTrue(du, hn::Eq(bad, hn::Zero(du)));
#endif
}

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
