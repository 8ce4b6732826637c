// lowbit: SIMD kernels for the GGUF legacy blocks: quantize (byte-identical to
// quantize_row_*_ref), dequantize (bit-identical) and the partner dot products (exact int32 per
// block, f32 accumulation within the tolerance stated in kernels/gguf.hpp).
// Rows are runs of AoS blocks; nb is the number of blocks.

#if defined(LOWBIT_KERNELS_GGUF_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GGUF_INL_H_
#undef LOWBIT_KERNELS_GGUF_INL_H_
#else
#define LOWBIT_KERNELS_GGUF_INL_H_
#endif

#include <array>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/reduce-inl.h"
#include "lowbit/kernels/stream-inl.h"
#include "lowbit/schemes/gguf.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// lroundf for |v| < 2^23: trunc(v + copysign(0.5, v)). With the sum rounded toward zero
/// (AVX-512's embedded rounding) that is exact: the largest float <= |v| + 0.5 is at least the
/// integer lroundf wants. Rounded to nearest, the sum is exact except at v = +-(0.5 - 2^-25),
/// where it rounds up to 1 (so that value is zeroed). The range needs no overflow fix-up.
template <class DF>
HWY_INLINE hn::Vec<hn::RebindToSigned<DF>> RoundHalfAwayToInt(DF df, hn::Vec<DF> v) {
  const hn::RebindToSigned<DF> di;
#if HWY_TARGET <= HWY_AVX3
  if constexpr (sizeof(v.raw) == 64) {
    hn::Vec<DF> sum;
    sum.raw = _mm512_add_round_ps(v.raw, hn::CopySign(hn::Set(df, 0.5f), v).raw, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    return TruncateInRange(di, sum);
  }
#endif
  const auto sum = hn::Add(v, hn::CopySign(hn::Set(df, 0.5f), v));
  const auto edge = hn::RebindMask(di, hn::Eq(hn::Abs(v), hn::Set(df, 0.49999997f)));
  return hn::IfThenZeroElse(edge, TruncateInRange(di, sum));
}

/// acc | (x * 0): NaN bits once any x was Inf or NaN (x * 0 of a finite x is a signed zero).
/// The loop-carried step is a 1-cycle OR, not a 4-cycle FMA.
template <class DF>
HWY_INLINE hn::Vec<DF> WithNonFinite(DF df, hn::Vec<DF> acc, hn::Vec<DF> x) {
  return hn::Or(acc, hn::Mul(x, hn::Zero(df)));
}

/// f16 bits that are not Inf or NaN (exponent field not all ones).
HWY_INLINE bool F16Finite(uint16_t h) { return (h & 0x7C00) != 0x7C00; }

/// Lanes k of d and id (one per block of a batch) to ds[k], ids[k], and d's f16 bits to d16[k];
/// false when one of those f16 is not finite.
template <class DF>
HWY_INLINE bool StoreBlockScales(DF df, hn::Vec<DF> d, hn::Vec<DF> id, float* HWY_RESTRICT ds, float* HWY_RESTRICT ids,
                                 uint16_t* HWY_RESTRICT d16) {
  hn::StoreU(d, df, ds);
  hn::StoreU(id, df, ids);
#if HWY_TARGET <= HWY_AVX2
  const hn::Rebind<hwy::float16_t, DF> dh;
  const hn::RebindToUnsigned<decltype(dh)> du16;
  const auto h = hn::BitCast(du16, hn::DemoteTo(dh, d));  // vcvtps2ph: round to nearest even
  hn::StoreU(h, du16, d16);
  const auto exp = hn::Set(du16, 0x7C00);
  return hn::AllFalse(du16, hn::Eq(hn::And(h, exp), exp));
#else  // Highway's DemoteTo without F16C saturates and flushes; the exact scalar rule instead
  bool finite = true;
  for (size_t k = 0; k < hn::Lanes(df); ++k) finite &= F16Finite(d16[k] = F32ToF16(ds[k]));
  return finite;
#endif
}

template <class DF>
HWY_INLINE float MaxAbs32(DF df, const float* HWY_RESTRICT x) {
  auto m = hn::Zero(df);
  for (size_t j = 0; j < gguf::kQK; j += hn::Lanes(df)) m = hn::Max(m, hn::Abs(hn::LoadU(df, x + j)));
  return hn::GetLane(hn::MaxOfLanes(df, m));
}
#endif

#if HWY_TARGET != HWY_SCALAR
/// ggml's signed_absmax of kN floats: amax, and max the first element of that magnitude (0 for
/// an all-zero block), found without a branch per vector (a mispredicted search loop measured
/// half the speed from DRAM). False when there is none (a NaN): the caller's scalar path.
template <size_t kN, class DF>
HWY_INLINE bool SignedAbsMax(DF df, const float* HWY_RESTRICT xb, float& amax, float& max) {
  const size_t L = hn::Lanes(df);
  amax = MaxAbs32(df, xb);
  for (size_t c = gguf::kQK; c < kN; c += gguf::kQK) amax = std::max(amax, MaxAbs32(df, xb + c));
  max = 0.0f;
  if (amax == 0.0f) return true;
  for (size_t c = 0; c < kN; c += gguf::kQK) {
    uint32_t hits = 0;
    for (size_t j = 0; j < gguf::kQK; j += L) {
      uint8_t bits[8] = {};
      hn::StoreMaskBits(df, hn::Eq(hn::Abs(hn::LoadU(df, xb + c + j)), hn::Set(df, amax)), bits);
      uint64_t m;
      std::memcpy(&m, bits, sizeof(m));
      hits |= static_cast<uint32_t>(m << j);
    }
    if (hits != 0) {
      max = xb[c + std::countr_zero(hits)];
      return true;
    }
  }
  return false;
}

/// Block x's scale: f16 d, or MXFP4's E8M0 halved (its codes are twice the element).
template <class X>
HWY_INLINE float LegacyScale(const X& x) {
  if constexpr (requires { x.e; }) return gguf::MXFP4::half_scale(x.e);
  else return F16ToF32(x.d);
}

/// Packs 32 codes (code(j): the int32 codes of elements j, j + 1, ...) in ggml's split-half
/// nibbles (element j low, j + 16 high), and for kBits = 5 their 5th bits as the u32 qh.
template <int kBits, class DF, class Code>
HWY_INLINE void PackCodes(DF df, Code code, uint8_t* HWY_RESTRICT qs, uint8_t* HWY_RESTRICT qh) {
  const hn::RebindToSigned<DF> di;
  const hn::Rebind<uint8_t, decltype(di)> du8;
  const size_t L = hn::Lanes(df);
  uint32_t h = 0;
  const auto high = [&](hn::Vec<decltype(di)> c, size_t j) {
    uint8_t bits[8] = {};
    hn::StoreMaskBits(di, hn::Ne(hn::And(c, hn::Set(di, 16)), hn::Zero(di)), bits);
    uint64_t m;
    std::memcpy(&m, bits, sizeof(m));
    h |= static_cast<uint32_t>(m << j);
  };
  for (size_t j = 0; j < gguf::kQK / 2; j += L) {
    auto lo = code(j), hi = code(j + gguf::kQK / 2);
    if constexpr (kBits == 5) {
      high(lo, j), high(hi, j + gguf::kQK / 2);
      lo = hn::And(lo, hn::Set(di, 15)), hi = hn::And(hi, hn::Set(di, 15));
    }
    hn::StoreU(DemoteToBytes(du8, hn::Or(lo, hn::ShiftLeft<4>(hi))), du8, qs + j);
  }
  if constexpr (kBits == 5) std::memcpy(qh, &h, 4);
}

/// Q4/Q5 codes min(2^kBits - 1, trunc((x - sub) * id + add)) of a 32-float block, the product
/// rounded on its own as in the reference; nonfinite collects x * 0 (NaN once any x is Inf or NaN).
template <int kBits, class DF>
HWY_INLINE void QuantizeNibbles(DF df, const float* HWY_RESTRICT xb, float sub, float id, float add,
                                uint8_t* HWY_RESTRICT qs, uint8_t* HWY_RESTRICT qh, hn::Vec<DF>& nonfinite) {
  const hn::RebindToSigned<DF> di;
  const auto vsub = hn::Set(df, sub), vid = hn::Set(df, id), vadd = hn::Set(df, add);
  PackCodes<kBits>(df, [&](size_t j) {
    const auto xv = hn::LoadU(df, xb + j);
    nonfinite = WithNonFinite(df, nonfinite, xv);
    const auto v = hn::Add(NoContract(hn::Mul(hn::Sub(xv, vsub), vid)), vadd);  // x - 0 is x, signs included
    return hn::Min(TruncateInRange(di, v), hn::Set(di, (1 << kBits) - 1));
  }, qs, qh);
}

/// Row floats at + j = value(the code of element j as int32 lanes) of a block's split-half
/// nibbles, with bit 4 from qh when kBits = 5 (in order where vectors are 16 floats).
template <int kBits, class DF, class Value>
HWY_INLINE void DequantizeNibbles(DF df, const uint8_t* HWY_RESTRICT qs, const uint8_t* HWY_RESTRICT qh,
                                  RowWriter& out, size_t at, Value value) {
  const hn::RebindToSigned<DF> di;
  const hn::Rebind<uint8_t, decltype(di)> du8;
  uint32_t h = 0;
  if constexpr (kBits == 5) std::memcpy(&h, qh, 4);
  const auto with_high = [&](hn::Vec<decltype(di)> q, size_t j) {
    if constexpr (kBits == 5) {
      const auto bit = hn::Shr(hn::Set(di, static_cast<int32_t>(h)), hn::Iota(di, static_cast<int32_t>(j)));
      return hn::Or(q, hn::ShiftLeft<4>(hn::And(bit, hn::Set(di, 1))));
    } else {
      return q;
    }
  };
  for (size_t j = 0; j < gguf::kQK / 2; j += hn::Lanes(df)) {
    const auto q = hn::PromoteTo(di, hn::LoadU(du8, qs + j));
    out.Store(value(with_high(hn::And(q, hn::Set(di, 15)), j)), at + j, hn::Lanes(df));
    out.Store(value(with_high(hn::ShiftRight<4>(q), j + gguf::kQK / 2)), at + j + gguf::kQK / 2, hn::Lanes(df));
  }
}
#endif

/// The reference codec over nb blocks: the scalar target's kernels.
template <class Block>
HWY_INLINE void QuantizeRef(const float* HWY_RESTRICT x, Block* HWY_RESTRICT out, size_t nb) {
  for (size_t b = 0; b < nb; ++b) Block::quantize(x + b * Block::kElems, out[b]);
}
template <class Block>
HWY_INLINE void DequantizeRef(const Block* HWY_RESTRICT in, float* HWY_RESTRICT y, size_t nb) {
  for (size_t b = 0; b < nb; ++b) Block::dequantize(in[b], y + b * Block::kElems);
}

/// The quantize kernels that return bool say whether x was finite and every block's f16 scales
/// too (false may be conservative; the caller then checks precisely). Any f32 input is defined
/// behaviour.
///
/// Q8_0 and Q8_1: d = amax / 127, q = round(x / d) half away from zero; Q8_1's s = d * sum(q).
template <class Block>
inline bool QuantizeQ8(const float* HWY_RESTRICT x, Block* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
  return false;
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<int8_t, decltype(di)> d8;
  constexpr bool kSum = requires { out->s; };
  auto nonfinite = hn::Zero(df);  // WithNonFinite of every v: NaN bits once any v is Inf or NaN
  bool ok = true;
  // nf: the caller's accumulator of WithNonFinite, passed through (a captured one lived in memory,
  // a store-forwarding round trip per vector)
  const auto codes = [&](const float* HWY_RESTRICT xb, float d, float id, Block& o, hn::Vec<decltype(df)> nf) {
    const auto vid = hn::Set(df, id);
    auto sum = hn::Zero(di);
    for (size_t j = 0; j < gguf::kQK; j += hn::Lanes(df)) {
      const auto v = hn::LoadU(df, xb + j);
      nf = WithNonFinite(df, nf, v);
      const auto q = RoundHalfAwayToInt(df, hn::Mul(v, vid));
      // the stored codes (saturated like them): a NaN's INT32_MIN would overflow the sum
      if constexpr (kSum) sum = hn::Add(sum, hn::Max(hn::Min(q, hn::Set(di, 127)), hn::Set(di, -128)));
      hn::StoreU(DemoteToBytes(d8, q), d8, o.qs + j);
    }
    if constexpr (kSum) {
      o.s = F32ToF16(static_cast<float>(hn::GetLane(hn::SumOfLanes(di, sum))) * d);
      ok &= F16Finite(o.s);
    }
    return nf;
  };
  const auto one = [&](size_t b) {
    const float* xb = x + b * gguf::kQK;
    const float d = MaxAbs32(df, xb) / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id)) {  // a subnormal-sized block (or NaN): the reference's x86 quirks, scalar
      Block::quantize(xb, out[b]);
      ok = false;
      return;
    }
    out[b].d = F32ToF16(d);
    ok &= F16Finite(out[b].d);
    nonfinite = codes(xb, d, id, out[b], nonfinite);
  };
  size_t b = 0;
  // N blocks at a time (N lanes): max |x| transpose-reduced, d, 1/d, the finite check and the
  // f16 conversion once per N blocks
  constexpr size_t N = hn::MaxLanes(df);
  for (; b + N <= nb; b += N) {
    const float* xb = x + b * gguf::kQK;
    // two batches ahead: the hardware prefetcher loses the stream in the reduction's load order
    for (size_t i = 0; i < N * gguf::kQK; i += 16) __builtin_prefetch(xb + 2 * N * gguf::kQK + i);
    const auto amax = hn::BitCast(df, minmax_detail::ReduceMaxAbs<minmax_detail::Log2(N)>(df, xb, gguf::kQK, 0));
    const auto d = hn::Div(amax, hn::Set(df, 127.0f));
    const auto id = hn::IfThenElseZero(hn::Ne(d, hn::Zero(df)), hn::Div(hn::Set(df, 1.0f), d));
    if (!hn::AllTrue(df, hn::IsFinite(id))) {
      for (size_t k = 0; k < N; ++k) one(b + k);
      continue;
    }
    HWY_ALIGN float ids[N], ds[N];
    uint16_t d16[N];
    ok &= StoreBlockScales(df, d, id, ds, ids, d16);
    auto nf = nonfinite;
    for (size_t k = 0; k < N; ++k) {
      out[b + k].d = d16[k];
      nf = codes(xb + gguf::kQK * k, ds[k], ids[k], out[b + k], nf);
    }
    nonfinite = nf;
  }
  for (; b < nb; ++b) one(b);
  return ok && hn::AllTrue(df, hn::IsFinite(nonfinite));
