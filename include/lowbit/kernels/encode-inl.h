// lowbit: quantizing a group of floats to codes, for every PackedMatrix composition: the group's
// min/max, integer codes by arithmetic (clamp(round(x / scale) + zero point)), value-format codes
// by counting the encoder's run starts (kernels/code_runs.hpp), and codes packed into the LSB-first
// bit stream of any width. Each step does the reference's float operations, so codes are identical.

#if defined(LOWBIT_KERNELS_ENCODE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_ENCODE_INL_H_
#undef LOWBIT_KERNELS_ENCODE_INL_H_
#else
#define LOWBIT_KERNELS_ENCODE_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "lowbit/core/bitpack.hpp"
#include "lowbit/kernels/code_runs.hpp"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/fit_rule.hpp"
#include "lowbit/kernels/reduce-inl.h"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

/// *lo, *hi = min, max of x[0, n) (n >= 1), or NaN, NaN when any element is NaN. Which of two
/// equal zeros is returned is unspecified: callers treat a zero extreme as undecided.
HWY_INLINE void MinMaxOf(const float* HWY_RESTRICT x, size_t n, float* HWY_RESTRICT lo_out, float* HWY_RESTRICT hi_out) {
  float lo = x[0], hi = x[0];
  bool nan = false;
#if HWY_TARGET == HWY_SCALAR
  for (size_t i = 0; i < n; ++i) {
    nan |= x[i] != x[i];
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
#else
  const hn::ScalableTag<float> df;
  const size_t N = hn::Lanes(df);
  const auto zero = hn::Zero(df), first = hn::Set(df, x[0]);
  // four independent chains (Min/Max take 4 cycles each), named: arrays of vectors spill. bad:
  // the OR of every x * 0, NaN once any x was NaN or Inf (then the row is scanned for NaN).
  auto lo0 = first, lo1 = first, lo2 = first, lo3 = first, hi0 = first, hi1 = first, hi2 = first, hi3 = first;
  auto bad0 = zero, bad1 = zero;
  const auto step = [&](auto& l, auto& h, auto& b, hn::Vec<decltype(df)> v) {
    l = hn::Min(l, v);
    h = hn::Max(h, v);
    b = hn::Or(b, hn::Mul(v, zero));
  };
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    step(lo0, hi0, bad0, hn::LoadU(df, x + i));
    step(lo1, hi1, bad1, hn::LoadU(df, x + i + N));
    step(lo2, hi2, bad0, hn::LoadU(df, x + i + 2 * N));
    step(lo3, hi3, bad1, hn::LoadU(df, x + i + 3 * N));
  }
  for (; i < n; i += N)  // a tail's missing lanes repeat x[0]
    step(lo0, hi0, bad0, i + N <= n ? hn::LoadU(df, x + i) : hn::IfThenElse(hn::FirstN(df, n - i), LoadN(df, x + i, n - i), first));
  const auto vlo = hn::Min(hn::Min(lo0, lo1), hn::Min(lo2, lo3)), vhi = hn::Max(hn::Max(hi0, hi1), hn::Max(hi2, hi3));
  if (!hn::AllFalse(df, hn::IsNaN(hn::Or(bad0, bad1))))
    for (size_t j = 0; j < n && !nan; ++j) nan = x[j] != x[j];
  lo = hn::GetLane(hn::MinOfLanes(df, vlo));
  hi = hn::GetLane(hn::MaxOfLanes(df, vhi));
#endif
  if (nan) lo = hi = std::numeric_limits<float>::quiet_NaN();
  *lo_out = lo;
  *hi_out = hi;
}


/// MinMaxOf of each group of x[0, n): groups of gw elements, the last one partial; group g's
/// extremes go to lo[g], hi[g]. Groups of whole vectors (up to 16 each) go a vector of groups at
/// a time, reduced together (minmax_detail::Reduce: log2(N) shuffle steps for N groups instead
/// of log2(N) per group); from a batch holding a NaN or Inf on, the row goes group by group.
inline void MinMaxGroups(const float* HWY_RESTRICT x, size_t n, size_t gw, float* HWY_RESTRICT lo,
                         float* HWY_RESTRICT hi) {
  size_t g = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::ScalableTag<float> df;
  constexpr size_t N = hn::MaxLanes(df);
  if (hn::Lanes(df) == N && gw % N == 0 && gw <= 16 * N) {
    for (; (g + N) * gw <= n; g += N) {
      auto vlo = hn::Zero(df), vhi = vlo, bad = vlo;
      minmax_detail::Reduce<minmax_detail::Log2(N)>(df, x, gw, g, vlo, vhi, bad);
      if (!hn::AllFalse(df, hn::IsNaN(bad))) break;  // the NaN rule: group by group
      hn::StoreU(vlo, df, lo + g);
      hn::StoreU(vhi, df, hi + g);
    }
  }
#endif
  for (; g * gw < n; ++g) MinMaxOf(x + g * gw, std::min(gw, n - g * gw), lo + g, hi + g);
}

/// amax[g] = max |x| over group g of x[0, n) (groups of gw, the last one partial), NaN when the
/// group holds a NaN: all an MX fit reads of a range, at half MinMaxGroups' work.
inline void MaxAbsGroups(const float* HWY_RESTRICT x, size_t n, size_t gw, float* HWY_RESTRICT amax) {
  size_t g = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::ScalableTag<float> df;
  constexpr size_t N = hn::MaxLanes(df);
  if (hn::Lanes(df) == N && gw % N == 0 && gw <= 16 * N)
    for (; (g + N) * gw <= n; g += N)
      hn::StoreU(hn::BitCast(df, minmax_detail::ReduceMaxAbs<minmax_detail::Log2(N)>(df, x, gw, g)), df, amax + g);
#endif
  for (; g * gw < n; ++g) {
    uint32_t m = 0;
    for (size_t i = g * gw; i < std::min(n, g * gw + gw); ++i) {
      uint32_t b;
      std::memcpy(&b, x + i, 4);
      m = std::max(m, b & 0x7FFFFFFFu);
    }
    std::memcpy(amax + g, &m, 4);
  }
}

