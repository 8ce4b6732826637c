// lowbit: the ops Highway 1.0.3 lacks, written once: a portable form from 1.0.3's ops plus the
// x86 fast path (AVX-512 VNNI vpdpbusd, masked loads/stores, F16C). Kernels use only these.
//
// The scalar-fallback decision: g++ 12.2 marks EMU128 broken, so Highway's fallback target is
// HWY_SCALAR (one lane; no table lookups, no byte repartitions). Instead of imposing -march
// flags, every lowbit kernel runs the portable scalar code (kernels/scalar.hpp, the reference
// rules) on HWY_SCALAR, which is only chosen on x86 CPUs without SSSE3. So nothing here is
// compiled for HWY_SCALAR.

#if defined(LOWBIT_KERNELS_COMPAT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_COMPAT_INL_H_
#undef LOWBIT_KERNELS_COMPAT_INL_H_
#else
#define LOWBIT_KERNELS_COMPAT_INL_H_
#endif

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "hwy/highway.h"
#include "lowbit/core/half.hpp"

#undef LOWBIT_HAVE_VNNI
#undef LOWBIT_VNNI_ATTR
#if HWY_TARGET == HWY_AVX3_DL || (HWY_TARGET == HWY_AVX3 && defined(__AVX512VNNI__))
#define LOWBIT_HAVE_VNNI 1
#else
#define LOWBIT_HAVE_VNNI 0
#endif

// Highway 1.0.3's AVX3_DL target string names avxvnni (VEX) but not avx512vnni, so the VNNI
// intrinsics need it added; clang replaces (not extends) the pragma's target, hence the full string.
// Every function on a call path to DotBytes carries LOWBIT_VNNI_ATTR (always_inline callees must
// not have more target features than their callers).
#if LOWBIT_HAVE_VNNI && HWY_TARGET == HWY_AVX3_DL
#define LOWBIT_VNNI_ATTR __attribute__((target(HWY_TARGET_STR ",avx512vnni")))
#else
#define LOWBIT_VNNI_ATTR
#endif

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

/// f16 bits -> f32, exact; F16C where the target has it.
HWY_INLINE float F16ToF32(uint16_t h) {
#if HWY_TARGET <= HWY_AVX2
  return _cvtsh_ss(h);
#else
  return f16_bits_to_f32(h);
#endif
}

/// f32 -> f16 bits, round to nearest even (as f32_to_f16_bits); F16C where the target has it.
HWY_INLINE uint16_t F32ToF16(float f) {
#if HWY_TARGET <= HWY_AVX2
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
#else
  return f32_to_f16_bits(f);
#endif
}

#if HWY_TARGET != HWY_SCALAR


/// acc[i] += a[4i]*b[4i] + ... + a[4i+3]*b[4i+3] with a unsigned and b signed bytes, exact
/// (vpdpbusd without saturation). The lane grouping is kept, so GEMM panels may rely on it.
template <class D32>
LOWBIT_VNNI_ATTR HWY_INLINE hn::Vec<D32> DotBytes(D32 d32, hn::Vec<D32> acc, hn::Vec<hn::Repartition<uint8_t, D32>> a,
                                                  hn::Vec<hn::Repartition<int8_t, D32>> b) {
#if LOWBIT_HAVE_VNNI
  (void)d32;
  if constexpr (sizeof(acc.raw) == 64) acc.raw = _mm512_dpbusd_epi32(acc.raw, a.raw, b.raw);
  else if constexpr (sizeof(acc.raw) == 32) acc.raw = _mm256_dpbusd_epi32(acc.raw, a.raw, b.raw);
  else acc.raw = _mm_dpbusd_epi32(acc.raw, a.raw, b.raw);
  return acc;
#else
  // Split each 16-bit lane into its even and odd byte (zero- resp. sign-extended), then let
  // pmaddwd add the pairs: lane i gets bytes 4i, 4i+2 and then 4i+1, 4i+3.
  const hn::Repartition<int16_t, D32> d16;
  const hn::Repartition<uint16_t, D32> du16;
  const auto a16 = hn::BitCast(du16, a);
  const auto b16 = hn::BitCast(d16, b);
  const auto a_even = hn::BitCast(d16, hn::And(a16, hn::Set(du16, 0xFF)));
  const auto a_odd = hn::BitCast(d16, hn::ShiftRight<8>(a16));
  const auto b_even = hn::ShiftRight<8>(hn::ShiftLeft<8>(b16));
  const auto b_odd = hn::ShiftRight<8>(b16);
  hn::Vec<D32> unused = hn::Zero(d32);
  acc = hn::ReorderWidenMulAccumulate(d32, a_even, b_even, acc, unused);
  return hn::ReorderWidenMulAccumulate(d32, a_odd, b_odd, acc, unused);
#endif
}

