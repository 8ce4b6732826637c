// lowbit: SIMD kernels for the 256-element GGUF super-blocks (Q2_K ... Q6_K, TQ2_0): the dot
// with Q8_K (exact int32 lane sums, f32 accumulation: within the tolerance kernels/gguf.hpp
// states) and dequantize (bit-identical to the reference). One generic kernel per operation; a block
// type only says where its codes' bits are (UCodes) and its anatomy (kSub, kOffset, sub_scales).

#if defined(LOWBIT_KERNELS_GGUF_K_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GGUF_K_INL_H_
#undef LOWBIT_KERNELS_GGUF_K_INL_H_
#else
#define LOWBIT_KERNELS_GGUF_K_INL_H_
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/stream-inl.h"
#include "lowbit/schemes/gguf.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
// A vector of N codes covers two runs of N/2 elements, from kE0 and from kE1 (kE1 = kE0 + N/2
// except for 64-byte vectors, which pair the runs that one load of ggml's layout holds).

/// Bits [kFrom, kFrom + w) of every byte moved to [kTo, kTo + w), the other bits garbage for the
/// caller's mask: one 16-bit shift, as the bits it carries across a byte boundary land outside
/// the field (x86 has no byte shifts; Highway's emulate them with a shift and a mask each).
template <int kFrom, int kTo, class DU8>
HWY_INLINE hn::Vec<DU8> MoveBits(DU8 du8, hn::Vec<DU8> v) {
  const hn::Repartition<uint16_t, DU8> du16;
  if constexpr (kFrom > kTo) return hn::BitCast(du8, hn::ShiftRight<kFrom - kTo>(hn::BitCast(du16, v)));
  else if constexpr (kFrom < kTo) return hn::BitCast(du8, hn::ShiftLeft<kTo - kFrom>(hn::BitCast(du16, v)));
  else return v;
}

/// The kBits-wide fields of the runs kE0, kE1 of a code array packed as ggml packs it: rows of
/// kRow bytes, each holding 8 / kBits runs of kRow elements, field f of byte j being element
/// j of run f. Each field lands at bit kAt of its byte, the other bits zero.
template <int kBits, size_t kRow, size_t kE0, size_t kE1, int kAt = 0, class DU8>
HWY_INLINE hn::Vec<DU8> Fields(DU8 du8, const uint8_t* HWY_RESTRICT codes) {
  constexpr size_t N = hn::MaxLanes(du8), kChunk = kRow * 8 / kBits;
  constexpr size_t kByte0 = kE0 / kChunk * kRow + kE0 % kRow, kField0 = kE0 % kChunk / kRow;
  constexpr size_t kByte1 = kE1 / kChunk * kRow + kE1 % kRow, kField1 = kE1 % kChunk / kRow;
  constexpr int kFrom0 = kBits * static_cast<int>(kField0), kFrom1 = kBits * static_cast<int>(kField1);
  const auto mask = hn::Set(du8, static_cast<uint8_t>(((1u << kBits) - 1) << kAt));
  if constexpr (kByte1 == kByte0 + N / 2 && kField1 == kField0) {  // one load
    static_assert(kByte0 % kRow + N <= kRow || N == 2 * kRow);
    return hn::And(MoveBits<kFrom0, kAt>(du8, hn::LoadU(du8, codes + kByte0)), mask);
  } else {
    const hn::Half<DU8> dh;
    const auto v0 = hn::LoadU(dh, codes + kByte0);
    const auto v1 = kByte1 == kByte0 ? v0 : hn::LoadU(dh, codes + kByte1);
    return hn::And(hn::Combine(du8, MoveBits<kFrom1, kAt>(dh, v1), MoveBits<kFrom0, kAt>(dh, v0)), mask);
  }
}

