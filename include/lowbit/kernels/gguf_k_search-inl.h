// lowbit: the K-quant quantizers on SIMD, byte-identical to the reference. Their cost is the
// sub-block searches (ggml's make_qkx2_quants, make_qx_quants, make_q3_quants): here one sub-block runs per
// lane, and every lane performs the reference's operations in the reference's order (sums
// element by element, each product rounded on its own, no FMA), so every lane's result is the
// reference's. The rest of each quantizer is the reference's own from_search.

#if defined(LOWBIT_KERNELS_GGUF_K_SEARCH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GGUF_K_SEARCH_INL_H_
#undef LOWBIT_KERNELS_GGUF_K_SEARCH_INL_H_
#else
#define LOWBIT_KERNELS_GGUF_K_SEARCH_INL_H_
#endif

#include <type_traits>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/schemes/gguf.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// gguf::nearest_int per lane (the 1.5 * 2^23 trick, bit for bit); f is rounded first.
template <class DF>
HWY_INLINE hn::Vec<hn::RebindToSigned<DF>> NearestInt(DF df, hn::Vec<DF> f) {
  const hn::RebindToSigned<DF> di;
  const auto v = hn::BitCast(di, hn::Add(NoContract(f), hn::Set(df, 12582912.0f)));
  return hn::Sub(hn::And(v, hn::Set(di, 0x007FFFFF)), hn::Set(di, 0x00400000));
}

/// Sub-blocks of kN elements in lanes: element i of lane j at [i * G + j], G = Lanes(df).
template <size_t kN, class DF>
struct LaneBlocks {
  static constexpr size_t G = hn::MaxLanes(DF());
  HWY_ALIGN float x[kN * G];
  HWY_ALIGN float w[kN * G];
  HWY_ALIGN int32_t L[kN * G];    ///< the best codes so far
  HWY_ALIGN int32_t aux[kN * G];  ///< the codes of the current trial
  hn::Vec<DF> X(size_t i) const { return hn::Load(DF(), x + i * G); }
  hn::Vec<DF> W(size_t i) const { return hn::Load(DF(), w + i * G); }
  /// Lanes of sub-blocks first .. first + G - 1 of a block (n sub-blocks of kN from src).
  void Gather(const float* HWY_RESTRICT src, size_t first) {
    for (size_t j = 0; j < G; ++j)
      for (size_t i = 0; i < kN; ++i) x[i * G + j] = src[(first + j) * kN + i];
  }
  /// Copies aux into L in the lanes of `better`.
  void Keep(hn::Mask<DF> better) {
    const hn::RebindToSigned<DF> di;
    const auto m = hn::RebindMask(di, better);
    for (size_t i = 0; i < kN; ++i)
      hn::Store(hn::IfThenElse(m, hn::Load(di, aux + i * G), hn::Load(di, L + i * G)), di, L + i * G);
  }
  /// L back in element order, plus `bias`, zeroed in the lanes of `zero`.
  template <class T>
  void Scatter(T* HWY_RESTRICT dst, size_t first, int bias, hn::Mask<DF> zero) const {
    HWY_ALIGN float z[G];
    hn::Store(hn::IfThenElseZero(zero, hn::Set(DF(), 1.0f)), DF(), z);
    for (size_t j = 0; j < G; ++j)
      for (size_t i = 0; i < kN; ++i) dst[(first + j) * kN + i] = static_cast<T>(z[j] != 0.0f ? 0 : L[i * G + j] + bias);
  }
};