#if HWY_TARGET == HWY_AVX3_DL
/// out[i] = v[idx[i] & 63] across a whole 512-bit vector (vpermb, AVX512-VBMI; Highway 1.0.3
/// has no 8-bit TableLookupLanes).
template <class V>
HWY_INLINE V PermuteBytes64(V v, V idx) {
  v.raw = _mm512_permutexvar_epi8(idx.raw, v.raw);
  return v;
}
#endif

/// r[i] = sat16(a[2i]*b[2i] + a[2i+1]*b[2i+1]) with a unsigned and b signed bytes (vpmaddubsw).
template <class D16>
HWY_INLINE hn::Vec<D16> MulPairs(D16 d16, hn::Vec<hn::Repartition<uint8_t, D16>> a,
                                 hn::Vec<hn::Repartition<int8_t, D16>> b) {
#if HWY_TARGET <= HWY_SSSE3
  (void)d16;
  hn::Vec<D16> r;
  if constexpr (sizeof(r.raw) == 64) r.raw = _mm512_maddubs_epi16(a.raw, b.raw);
  else if constexpr (sizeof(r.raw) == 32) r.raw = _mm256_maddubs_epi16(a.raw, b.raw);
  else r.raw = _mm_maddubs_epi16(a.raw, b.raw);
  return r;
#else
  const hn::RebindToUnsigned<D16> du16;
  const auto a16 = hn::BitCast(du16, a);
  const auto b16 = hn::BitCast(d16, b);
  const auto even = hn::Mul(hn::BitCast(d16, hn::And(a16, hn::Set(du16, 0xFF))), hn::ShiftRight<8>(hn::ShiftLeft<8>(b16)));
  const auto odd = hn::Mul(hn::BitCast(d16, hn::ShiftRight<8>(a16)), hn::ShiftRight<8>(b16));
  return hn::SaturatedAdd(even, odd);
#endif
}

/// acc[i] += a[2i]*b[2i] + a[2i+1]*b[2i+1] on int16 lanes (vpdpwssd with VNNI, else vpmaddwd).
template <class D32>
LOWBIT_VNNI_ATTR HWY_INLINE hn::Vec<D32> DotPairs(D32 d32, hn::Vec<D32> acc, hn::Vec<hn::Repartition<int16_t, D32>> a,
                                                  hn::Vec<hn::Repartition<int16_t, D32>> b) {
#if LOWBIT_HAVE_VNNI
  (void)d32;
  if constexpr (sizeof(acc.raw) == 64) acc.raw = _mm512_dpwssd_epi32(acc.raw, a.raw, b.raw);
  else if constexpr (sizeof(acc.raw) == 32) acc.raw = _mm256_dpwssd_epi32(acc.raw, a.raw, b.raw);
  else acc.raw = _mm_dpwssd_epi32(acc.raw, a.raw, b.raw);
  return acc;
#else
  hn::Vec<D32> unused = hn::Zero(d32);
  return hn::ReorderWidenMulAccumulate(d32, a, b, acc, unused);
#endif
}

/// Without VNNI, vpmaddubsw (which saturates) is exact for the pairs of a dot when one side's
/// bytes are below 128 in magnitude; such dots take it and one vpmaddwd instead of DotBytes'
/// split into 16-bit halves.
#if !LOWBIT_HAVE_VNNI && HWY_TARGET <= HWY_SSSE3
#define LOWBIT_HAVE_MADDUBS_DOT 1
#else
#define LOWBIT_HAVE_MADDUBS_DOT 0
#endif

/// DotBytes of (a - kBias) and b, for any unsigned bytes a.
template <uint8_t kBias, class D32>
LOWBIT_VNNI_ATTR HWY_INLINE hn::Vec<D32> DotBiasedBytes(D32 d32, hn::Vec<D32> acc, hn::Vec<hn::Repartition<uint8_t, D32>> a,
                                                        hn::Vec<hn::Repartition<int8_t, D32>> b) {
  acc = DotBytes(d32, acc, a, b);
  if constexpr (kBias == 0) return acc;
  else return hn::Sub(acc, DotBytes(d32, hn::Zero(d32), hn::Set(hn::Repartition<uint8_t, D32>(), kBias), b));
}