namespace fit_detail {
#if HWY_TARGET != HWY_SCALAR
using kernels::detail::FitRule;
/// std::min(v, 0) / std::max(v, 0), keeping std's choice of argument on ties (so -0 stays -0).
template <class V>
HWY_INLINE V MinZero(V v) {
  return hn::IfThenElse(hn::Lt(hn::Zero(hn::DFromV<V>()), v), hn::Zero(hn::DFromV<V>()), v);
}
template <class V>
HWY_INLINE V MaxZero(V v) {
  return hn::IfThenElse(hn::Lt(v, hn::Zero(hn::DFromV<V>())), hn::Zero(hn::DFromV<V>()), v);
}

template <FitRule::Ideal kIdeal, FitRule::Store kStore>
void Fit(const FitRule& rule, const float* HWY_RESTRICT lo, const float* HWY_RESTRICT hi, size_t n,
         float* HWY_RESTRICT scales, int32_t* HWY_RESTRICT zps, uint16_t* HWY_RESTRICT stored16) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint16_t, decltype(df)> d16;
  const size_t N = hn::Lanes(df);
  const auto div = hn::Set(df, rule.div), div_const = hn::Set(df, rule.div_const), zero = hn::Zero(df);
  for (size_t i = 0; i < n; i += N) {
    const size_t count = std::min(N, n - i);
    const auto l = LoadUpTo(df, lo + i, count), h = LoadUpTo(df, hi + i, count);
    hn::Vec<decltype(df)> ideal;
    if constexpr (kIdeal == FitRule::kAbsMax) {
      ideal = hn::Div(hn::Max(hn::Abs(l), hn::Abs(h)), hn::IfThenElse(hn::Eq(l, h), div_const, div));
    } else if constexpr (kIdeal == FitRule::kSignedExtreme) {
      ideal = hn::Div(hn::IfThenElse(hn::Gt(hn::Abs(l), hn::Abs(h)), l, h), div);
    } else if constexpr (kIdeal == FitRule::kMx) {  // amax's exponent field is floor(log2 amax) + 127
      const auto field = hn::BitCast(di, hn::ShiftRight<23>(hn::BitCast(du, hn::Max(hn::Abs(l), hn::Abs(h)))));
      const auto shared = hn::Max(hn::Sub(field, hn::Set(di, 127 + static_cast<int32_t>(rule.div))), hn::Set(di, -127));
      const auto pow2 = hn::IfThenElse(hn::RebindMask(df, hn::Eq(shared, hn::Set(di, -127))), hn::Set(df, 0x1p-127f),
                                       hn::BitCast(df, hn::ShiftLeft<23>(hn::Add(shared, hn::Set(di, 127)))));
      ideal = hn::IfThenElse(hn::And(hn::IsFinite(l), hn::IsFinite(h)), pow2, hn::Set(df, NAN));
      if constexpr (kStore == FitRule::kE8M0)  // the code: the biased exponent, 0xFF for NaN
        StoreUpTo(hn::DemoteTo(d16, hn::IfThenElse(hn::RebindMask(di, hn::IsNaN(ideal)), hn::Set(di, 0xFF),
                                                   hn::Add(shared, hn::Set(di, 127)))),
                  d16, stored16 + i, count);
    } else {
      const auto l0 = MinZero(l), h0 = MaxZero(h), width = hn::Sub(h0, l0);
      const auto wide = hn::Sub(hn::Div(h0, div), hn::Div(l0, div));  // no overflow near FLT_MAX
      ideal = hn::IfThenElse(hn::Lt(width, hn::Set(df, HUGE_VALF)), hn::Div(width, div), wide);
      ideal = hn::IfThenElse(hn::Eq(l, h), hn::Div(hn::Abs(l), div_const), ideal);
    }
    // The storage's round trip, saturating (std::clamp), round to nearest even.
    hn::Vec<decltype(df)> s = ideal;
    if constexpr (kStore == FitRule::kF16) {
      const auto lim = hn::Set(df, 65504.0f);
      const auto c = hn::IfThenElse(hn::Lt(s, hn::Neg(lim)), hn::Neg(lim), hn::IfThenElse(hn::Lt(lim, s), lim, s));
      const auto sign = hn::And(hn::BitCast(du, c), hn::Set(du, 0x80000000u));
      const auto a = hn::BitCast(du, hn::Abs(c));
      const auto normal = hn::Gt(hn::BitCast(di, a), hn::Set(di, 0x38800000 - 1));  // f16 normals: |c| >= 2^-14
      const auto rn = hn::And(hn::Add(hn::Add(a, hn::Set(du, 0xFFFu)), hn::And(hn::ShiftRight<13>(a), hn::Set(du, 1u))),
                              hn::Set(du, ~0x1FFFu));
      // below 2^-14, multiples of 2^-24: adding 1/2 (ulp 2^-24) rounds, subtracting is exact
      const auto half = hn::Set(df, 0.5f);
      const auto rs = hn::Sub(hn::Add(hn::BitCast(df, a), half), half);
      const auto r = hn::IfThenElse(hn::RebindMask(df, normal), hn::BitCast(df, rn), rs);
      s = hn::BitCast(df, hn::Or(hn::BitCast(du, r), sign));
      const auto bits_normal = hn::Sub(hn::ShiftRight<13>(rn), hn::Set(du, 112u << 10));
      const auto bits_sub = hn::BitCast(du, hn::ConvertTo(di, hn::Mul(rs, hn::Set(df, 16777216.0f))));
      const auto bits = hn::Or(hn::IfThenElse(hn::RebindMask(du, normal), bits_normal, bits_sub), hn::ShiftRight<16>(sign));
      StoreUpTo(hn::DemoteTo(d16, hn::BitCast(di, bits)), d16, stored16 + i, count);
    } else if constexpr (kStore == FitRule::kBF16) {
      const auto lim = hn::Set(df, 0x1.FEp127f);
      const auto c = hn::IfThenElse(hn::Lt(s, hn::Neg(lim)), hn::Neg(lim), hn::IfThenElse(hn::Lt(lim, s), lim, s));
      const auto u = hn::BitCast(du, c);
      const auto r = hn::And(hn::Add(hn::Add(u, hn::Set(du, 0x7FFFu)), hn::And(hn::ShiftRight<16>(u), hn::Set(du, 1u))),
                             hn::Set(du, 0xFFFF0000u));
      s = hn::BitCast(df, r);
      StoreUpTo(hn::DemoteTo(d16, hn::BitCast(di, hn::ShiftRight<16>(r))), d16, stored16 + i, count);
    }
    StoreUpTo(s, df, scales + i, count);
    auto z = hn::Zero(di);
    if constexpr (kIdeal == FitRule::kAffine) {
      const auto q = hn::Round(hn::Div(hn::Neg(MinZero(l)), s));
      const auto zc = hn::Min(hn::Max(q, zero), div);  // div is qmax; the clamp comes before the cast
      z = hn::IfThenElse(hn::RebindMask(di, hn::Eq(s, zero)), hn::Zero(di), TruncateInRange(di, zc));
    }
    StoreUpTo(z, di, zps + i, count);
  }
}
#endif
}  // namespace fit_detail