/// make_qkx2_quants (affine levels in [0, kNmax], min <= 0, nstep + 1 trial scales) per lane;
/// b.w holds the weights. Returns the scales; neg_min gets -min.
template <size_t kN, int kNmax, class DF>
HWY_INLINE hn::Vec<DF> Qkx2Lanes(DF df, LaneBlocks<kN, DF>& b, float rmin, float rdelta, int nstep, bool use_mad,
                                 hn::Vec<DF>& neg_min, hn::Mask<DF>& flat) {
  using V = hn::Vec<DF>;
  const hn::RebindToSigned<DF> di;
  constexpr size_t G = LaneBlocks<kN, DF>::G;
  const V zero = hn::Zero(df), nmax = hn::Set(df, static_cast<float>(kNmax));
  V mn = b.X(0), mx = b.X(0), sum_w = b.W(0);
  V sum_x = NoContract(hn::Mul(sum_w, b.X(0)));
  for (size_t i = 1; i < kN; ++i) {
    const V x = b.X(i), w = b.W(i);
    mn = hn::IfThenElse(hn::Lt(x, mn), x, mn);
    mx = hn::IfThenElse(hn::Gt(x, mx), x, mx);
    sum_w = hn::Add(sum_w, w);
    sum_x = hn::Add(sum_x, NoContract(hn::Mul(w, x)));
  }
  mn = hn::IfThenElse(hn::Gt(mn, zero), zero, mn);
  flat = hn::Eq(mx, mn);
  const auto err = [&](V d) { return use_mad ? hn::Abs(d) : NoContract(hn::Mul(d, d)); };
  const auto level = [&](V iscale, V x) {
    return hn::Min(hn::Max(NearestInt(df, hn::Mul(iscale, hn::Sub(x, mn))), hn::Zero(di)), hn::Set(di, kNmax));
  };
  const auto error = [&](V scale, V min, const int32_t* L) {
    V e = zero;
    for (size_t i = 0; i < kN; ++i) {
      const V q = hn::ConvertTo(df, hn::Load(di, L + i * G));
      e = hn::Add(e, NoContract(hn::Mul(b.W(i), err(hn::Sub(hn::Add(NoContract(hn::Mul(scale, q)), min), b.X(i))))));
    }
    return e;
  };
  V iscale = hn::Div(nmax, hn::Sub(mx, mn));
  V scale = hn::Div(hn::Set(df, 1.0f), iscale);
  for (size_t i = 0; i < kN; ++i) hn::Store(level(iscale, b.X(i)), di, b.L + i * G);
  V best = error(scale, mn, b.L);
  for (int is = 0; nstep >= 1 && is <= nstep; ++is) {
    const V num = hn::Add(hn::Add(hn::Set(df, rmin), NoContract(hn::Mul(hn::Set(df, rdelta), hn::Set(df, static_cast<float>(is))))), nmax);
    iscale = hn::Div(num, hn::Sub(mx, mn));
    V sl = zero, sl2 = zero, sxl = zero;
    for (size_t i = 0; i < kN; ++i) {
      const V x = b.X(i);
      const auto l = level(iscale, x);
      hn::Store(l, di, b.aux + i * G);
      const V lf = hn::ConvertTo(df, l), wl = NoContract(hn::Mul(b.W(i), lf));
      sl = hn::Add(sl, wl);
      sl2 = hn::Add(sl2, NoContract(hn::Mul(wl, lf)));
      sxl = hn::Add(sxl, NoContract(hn::Mul(wl, x)));
    }
    const V D = hn::Sub(NoContract(hn::Mul(sum_w, sl2)), NoContract(hn::Mul(sl, sl)));
    const auto pos = hn::Gt(D, zero);
    if (hn::AllFalse(df, pos)) continue;
    V ts = hn::Div(hn::Sub(NoContract(hn::Mul(sum_w, sxl)), NoContract(hn::Mul(sum_x, sl))), D);
    V tm = hn::Div(hn::Sub(NoContract(hn::Mul(sl2, sum_x)), NoContract(hn::Mul(sl, sxl))), D);
    const auto mpos = hn::Gt(tm, zero);
    tm = hn::IfThenElse(mpos, zero, tm);
    ts = hn::IfThenElse(mpos, hn::Div(sxl, sl2), ts);
    const V cur = error(ts, tm, b.aux);
    const auto better = hn::And(pos, hn::Lt(cur, best));
    if (hn::AllFalse(df, better)) continue;
    b.Keep(better);
    best = hn::IfThenElse(better, cur, best);
    scale = hn::IfThenElse(better, ts, scale);
    mn = hn::IfThenElse(better, tm, mn);
  }
  neg_min = hn::Neg(mn);
  return hn::IfThenZeroElse(flat, scale);
}