/// DotBiasedBytes for a and kBias below 128 (codes of at most 7 bits).
template <uint8_t kBias = 0, class D32>
LOWBIT_VNNI_ATTR HWY_INLINE hn::Vec<D32> DotSmallBytes(D32 d32, hn::Vec<D32> acc, hn::Vec<hn::Repartition<uint8_t, D32>> a,
                                                       hn::Vec<hn::Repartition<int8_t, D32>> b) {
  static_assert(kBias < 128);
#if LOWBIT_HAVE_MADDUBS_DOT
  const hn::Repartition<int16_t, D32> d16;
  auto pairs = MulPairs(d16, a, b);  // |pairs| <= 2 * 127 * 128: exact, as is their difference
  if constexpr (kBias != 0) pairs = hn::Sub(pairs, MulPairs(d16, hn::Set(hn::Repartition<uint8_t, D32>(), kBias), b));
  return DotPairs(d32, acc, pairs, hn::Set(d16, 1));
#else
  return DotBiasedBytes<kBias>(d32, acc, a, b);
#endif
}

#if LOWBIT_HAVE_MADDUBS_DOT
/// acc[i] += x[4i]*y[4i] + ... + x[4i+3]*y[4i+3] for signed x and y, exact when no byte of y
/// is -128 (the caller checks, by a running Min of y): |x| times y with x's sign (vpsignb) fits
/// vpmaddubsw without saturation then.
template <class D32>
HWY_INLINE hn::Vec<D32> DotSignedBytes(D32 d32, hn::Vec<D32> acc, hn::Vec<hn::Repartition<int8_t, D32>> x,
                                       hn::Vec<hn::Repartition<int8_t, D32>> y) {
  const hn::Repartition<uint8_t, D32> du8;
  const hn::Repartition<int16_t, D32> d16;
  static_assert(sizeof(y.raw) <= 32, "vpsignb has no 512-bit form");
  auto sy = y;  // y negated where x < 0
  if constexpr (sizeof(y.raw) == 32) sy.raw = _mm256_sign_epi8(y.raw, x.raw);
  else sy.raw = _mm_sign_epi8(y.raw, x.raw);
  return DotPairs(d32, acc, MulPairs(d16, hn::BitCast(du8, hn::Abs(x)), sy), hn::Set(d16, 1));
}
#endif

/// i32 -> i8 or u8 (by D8's lane type) with saturation: vpmovsdb / vpmovusdb on AVX-512, where
/// Highway's DemoteTo packs and permutes. (vpmovusdb reads the lanes as unsigned: for u8, lanes
/// known to be in [0, 255].)
template <class D8, class VI>
HWY_INLINE hn::Vec<D8> DemoteToBytes(D8 d8, VI v) {
#if HWY_TARGET <= HWY_AVX3
  if constexpr (sizeof(v.raw) == 64) {
    hn::Vec<D8> r;
    if constexpr (hwy::IsSigned<hn::TFromD<D8>>()) r.raw = _mm512_cvtsepi32_epi8(v.raw);
    else r.raw = _mm512_cvtusepi32_epi8(v.raw);
    return r;
  }
#endif
  return hn::DemoteTo(d8, v);
}

#if HWY_TARGET <= HWY_AVX3
/// Lanes of the 32-entry table lo:hi at idx's low five bits (vpermt2d; Highway 1.0.3 has no
/// two-table lookup).
template <class V>
HWY_INLINE V TwoTableLookup(V lo, V hi, V idx) {
  V r;
  r.raw = _mm512_permutex2var_epi32(lo.raw, idx.raw, hi.raw);
  return r;
}
#endif

/// f32 -> i32 truncating, for lanes known to be in range (cvttps2dq without Highway's overflow
/// fix-up; an out-of-range or NaN lane gives INT32_MIN, as the instruction does).
template <class DI, class VF>
HWY_INLINE hn::Vec<DI> TruncateInRange(DI di, VF v) {
#if HWY_TARGET <= HWY_AVX2
  hn::Vec<DI> q;
  if constexpr (sizeof(v.raw) == 64) q.raw = _mm512_cvttps_epi32(v.raw);
  else if constexpr (sizeof(v.raw) == 32) q.raw = _mm256_cvttps_epi32(v.raw);
  else q.raw = _mm_cvttps_epi32(v.raw);
  return q;
#else
  return hn::ConvertTo(di, v);
#endif
}

/// Loads the first n (< Lanes) lanes and zeroes the rest, never touching memory past p + n.
template <class D>
HWY_INLINE hn::Vec<D> LoadN(D d, const hn::TFromD<D>* HWY_RESTRICT p, size_t n) {
#if HWY_TARGET <= HWY_AVX3
  return hn::MaskedLoad(hn::FirstN(d, n), d, p);  // AVX-512 masked loads suppress faults
#else
  HWY_ALIGN hn::TFromD<D> buf[hn::MaxLanes(d)] = {};
  std::memcpy(buf, p, n * sizeof(hn::TFromD<D>));
  return hn::Load(d, buf);
#endif
}