#endif
}

template <class Block>
inline void DequantizeQ8(const Block* HWY_RESTRICT in, float* HWY_RESTRICT y, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  DequantizeRef(in, y, nb);
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<int8_t, decltype(di)> d8;
  RowWriter out(y, nb * gguf::kQK, false);
  for (size_t b = 0; b < nb; ++b) {
    const auto d = hn::Set(df, F16ToF32(in[b].d));
    for (size_t j = 0; j < gguf::kQK; j += hn::Lanes(df)) {
      const auto q = hn::PromoteTo(di, hn::LoadU(d8, in[b].qs + j));
      out.Store(hn::Mul(hn::ConvertTo(df, q), d), b * gguf::kQK + j, hn::Lanes(df));
    }
  }
  out.Finish(nb * gguf::kQK);
#endif
}

/// Q4_0 and Q5_0 (SymmetricLegacy<kBits>): d = max / -2^(kBits-1) with max the signed
/// extreme, q = min(2^kBits - 1, trunc(x / d + 2^(kBits-1) + 0.5)).
template <class Block, int kBits>
inline bool QuantizeSymmetric(const float* HWY_RESTRICT x, Block* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
  return false;
#else
  const hn::ScalableTag<float> df;
  constexpr float kOffset = 1 << (kBits - 1);
  auto nonfinite = hn::Zero(df);  // as in QuantizeQ8
  bool ok = true;
  const auto codes = [&](size_t b, float id) {
    uint8_t* qh = nullptr;
    if constexpr (kBits == 5) qh = out[b].qh;
    QuantizeNibbles<kBits>(df, x + b * gguf::kQK, 0.0f, id, kOffset + 0.5f, out[b].qs, qh, nonfinite);  // in [0.5, 2^kBits + 0.5]
  };
  const auto one = [&](size_t b) {
    const float* xb = x + b * gguf::kQK;
    float amax, max;
    const bool found = SignedAbsMax<gguf::kQK>(df, xb, amax, max);
    const float d = max / -kOffset;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!found || !std::isfinite(id)) {  // subnormal-sized (or NaN): the reference, scalar
      Block::quantize(xb, out[b]);
      ok = false;
      return;
    }
    out[b].d = F32ToF16(d);
    ok &= F16Finite(out[b].d);
    codes(b, id);
  };
  size_t b = 0;
  // N blocks at a time (N lanes): the signed absmax from each block's max and min
  // (transpose-reduced), d, 1/d and the f16 conversion in one vector. A block holding both +amax
  // and -amax (the first of them wins), or with a non-finite 1/d, takes the one-block path.
  constexpr size_t N = hn::MaxLanes(df);
  for (; b + N <= nb; b += N) {
    const float* xb = x + b * gguf::kQK;
    for (size_t i = 0; i < N * gguf::kQK; i += 16) __builtin_prefetch(xb + 2 * N * gguf::kQK + i);  // as in QuantizeQ8
    auto lo = hn::Zero(df), hi = lo, bad = lo;
    minmax_detail::Reduce<minmax_detail::Log2(N)>(df, xb, gguf::kQK, 0, lo, hi, bad);
    const auto neg_lo = hn::Neg(lo), amax = hn::Max(hi, neg_lo), zero = hn::Zero(df);
    const auto max = hn::IfThenZeroElse(hn::Eq(amax, zero), hn::IfThenElse(hn::Lt(hi, neg_lo), lo, hi));
    const auto d = hn::Div(max, hn::Set(df, -kOffset));
    const auto id = hn::IfThenElseZero(hn::Ne(d, zero), hn::Div(hn::Set(df, 1.0f), d));
    const auto special = hn::Or(hn::And(hn::Eq(hi, neg_lo), hn::Gt(amax, zero)), hn::Not(hn::IsFinite(id)));
    uint8_t bits[8] = {};
    hn::StoreMaskBits(df, special, bits);
    const uint32_t slow = bits[0] | uint32_t{bits[1]} << 8;
    HWY_ALIGN float ids[N], ds[N];
    uint16_t d16[N];
    StoreBlockScales(df, d, id, ds, ids, d16);
    for (size_t k = 0; k < N; ++k) {
      if (slow >> k & 1) {
        one(b + k);
        continue;
      }
      out[b + k].d = d16[k];
      ok &= F16Finite(d16[k]);
      codes(b + k, ids[k]);
    }
  }
  for (; b < nb; ++b) one(b);
  return ok && hn::AllTrue(df, hn::IsFinite(nonfinite));