// Each block type's unsigned codes (ucode) of the runs kE0, kE1, and the order in which a
// 64-byte vector takes its 32-element runs (RunStart).
template <size_t kE0, size_t kE1, class DU8, class X>
  requires(std::is_same_v<X, gguf::Q2_K> || std::is_same_v<X, gguf::TQ2_0>)  // the same 2-bit layout
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const X& b) {
  return Fields<2, 32, kE0, kE1>(du8, b.qs);
}
template <size_t kE0, size_t kE1, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q3_K& b) {
  return hn::Or(Fields<2, 32, kE0, kE1>(du8, b.qs), Fields<1, 32, kE0, kE1, 2>(du8, b.hmask));
}
template <size_t kE0, size_t kE1, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q4_K& b) {
  return Fields<4, 32, kE0, kE1>(du8, b.qs);
}
template <size_t kE0, size_t kE1, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q5_K& b) {
  return hn::Or(Fields<4, 32, kE0, kE1>(du8, b.qs), Fields<1, 32, kE0, kE1, 4>(du8, b.qh));
}
template <size_t kE0, size_t kE1, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q6_K& b) {
  return hn::Or(Fields<4, 64, kE0, kE1>(du8, b.ql), Fields<2, 32, kE0, kE1, 4>(du8, b.qh));
}
template <class X>
constexpr size_t RunStart(size_t r) {
  if constexpr (std::is_same_v<X, gguf::Q4_K> || std::is_same_v<X, gguf::Q5_K>)  // both nibbles of 64 bytes
    return 128 * (r / 4) + 32 * (r / 2 % 2) + 64 * (r % 2);
  else if constexpr (std::is_same_v<X, gguf::Q2_K> || std::is_same_v<X, gguf::Q3_K>)  // one field of 64 bytes
    return 32 * (r / 2) + 128 * (r % 2);
  else  // TQ2_0 measured faster in element order (its loads split fewer cache lines)
    return 32 * r;
}
/// The runs of vector s (N codes) of a super-block.
template <class X, size_t N, size_t kS>
struct Slice {
  static constexpr size_t kE0 = N == 64 ? RunStart<X>(2 * kS) : RunStart<X>(kS * N / 32) + kS * N % 32;
  static constexpr size_t kE1 = N == 64 ? RunStart<X>(2 * kS + 1) : kE0 + N / 2;
};

/// y's bytes of the runs kE0, kE1.
template <size_t kE0, size_t kE1, class D8>
HWY_INLINE hn::Vec<D8> LoadRuns(D8 d8, const int8_t* HWY_RESTRICT y) {
  if constexpr (kE1 == kE0 + hn::MaxLanes(d8) / 2) {
    return hn::LoadU(d8, y + kE0);
  } else {
    const hn::Half<D8> dh;
    return hn::Combine(d8, hn::LoadU(dh, y + kE1), hn::LoadU(dh, y + kE0));
  }
}

/// f(integral_constant<size_t, i>) for i = 0, kStep, ... < kEnd: offsets known at compile time.
template <size_t kStep, size_t kEnd, size_t kAt = 0, class F>
HWY_INLINE void ForSteps(F&& f) {
  if constexpr (kAt < kEnd) {
    f(std::integral_constant<size_t, kAt>());
    ForSteps<kStep, kEnd, kAt + kStep>(f);
  }
}

/// The shuffle indices of LaneScales: for each byte, the sub-block of its lane's first element;
/// with kZeroExtend, that for a lane's low byte only and -128 (a zero byte) for the others.
template <size_t N, size_t kLaneBytes, size_t kPerLane, size_t kSub, size_t kE0, size_t kE1, bool kZeroExtend>
struct SubBlockIndex {
  static constexpr std::array<int8_t, N> Make() {
    std::array<int8_t, N> a{};
    constexpr size_t kHalf = N / kLaneBytes / 2;  // lanes per run
    for (size_t byte = 0; byte < N; ++byte) {
      const size_t i = byte / kLaneBytes;
      const size_t e = i < kHalf ? kE0 + i * kPerLane : kE1 + (i - kHalf) * kPerLane;
      a[byte] = kZeroExtend && byte % kLaneBytes != 0 ? int8_t{-128} : static_cast<int8_t>(e / kSub);
    }
    return a;
  }
  alignas(64) static constexpr std::array<int8_t, N> kIdx = Make();
};