/// scales[g], zps[g] (and the stored scale codes for f16 / bf16 / E8M0 storage) of groups with
/// ranges [lo[g], hi[g]], g < n (finite): Q::params under `rule`, bit for bit. False (nothing
/// written) on HWY_SCALAR, whose callers fit in scalar.
inline bool FitScales(const kernels::detail::FitRule& rule, const float* HWY_RESTRICT lo, const float* HWY_RESTRICT hi,
                      size_t n, float* HWY_RESTRICT scales, int32_t* HWY_RESTRICT zps,
                      uint16_t* HWY_RESTRICT stored16) {
  using kernels::detail::FitRule;
#if HWY_TARGET == HWY_SCALAR
  (void)rule, (void)lo, (void)hi, (void)n, (void)scales, (void)zps, (void)stored16;
  return false;
#else
  const auto with_store = [&](auto ideal) {
    constexpr FitRule::Ideal kI = decltype(ideal)::value;
    if (rule.store == FitRule::kE8M0) {  // MX's powers of two only (fit_rule)
      if constexpr (kI == FitRule::kMx) fit_detail::Fit<kI, FitRule::kE8M0>(rule, lo, hi, n, scales, zps, stored16);
    } else if (rule.store == FitRule::kF16) fit_detail::Fit<kI, FitRule::kF16>(rule, lo, hi, n, scales, zps, stored16);
    else if (rule.store == FitRule::kBF16) fit_detail::Fit<kI, FitRule::kBF16>(rule, lo, hi, n, scales, zps, stored16);
    else fit_detail::Fit<kI, FitRule::kF32>(rule, lo, hi, n, scales, zps, stored16);
  };
  if (rule.ideal == FitRule::kMx) with_store(std::integral_constant<FitRule::Ideal, FitRule::kMx>());
  else if (rule.ideal == FitRule::kAbsMax) with_store(std::integral_constant<FitRule::Ideal, FitRule::kAbsMax>());
  else if (rule.ideal == FitRule::kSignedExtreme) with_store(std::integral_constant<FitRule::Ideal, FitRule::kSignedExtreme>());
  else with_store(std::integral_constant<FitRule::Ideal, FitRule::kAffine>());
  return true;
#endif
}

/// Whether x * (1 / scale) is within 3.0001 units of 2^-24 |t| of t = x / scale, for every x: the
/// reciprocal, then the product, each round with relative error <= 2^-24 while both are normal
/// floats, which these scales ensure (a subnormal product's absolute error is below one step).
HWY_INLINE bool ReciprocalBounded(float scale) { return std::abs(scale) >= 0x1p-125f && std::abs(scale) <= 0x1p125f; }

/// Integer rounding modes, as NearestEven / NearestAway / TowardZero (core/rounding.hpp).
enum class IntRound : int { kEven = 0, kAway = 1, kZero = 2 };

/// Groups whose reciprocal scales are taken together, a vector division for many scalar ones.
constexpr size_t kRecipChunk = 64;

/// recip[j] = 1 / scales[j] where ReciprocalBounded(scales[j]), else 0 (that group divides),
/// for j < n <= kRecipChunk. True when every one is a power of two (MX's scales): then
/// x * recip[j] is x / scales[j] exactly, and the encoders skip their boundary checks.
HWY_INLINE bool Reciprocals(const float* HWY_RESTRICT scales, size_t n, float* HWY_RESTRICT recip) {
  bool exact = true;
#if HWY_TARGET == HWY_SCALAR
  for (size_t j = 0; j < n; ++j) {
    recip[j] = ReciprocalBounded(scales[j]) ? 1.0f / scales[j] : 0.0f;
    int e = 0;
    exact &= recip[j] != 0.0f && std::abs(std::frexp(scales[j], &e)) == 0.5f;
  }
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const size_t N = hn::Lanes(df);
  for (size_t j = 0; j < n; j += N) {
    const size_t count = std::min(N, n - j);
    const auto s = LoadUpTo(df, scales + j, count), a = hn::Abs(s);
    const auto bounded = hn::And(hn::Ge(a, hn::Set(df, 0x1p-125f)), hn::Le(a, hn::Set(df, 0x1p125f)));
    StoreUpTo(hn::IfThenElseZero(bounded, hn::Div(hn::Set(df, 1.0f), s)), df, recip + j, count);
    const auto pow2 = hn::RebindMask(df, hn::Eq(hn::And(hn::BitCast(du, s), hn::Set(du, 0x7FFFFFu)), hn::Zero(du)));
    exact = exact && hn::AllTrue(df, hn::Or(hn::And(bounded, pow2), hn::Not(hn::FirstN(df, count))));
  }
#endif
  return exact;
}