#endif
}

/// Q4_1 and Q5_1 (AffineLegacy<kBits>): min and max by the reference's first-wins comparisons
/// (so a zero extreme keeps its sign), d = (max - min) / (2^kBits - 1),
/// q = trunc((x - min) * id + 0.5) (at most 2^kBits - 1 for any block that reaches it).
template <class Block, int kBits>
inline bool QuantizeAffine(const float* HWY_RESTRICT x, Block* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
  return false;
#else
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  auto nonfinite = hn::Zero(df);  // as in QuantizeQ8
  bool ok = true;
  // The first element equal to v: a zero extreme's sign is the first zero's, as in min_max.
  const auto first_equal = [&](const float* xb, float v) {
    for (size_t j = 0;; ++j)
      if (xb[j] == v) return xb[j];
  };
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * gguf::kQK;
    auto lo = hn::LoadU(df, xb), hi = lo;
    for (size_t j = L; j < gguf::kQK; j += L) {
      const auto v = hn::LoadU(df, xb + j);
      lo = hn::Min(lo, v);
      hi = hn::Max(hi, v);
    }
    float min = hn::GetLane(hn::MinOfLanes(df, lo)), max = hn::GetLane(hn::MaxOfLanes(df, hi));
    if (min == 0.0f) min = first_equal(xb, 0.0f);
    if (max == 0.0f) max = first_equal(xb, 0.0f);
    const float d = (max - min) / static_cast<float>((1 << kBits) - 1);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id) || !std::isfinite(d)) {  // subnormal-sized, overflowing (or NaN): the reference
      Block::quantize(xb, out[b]);
      ok = false;
      continue;
    }
    out[b].d = F32ToF16(d);
    out[b].m = F32ToF16(min);
    ok &= F16Finite(out[b].d) && F16Finite(out[b].m);
    uint8_t* qh = nullptr;
    if constexpr (kBits == 5) qh = out[b].qh;
    QuantizeNibbles<kBits>(df, xb, min, id, 0.5f, out[b].qs, qh, nonfinite);
  }
  return ok && hn::AllTrue(df, hn::IsFinite(nonfinite));