/// Per lane of di (kPerLane elements each, the runs kE0 and kE1), the byte `table` holds for the
/// lane's kSub-element sub-block; `table` has one byte per sub-block in every 128-bit block.
/// Signed bytes: one byte shuffle and one shift (which sign-extends); kUnsigned bytes: the
/// shuffle alone, zeroing the lane's other bytes.
template <size_t kPerLane, size_t kSub, size_t kE0, size_t kE1, bool kUnsigned, class DI>
HWY_INLINE hn::Vec<DI> LaneScales(DI di, hn::Vec<hn::Repartition<int8_t, DI>> table) {
  const hn::Repartition<int8_t, DI> d8;
  constexpr size_t kBytes = sizeof(hn::TFromD<DI>);
  using Idx = SubBlockIndex<hn::MaxLanes(d8), kBytes, kPerLane, kSub, kE0, kE1, kUnsigned>;
  const auto shuffled = hn::BitCast(di, hn::TableLookupBytes(table, hn::LoadU(d8, Idx::kIdx.data())));
  if constexpr (kUnsigned) return shuffled;
  else return hn::ShiftRight<8 * (kBytes - 1)>(shuffled);
}

/// Whether X's sub-block scales and mins (KTables) are unsigned: Q2_K's 4 bits, Q4_K/Q5_K's 6.
template <class X>
inline constexpr bool kUnsignedScales =
    std::is_same_v<X, gguf::Q2_K> || std::is_same_v<X, gguf::Q4_K> || std::is_same_v<X, gguf::Q5_K>;

/// A super-block's sub-block scales and mins, one byte per sub-block (in every 128-bit block).
template <class D8>
struct KTables {
  hn::Vec<D8> sc, m;
};
template <class D8>
HWY_INLINE KTables<D8> Tables(D8 d8, const gguf::Q6_K& b) {
  return {hn::LoadDup128(d8, b.scales), hn::Zero(d8)};
}
template <class D8>
HWY_INLINE KTables<D8> Tables(D8 d8, const gguf::Q2_K& b) {
  const hn::RebindToUnsigned<D8> du8;
  const auto v = hn::LoadDup128(du8, b.scales);
  return {hn::BitCast(d8, hn::And(v, hn::Set(du8, 0xF))), hn::BitCast(d8, hn::ShiftRight<4>(v))};
}
/// Q4_K/Q5_K's 12-byte field (get_scale_min_k4) unpacked in registers: bytes 0..7 the scales,
/// 8..15 the mins. Reads 16 bytes; the block's codes follow the field.
template <class D8>
HWY_INLINE KTables<D8> TablesK4(D8 d8, const uint8_t* HWY_RESTRICT field) {
  const hn::RebindToUnsigned<D8> du8;
  alignas(16) static constexpr uint8_t kLowIdx[16] = {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11};
  alignas(16) static constexpr uint8_t kHighIdx[16] = {0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7};
  alignas(16) static constexpr uint8_t kLowMask[16] = {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0};
  alignas(16) static constexpr uint8_t kNibMask[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15};
  alignas(16) static constexpr uint8_t kHighMask[16] = {0, 0, 0, 0, 48, 48, 48, 48, 0, 0, 0, 0, 48, 48, 48, 48};
  alignas(16) static constexpr uint8_t kMinIdx[16] = {8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15};
  const auto v = hn::LoadDup128(du8, field);
  const auto low = hn::TableLookupBytes(v, hn::LoadDup128(du8, kLowIdx));
  const auto high = hn::TableLookupBytes(v, hn::LoadDup128(du8, kHighIdx));
  // j < 4: the low 6 bits; j >= 4: a nibble of bytes 8..11 plus the top 2 bits of bytes 0..7
  const auto t = hn::Or(hn::Or(hn::And(low, hn::LoadDup128(du8, kLowMask)),
                               hn::And(hn::ShiftRight<4>(low), hn::LoadDup128(du8, kNibMask))),
                        hn::And(hn::ShiftRight<2>(high), hn::LoadDup128(du8, kHighMask)));
  return {hn::BitCast(d8, t), hn::BitCast(d8, hn::TableLookupBytes(t, hn::LoadDup128(du8, kMinIdx)))};
}
template <class D8>
HWY_INLINE KTables<D8> Tables(D8 d8, const gguf::Q4_K& b) {
  return TablesK4(d8, b.scales);
}
template <class D8>
HWY_INLINE KTables<D8> Tables(D8 d8, const gguf::Q5_K& b) {
  return TablesK4(d8, b.scales);
}
template <class D8, class X>  // Q3_K (its 6-bit scales are scattered), TQ2_0 (one scale, 1)
HWY_INLINE KTables<D8> Tables(D8 d8, const X& b) {
  alignas(16) int8_t sc[16] = {};
  uint8_t m[16];
  X::sub_scales(b, sc, m);
  return {hn::LoadDup128(d8, sc), hn::Zero(d8)};
}