#if HWY_TARGET != HWY_SCALAR
/// Stores codes i .. i + count (i32 lanes, each below 2^bits) to the row's output: a byte each at
/// out + i, or with kNibbles (4-bit codes; i and count even) two to a byte at out + i / 2 in the
/// bit stream's LSB-first order, so no separate packing pass.
template <bool kNibbles, class DI>
HWY_INLINE void StoreCodes(DI di, hn::Vec<DI> code, uint8_t* HWY_RESTRICT out, size_t i, size_t count) {
  if constexpr (kNibbles) {
    const hn::Repartition<uint64_t, DI> d64;
    const hn::Rebind<uint8_t, decltype(d64)> d8;
    const auto v = hn::BitCast(d64, code);  // a u64 lane's low byte: code 2j | code 2j+1 << 4
    StoreUpTo(hn::TruncateTo(d8, hn::Or(v, hn::ShiftRight<28>(v))), d8, out + i / 2, count / 2);
  } else {
    const hn::Rebind<uint8_t, DI> d8;
    StoreUpTo(DemoteToBytes(d8, code), d8, out + i, count);
  }
}

/// The encoders' walk over a row: x[0, n) in groups of gw elements, group g's scale scales[g],
/// code = encode(t, g, check, near) of t = x / scale (0 when scale is 0). With kReciprocal, a
/// group whose 1 / scale is usable (Reciprocals) takes t = x * (1 / scale) for its whole vectors,
/// with `check` true: encode then sets `near` where the code could differ from the quotient's,
/// and those vectors divide. A chunk whose reciprocals are all exact skips the check. Codes go
/// out by StoreCodes<kNibbles>; `next`: as EncodeIntegers'.
template <bool kNibbles, bool kReciprocal, class Encode>
HWY_INLINE void EncodeGroups(const float* HWY_RESTRICT x, size_t n, size_t gw, const float* HWY_RESTRICT scales,
                             uint8_t* HWY_RESTRICT codes, const float* next, const Encode& encode) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const size_t N = hn::Lanes(df);
  const float* ahead = next != nullptr ? next : x;  // prefetching x itself costs nothing
  HWY_ALIGN float recip[kRecipChunk] = {};
  const size_t groups = (n + gw - 1) / gw;
  bool all_exact = false;
  for (size_t g0 = 0, g = 0; g0 < n; g0 += gw, ++g) {
    const size_t j = g % kRecipChunk, end = std::min(n, g0 + gw);
    if (kReciprocal && j == 0) all_exact = Reciprocals(scales + g, std::min(kRecipChunk, groups - g), recip);
    const float scale = scales[g];
    const auto exact = [&](hn::Vec<decltype(df)> v) {  // the quotient's code
      hn::Mask<decltype(di)> unused;
      return encode(scale != 0.0f ? hn::Div(v, hn::Set(df, scale)) : hn::Zero(df), g, std::false_type(), unused);
    };
    size_t i = g0;
    const auto whole = [&](auto check) {  // the group's whole vectors
      const auto vrecip = hn::Set(df, recip[j]);
      for (; i + N <= end; i += N) {
        hwy::Prefetch(ahead + i);
        const auto v = hn::LoadU(df, x + i);
        hn::Vec<decltype(di)> code;
        if constexpr (!kReciprocal) {
          code = exact(v);
        } else {
          hn::Mask<decltype(di)> near;
          code = encode(hn::Mul(v, vrecip), g, check, near);
          if constexpr (decltype(check)::value)
            if (!hn::AllFalse(di, near)) code = exact(v);
        }
        StoreCodes<kNibbles>(di, code, codes, i, N);
      }
    };
    if (!kReciprocal) whole(std::false_type());
    else if (recip[j] != 0.0f) all_exact ? whole(std::false_type()) : whole(std::true_type());
    for (; i < end; i += N) {  // a partial vector, or a group that divides
      const size_t count = std::min(N, end - i);
      StoreCodes<kNibbles>(di, exact(LoadUpTo(df, x + i, count)), codes, i, count);
    }
  }
}
#endif

