// lowbit: SIMD kernels for the 256-element GGUF super-blocks (Q2_K ... Q6_K, TQ2_0): the dot
// with Q8_K (exact int32 per super-block, then gguf::block_term: bit-identical to gguf::vec_dot)
// and dequantize (bit-identical to the reference). One generic kernel per operation; a block
// type only says where its codes' bits are (UCodes) and its anatomy (kSub, kOffset, sub_scales).

#if defined(LOWBIT_KERNELS_GGUF_K_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_GGUF_K_INL_H_
#undef LOWBIT_KERNELS_GGUF_K_INL_H_
#else
#define LOWBIT_KERNELS_GGUF_K_INL_H_
#endif

#include "hwy/highway.h"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/schemes/gguf.hpp"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// The kBits-wide fields of elements kO .. kO + Lanes - 1 of a group laid out as ggml packs
/// them: element e sits in byte e % kRow, field e / kRow (counted from the low bits).
template <int kBits, size_t kRow, size_t kO, class DU8>
HWY_INLINE hn::Vec<DU8> Fields(DU8 du8, const uint8_t* HWY_RESTRICT row) {
  constexpr size_t N = hn::MaxLanes(du8);
  const auto mask = hn::Set(du8, static_cast<uint8_t>((1u << kBits) - 1));
  if constexpr (N <= kRow) {
    static_assert(kO % kRow + N <= kRow);
    return hn::And(hn::ShiftRight<kBits * (kO / kRow)>(hn::LoadU(du8, row + kO % kRow)), mask);
  } else {  // a 64-byte vector over 32-byte rows: two fields of each byte
    static_assert(N == 2 * kRow && kO % N == 0);
    const hn::Half<DU8> dh;
    const auto v = hn::LoadU(dh, row);
    return hn::And(hn::Combine(du8, hn::ShiftRight<kBits * (kO / kRow + 1)>(v), hn::ShiftRight<kBits * (kO / kRow)>(v)),
                   mask);
  }
}

// Each block type's unsigned codes (ucode) of elements kO .. kO + Lanes - 1.
template <size_t kO, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q2_K& b) {
  return Fields<2, 32, kO % 128>(du8, b.qs + 32 * (kO / 128));
}
template <size_t kO, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::TQ2_0& b) {
  return Fields<2, 32, kO % 128>(du8, b.qs + 32 * (kO / 128));
}
template <size_t kO, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q3_K& b) {
  return hn::Or(Fields<2, 32, kO % 128>(du8, b.qs + 32 * (kO / 128)), hn::ShiftLeft<2>(Fields<1, 32, kO>(du8, b.hmask)));
}
template <size_t kO, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q4_K& b) {
  return Fields<4, 32, kO % 64>(du8, b.qs + 32 * (kO / 64));
}
template <size_t kO, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q5_K& b) {
  return hn::Or(Fields<4, 32, kO % 64>(du8, b.qs + 32 * (kO / 64)), hn::ShiftLeft<4>(Fields<1, 32, kO>(du8, b.qh)));
}
template <size_t kO, class DU8>
HWY_INLINE hn::Vec<DU8> UCodes(DU8 du8, const gguf::Q6_K& b) {
  return hn::Or(Fields<4, 64, kO % 128>(du8, b.ql + 64 * (kO / 128)),
                hn::ShiftLeft<4>(Fields<2, 32, kO % 128>(du8, b.qh + 32 * (kO / 128))));
}

/// f(integral_constant<size_t, o>) for o = 0, kStep, ... < kEnd: offsets known at compile time.
template <size_t kStep, size_t kEnd, size_t kAt = 0, class F>
HWY_INLINE void ForSteps(F&& f) {
  if constexpr (kAt < kEnd) {
    f(std::integral_constant<size_t, kAt>());
    ForSteps<kStep, kEnd, kAt + kStep>(f);
  }
}