/// Per super-block, int32 lanes of sc * ucode * y (vpmaddubsw, then vpdpwssd by the lane's
/// scale), less kOffset * sc * y's 16-element sums, and the mins times those sums (both products
/// of int16 pairs, vpdpwssd: |sums| <= 2^15, |kOffset * sc| <= 2^12, mins <= 63); each
/// accumulated into f32 lanes by d * dy and -dmin * dy (as ggml's SIMD dots do).
template <class X>
LOWBIT_VNNI_ATTR float DotKQ8K(const X* HWY_RESTRICT x, const gguf::Q8_K* HWY_RESTRICT y, size_t nb) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> d8;
  const hn::Repartition<int16_t, decltype(du8)> d16;
  const hn::Repartition<int32_t, decltype(du8)> d32;
  const hn::Rebind<float, decltype(d32)> df;
  const hn::Rebind<int16_t, decltype(d32)> d16h;  // a 16-element sum per lane
  const hn::Repartition<int8_t, decltype(d16h)> d8h;
  const hn::Repartition<int32_t, decltype(d16h)> d32h;
  const hn::Rebind<float, decltype(d32h)> dfh;
  constexpr size_t N = hn::MaxLanes(du8), L = hn::MaxLanes(d32);
  constexpr bool kMin = requires { x->dmin; }, kU = kUnsignedScales<X>;
  static_assert(X::kOffset == 0 || std::has_single_bit(static_cast<unsigned>(X::kOffset)));
  constexpr int kOffsetShift = std::countr_zero(static_cast<unsigned>(X::kOffset));
  auto sum0 = hn::Zero(df);
  auto sum1 = hn::Zero(dfh);
  for (size_t b = 0; b < nb; ++b) {
    const auto tables = Tables(d8, x[b]);
    auto acc = hn::Zero(d32);
    auto macc = hn::Zero(d32h);
    ForSteps<1, gguf::kQK_K / N>([&](auto s) LOWBIT_VNNI_ATTR {
      using S = Slice<X, N, decltype(s)::value>;
      const auto q = UCodes<S::kE0, S::kE1>(du8, x[b]);
      const auto yq = LoadRuns<S::kE0, S::kE1>(d8, y[b].qs);
      if constexpr (X::kSub == gguf::kQK_K)
        acc = DotSmallBytes(d32, acc, q, yq);
      else  // |pairs| <= 2 * 63 * 128: no int16 saturation
        acc = DotPairs(d32, acc, MulPairs(d16, q, yq), LaneScales<2, X::kSub, S::kE0, S::kE1, kU>(d16, tables.sc));
    });
    ForSteps<L, gguf::kQK_K / 16>([&](auto j) LOWBIT_VNNI_ATTR {
      constexpr size_t kJ = decltype(j)::value, kE = 16 * kJ;
      const auto bs = hn::LoadU(d16h, y[b].bsums + kJ);
      const auto scales = [&](hn::Vec<decltype(d8)> table) {
        return LaneScales<16, X::kSub, kE, kE + 8 * L, kU>(d16h, hn::LowerHalf(d8h, table));
      };
      if constexpr (X::kOffset != 0) {
        hn::Vec<decltype(d16h)> offsets;
        if constexpr (X::kSub == gguf::kQK_K) offsets = hn::Set(d16h, X::kOffset);
        else offsets = hn::ShiftLeft<kOffsetShift>(scales(tables.sc));
        acc = hn::Sub(acc, hn::ZeroExtendVector(d32, DotPairs(d32h, hn::Zero(d32h), bs, offsets)));
      }
      if constexpr (kMin) macc = DotPairs(d32h, macc, bs, scales(tables.m));
    });
    sum0 = hn::MulAdd(hn::ConvertTo(df, acc), hn::Set(df, F16ToF32(x[b].d) * y[b].d), sum0);
    if constexpr (kMin) sum1 = hn::MulAdd(hn::ConvertTo(dfh, macc), hn::Set(dfh, F16ToF32(x[b].dmin) * y[b].d), sum1);
  }
  return hn::GetLane(hn::SumOfLanes(df, sum0)) - hn::GetLane(hn::SumOfLanes(dfh, sum1));
}