#endif
}

/// IQ4_NL (quantize_row_iq4_nl_ref): codes by the nearest table entry of x / d0 (d0 = max /
/// -127; ties to the upper entry, by the same f32 differences as best_index_iq4nl), then
/// d = sum(w v x) / sum(w v^2), w = x^2, summed in element order as the reference sums.
inline void QuantizeIQ4_NLBlocks(const float* HWY_RESTRICT x, gguf::IQ4_NL* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  constexpr auto& kV = codebooks::IQ4NLTable::values;
  alignas(64) float qx[gguf::kQK], q2[gguf::kQK];
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * gguf::kQK;
    float amax, max;
    if (!SignedAbsMax<gguf::kQK>(df, xb, amax, max)) {
      gguf::IQ4_NL::quantize(xb, out[b]);
      continue;
    }
    if (amax < gguf::kGroupMaxEps) {  // d = 0, every code 0
      out[b] = gguf::IQ4_NL{};
      continue;
    }
    const auto id = hn::Set(df, 1 / (max / kV[0]));
    PackCodes<4>(df, [&](size_t j) {
      const auto xv = hn::LoadU(df, xb + j);
      const auto t = hn::Mul(id, xv);
      auto ml = hn::Zero(di);  // the last entry <= t, in [0, 14]
      for (size_t i = 1; i < 15; ++i)
        ml = hn::Sub(ml, hn::VecFromMask(di, hn::RebindMask(di, hn::Le(hn::Set(df, kV[i]), t))));
      const auto mu = hn::Add(ml, hn::Set(di, 1));
      const auto below = hn::RebindMask(di, hn::Lt(hn::Sub(t, Lookup16(df, kV.data(), ml)),
                                                   hn::Sub(Lookup16(df, kV.data(), mu), t)));
      auto l = hn::IfThenElse(below, ml, mu);
      l = hn::IfThenElseZero(hn::RebindMask(di, hn::Gt(t, hn::Set(df, kV[0]))), l);
      l = hn::IfThenElse(hn::RebindMask(di, hn::Ge(t, hn::Set(df, kV[15]))), hn::Set(di, 15), l);
      const auto q = Lookup16(df, kV.data(), l);
      const auto wq = hn::Mul(hn::Mul(xv, xv), q);
      hn::Store(hn::Mul(wq, xv), df, qx + j);
      hn::Store(hn::Mul(wq, q), df, q2 + j);
      return l;
    }, out[b].qs, nullptr);
    float sumqx = 0.0f, sumq2 = 0.0f;
    for (size_t j = 0; j < gguf::kQK; ++j) sumqx += qx[j], sumq2 += q2[j];
    out[b].d = F32ToF16(sumqx / sumq2);
  }