/// codes[i] = (clamp(R(t) + zp, qmin, qmax) as int) & mask, t = x[i] / scale (0 when scale is 0),
/// with scale and zp (in [qmin, qmax], as every mapping's) those of i's group (groups of gw
/// elements): the integer mappings' encode, in the same float operations. With `nibbles` (4-bit
/// codes, n and gw even) codes is the packed stream (StoreCodes). `next` (may be null): the n
/// floats to prefetch meanwhile, the next row, so that its read from memory overlaps this row's
/// arithmetic.
template <IntRound kRound>
void EncodeIntegers(const float* HWY_RESTRICT x, size_t n, size_t gw, const float* HWY_RESTRICT scales,
                    const int32_t* HWY_RESTRICT zps, int32_t qmin, int32_t qmax, uint32_t mask, bool nibbles,
                    uint8_t* HWY_RESTRICT codes, const float* next) {
#if HWY_TARGET == HWY_SCALAR
  (void)next;
  for (size_t i = 0; i < n; ++i) {
    const float scale = scales[i / gw];
    const float t = scale != 0.0f ? x[i] / scale : 0.0f;
    const float r = kRound == IntRound::kEven ? std::nearbyint(t) : kRound == IntRound::kAway ? std::round(t) : std::trunc(t);
    const float q = std::clamp(r + static_cast<float>(zps[i / gw]), static_cast<float>(qmin), static_cast<float>(qmax));
    const auto code = static_cast<uint8_t>(static_cast<uint32_t>(static_cast<int32_t>(q)) & mask);
    if (nibbles) set_code(codes, 4, i, code);
    else codes[i] = code;
  }
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const auto vmask = hn::Set(di, static_cast<int32_t>(mask));
  // x * (1 / scale) is within 3.0001 ulp-units (2^-24 |t|) of the reference's x / scale (see
  // ReciprocalBounded), so both round alike unless t lies within 2^-21 |t| of a rounding
  // boundary (k + 1/2, or k when truncating): such vectors (rare; ties among them) divide.
  // t is first clamped to [qmin - zp, qmax - zp] (integers, so R commutes with the clamp and the
  // codes are the reference's clamp(R(t) + zp)); the clamped |t| is below K = qmax - qmin + 1,
  // so the absolute tolerance K 2^-21 covers every lane.
  const float k = static_cast<float>(qmax) - static_cast<float>(qmin) + 1.0f;
  const auto tolerance = hn::Set(df, k * 0x1p-21f), far = hn::Set(df, kRound == IntRound::kZero ? 1.0f : 0.5f);
  const auto below_far = hn::Sub(far, tolerance);
  const auto rounded = [&](hn::Vec<decltype(df)> t) {  // R(t), t clamped
    if constexpr (kRound == IntRound::kEven) {
      return hn::Round(t);
    } else if constexpr (kRound == IntRound::kZero) {
      return hn::Trunc(t);
    } else {  // std::round: away from zero when the dropped part (exact) is at least 1/2
      const auto tr = hn::Trunc(t);
      const auto up = hn::Ge(hn::Abs(hn::Sub(t, tr)), hn::Set(df, 0.5f));
      return hn::IfThenElse(up, hn::Add(tr, hn::CopySign(hn::Set(df, 1.0f), t)), tr);
    }
  };
  const auto encode = [&](hn::Vec<decltype(df)> t, size_t g, auto check, hn::Mask<decltype(di)>& near) {
    const float zp = static_cast<float>(zps[g]);  // the clamp's bounds are exact integers
    t = hn::Min(hn::Max(t, hn::Set(df, static_cast<float>(qmin) - zp)), hn::Set(df, static_cast<float>(qmax) - zp));
    const auto r = rounded(t);
    if constexpr (decltype(check)::value) {
      const auto off = hn::Abs(hn::Sub(t, r));  // near k + 1/2: off near 1/2; near k (truncating): near 0 or 1
      auto m = hn::Gt(off, below_far);
      if constexpr (kRound == IntRound::kZero) m = hn::Or(m, hn::Lt(off, tolerance));
      near = hn::RebindMask(di, m);
    }
    return hn::And(hn::Add(TruncateInRange(di, r), hn::Set(di, zps[g])), vmask);
  };
  if (nibbles) EncodeGroups<true, true>(x, n, gw, scales, codes, next, encode);
  else EncodeGroups<false, true>(x, n, gw, scales, codes, next, encode);
#endif
}