/// y = (d * sc) * (ucode - kOffset) - dmin * m per element: the reference's roundings.
template <class X>
void DequantizeK(const X* HWY_RESTRICT in, float* HWY_RESTRICT y, size_t nb) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(df)> du8;
  constexpr size_t N = hn::MaxLanes(df);
  static_assert(X::kSub % N == 0);  // so a vector's elements share one sub-block
  RowWriter out(y, nb * gguf::kQK_K, false);
  for (size_t b = 0; b < nb; ++b) {
    int8_t sc[16];
    uint8_t m[16];
    X::sub_scales(in[b], sc, m);
    const float d = F16ToF32(in[b].d);
    const size_t at = b * gguf::kQK_K;
    ForSteps<N, gguf::kQK_K>([&](auto o) {
      constexpr size_t kO = decltype(o)::value;
      const auto q = hn::Sub(hn::PromoteTo(di, UCodes<kO, kO + N / 2>(du8, in[b])), hn::Set(di, X::kOffset));
      const auto v = NoContract(hn::Mul(hn::Set(df, d * static_cast<float>(sc[kO / X::kSub])), hn::ConvertTo(df, q)));
      if constexpr (requires { in[b].dmin; })
        out.Store(hn::Sub(v, hn::Set(df, F16ToF32(in[b].dmin) * static_cast<float>(m[kO / X::kSub]))), at + kO, N);
      else
        out.Store(v, at + kO, N);
    });
  }
  out.Finish(nb * gguf::kQK_K);
}
#endif

template <class X>
LOWBIT_VNNI_ATTR float DotK(const X* HWY_RESTRICT x, const gguf::Q8_K* HWY_RESTRICT y, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  return gguf::vec_dot(x, y, nb);
#else
  return DotKQ8K(x, y, nb);
#endif
}
template <class X>
void DequantizeKRow(const X* HWY_RESTRICT in, float* HWY_RESTRICT y, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  DequantizeRef(in, y, nb);
#else
  DequantizeK(in, y, nb);
#endif
}

#if HWY_TARGET != HWY_SCALAR
/// out[i] = trit n of base-3 byte src[i] (formats.md: q = src * 3^n mod 256, t = q * 3 >> 8),
/// i < count.
HWY_INLINE void UnpackTrits(const uint8_t* HWY_RESTRICT src, int16_t pow3, uint8_t* HWY_RESTRICT out, size_t count) {
  const hn::ScalableTag<int16_t> d16;  // (Highway 1.0.3 demotes i16, not u16, to u8)
  const hn::Rebind<uint8_t, decltype(d16)> d8;
  for (size_t i = 0; i < count; i += hn::Lanes(d16)) {
    const size_t n = std::min(hn::Lanes(d16), count - i);
    const auto q = hn::And(hn::Mul(hn::PromoteTo(d16, LoadUpTo(d8, src + i, n)), hn::Set(d16, pow3)), hn::Set(d16, 0xFF));
    StoreUpTo(hn::DemoteTo(d8, hn::ShiftRight<8>(hn::Mul(q, hn::Set(d16, 3)))), d8, out + i, n);
  }
}