/// gguf::signed_absmax per lane: the first element of largest magnitude; amax gets |it|.
template <size_t kN, class DF>
HWY_INLINE hn::Vec<DF> SignedAbsMaxLanes(DF df, const LaneBlocks<kN, DF>& b, hn::Vec<DF>& amax) {
  amax = hn::Zero(df);
  auto max = hn::Zero(df);
  for (size_t i = 0; i < kN; ++i) {
    const auto a = hn::Abs(b.X(i));
    const auto first = hn::Lt(amax, a);
    amax = hn::IfThenElse(first, a, amax);
    max = hn::IfThenElse(first, b.X(i), max);
  }
  return max;
}

/// make_q3_quants (levels in [-kNmax, kNmax), weights x^2, then at most 5 sweeps of coordinate
/// descent) per lane; L gets the levels + kNmax. A lane whose sweep changed nothing would change
/// nothing again, so sweeping until no lane changes is the reference's early exit.
template <size_t kN, int kNmax, class DF>
HWY_INLINE hn::Vec<DF> Q3Lanes(DF df, LaneBlocks<kN, DF>& b, hn::Mask<DF>& small) {
  using V = hn::Vec<DF>;
  const hn::RebindToSigned<DF> di;
  constexpr size_t G = LaneBlocks<kN, DF>::G;
  const V zero = hn::Zero(df);
  V amax;
  const V max = SignedAbsMaxLanes(df, b, amax);
  small = hn::Lt(amax, hn::Set(df, gguf::kGroupMaxEps));
  const auto level = [&](V v) {
    return hn::Min(hn::Max(NearestInt(df, v), hn::Set(di, -kNmax)), hn::Set(di, kNmax - 1));
  };
  const V iscale = hn::Div(hn::Set(df, static_cast<float>(-kNmax)), max);
  V sumlx = zero, suml2 = zero;
  for (size_t i = 0; i < kN; ++i) {
    const V x = b.X(i);
    const auto l = level(hn::Mul(iscale, x));
    hn::Store(l, di, b.L + i * G);
    const V lf = hn::ConvertTo(df, l), w = NoContract(hn::Mul(x, x));
    sumlx = hn::Add(sumlx, NoContract(hn::Mul(NoContract(hn::Mul(w, x)), lf)));
    suml2 = hn::Add(suml2, NoContract(hn::Mul(NoContract(hn::Mul(w, lf)), lf)));
  }
  for (int itry = 0; itry < 5; ++itry) {
    auto changed = hn::Zero(di);
    for (size_t i = 0; i < kN; ++i) {
      const V x = b.X(i), w = NoContract(hn::Mul(x, x)), wx = NoContract(hn::Mul(w, x));
      const auto l = hn::Load(di, b.L + i * G);
      const V lf = hn::ConvertTo(df, l);
      const V slx = hn::Sub(sumlx, NoContract(hn::Mul(wx, lf)));
      const V sl2 = hn::Sub(suml2, NoContract(hn::Mul(NoContract(hn::Mul(w, lf)), lf)));
      const auto new_l = level(hn::Div(NoContract(hn::Mul(x, sl2)), slx));
      const V nf = hn::ConvertTo(df, new_l);
      const V slx2 = hn::Add(slx, NoContract(hn::Mul(wx, nf)));
      const V sl22 = hn::Add(sl2, NoContract(hn::Mul(NoContract(hn::Mul(w, nf)), nf)));
      const auto better = hn::Gt(NoContract(hn::Mul(NoContract(hn::Mul(slx2, slx2)), suml2)),
                                 NoContract(hn::Mul(NoContract(hn::Mul(sumlx, sumlx)), sl22)));
      const auto take = hn::And(hn::And(hn::Gt(slx, zero), hn::RebindMask(df, hn::Ne(new_l, l))),
                                hn::And(hn::Gt(sl22, zero), better));
      hn::Store(hn::IfThenElse(hn::RebindMask(di, take), new_l, l), di, b.L + i * G);
      sumlx = hn::IfThenElse(take, slx2, sumlx);
      suml2 = hn::IfThenElse(take, sl22, suml2);
      changed = hn::Or(changed, hn::VecFromMask(di, hn::RebindMask(di, take)));
    }
    if (hn::AllTrue(di, hn::Eq(changed, hn::Zero(di)))) break;
  }
  return hn::IfThenZeroElse(small, hn::IfThenZeroElse(hn::Not(hn::Gt(suml2, zero)), hn::Div(sumlx, suml2)));
}