/// codes[i] = F::encode(t) (to nearest, ties to even, saturating; NaN to nan_code), t = x[i] /
/// scale (0 when scale is 0), for a signed minifloat F with subnormals: man mantissa bits, the
/// exponent bias, max_code the largest finite magnitude's code, sign_bit the sign's. In f32's
/// normal range the code is t's bits with the dropped mantissa bits rounded off and the exponent
/// rebiased; below F's smallest normal it is |t| rounded to F's subnormal step 2^(1 - bias - man),
/// by one f32 add of a power of two whose ulp that step is. Both are monotone in
/// |t|, so agreeing with the encoder's runs on both sides of every run boundary (tested) means
/// agreeing everywhere. The reciprocal path divides where t could lie within a few ulps of a
/// rounding boundary. `nibbles`, `next`: as EncodeIntegers'. False (nothing written) on
/// HWY_SCALAR: callers take EncodeRuns.
inline bool EncodeMinifloats(const float* HWY_RESTRICT x, size_t n, size_t gw, const float* HWY_RESTRICT scales,
                             int man, int bias, uint32_t max_code, uint32_t nan_code, uint32_t sign_bit, bool nibbles,
                             uint8_t* HWY_RESTRICT codes, const float* next) {
#if HWY_TARGET == HWY_SCALAR
  (void)x, (void)n, (void)gw, (void)scales, (void)man, (void)bias, (void)max_code, (void)nan_code, (void)sign_bit,
      (void)nibbles, (void)codes, (void)next;
  return false;
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const int sh = 23 - man;  // dropped mantissa bits
  const auto low = hn::Set(du, (1u << sh) - 1), half_less = hn::Set(du, (1u << (sh - 1)) - 1), one = hn::Set(du, 1);
  const auto rebias = hn::Set(du, static_cast<uint32_t>(127 - bias) << man);
  const auto min_normal = hn::Set(du, static_cast<uint32_t>(128 - bias) << 23);  // 2^(1 - bias)'s bits
  const float step = std::ldexp(1.0f, 1 - bias - man);  // F's subnormal step: ulp(magic)
  const auto magic = hn::Set(df, std::ldexp(step, 23));
  const auto magnitude = hn::Set(du, 0x7FFFFFFFu), inf = hn::Set(du, 0x7F800000u);
  const auto vmax = hn::Set(du, max_code), vnan = hn::Set(du, nan_code);
  // near a boundary: normal range, the dropped bits within 8 of a half (3 ulps, doubled across a
  // binade); below, |t| (< 2^man steps) within 2^(man - 20) steps of k + 1/2 steps
  const auto slack = hn::Set(du, 8u), span = hn::Set(du, 17u);
  const auto sub_far = hn::Set(df, step * (0.5f - std::ldexp(1.0f, man - 20)));
  const auto vsh = hn::Set(du, static_cast<uint32_t>(sh)), vsign = hn::Set(du, sign_bit);
  const auto encode = [&](hn::Vec<decltype(df)> t, size_t, auto check, hn::Mask<decltype(di)>& near) {
    const auto b = hn::BitCast(du, t), a = hn::And(b, magnitude);
    // shifts by a vector of counts: one uop on AVX-512, where a runtime count in xmm takes two
    const auto r = hn::Add(a, hn::Add(half_less, hn::And(hn::Shr(a, vsh), one)));
    const auto normal = hn::Min(hn::Sub(hn::Shr(r, vsh), rebias), vmax);
    auto mag = normal;
    if constexpr (decltype(check)::value)
      near = hn::RebindMask(di, hn::Lt(hn::Sub(hn::Add(hn::And(a, low), slack), hn::Add(half_less, one)), span));
    const auto sub = hn::Lt(a, min_normal);
    // checked (non-power-of-two scales, as FP8's per-row): subnormal lanes are rare, so a branch;
    // MX's blocks often hold some, so no branch
    if (!decltype(check)::value || !hn::AllFalse(du, sub)) {
      const auto rounded = hn::Add(hn::BitCast(df, a), magic);  // magic + k steps, k the code
      mag = hn::IfThenElse(sub, hn::Sub(hn::BitCast(du, rounded), hn::BitCast(du, magic)), normal);
      if constexpr (decltype(check)::value)
        near = hn::RebindMask(di, hn::Or(hn::And(sub, hn::RebindMask(du, hn::Gt(hn::Abs(hn::Sub(hn::BitCast(df, a), hn::Sub(rounded, magic))), sub_far))),
                                         hn::AndNot(sub, hn::RebindMask(du, near))));
    }
    const auto sign = hn::And(hn::BitCast(du, hn::ShiftRight<31>(hn::BitCast(di, b))), vsign);
    return hn::BitCast(di, hn::IfThenElse(hn::Gt(a, inf), vnan, hn::Or(mag, sign)));
  };
  if (nibbles) EncodeGroups<true, true>(x, n, gw, scales, codes, next, encode);
  else EncodeGroups<false, true>(x, n, gw, scales, codes, next, encode);
  return true;
#endif
}