/// A TQ1_0 block's 256 trits (0, 1, 2) in element order (TQ1_0::element's map).
HWY_INLINE void TQ1Trits(const gguf::TQ1_0& b, uint8_t* HWY_RESTRICT t) {
  static constexpr int16_t kPow3[5] = {1, 3, 9, 27, 81};
  for (int n = 0; n < 5; ++n) UnpackTrits(b.qs, kPow3[n], t + 32 * n, 32);
  for (int n = 0; n < 5; ++n) UnpackTrits(b.qs + 32, kPow3[n], t + 160 + 16 * n, 16);
  for (int n = 0; n < 4; ++n) UnpackTrits(b.qh, kPow3[n], t + 240 + 4 * n, 4);
}

/// TQ1_0 x Q8_K: the trits decoded to bytes, then sum((t - 1) * y) = sum(t * y) - sum(bsums).
LOWBIT_VNNI_ATTR inline float DotTQ1_0Blocks(const gguf::TQ1_0* HWY_RESTRICT x, const gguf::Q8_K* HWY_RESTRICT y,
                                             size_t nb) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> d8;
  const hn::Repartition<int32_t, decltype(du8)> d32;
  const hn::Rebind<float, decltype(d32)> df;
  const hn::Rebind<int16_t, decltype(d32)> d16h;
  alignas(64) uint8_t t[gguf::kQK_K + 64];  // + a vector: partial stores, as g++ sees them
  auto sum = hn::Zero(df);
  for (size_t b = 0; b < nb; ++b) {
    TQ1Trits(x[b], t);
    auto acc = hn::Zero(d32);
    for (size_t i = 0; i < gguf::kQK_K; i += hn::Lanes(du8))
      acc = DotSmallBytes(d32, acc, hn::Load(du8, t + i), hn::LoadU(d8, y[b].qs + i));
    for (size_t j = 0; j < gguf::kQK_K / 16; j += hn::Lanes(d32))
      acc = hn::Sub(acc, hn::PromoteTo(d32, hn::LoadU(d16h, y[b].bsums + j)));
    sum = hn::MulAdd(hn::ConvertTo(df, acc), hn::Set(df, F16ToF32(x[b].d) * y[b].d), sum);
  }
  return hn::GetLane(hn::SumOfLanes(df, sum));
}

/// TQ1_0 dequantize: (t - 1) * d, bit-identical.
inline void DequantizeTQ1_0Blocks(const gguf::TQ1_0* HWY_RESTRICT in, float* HWY_RESTRICT y, size_t nb) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(di)> du8;
  alignas(64) uint8_t t[gguf::kQK_K + 64];  // + a vector: partial stores, as g++ sees them
  RowWriter out(y, nb * gguf::kQK_K, false);
  for (size_t b = 0; b < nb; ++b) {
    TQ1Trits(in[b], t);
    const auto d = hn::Set(df, F16ToF32(in[b].d));
    for (size_t i = 0; i < gguf::kQK_K; i += hn::Lanes(df)) {
      const auto q = hn::Sub(hn::PromoteTo(di, hn::LoadU(du8, t + i)), hn::Set(di, 1));
      out.Store(hn::Mul(hn::ConvertTo(df, q), d), b * gguf::kQK_K + i, hn::Lanes(df));
    }
  }
  out.Finish(nb * gguf::kQK_K);
}