/// make_qx_quants with rmse_type 1 (signed levels, weights x^2, 19 trial scales) per lane;
/// L gets the levels + kNmax. `small` marks the all-zero sub-blocks (scale 0, codes 0).
template <size_t kN, int kNmax, class DF>
HWY_INLINE hn::Vec<DF> QxLanes(DF df, LaneBlocks<kN, DF>& b, hn::Mask<DF>& small) {
  using V = hn::Vec<DF>;
  const hn::RebindToSigned<DF> di;
  constexpr size_t G = LaneBlocks<kN, DF>::G;
  const V zero = hn::Zero(df);
  V amax;
  const V max = SignedAbsMaxLanes(df, b, amax);
  small = hn::Lt(amax, hn::Set(df, gguf::kGroupMaxEps));
  // the weighted sums of one trial scale; its levels go to `out`
  const auto trial = [&](V iscale, int32_t* out, V& sumlx, V& suml2) {
    sumlx = suml2 = zero;
    for (size_t i = 0; i < kN; ++i) {
      const V x = b.X(i);
      const auto l = hn::Min(hn::Max(NearestInt(df, hn::Mul(iscale, x)), hn::Set(di, -kNmax)), hn::Set(di, kNmax - 1));
      hn::Store(l, di, out + i * G);
      const V lf = hn::ConvertTo(df, l), w = NoContract(hn::Mul(x, x));
      sumlx = hn::Add(sumlx, NoContract(hn::Mul(NoContract(hn::Mul(w, x)), lf)));
      suml2 = hn::Add(suml2, NoContract(hn::Mul(NoContract(hn::Mul(w, lf)), lf)));
    }
  };
  V sumlx, suml2;
  trial(hn::Div(hn::Set(df, static_cast<float>(-kNmax)), max), b.L, sumlx, suml2);
  V scale = hn::IfThenElseZero(hn::Ne(suml2, zero), hn::Div(sumlx, suml2));
  V best = NoContract(hn::Mul(scale, sumlx));
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    const V num = hn::Add(hn::Set(df, static_cast<float>(kNmax)), NoContract(hn::Mul(hn::Set(df, 0.1f), hn::Set(df, static_cast<float>(is)))));
    trial(hn::Div(hn::Neg(num), max), b.aux, sumlx, suml2);
    const auto better =
        hn::And(hn::Gt(suml2, zero), hn::Gt(NoContract(hn::Mul(sumlx, sumlx)), NoContract(hn::Mul(best, suml2))));
    if (hn::AllFalse(df, better)) continue;
    b.Keep(better);
    scale = hn::IfThenElse(better, hn::Div(sumlx, suml2), scale);
    best = hn::IfThenElse(better, NoContract(hn::Mul(scale, sumlx)), best);
  }
  return hn::IfThenZeroElse(small, scale);
}

/// Q4_K / Q5_K: 8 sub-blocks of 32, weights av_x + |x| with av_x = sqrt(sum x^2 / 32).
template <class X>
  requires(std::is_same_v<X, gguf::Q4_K> || std::is_same_v<X, gguf::Q5_K>)
void QuantizeBlock(const float* HWY_RESTRICT xb, X& out) {
  using DF = hn::CappedTag<float, 8>;
  const DF df;
  using V = hn::Vec<DF>;
  LaneBlocks<32, DF> b;
  constexpr size_t G = decltype(b)::G;
  float scales[8], mins[8];
  uint8_t L[gguf::kQK_K];
  for (size_t first = 0; first < 8; first += G) {
    b.Gather(xb, first);
    V sum_x2 = hn::Zero(df);
    for (size_t i = 0; i < 32; ++i) sum_x2 = hn::Add(sum_x2, NoContract(hn::Mul(b.X(i), b.X(i))));
    const V av_x = hn::Sqrt(hn::Div(sum_x2, hn::Set(df, 32.0f)));
    for (size_t i = 0; i < 32; ++i) hn::Store(hn::Add(av_x, hn::Abs(b.X(i))), df, b.w + i * G);
    V neg_min;
    hn::Mask<DF> flat;
    hn::StoreU(Qkx2Lanes<32, X::kNmax>(df, b, X::kRmin, 0.1f, X::kSteps, false, neg_min, flat), df, scales + first);
    hn::StoreU(neg_min, df, mins + first);
    b.Scatter(L, first, 0, flat);
  }
  X::from_search(xb, scales, mins, L, out);
}