/// codes[i] = the code of the run holding key(t), t = x[i] / scale (0 when scale is 0), scale that
/// of i's group (groups of gw elements), from the encoder's runs. On 16-lane targets: the bucket
/// of t's value (when `runs` has value buckets), by two-table permutes, else up to 16 runs by a
/// search by lane permutes; elsewhere up to 16 runs by a compare per start. More runs: the key's
/// bucket (when `runs` has key buckets), else a branch-free binary search by gathers. The
/// permute and bucket paths multiply by 1 / scale, and divide where that could change the code.
/// A NaN t gives an unspecified code. `nibbles` and `next`: as EncodeIntegers'.
inline void EncodeRuns(const float* HWY_RESTRICT x, size_t n, size_t gw, const float* HWY_RESTRICT scales,
                       const kernels::detail::CodeRuns& runs, bool nibbles, uint8_t* HWY_RESTRICT codes,
                       const float* next) {
  const int32_t* HWY_RESTRICT bounds = runs.bounds.data();
  const size_t padded = runs.bounds.size();
#if HWY_TARGET == HWY_SCALAR
  (void)next;
  for (size_t i = 0; i < n; ++i) {
    const float scale = scales[i / gw];
    const int32_t key = kernels::detail::float_key(scale != 0.0f ? x[i] / scale : 0.0f);
    size_t idx = 0;
    for (size_t step = padded / 2; step >= 1; step /= 2)
      if (bounds[idx + step - 1] <= key) idx += step;
    if (nibbles) set_code(codes, 4, i, static_cast<uint8_t>(runs.codes[idx]));
    else codes[i] = static_cast<uint8_t>(runs.codes[idx]);
  }
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Repartition<uint8_t, decltype(df)> du8;
  const size_t N = hn::Lanes(df);
  const auto key_of_t = [&](hn::Vec<decltype(df)> t) {
    const auto b = hn::BitCast(di, t);
    return hn::Xor(b, hn::And(hn::ShiftRight<31>(b), hn::Set(di, 0x7FFFFFFF)));
  };
  const auto key_of = [&](const float* p, size_t count, float scale) {  // of the quotient, exact
    return key_of_t(scale != 0.0f ? hn::Div(LoadUpTo(df, p, count), hn::Set(df, scale)) : hn::Zero(df));
  };
  // Where the search is cheap to check, t = x * (1 / scale): within 3.0001 ulps of the quotient
  // (ReciprocalBounded), so within kSlack keys of its key. Where no run start lies that close
  // both keys have one code; a vector with a lane that close takes the quotient's key.
  constexpr int32_t kSlack = 8;  // 3 ulps, doubled for a t' across a power of two from t
  // key - kSlack < start <= key + kSlack, as one unsigned compare (wrapping: only NaN keys, whose
  // code is unspecified, can alias; an alias only costs a division)
  const auto near = [&](hn::Vec<decltype(di)> key, hn::Vec<decltype(di)> start) {
    const auto d = hn::Sub(hn::Add(hn::BitCast(du, start), hn::Set(du, kSlack - 1u)), hn::BitCast(du, key));
    return hn::RebindMask(di, hn::Lt(d, hn::Set(du, 2 * kSlack)));
  };
  const auto run = [&](auto encode, auto reciprocal) {
    if (nibbles) EncodeGroups<true, decltype(reciprocal)::value>(x, n, gw, scales, codes, next, encode);
    else EncodeGroups<false, decltype(reciprocal)::value>(x, n, gw, scales, codes, next, encode);
  };
#if HWY_TARGET <= HWY_AVX3
  if (runs.value_mul != 0.0f) {  // the bucket's start and codes by permutes of two vectors each
    static_assert(kernels::detail::CodeRuns::kValueSlack == kSlack && kernels::detail::CodeRuns::kValueBuckets == 32);
    const auto mul = hn::Set(df, runs.value_mul), add = hn::Set(df, runs.value_add), top = hn::Set(df, 31.0f);
    const auto bound_lo = hn::LoadU(di, runs.value_bound.data()), bound_hi = hn::LoadU(di, runs.value_bound.data() + 16);
    const auto pair_lo = hn::LoadU(di, runs.value_codes.data()), pair_hi = hn::LoadU(di, runs.value_codes.data() + 16);
    // checked: near where a start lies within kSlack keys (the bucket's own: no other is that close)
    const auto encode = [&](hn::Vec<decltype(df)> t, size_t, auto check, hn::Mask<decltype(di)>& near_out) {
      const auto key = key_of_t(t);
      const auto b = TruncateInRange(di, hn::Min(hn::Max(hn::MulAdd(t, mul, add), hn::Zero(df)), top));
      const auto start = TwoTableLookup(bound_lo, bound_hi, b), pair = TwoTableLookup(pair_lo, pair_hi, b);
      if constexpr (decltype(check)::value) near_out = near(key, start);
      return hn::And(hn::IfThenElse(hn::Gt(start, key), pair, hn::ShiftRight<8>(pair)), hn::Set(di, 0xFF));
    };
    run(encode, std::true_type());
    return;
  }
#endif
  if (padded == 16) {
    const auto table = hn::LoadDup128(du8, runs.code_bytes.data());
    const auto all = hn::LoadU(di, bounds);  // bounds holds 16
    const auto b3 = hn::Set(di, bounds[3]), b7 = hn::Set(di, bounds[7]), b11 = hn::Set(di, bounds[11]);
    // idx's low byte picks the code; the other three bytes of each lane read as zero (0x80)
    const auto code_of = [&](hn::Vec<decltype(di)> idx) {
      return hn::BitCast(di, hn::TableLookupBytes(table, hn::BitCast(du8, hn::Or(idx, hn::Set(di, static_cast<int32_t>(0x80808000u))))));
    };
    if constexpr (hn::MaxLanes(di) == 16) {  // the 16 bounds fill a vector: a 4-step search, the last two by lane permutes
      const auto search = [&](hn::Vec<decltype(di)> key) {
        const auto up = [&](hn::Vec<decltype(di)> at, hn::Vec<decltype(di)> probe, int32_t step) {
          return hn::IfThenElse(hn::Gt(probe, key), at, hn::Add(at, hn::Set(di, step)));
        };
        auto at = up(hn::Zero(di), b7, 8);
        at = up(at, hn::IfThenElse(hn::Gt(b7, key), b3, b11), 4);
        at = up(at, hn::TableLookupLanes(all, hn::IndicesFromVec(di, hn::Add(at, hn::Set(di, 1)))), 2);
        return up(at, hn::TableLookupLanes(all, hn::IndicesFromVec(di, at)), 1);
      };
      // unchecked: the quotient's key; checked: the run of key - kSlack, kept (not near) when
      // the next start is above key + kSlack
      const auto encode = [&](hn::Vec<decltype(df)> t, size_t, auto check, hn::Mask<decltype(di)>& near_out) {
        const auto key = key_of_t(t);
        if constexpr (!decltype(check)::value) return code_of(search(key));
        const auto idx = search(hn::Sub(key, hn::Set(di, kSlack)));
        near_out = hn::Not(hn::Gt(hn::TableLookupLanes(all, hn::IndicesFromVec(di, idx)), hn::Add(key, hn::Set(di, kSlack))));
        return code_of(idx);
      };
      run(encode, std::true_type());
    } else {  // less one per start above the key
      const auto encode = [&](hn::Vec<decltype(df)> t, size_t, auto, hn::Mask<decltype(di)>&) {  // of quotients
        const auto key = key_of_t(t);
        auto idx = hn::Set(di, 15);
        for (size_t j = 0; j < 15; ++j) idx = hn::Add(idx, hn::VecFromMask(di, hn::Gt(hn::Set(di, bounds[j]), key)));
        return code_of(idx);
      };
      run(encode, std::false_type());
    }
  } else if (!runs.bucket_bound.empty()) {  // one run start per bucket at most: two gathers
    const int32_t* HWY_RESTRICT bucket_bound = runs.bucket_bound.data();
    const int32_t* HWY_RESTRICT bucket_codes = runs.bucket_codes.data();
    using Runs = kernels::detail::CodeRuns;
    const auto half = hn::Set(di, static_cast<int32_t>(Runs::kBuckets / 2));
    const auto bucket = [&](hn::Vec<decltype(di)> key) { return hn::Add(hn::ShiftRight<Runs::kBucketShift>(key), half); };
    const auto code_at = [&](hn::Vec<decltype(di)> key, hn::Vec<decltype(di)> b, hn::Vec<decltype(di)> start) {
      const auto pair = hn::GatherIndex(di, bucket_codes, b);
      return hn::And(hn::IfThenElse(hn::Gt(start, key), pair, hn::ShiftRight<8>(pair)), hn::Set(di, 0xFF));
    };
    // checked: near where the key is close to its bucket's start, or to a neighbour bucket's
    const auto encode = [&](hn::Vec<decltype(df)> t, size_t, auto check, hn::Mask<decltype(di)>& near_out) {
      const auto key = key_of_t(t), b = bucket(key), start = hn::GatherIndex(di, bucket_bound, b);
      if constexpr (decltype(check)::value) {
        const auto edge = hn::Ne(bucket(hn::Sub(key, hn::Set(di, kSlack))), bucket(hn::Add(key, hn::Set(di, kSlack))));
        near_out = hn::Or(edge, near(key, start));
      }
      return code_at(key, b, start);
    };
    run(encode, std::true_type());
  } else {
    constexpr size_t kChains = 4;  // independent searches in flight: each step waits on a gather
    for (size_t g0 = 0, g = 0; g0 < n; g0 += gw, ++g) {
      const size_t end = std::min(n, g0 + gw);
      for (size_t i = g0; i < end; i += kChains * N) {
        hn::Vec<decltype(di)> key[kChains], idx[kChains];
        size_t count[kChains];
        for (size_t j = 0; j < kChains; ++j) {
          const size_t at = i + j * N;
          count[j] = at < end ? std::min(N, end - at) : 0;
          if (next != nullptr && count[j] != 0) hwy::Prefetch(next + at);
          key[j] = count[j] != 0 ? key_of(x + at, count[j], scales[g]) : hn::Zero(di);
          idx[j] = hn::Zero(di);
        }
        for (size_t step = padded / 2; step >= 1; step /= 2)
          for (size_t j = 0; j < kChains; ++j) {
            const auto probe = hn::Add(idx[j], hn::Set(di, static_cast<int32_t>(step - 1)));
            const auto up = hn::Not(hn::Gt(hn::GatherIndex(di, bounds, probe), key[j]));
            idx[j] = hn::IfThenElse(up, hn::Add(idx[j], hn::Set(di, static_cast<int32_t>(step))), idx[j]);
          }
        for (size_t j = 0; j < kChains; ++j) {
          const auto code = hn::GatherIndex(di, runs.codes.data(), idx[j]);
          if (nibbles) StoreCodes<true>(di, code, codes, i + j * N, count[j]);
          else StoreCodes<false>(di, code, codes, i + j * N, count[j]);
        }
      }
    }
  }
#endif
}