/// Stores the first n (< Lanes) lanes of v, never touching memory past p + n.
template <class D>
HWY_INLINE void StoreN(hn::Vec<D> v, D d, hn::TFromD<D>* HWY_RESTRICT p, size_t n) {
#if HWY_TARGET <= HWY_AVX3
  hn::BlendedStore(v, hn::FirstN(d, n), d, p);
#else
  HWY_ALIGN hn::TFromD<D> buf[hn::MaxLanes(d)];
  hn::Store(v, d, buf);
  std::memcpy(p, buf, n * sizeof(hn::TFromD<D>));
#endif
}

/// Loads min(n, Lanes) lanes (the rest zero): a tile's columns at a matrix's right edge.
template <class D>
HWY_INLINE hn::Vec<D> LoadUpTo(D d, const hn::TFromD<D>* HWY_RESTRICT p, size_t n) {
  return n >= hn::Lanes(d) ? hn::LoadU(d, p) : n == 0 ? hn::Zero(d) : LoadN(d, p, n);
}
template <class D>
HWY_INLINE void StoreUpTo(hn::Vec<D> v, D d, hn::TFromD<D>* HWY_RESTRICT p, size_t n) {
  if (n >= hn::Lanes(d)) hn::StoreU(v, d, p);
  else if (n != 0) StoreN(v, d, p, n);
}

/// A register tile of MR rows x NV vectors at c (row stride ldc), of which the first ncols
/// columns exist: loaded (accumulate) or zeroed, and stored without touching columns past ncols.
template <size_t MR, size_t NV, class D>
HWY_INLINE void LoadTile(D d, hn::Vec<D> (&acc)[MR][NV], const hn::TFromD<D>* HWY_RESTRICT c, size_t ldc,
                         size_t ncols, bool accumulate) {
  const size_t L = hn::Lanes(d);
#pragma GCC unroll 8  // fully: constant indices keep the tile in registers
  for (size_t i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v)
      acc[i][v] = accumulate ? LoadUpTo(d, c + i * ldc + v * L, ncols - std::min(ncols, v * L)) : hn::Zero(d);
}
template <size_t MR, size_t NV, class D>
HWY_INLINE void StoreTile(D d, const hn::Vec<D> (&acc)[MR][NV], hn::TFromD<D>* HWY_RESTRICT c, size_t ldc,
                          size_t ncols) {
  const size_t L = hn::Lanes(d);
#pragma GCC unroll 8
  for (size_t i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) StoreUpTo(acc[i][v], d, c + i * ldc + v * L, ncols - std::min(ncols, v * L));
}

/// f(std::integral_constant<size_t, R>()) with R = rows (1 <= rows <= MR): the register tile for a bottom edge.
template <size_t MR, class F>
HWY_INLINE void ForRows(size_t rows, F&& f) {
  if constexpr (MR > 1) {
    if (rows < MR) return ForRows<MR - 1>(rows, f);
  }
  f(std::integral_constant<size_t, MR>());
}

/// Keeps the compiler from fusing v into a following add (GNU mode's -ffp-contract=fast would
/// turn mul + add into FMA, which rounds once and so differs from the reference's two roundings).
template <class V>
HWY_INLINE V NoContract(V v) {
  asm("" : "+v"(v.raw));
  return v;
}

/// 16-entry f32 table lookup: out[i] = table[idx[i] & 15]. One vpermps on AVX-512 (which reads
/// the low four bits itself); two and a blend on AVX2; a gather below that.
template <class DF>
HWY_INLINE hn::Vec<DF> Lookup16(DF df, const float* HWY_RESTRICT table, hn::Vec<hn::RebindToSigned<DF>> idx) {
  const hn::RebindToSigned<DF> di;
#if HWY_TARGET <= HWY_AVX3
  if constexpr (sizeof(idx.raw) == 64) {
    hn::Vec<DF> r;
    r.raw = _mm512_permutexvar_ps(idx.raw, hn::LoadU(df, table).raw);
    return r;
  }
#endif
  idx = hn::And(idx, hn::Set(di, 15));
  if constexpr (hn::MaxLanes(df) >= 16) {
    return hn::TableLookupLanes(hn::LoadU(df, table), hn::IndicesFromVec(df, idx));
  } else if constexpr (hn::MaxLanes(df) == 8) {
    const auto lo = hn::TableLookupLanes(hn::LoadU(df, table), hn::IndicesFromVec(df, hn::And(idx, hn::Set(di, 7))));
    const auto hi =
        hn::TableLookupLanes(hn::LoadU(df, table + 8), hn::IndicesFromVec(df, hn::And(idx, hn::Set(di, 7))));
    return hn::IfThenElse(hn::RebindMask(df, hn::Gt(idx, hn::Set(di, 7))), hi, lo);
  } else {
    return hn::GatherIndex(df, table, idx);
  }
}

#endif  // HWY_TARGET != HWY_SCALAR

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