/// The trits lroundf(x / amax) + 1 of a TQ block (quantize_row_tq*_ref) as bytes; false (and
/// nothing written) when 1 / amax is not finite: the reference's x86 quirks, which the caller
/// runs scalar.
template <class DF>
HWY_INLINE bool TernaryTrits(DF df, const float* HWY_RESTRICT xb, float& amax, uint8_t* HWY_RESTRICT t) {
  const hn::RebindToSigned<DF> di;
  const hn::Rebind<uint8_t, decltype(di)> du8;
  amax = 0.0f;
  for (size_t c = 0; c < gguf::kQK_K; c += gguf::kQK) amax = std::max(amax, MaxAbs32(df, xb + c));
  const float id = amax != 0.0f ? 1.0f / amax : 0.0f;
  if (!std::isfinite(id)) return false;
  for (size_t i = 0; i < gguf::kQK_K; i += hn::Lanes(df)) {
    const auto q = hn::Add(RoundHalfAwayToInt(df, hn::Mul(hn::LoadU(df, xb + i), hn::Set(df, id))), hn::Set(di, 1));
    hn::StoreU(DemoteToBytes(du8, q), du8, t + i);
  }
  return true;
}
#endif

/// Q8_K (the K dots' activations): d = -max / 127 by the signed extreme, q = min(127,
/// nearest_int(x * iscale)) by ggml's 1.5 * 2^23 addition, bsums the sums of 16 codes.
inline void QuantizeQ8_K(const float* HWY_RESTRICT x, gguf::Q8_K* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Rebind<int8_t, decltype(di)> d8;
  const size_t L = hn::Lanes(df);
  for (size_t b = 0; b < nb; ++b) {
    const float* xb = x + b * gguf::kQK_K;
    float amax, max;
    const bool found = SignedAbsMax<gguf::kQK_K>(df, xb, amax, max);
    const float iscale = -127.0f / max;
    if (!found || amax == 0.0f || !std::isfinite(iscale)) {  // zero, subnormal-sized or NaN: the reference
      gguf::Q8_K::quantize(xb, out[b]);
      continue;
    }
    auto part = hn::Zero(di);
    for (size_t i = 0; i < gguf::kQK_K; i += L) {
      const auto v = hn::Add(NoContract(hn::Mul(hn::Set(df, iscale), hn::LoadU(df, xb + i))), hn::Set(df, 12582912.0f));
      const auto n = hn::Sub(hn::BitCast(di, hn::And(hn::BitCast(du, v), hn::Set(du, 0x007FFFFFu))), hn::Set(di, 0x00400000));
      const auto q = hn::Min(n, hn::Set(di, 127));  // in [-128, 127] for a finite iscale
      hn::StoreU(DemoteToBytes(d8, q), d8, out[b].qs + i);
      part = hn::Add(part, q);
      if ((i + L) % 16 == 0) {
        out[b].bsums[i / 16] = static_cast<int16_t>(hn::GetLane(hn::SumOfLanes(di, part)));
        part = hn::Zero(di);
      }
    }
    out[b].d = 1 / iscale;
  }
#endif
}

/// TQ2_0: trits packed 2 bits each, byte 32c + m bits 2n = element 128c + 32n + m.
inline void QuantizeTQ2_0(const float* HWY_RESTRICT x, gguf::TQ2_0* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
#else
  const hn::ScalableTag<uint8_t> du8;
  alignas(64) uint8_t t[gguf::kQK_K + 64];  // + a vector: partial stores, as g++ sees them
  for (size_t b = 0; b < nb; ++b) {
    float amax;
    if (!TernaryTrits(hn::ScalableTag<float>(), x + b * gguf::kQK_K, amax, t)) {
      gguf::TQ2_0::quantize(x + b * gguf::kQK_K, out[b]);
      continue;
    }
    for (size_t c = 0; c < 2; ++c)
      for (size_t m = 0; m < 32; m += hn::Lanes(du8)) {
        const size_t n = std::min<size_t>(hn::Lanes(du8), 32 - m);
        const auto at = [&](size_t k) { return LoadUpTo(du8, t + 128 * c + 32 * k + m, n); };
        const auto q = hn::Or(hn::Or(at(0), hn::ShiftLeft<2>(at(1))), hn::Or(hn::ShiftLeft<4>(at(2)), hn::ShiftLeft<6>(at(3))));
        StoreUpTo(q, du8, out[b].qs + 32 * c + m, n);
      }
    out[b].d = F32ToF16(amax);
  }
#endif
}