/// Packs codes[0, n) (each < 2^kBits, kBits < 8) into the bit stream's packed_bytes(n, kBits)
/// bytes at out. Eight codes fill kBits bytes: each u64 lane folds its eight bytes by pairs, the
/// halves closing the gaps (bytes -> 2 kBits bits per u16 -> 4 kBits per u32 -> 8 kBits).
template <int kBits>
void PackStream(const uint8_t* HWY_RESTRICT codes, size_t n, uint8_t* HWY_RESTRICT out) {
  size_t done = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::ScalableTag<uint64_t> d64;
  const size_t N = hn::Lanes(d64);
  const auto fold = [&](auto v, auto lo_mask, auto shift) {
    const auto lo = hn::And(v, hn::Set(d64, lo_mask));
    return hn::Or(lo, hn::ShiftRight<decltype(shift)::value>(hn::AndNot(hn::Set(d64, lo_mask), v)));
  };
  HWY_ALIGN uint64_t lanes[hn::MaxLanes(d64)];
  const size_t groups = n / 8;
  for (size_t g = 0; g < groups; g += N) {
    const size_t count = std::min(N, groups - g);
    auto v = LoadUpTo(d64, reinterpret_cast<const uint64_t*>(codes + 8 * g), count);
    v = fold(v, 0x00FF00FF00FF00FFull, std::integral_constant<int, 8 - kBits>{});
    v = fold(v, 0x0000FFFF0000FFFFull, std::integral_constant<int, 16 - 2 * kBits>{});
    v = fold(v, 0x00000000FFFFFFFFull, std::integral_constant<int, 32 - 4 * kBits>{});
    hn::Store(v, d64, lanes);
    for (size_t j = 0; j < count; ++j) std::memcpy(out + (g + j) * kBits, &lanes[j], kBits);  // little-endian
  }
  done = groups * 8;
#endif
  pack_codes({codes + done, n - done}, kBits, {out + done / 8 * kBits, packed_bytes(n - done, kBits)});
}

#define LOWBIT_ENCODE_EXPORTS(B) \
  inline void PackStream##B(const uint8_t* codes, size_t n, uint8_t* out) { PackStream<B>(codes, n, out); }
LOWBIT_ENCODE_EXPORTS(1)
LOWBIT_ENCODE_EXPORTS(2)
LOWBIT_ENCODE_EXPORTS(3)
LOWBIT_ENCODE_EXPORTS(4)
LOWBIT_ENCODE_EXPORTS(5)
LOWBIT_ENCODE_EXPORTS(6)
LOWBIT_ENCODE_EXPORTS(7)
#undef LOWBIT_ENCODE_EXPORTS

#define LOWBIT_ENCODE_INTEGERS(Name, kRound)                                                                \
  inline void Name(const float* x, size_t n, size_t gw, const float* scales, const int32_t* zps, int32_t qmin, \
                   int32_t qmax, uint32_t mask, bool nibbles, uint8_t* codes, const float* next) {          \
    EncodeIntegers<kRound>(x, n, gw, scales, zps, qmin, qmax, mask, nibbles, codes, next);                  \
  }
LOWBIT_ENCODE_INTEGERS(EncodeIntegersEven, IntRound::kEven)
LOWBIT_ENCODE_INTEGERS(EncodeIntegersAway, IntRound::kAway)
LOWBIT_ENCODE_INTEGERS(EncodeIntegersZero, IntRound::kZero)
#undef LOWBIT_ENCODE_INTEGERS

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