#endif
}

/// MXFP4 (ggml's rule): the shared exponent from amax, then each element's argmin over the 16
/// values |kValues[i] * d - x| (the first minimum wins).
inline void QuantizeMXFP4Blocks(const float* HWY_RESTRICT x, gguf::MXFP4* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * gguf::kQK;
    out[b].e = gguf::MXFP4::shared_exponent(MaxAbs32(df, xb));
    const float d = gguf::MXFP4::half_scale(out[b].e);
    float v[16];
    for (size_t i = 0; i < 16; ++i) v[i] = gguf::MXFP4::kValues[i] * d;
    PackCodes<4>(df, [&](size_t j) {
      const auto xv = hn::LoadU(df, xb + j);
      auto best = hn::Zero(di);
      auto best_err = hn::Abs(hn::Sub(hn::Set(df, v[0]), xv));
      for (int i = 1; i < 16; ++i) {
        const auto err = hn::Abs(hn::Sub(hn::Set(df, v[i]), xv));
        const auto lt = hn::Lt(err, best_err);
        best = hn::IfThenElse(hn::RebindMask(di, lt), hn::Set(di, i), best);
        best_err = hn::IfThenElse(lt, err, best_err);
      }
      return best;
    }, out[b].qs, nullptr);
  }
#endif
}

/// Dequantize of the nibble blocks, bit-identical: Q4_0, Q5_0 (q - offset) * d; Q4_1, Q5_1
/// q * d + m (two roundings); IQ4_NL, MXFP4 their values times the scale.
template <class Block>
inline void DequantizeLegacy(const Block* HWY_RESTRICT in, float* HWY_RESTRICT y, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  DequantizeRef(in, y, nb);
#else
  using gguf::Q4_0, gguf::Q4_1, gguf::Q5_0, gguf::Q5_1, gguf::IQ4_NL, gguf::MXFP4;
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  constexpr int kBits = std::is_same_v<Block, Q5_0> || std::is_same_v<Block, Q5_1> ? 5 : 4;
  alignas(64) float table[16];
  if constexpr (std::is_same_v<Block, IQ4_NL>)
    for (size_t i = 0; i < 16; ++i) table[i] = codebooks::IQ4NLTable::values[i];
  else if constexpr (std::is_same_v<Block, MXFP4>)
    for (size_t i = 0; i < 16; ++i) table[i] = MXFP4::kValues[i];
  RowWriter out(y, nb * gguf::kQK, false);
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* qh = nullptr;
    if constexpr (kBits == 5) qh = in[b].qh;
    const size_t at = b * gguf::kQK;
    if constexpr (std::is_same_v<Block, Q4_0> || std::is_same_v<Block, Q5_0>) {
      const auto d = hn::Set(df, F16ToF32(in[b].d));
      DequantizeNibbles<kBits>(df, in[b].qs, qh, out, at, [&](auto q) {
        return hn::Mul(hn::ConvertTo(df, hn::Sub(q, hn::Set(di, 1 << (kBits - 1)))), d);
      });
    } else if constexpr (std::is_same_v<Block, Q4_1> || std::is_same_v<Block, Q5_1>) {
      const auto d = hn::Set(df, F16ToF32(in[b].d)), m = hn::Set(df, F16ToF32(in[b].m));
      DequantizeNibbles<kBits>(df, in[b].qs, qh, out, at, [&](auto q) {
        return hn::Add(NoContract(hn::Mul(hn::ConvertTo(df, q), d)), m);
      });
    } else {
      const auto d = hn::Set(df, LegacyScale(in[b]));
      DequantizeNibbles<4>(df, in[b].qs, qh, out, at, [&](auto q) { return hn::Mul(Lookup16(df, table, q), d); });
    }
  }
  out.Finish(nb * gguf::kQK);
#endif
}

#if HWY_TARGET != HWY_SCALAR
/// The codes of elements [k * N, k * N + N) of a split-half nibble block (element j low,
/// j + 16 high), N = Lanes(du8) of 16 or 32, as unsigned bytes.
template <class DU8>
HWY_INLINE hn::Vec<DU8> Nibbles(DU8 du8, const uint8_t* HWY_RESTRICT qs, size_t k) {
  if constexpr (hn::MaxLanes(du8) >= 32) {
    const hn::Half<DU8> dh;
    const auto q = hn::LoadU(dh, qs);
    return hn::Combine(du8, hn::And(hn::ShiftRight<4>(q), hn::Set(dh, 0xF)), hn::And(q, hn::Set(dh, 0xF)));
  } else {
    const auto q = hn::LoadU(du8, qs);
    return k == 0 ? hn::And(q, hn::Set(du8, 0xF)) : hn::ShiftRight<4>(q);
  }
}