/// TQ1_0: five trits per byte, q = sum t_n 3^(4 - n) then ceil(q * 256 / 243), the division
/// in f32 (exact: q * 256 + 242 < 2^16, and a non-integral quotient is >= 1/243 from an integer).
inline void QuantizeTQ1_0(const float* HWY_RESTRICT x, gguf::TQ1_0* HWY_RESTRICT out, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  QuantizeRef(x, out, nb);
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(di)> du8;
  alignas(64) uint8_t t[gguf::kQK_K + 64];  // + a vector: partial stores, as g++ sees them
  alignas(64) uint8_t bytes[128];  // qs then qh, as the block holds them; padded as t
  // row r of bytes: its first byte, its count, the element of its first trit and the trits' stride
  struct Row {
    size_t byte, count, e0, stride;
    int trits;
  };
  static constexpr Row kRows[3] = {{0, 32, 0, 32, 5}, {32, 16, 160, 16, 5}, {48, 4, 240, 4, 4}};
  for (size_t b = 0; b < nb; ++b) {
    float amax;
    if (!TernaryTrits(df, x + b * gguf::kQK_K, amax, t)) {
      gguf::TQ1_0::quantize(x + b * gguf::kQK_K, out[b]);
      continue;
    }
    for (const Row& r : kRows)
      for (size_t i = 0; i < r.count; i += hn::Lanes(df)) {
        const size_t n = std::min(hn::Lanes(df), r.count - i);
        auto q = hn::Zero(di);
        for (int k = 0; k < 5; ++k) {
          q = hn::Mul(q, hn::Set(di, 3));
          if (k < r.trits) q = hn::Add(q, hn::PromoteTo(di, LoadUpTo(du8, t + r.e0 + r.stride * k + i, n)));
        }
        const auto num = hn::ConvertTo(df, hn::Add(hn::ShiftLeft<8>(q), hn::Set(di, 242)));
        StoreUpTo(DemoteToBytes(du8, TruncateInRange(di, hn::Div(num, hn::Set(df, 243.0f)))), du8, bytes + r.byte + i, n);
      }
    std::memcpy(out[b].qs, bytes, 48);
    std::memcpy(out[b].qh, bytes + 48, 4);
    out[b].d = F32ToF16(amax);
  }
#endif
}

LOWBIT_VNNI_ATTR inline float DotTQ1_0Q8_K(const gguf::TQ1_0* x, const gguf::Q8_K* y, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  return gguf::vec_dot(x, y, nb);
#else
  return DotTQ1_0Blocks(x, y, nb);
#endif
}
inline void DequantizeTQ1_0(const gguf::TQ1_0* in, float* y, size_t nb) {
#if HWY_TARGET == HWY_SCALAR
  DequantizeRef(in, y, nb);
#else
  DequantizeTQ1_0Blocks(in, y, nb);
#endif
}

// The exported instances (HWY_EXPORT takes plain function names).
#define LOWBIT_K_KERNELS(T)                                                                               \
  LOWBIT_VNNI_ATTR inline float Dot##T##Q8_K(const gguf::T* x, const gguf::Q8_K* y, size_t nb) { return DotK(x, y, nb); } \
  inline void Dequantize##T(const gguf::T* in, float* y, size_t nb) { DequantizeKRow(in, y, nb); }
LOWBIT_K_KERNELS(Q2_K)
LOWBIT_K_KERNELS(Q3_K)
LOWBIT_K_KERNELS(Q4_K)
LOWBIT_K_KERNELS(Q5_K)
LOWBIT_K_KERNELS(Q6_K)
LOWBIT_K_KERNELS(TQ2_0)
#undef LOWBIT_K_KERNELS

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
