// lowbit: the gemmlowp / TFLite output stage in SIMD (see kernels/output_stage.hpp), bit-exact to
// Dyadic::apply: int32 accumulators -> int8 through per-column offsets and dyadic multipliers.

#if defined(LOWBIT_KERNELS_OUTPUT_STAGE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_OUTPUT_STAGE_INL_H_
#undef LOWBIT_KERNELS_OUTPUT_STAGE_INL_H_
#else
#define LOWBIT_KERNELS_OUTPUT_STAGE_INL_H_
#endif

#include <cstdint>

#include "hwy/highway.h"
#include "lowbit/formats/fixed_point.hpp"
#include "lowbit/kernels/compat-inl.h"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

/// out[j] = clamp(zo + rdbp(srdhm(sat_shl(acc[j] + offset[j], left[j]), mult[j]), right[j]), lo, hi)
/// for j < n: TFLite's MultiplyByQuantizedMultiplier per column. The int32 sums wrap; left and
/// right are in [0, 31], lo <= hi inside int8 and zo inside int8 (validated by the caller).
inline void Requantize(const int32_t* HWY_RESTRICT acc, const int32_t* HWY_RESTRICT offset,
                       const int32_t* HWY_RESTRICT mult, const int32_t* HWY_RESTRICT left,
                       const int32_t* HWY_RESTRICT right, size_t n, int32_t zo, int32_t lo, int32_t hi,
                       int8_t* HWY_RESTRICT out) {
#if HWY_TARGET == HWY_SCALAR
  for (size_t j = 0; j < n; ++j) {
    const auto x = static_cast<int32_t>(static_cast<uint32_t>(acc[j]) + static_cast<uint32_t>(offset[j]));
    const int32_t h = fixedpoint::saturating_rounding_doubling_high_mul(
        fixedpoint::saturating_shift_left(x, left[j]), mult[j]);
    const int32_t r = fixedpoint::rounding_divide_by_pot(h, right[j]);
    out[j] = static_cast<int8_t>(std::min(std::max(r, lo - zo), hi - zo) + zo);
  }
#else
  const hn::ScalableTag<int32_t> d;
  const hn::Repartition<uint64_t, decltype(d)> du64;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const size_t L = hn::Lanes(d);
  const auto kMin = hn::Set(d, INT32_MIN), kMax = hn::Set(d, INT32_MAX), one = hn::Set(d, 1);
  const auto half = hn::Set(hn::Repartition<int64_t, decltype(d)>(), int64_t{1} << 30);
  // Clamping before adding zo keeps the sum inside int32.
  const auto vlo = hn::Set(d, lo - zo), vhi = hn::Set(d, hi - zo), vzo = hn::Set(d, zo);
  for (size_t j = 0; j < n; j += L) {
    const size_t c = n - j;
    const auto x = hn::Add(LoadUpTo(d, acc + j, c), LoadUpTo(d, offset + j, c));
    const auto m = LoadUpTo(d, mult + j, c), sl = LoadUpTo(d, left + j, c), sr = LoadUpTo(d, right + j, c);
    // Saturating shift left: where shifting back does not restore x, x's sign picks the bound.
    const auto shl = (x << sl);
    const auto xs = hn::IfThenElse(hn::Eq((shl >> sl), x), shl, hn::Xor(hn::BroadcastSignBit(x), kMax));
    // Rounding doubling high multiply: TFLite's sign-dependent nudge and truncating division
    // fold into floor((a*b + 2^30) / 2^31) for both signs, whose low 32 bits a logical shift gives.
    const auto odd = [&](hn::Vec<decltype(d)> v) { return hn::BitCast(d, hn::ShiftRight<32>(hn::BitCast(du64, v))); };
    const auto pe = hn::Add(hn::MulEven(xs, m), half), po = hn::Add(hn::MulEven(odd(xs), odd(m)), half);
    auto h = hn::OddEven(hn::BitCast(d, hn::ShiftLeft<1>(po)), hn::BitCast(d, hn::ShiftRight<31>(hn::BitCast(du64, pe))));
    h = hn::IfThenElse(hn::And(hn::Eq(xs, kMin), hn::Eq(m, kMin)), kMax, h);  // the one overflow
    // Rounding divide by 2^right, ties away from zero.
    const auto mask = hn::Sub((one << sr), one);
    const auto threshold = hn::Sub(hn::ShiftRight<1>(mask), hn::BroadcastSignBit(h));
    const auto r = hn::Sub((h >> sr), hn::VecFromMask(d, hn::Gt(hn::And(h, mask), threshold)));
    StoreUpTo(DemoteToBytes(d8, hn::Add(hn::Min(hn::Max(r, vlo), vhi), vzo)), d8, out + j, c);
  }
#endif
}

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
