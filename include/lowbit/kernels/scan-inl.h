// lowbit: input scans the API boundary runs before quantizing (finite check), in SIMD.

#if defined(LOWBIT_KERNELS_SCAN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_SCAN_INL_H_
#undef LOWBIT_KERNELS_SCAN_INL_H_
#else
#define LOWBIT_KERNELS_SCAN_INL_H_
#endif

#include <cmath>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

/// True when none of x[0, n) is NaN or Inf.
inline bool AllFinite(const float* HWY_RESTRICT x, size_t n) {
#if HWY_TARGET == HWY_SCALAR
  bool ok = true;
  for (size_t i = 0; i < n; ++i) ok &= std::isfinite(x[i]);
  return ok;
#else
  const hn::ScalableTag<uint32_t> du;
  const auto exp = hn::Set(du, 0x7F800000u);
  auto bad = hn::Zero(du);  // lanes whose exponent field is all ones
  const uint32_t* u = reinterpret_cast<const uint32_t*>(x);
  size_t i = 0;
  for (; i + hn::Lanes(du) <= n; i += hn::Lanes(du))
    bad = hn::Or(bad, hn::VecFromMask(du, hn::Eq(hn::And(hn::LoadU(du, u + i), exp), exp)));
  if (i < n) bad = hn::Or(bad, hn::VecFromMask(du, hn::Eq(hn::And(LoadN(du, u + i, n - i), exp), exp)));
  return hn::AllTrue(du, hn::Eq(bad, hn::Zero(du)));
#endif
}

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