/// 16 in the lanes of elements [k * N, k * N + N) whose bit is set in Q5's 32-bit qh.
template <class DU8>
HWY_INLINE hn::Vec<DU8> HighBits(DU8 du8, const uint8_t* HWY_RESTRICT qh, size_t k) {
  const hn::Repartition<uint32_t, DU8> du32;
  alignas(16) static constexpr uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  uint32_t h;
  std::memcpy(&h, qh, 4);
  // lane i reads byte (k * N + i) / 8 of qh (every 128-bit block holds all four)
  const auto byte = hn::TableLookupBytes(hn::BitCast(du8, hn::Set(du32, h)),
                                         hn::ShiftRight<3>(hn::Iota(du8, static_cast<uint8_t>(k * hn::Lanes(du8)))));
  const auto bit = hn::LoadDup128(du8, kBit);
  return hn::IfThenElseZero(hn::Eq(hn::And(byte, bit), bit), hn::Set(du8, 16));
}

/// A 16-entry byte table indexed by nibbles (each 128-bit block looks up its own copy).
template <class DU8>
HWY_INLINE hn::Vec<DU8> LookupNibbles(DU8 du8, const uint8_t* HWY_RESTRICT table, hn::Vec<DU8> nibbles) {
  return hn::TableLookupBytes(hn::LoadDup128(du8, table), nibbles);
}

#if HWY_TARGET <= HWY_AVX3
/// The codes of blocks x[0] and x[1] of split-half nibbles as 64 bytes, x[0]'s 32 first. Reads
/// 64 bytes from x[0].qs, so x[0..3] must exist.
template <class DU8, class X>
HWY_INLINE hn::Vec<DU8> PairNibbles(DU8 du8, const X* HWY_RESTRICT x) {
#if HWY_TARGET == HWY_AVX3_DL
  static_assert(offsetof(X, qs) + 64 <= 4 * sizeof(X));
  // one vpermb puts each block's 16 bytes twice; the second copy is shifted down a nibble
  static constexpr auto kIdx = [] {
    std::array<uint8_t, 64> t{};
    for (size_t i = 0; i < 64; ++i) t[i] = static_cast<uint8_t>(i / 32 * sizeof(X) + i % 16);
    return t;
  }();
  static constexpr auto kShift = [] {
    std::array<uint16_t, 32> t{};
    for (size_t i = 0; i < 32; ++i) t[i] = i / 8 % 2 * 4;
    return t;
  }();
  const hn::Repartition<uint16_t, DU8> du16;
  const auto bytes = PermuteBytes64(hn::LoadU(du8, x[0].qs), hn::LoadU(du8, kIdx.data()));
  const auto shifted = hn::BitCast(du8, hn::Shr(hn::BitCast(du16, bytes), hn::LoadU(du16, kShift.data())));
  return hn::And(shifted, hn::Set(du8, 0xF));
#else
  const hn::Half<DU8> dh;
  return hn::Combine(du8, Nibbles(dh, x[1].qs, 0), Nibbles(dh, x[0].qs, 0));
#endif
}

/// Lane i < n (n <= 16): scale(x[i]) * dy[i]; the affine blocks (Q4_1/Q5_1 with Q8_1) add m * s
/// to `mins`. The scale fields come by masked gathers of each block's 4 bytes at the field:
/// 16 scalar copies per chunk were a third of the dot's time. (Measured on cores that lscpu
/// reports "Gather data sampling: Not affected"; the Downfall microcode makes gathers slower.)
template <class X, class Y>
HWY_INLINE __m512 BlockScales(const X* HWY_RESTRICT x, const Y* HWY_RESTRICT y, size_t n, __m512& mins) {
  const __mmask16 k = static_cast<__mmask16>((1u << n) - 1);
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const auto fields = [&](const auto* blocks, const void* field) {
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), k,
                                       _mm512_mullo_epi32(lane, _mm512_set1_epi32(sizeof *blocks)), field, 1);
  };
  const auto f16_low = [](__m512i v) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(v)); };
  const auto f16_high = [&](__m512i v) { return f16_low(_mm512_srli_epi32(v, 16)); };
  static_assert(offsetof(Y, d) + 4 <= sizeof(Y));
  const __m512i gy = fields(y, &y->d);
  if constexpr (requires(const X& b) { b.e; }) {  // MXFP4::half_scale: 2^(e - 128), subnormal for e < 2
    static_assert(offsetof(X, e) + 4 <= sizeof(X));
    const __m512i e = _mm512_and_si512(fields(x, &x->e), _mm512_set1_epi32(0xFF));
    const __mmask16 tiny = _mm512_cmplt_epu32_mask(e, _mm512_set1_epi32(2));
    const __m512i bits = _mm512_mask_sllv_epi32(_mm512_slli_epi32(_mm512_sub_epi32(e, _mm512_set1_epi32(1)), 23), tiny,
                                                _mm512_set1_epi32(0x00200000), e);
    return _mm512_mul_ps(_mm512_castsi512_ps(bits), f16_low(gy));
  } else {
    static_assert(offsetof(X, d) + 4 <= sizeof(X));
    const __m512i gx = fields(x, &x->d);
    if constexpr (requires(const X& b) { b.m; }) {  // m and s follow d in their blocks
      static_assert(offsetof(X, m) == offsetof(X, d) + 2 && offsetof(Y, s) == offsetof(Y, d) + 2);
      mins = _mm512_fmadd_ps(f16_high(gx), f16_high(gy), mins);
    }
    return _mm512_mul_ps(f16_low(gx), f16_low(gy));
  }
}

/// Lanes 0..7: 2p, lanes 8..15: 2p + 1 (block pair p's scales out of BlockScales' 16).
inline constexpr auto kPairScaleLanes = [] {
  std::array<int32_t, 8 * 16> t{};
  for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<int32_t>(i / 16 * 2 + i % 16 / 8);
  return t;
}();
#endif

