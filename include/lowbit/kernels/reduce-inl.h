// lowbit: reductions of many groups of floats at once: each group's min/max or max |x| in one
// lane of a vector, by transposing shuffles (log2(N) steps for N groups instead of log2(N) per
// group). Used by the encoders' group fits and the GGUF block quantizers.

#if defined(LOWBIT_KERNELS_REDUCE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_REDUCE_INL_H_
#undef LOWBIT_KERNELS_REDUCE_INL_H_
#else
#define LOWBIT_KERNELS_REDUCE_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"
#include "lowbit/version.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET != HWY_SCALAR
namespace minmax_detail {
/// Groups g0 .. g0 + 2^kLevel - 1 of gw = k * N elements, reduced into one vector's lanes in group
/// order (N / 2^kLevel lanes each): a group's own vectors by Min/Max, then pairs of such vectors
/// by ConcatEven/ConcatOdd, which halve each group's lanes and keep the groups in order. bad
/// ORs in every x * 0: NaN once an element was NaN or Inf.
template <size_t kLevel, class D>
HWY_INLINE void Reduce(D d, const float* HWY_RESTRICT x, size_t gw, size_t g0, hn::Vec<D>& vlo, hn::Vec<D>& vhi,
                       hn::Vec<D>& bad) {
  if constexpr (kLevel == 0) {
    const size_t N = hn::Lanes(d);
    const float* g = x + g0 * gw;
    vlo = vhi = hn::LoadU(d, g);
    bad = hn::Or(bad, hn::Mul(vlo, hn::Zero(d)));
    for (size_t i = N; i < gw; i += N) {
      const auto v = hn::LoadU(d, g + i);
      bad = hn::Or(bad, hn::Mul(v, hn::Zero(d)));
      vlo = hn::Min(vlo, v);
      vhi = hn::Max(vhi, v);
    }
  } else {
    constexpr size_t kHalf = size_t{1} << (kLevel - 1);
    hn::Vec<D> alo, ahi, blo, bhi;
    Reduce<kLevel - 1>(d, x, gw, g0, alo, ahi, bad);
    Reduce<kLevel - 1>(d, x, gw, g0 + kHalf, blo, bhi, bad);
    vlo = hn::Min(hn::ConcatEven(d, blo, alo), hn::ConcatOdd(d, blo, alo));
    vhi = hn::Max(hn::ConcatEven(d, bhi, ahi), hn::ConcatOdd(d, bhi, ahi));
  }
}

/// Reduce's scheme for max |x| alone: |x| as u32 bits (the sign cleared), whose unsigned order
/// is |x|'s with NaN above Inf, so one Max per vector also carries the NaN rule.
template <size_t kLevel, class D>
HWY_INLINE hn::Vec<hn::RebindToUnsigned<D>> ReduceMaxAbs(D d, const float* HWY_RESTRICT x, size_t gw, size_t g0) {
  const hn::RebindToUnsigned<D> du;
  if constexpr (kLevel == 0) {
    auto m = hn::Zero(du);
    for (size_t i = 0; i < gw; i += hn::Lanes(d))
      m = hn::Max(m, hn::And(hn::BitCast(du, hn::LoadU(d, x + g0 * gw + i)), hn::Set(du, 0x7FFFFFFFu)));
    return m;
  } else {
    constexpr size_t kHalf = size_t{1} << (kLevel - 1);
    const auto a = ReduceMaxAbs<kLevel - 1>(d, x, gw, g0), b = ReduceMaxAbs<kLevel - 1>(d, x, gw, g0 + kHalf);
    return hn::Max(hn::ConcatEven(du, b, a), hn::ConcatOdd(du, b, a));
  }
}

constexpr size_t Log2(size_t n) { return n <= 1 ? 0 : 1 + Log2(n / 2); }
}  // namespace minmax_detail
#endif

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