/// Per int32 lane (4 elements from kO on), the int8 scale of its kSub-element sub-block, from
/// `table` (the 16 sub-block scales in every 128-bit block): one byte shuffle, one shift.
template <size_t kSub, size_t kO, class D32>
HWY_INLINE hn::Vec<D32> LaneScales(D32 d32, hn::Vec<hn::Repartition<int8_t, D32>> table) {
  const hn::Repartition<uint8_t, D32> du8;
  const hn::Repartition<int8_t, D32> d8;
  constexpr int kShift = kSub == 16 ? 4 : 5;
  static_assert(kSub == 16 || kSub == 32);
  const auto idx = hn::ShiftRight<kShift>(hn::Add(hn::Iota(du8, 0), hn::Set(du8, static_cast<uint8_t>(kO))));
  return hn::ShiftRight<24>(hn::BitCast(d32, hn::TableLookupBytes(table, hn::BitCast(d8, idx))));
}

template <class X>
LOWBIT_VNNI_ATTR float DotKQ8K(const X* HWY_RESTRICT x, const gguf::Q8_K* HWY_RESTRICT y, size_t nb) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> d8;
  const hn::Repartition<int32_t, decltype(du8)> d32;
  constexpr size_t N = hn::MaxLanes(du8);
  float sum = 0.0f;
  for (size_t b = 0; b < nb; ++b) {
    alignas(16) int8_t sc[16];
    uint8_t m[16];
    X::sub_scales(x[b], sc, m);
    const auto table = hn::LoadDup128(d8, sc);
    auto acc = hn::Zero(d32);
    ForSteps<N, gguf::kQK_K>([&](auto o) LOWBIT_VNNI_ATTR {
      const auto q = UCodes<decltype(o)::value>(du8, x[b]);
      const auto yq = hn::LoadU(d8, y[b].qs + decltype(o)::value);
      if constexpr (X::kSub == gguf::kQK_K) {
        acc = DotBytes(d32, acc, q, yq);
      } else {
        const auto p = DotBytes(d32, hn::Zero(d32), q, yq);
        acc = hn::Add(acc, hn::Mul(p, LaneScales<X::kSub, decltype(o)::value>(d32, table)));
      }
    });
    gguf::KSums s;
    s.dot = hn::GetLane(hn::SumOfLanes(d32, acc));
    for (size_t j = 0; j < gguf::kQK_K / 16; ++j) {
      if constexpr (X::kOffset != 0) s.dot -= X::kOffset * sc[j * 16 / X::kSub] * y[b].bsums[j];
      if constexpr (requires { x[b].dmin; }) s.min += m[j * 16 / X::kSub] * y[b].bsums[j];
    }
    sum += gguf::block_term(x[b], y[b], s);
  }
  return sum;
}

/// y = (d * sc) * (ucode - kOffset) - dmin * m per element: the reference's roundings.
template <class X>
void DequantizeK(const X* HWY_RESTRICT in, float* HWY_RESTRICT y, size_t nb) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(df)> du8;
  constexpr size_t N = hn::MaxLanes(df);
  static_assert(X::kSub % N == 0);  // so a vector's elements share one sub-block
  for (size_t b = 0; b < nb; ++b) {
    int8_t sc[16];
    uint8_t m[16];
    X::sub_scales(in[b], sc, m);
    const float d = F16ToF32(in[b].d);
    float* yb = y + b * gguf::kQK_K;
    ForSteps<N, gguf::kQK_K>([&](auto o) {
      constexpr size_t kO = decltype(o)::value;
      const auto q = hn::Sub(hn::PromoteTo(di, UCodes<kO>(du8, in[b])), hn::Set(di, X::kOffset));
      const auto v = NoContract(hn::Mul(hn::Set(df, d * static_cast<float>(sc[kO / X::kSub])), hn::ConvertTo(df, q)));
      if constexpr (requires { in[b].dmin; })
        hn::StoreU(hn::Sub(v, hn::Set(df, F16ToF32(in[b].dmin) * static_cast<float>(m[kO / X::kSub]))), df, yb + kO);
      else
        hn::StoreU(v, df, yb + kO);
    });
  }
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
  for (size_t b = 0; b < nb; ++b) X::dequantize(in[b], y + b * gguf::kQK_K);
#else
  DequantizeK(in, y, nb);
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