/// The shared loop of the legacy dots: per block, the int32 lane sums of the codes (plus kBias,
/// as u8) times y's bytes, minus kBias times y's bytes, scaled by scale(x) * dy; plus m * s for
/// the affine blocks (Q4_1/Q5_1 with Q8_1). `codes(du8, x, k)`: bytes [k * N, k * N + N) of one
/// block's codes; `pair_codes(du8, x)`: the 64 codes of blocks x[0] and x[1] (AVX-512 only; it
/// may read up to x[3]).
/// kSigned (targets without VNNI, kBias = 128): the codes as signed bytes by DotSignedBytes,
/// whose one inexact case, a y byte of -128, sends the whole dot back through the unsigned path.
template <uint8_t kBias, bool kSigned = LOWBIT_HAVE_MADDUBS_DOT && kBias == 128, class X, class Y, class Codes,
          class PairCodes>
LOWBIT_VNNI_ATTR HWY_INLINE float DotLegacy(const X* HWY_RESTRICT x, const Y* HWY_RESTRICT y, size_t nb, Codes codes,
                                            [[maybe_unused]] PairCodes pair_codes) {
  const hn::CappedTag<int32_t, 8> d32;
  const hn::Rebind<float, decltype(d32)> df;
  const hn::Repartition<uint8_t, decltype(d32)> du8;
  const hn::Repartition<int8_t, decltype(d32)> d8;
  constexpr size_t kSteps = gguf::kQK / hn::MaxLanes(du8);
  constexpr bool kAffine = requires { x->m; };
  auto ymin = hn::Zero(d8);  // kSigned: the least y byte of the 256-bit path
  // sum(codes * y) - kBias * sum(y), an int32 per lane
  const auto dot = [&ymin](auto d, auto acc, auto q, auto yq) LOWBIT_VNNI_ATTR {
    if constexpr (kBias < 128) {
      return DotSmallBytes<kBias>(d, acc, q, yq);
#if LOWBIT_HAVE_MADDUBS_DOT
    } else if constexpr (kSigned && sizeof(yq.raw) == sizeof(ymin.raw)) {
      ymin = hn::Min(ymin, yq);
      return DotSignedBytes(d, acc, hn::BitCast(hn::Repartition<int8_t, decltype(d)>(), hn::Xor(q, hn::Set(hn::Repartition<uint8_t, decltype(d)>(), 0x80))), yq);
#endif
    } else {
      return DotBiasedBytes<kBias>(d, acc, q, yq);
    }
  };
  auto acc0 = hn::Zero(df), acc1 = hn::Zero(df);
  float mins = 0.0f;  // the affine blocks' m * s
  size_t b = 0;
#if HWY_TARGET <= HWY_AVX3
  {  // two blocks per 512-bit vector (lanes 0..7 block b, 8..15 block b + 1) and the scales of
     // 16 blocks at a time; pairs run while b + 4 <= nb (pair_codes' reads)
    const hn::Twice<decltype(d32)> dw32;
    const hn::Rebind<float, decltype(dw32)> dwf;
    const hn::Repartition<uint8_t, decltype(dw32)> dwu8;
    const hn::Repartition<int8_t, decltype(dw32)> dw8;
    auto wacc = hn::Zero(dwf), wmins = hn::Zero(dwf);
    const auto pairs_from = [nb](size_t at) { return nb - at >= 4 ? std::min<size_t>(8, (nb - at - 2) / 2) : 0; };
    size_t pairs = pairs_from(b);
    __m512 next = pairs ? BlockScales(x + b, y + b, 2 * pairs, wmins.raw) : _mm512_setzero_ps();
    for (size_t after; pairs; pairs = after) {
      const hn::Vec<decltype(dwf)> scales{next};
      after = pairs_from(b + 2 * pairs);
      if (after) next = BlockScales(x + b + 2 * pairs, y + b + 2 * pairs, 2 * after, wmins.raw);
      for (size_t p = 0; p < pairs; ++p, b += 2) {
        const auto yq = hn::Combine(dw8, hn::LoadU(d8, y[b + 1].qs), hn::LoadU(d8, y[b].qs));
        const auto sum = dot(dw32, hn::Zero(dw32), pair_codes(dwu8, x + b), yq);
        const auto scale = hn::TableLookupLanes(scales, hn::SetTableIndices(dwf, kPairScaleLanes.data() + 16 * p));
        wacc = hn::MulAdd(hn::ConvertTo(dwf, sum), scale, wacc);
      }
    }
    acc0 = hn::Add(hn::LowerHalf(df, wacc), hn::UpperHalf(df, wacc));
    if constexpr (kAffine) mins = hn::GetLane(hn::SumOfLanes(dwf, wmins));
  }
#endif
  for (; b < nb; ++b) {
    auto s = hn::Zero(d32);
    for (size_t k = 0; k < kSteps; ++k) s = dot(d32, s, codes(du8, x[b], k), hn::LoadU(d8, y[b].qs + k * hn::MaxLanes(du8)));
    const auto scale = hn::Set(df, LegacyScale(x[b]) * F16ToF32(y[b].d));
    // two accumulators: the FMA latency, not the throughput, would bound one
    if (b & 1) acc1 = hn::MulAdd(hn::ConvertTo(df, s), scale, acc1);
    else acc0 = hn::MulAdd(hn::ConvertTo(df, s), scale, acc0);
    if constexpr (kAffine) mins += F16ToF32(x[b].m) * F16ToF32(y[b].s);
  }
  if constexpr (kSigned)
    if (!hn::AllFalse(d8, hn::Eq(ymin, hn::Set(d8, -128)))) return DotLegacy<kBias, false>(x, y, nb, codes, pair_codes);
  return hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0, acc1))) + mins;
}