/// Q2_K: 16 sub-blocks of 16, weights |x|.
inline void QuantizeBlock(const float* HWY_RESTRICT xb, gguf::Q2_K& out) {
  using DF = hn::CappedTag<float, 16>;
  const DF df;
  LaneBlocks<16, DF> b;
  constexpr size_t G = decltype(b)::G;
  float scales[16], mins[16];
  uint8_t L[gguf::kQK_K];
  for (size_t first = 0; first < 16; first += G) {
    b.Gather(xb, first);
    for (size_t i = 0; i < 16; ++i) hn::Store(hn::Abs(b.X(i)), df, b.w + i * G);
    hn::Vec<DF> neg_min;
    hn::Mask<DF> flat;
    hn::StoreU(Qkx2Lanes<16, 3>(df, b, -0.5f, 0.1f, 15, true, neg_min, flat), df, scales + first);
    hn::StoreU(neg_min, df, mins + first);
    b.Scatter(L, first, 0, flat);
  }
  gguf::Q2_K::from_search(xb, scales, mins, L, out);
}

/// Q3_K and Q6_K: 16 sub-blocks of 16, signed levels (Q3_K's by coordinate descent, Q6_K's
/// over 19 trial scales).
template <class X>
  requires(std::is_same_v<X, gguf::Q3_K> || std::is_same_v<X, gguf::Q6_K>)
void QuantizeBlock(const float* HWY_RESTRICT xb, X& out) {
  using DF = hn::CappedTag<float, 16>;
  const DF df;
  constexpr int kNmax = std::is_same_v<X, gguf::Q3_K> ? 4 : 32;
  LaneBlocks<16, DF> b;
  constexpr size_t G = decltype(b)::G;
  float scales[16];
  int8_t L[gguf::kQK_K];
  for (size_t first = 0; first < 16; first += G) {
    b.Gather(xb, first);
    hn::Mask<DF> small;
    if constexpr (std::is_same_v<X, gguf::Q3_K>) hn::StoreU(Q3Lanes<16, kNmax>(df, b, small), df, scales + first);
    else hn::StoreU(QxLanes<16, kNmax>(df, b, small), df, scales + first);
    b.Scatter(L, first, kNmax, small);
  }
  X::from_search(xb, scales, L, out);
}
#endif

template <class X>
void QuantizeKRow(const float* HWY_RESTRICT x, X* HWY_RESTRICT out, size_t nb) {
  for (size_t b = 0; b < nb; ++b) {
#if HWY_TARGET == HWY_SCALAR
    X::quantize(x + b * gguf::kQK_K, out[b]);
#else
    QuantizeBlock(x + b * gguf::kQK_K, out[b]);
#endif
  }
}

// The exported instances (HWY_EXPORT takes plain function names).
inline void QuantizeQ2_K(const float* x, gguf::Q2_K* out, size_t nb) { QuantizeKRow(x, out, nb); }
inline void QuantizeQ3_K(const float* x, gguf::Q3_K* out, size_t nb) { QuantizeKRow(x, out, nb); }
inline void QuantizeQ4_K(const float* x, gguf::Q4_K* out, size_t nb) { QuantizeKRow(x, out, nb); }
inline void QuantizeQ5_K(const float* x, gguf::Q5_K* out, size_t nb) { QuantizeKRow(x, out, nb); }
inline void QuantizeQ6_K(const float* x, gguf::Q6_K* out, size_t nb) { QuantizeKRow(x, out, nb); }

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