/// The values (plus 128, as u8) of the non-linear 4-bit blocks' codes.
template <class X>
inline constexpr auto kBiasedValues = [] {
  std::array<uint8_t, 16> t{};
  for (size_t i = 0; i < 16; ++i) {
    if constexpr (std::is_same_v<X, gguf::IQ4_NL>)
      t[i] = static_cast<uint8_t>(static_cast<int>(codebooks::IQ4NLTable::values[i]) + 128);
    else
      t[i] = static_cast<uint8_t>(static_cast<int>(gguf::MXFP4::kValues[i]) + 128);
  }
  return t;
}();
#endif

/// The legacy dots, one kernel: X with its partner (Q4_0, Q5_0, Q8_0, IQ4_NL, MXFP4 x Q8_0;
/// Q4_1, Q5_1 x Q8_1).
template <class X>
LOWBIT_VNNI_ATTR inline float DotLegacyBlocks(const X* HWY_RESTRICT x, const typename X::partner* HWY_RESTRICT y,
                                              size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  return gguf::vec_dot(x, y, nb);
#else
  using gguf::Q4_0, gguf::Q4_1, gguf::Q5_0, gguf::Q5_1, gguf::Q8_0, gguf::IQ4_NL, gguf::MXFP4;
  // two blocks' codes from one block's (PairNibbles where the codes are plain nibbles)
  [[maybe_unused]] const auto two = [](auto codes) {
    return [codes](auto du8, const X* xb) {
      const hn::Half<decltype(du8)> dh;
      return hn::Combine(du8, codes(dh, xb[1], 0), codes(dh, xb[0], 0));
    };
  };
  if constexpr (std::is_same_v<X, Q8_0>) {  // x + 128 as unsigned bytes (a sign-bit flip)
    const auto codes = [](auto du8, const X& xb, size_t k) {
      return hn::Xor(hn::LoadU(du8, reinterpret_cast<const uint8_t*>(xb.qs) + k * hn::MaxLanes(du8)), hn::Set(du8, 0x80));
    };
    return DotLegacy<128>(x, y, nb, codes, two(codes));
  } else if constexpr (std::is_same_v<X, Q4_0> || std::is_same_v<X, Q4_1>) {
    return DotLegacy<std::is_same_v<X, Q4_0> ? 8 : 0>(
        x, y, nb, [](auto du8, const X& xb, size_t k) { return Nibbles(du8, xb.qs, k); },
        [](auto du8, const X* xb) { return PairNibbles(du8, xb); });
  } else if constexpr (std::is_same_v<X, Q5_0> || std::is_same_v<X, Q5_1>) {
    const auto codes = [](auto du8, const X& xb, size_t k) { return hn::Or(Nibbles(du8, xb.qs, k), HighBits(du8, xb.qh, k)); };
    return DotLegacy<std::is_same_v<X, Q5_0> ? 16 : 0>(x, y, nb, codes, two(codes));
  } else {
    static_assert(std::is_same_v<X, IQ4_NL> || std::is_same_v<X, MXFP4>);
    return DotLegacy<128>(
        x, y, nb,
        [](auto du8, const X& xb, size_t k) { return LookupNibbles(du8, kBiasedValues<X>.data(), Nibbles(du8, xb.qs, k)); },
        [](auto du8, const X* xb) { return LookupNibbles(du8, kBiasedValues<X>.data(), PairNibbles(du8, xb)); });
  }
#endif
}

// The exported entry points (Highway exports plain functions).
#define LOWBIT_LEGACY_CODEC(T, QUANTIZE, DEQUANTIZE)                                                            \
  inline auto Quantize##T(const float* x, gguf::T* out, size_t nb) { return QUANTIZE(x, out, nb); }      \
  inline void Dequantize##T(const gguf::T* in, float* y, size_t nb) { DEQUANTIZE(in, y, nb); }
LOWBIT_LEGACY_CODEC(Q8_0, QuantizeQ8, DequantizeQ8)
LOWBIT_LEGACY_CODEC(Q8_1, QuantizeQ8, DequantizeQ8)
LOWBIT_LEGACY_CODEC(Q4_0, (QuantizeSymmetric<gguf::Q4_0, 4>), DequantizeLegacy)
LOWBIT_LEGACY_CODEC(Q5_0, (QuantizeSymmetric<gguf::Q5_0, 5>), DequantizeLegacy)
LOWBIT_LEGACY_CODEC(Q4_1, (QuantizeAffine<gguf::Q4_1, 4>), DequantizeLegacy)
LOWBIT_LEGACY_CODEC(Q5_1, (QuantizeAffine<gguf::Q5_1, 5>), DequantizeLegacy)
LOWBIT_LEGACY_CODEC(IQ4_NL, QuantizeIQ4_NLBlocks, DequantizeLegacy)
LOWBIT_LEGACY_CODEC(MXFP4, QuantizeMXFP4Blocks, DequantizeLegacy)
#undef LOWBIT_LEGACY_CODEC

#define LOWBIT_LEGACY_DOT(T) \
  LOWBIT_VNNI_ATTR inline float Dot##T(const gguf::T* x, const gguf::T::partner* y, size_t nb) { return DotLegacyBlocks(x, y, nb); }
LOWBIT_LEGACY_DOT(Q4_0)
LOWBIT_LEGACY_DOT(Q4_1)
LOWBIT_LEGACY_DOT(Q5_0)
LOWBIT_LEGACY_DOT(Q5_1)
LOWBIT_LEGACY_DOT(Q8_0)
LOWBIT_LEGACY_DOT(IQ4_NL)
LOWBIT_LEGACY_DOT(MXFP4)
#undef LOWBIT_LEGACY_DOT

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
