// lowbit: decoding bit-packed codes (any width 1..8, the LSB-first bit streams PackedMatrix
// stores) through a table of their values: every quantizer and format the same way, so the
// result is the table's, i.e. Q::decode's, bit for bit. Integer codes and 6- and 8-bit
// minifloats (FP4, FP6, FP8) decode by arithmetic instead, in Q::decode's operations.

#if defined(LOWBIT_KERNELS_PACKED_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef LOWBIT_KERNELS_PACKED_INL_H_
#undef LOWBIT_KERNELS_PACKED_INL_H_
#else
#define LOWBIT_KERNELS_PACKED_INL_H_
#endif

#include <algorithm>
#include <cstring>

#include "hwy/highway.h"
#include "lowbit/core/bitpack.hpp"
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/stream-inl.h"

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
/// Codes c .. c + count (count <= Lanes) of a row's kBits-wide bit stream (code c at bits
/// [c * kBits, c * kBits + kBits) of the little-endian bytes; row_bytes long), one per u32 lane,
/// in the lane's top kBits bits (lower bits: other codes'), so that one right shift by 32 - kBits,
/// logical or arithmetic, gives the code or its sign extension. Lane i's code starts at bit
/// phase + i * kBits of a window of at most 16 bytes (16 lanes of 8 bits, or 7 bits plus a phase
/// below 8): each lane's two bytes by a byte shuffle of the window (in every 128-bit block), then
/// a per-lane left shift. At phase 0 (whole vectors from a row's start) the shuffle and the
/// shifts are loop constants.
template <int kBits, class DU>
HWY_INLINE hn::Vec<DU> LoadCodesHigh(DU du, const uint8_t* HWY_RESTRICT row, size_t row_bytes, size_t c, size_t count) {
  const hn::Repartition<uint8_t, DU> du8;
  const size_t bit0 = c * kBits, byte0 = bit0 / 8;
  if constexpr (kBits == 8) {  // bytes: no unpacking
    return hn::ShiftLeft<24>(hn::PromoteTo(du, LoadUpTo(hn::Rebind<uint8_t, DU>(), row + byte0, count)));
  } else {
    const auto unpack = [&](hn::Vec<DU> bits) {  // bits: where each lane's code starts
      const auto k = hn::ShiftRight<3>(bits);
      const auto idx = hn::Or(hn::Or(k, hn::ShiftLeft<8>(hn::Add(k, hn::Set(du, 1)))), hn::Set(du, 0x80800000u));
      hn::Vec<decltype(du8)> window;
      if (byte0 + 16 <= row_bytes) {
        window = hn::LoadDup128(du8, row + byte0);
      } else {  // the row's end: only its bytes
        alignas(16) uint8_t tail[16] = {};
        std::memcpy(tail, row + byte0, row_bytes - byte0);
        window = hn::LoadDup128(du8, tail);
      }
      const auto pair = hn::BitCast(du, hn::TableLookupBytes(window, hn::BitCast(du8, idx)));
      return hn::Shl(pair, hn::Sub(hn::Set(du, 32 - kBits), hn::And(bits, hn::Set(du, 7))));
    };
    const auto bits = hn::Mul(hn::Iota(du, 0), hn::Set(du, kBits));
    const uint32_t phase = static_cast<uint32_t>(bit0 % 8);
    return phase == 0 ? unpack(bits) : unpack(hn::Add(bits, hn::Set(du, phase)));
  }
}

/// LoadCodesHigh's codes in the lanes' low bits.
template <int kBits, class DU>
HWY_INLINE hn::Vec<DU> LoadCodes(DU du, const uint8_t* HWY_RESTRICT row, size_t row_bytes, size_t c, size_t count) {
  return hn::ShiftRight<32 - kBits>(LoadCodesHigh<kBits>(du, row, row_bytes, c, count));
}
#endif

/// out[i] = table[code c0 + i] for i < n, times scales[i / gw] when scales is not null: every
/// format's codes through a table of their values (per group, scaled; or once, at scale 1, for a
/// mapping that decodes as value(code) * scale). Widths up to 4 look up one vpermps table
/// (Lookup16); wider ones gather. With `stream` (out a whole row) the stores stream (RowWriter),
/// as in the other decodes.
template <int kBits>
void DecodeCodes(const uint8_t* HWY_RESTRICT row, size_t row_bytes, size_t c0, size_t n, const float* HWY_RESTRICT table,
                 size_t gw, const float* HWY_RESTRICT scales, float* HWY_RESTRICT out, bool stream) {
#if HWY_TARGET == HWY_SCALAR
  (void)row_bytes, (void)stream;
  for (size_t i = 0; i < n; ++i) {
    const float v = table[get_code(row, kBits, c0 + i)];
    out[i] = scales != nullptr ? v * scales[i / gw] : v;
  }
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const size_t N = hn::Lanes(df);
  RowWriter sink(out, n, stream);
  for (size_t g0 = 0, g = 0; g0 < n; g0 += gw, ++g) {
    const size_t end = std::min(n, g0 + gw);
    const auto vscale = hn::Set(df, scales != nullptr ? scales[g] : 1.0f);
    for (size_t i = g0; i < end; i += N) {
      const size_t count = std::min(N, end - i);
      const auto code = hn::BitCast(di, LoadCodes<kBits>(du, row, row_bytes, c0 + i, count));
      hn::Vec<decltype(df)> v;
      if constexpr (kBits <= 4) v = Lookup16(df, table, code);
      else v = hn::GatherIndex(df, table, code);
      sink.Store(scales != nullptr ? hn::Mul(v, vscale) : v, i, count);
    }
  }
  sink.Finish(n);
#endif
}

/// out[i] = float(v - zps[g]) * scales[g] for the first n codes of a row, v the code read as an
/// integer (two's complement when kSigned), g = i / gw: the integer mappings' decode, by the same
/// arithmetic, with no per-group table. `stream`: as DecodeCodes'.
template <int kBits, bool kSigned>
void DecodeIntegers(const uint8_t* HWY_RESTRICT row, size_t row_bytes, size_t n, size_t gw,
                    const float* HWY_RESTRICT scales, const int32_t* HWY_RESTRICT zps, float* HWY_RESTRICT out,
                    bool stream) {
#if HWY_TARGET == HWY_SCALAR
  (void)row_bytes, (void)stream;
  for (size_t i = 0; i < n; ++i) {
    int32_t v = get_code(row, kBits, i);
    if (kSigned && v >= (1 << (kBits - 1))) v -= 1 << kBits;
    out[i] = static_cast<float>(v - zps[i / gw]) * scales[i / gw];
  }
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const size_t N = hn::Lanes(df);
  RowWriter sink(out, n, stream);
  for (size_t g0 = 0, g = 0; g0 < n; g0 += gw, ++g) {
    const size_t end = std::min(n, g0 + gw);
    const auto vscale = hn::Set(df, scales[g]);
    const auto vzp = hn::Set(di, zps[g]);
    for (size_t i = g0; i < end; i += N) {
      const size_t count = std::min(N, end - i);
      const auto high = LoadCodesHigh<kBits>(du, row, row_bytes, i, count);  // sign-extended or not by the shift
      const auto v = kSigned ? hn::ShiftRight<32 - kBits>(hn::BitCast(di, high)) : hn::BitCast(di, hn::ShiftRight<32 - kBits>(high));
      sink.Store(hn::Mul(hn::ConvertTo(df, hn::Sub(v, vzp)), vscale), i, count);
    }
  }
  sink.Finish(n);
#endif
}

/// out[i] = value(code i) * scales[i / gw] for the first n codes of a row of minifloats (sign bit
/// when kSigned, exp exponent bits with bias, man mantissa bits, subnormals; specials as
/// MiniFloat's kIeee = 1 / kNanOnly = 2): MiniFloat::decode by its bit fields, then Scaled's
/// product, so no per-group table. `stream`: as DecodeCodes'. False (nothing written) on
/// HWY_SCALAR: callers take the table.
template <int kBits>
bool DecodeMinifloats(const uint8_t* HWY_RESTRICT row, size_t row_bytes, size_t n, size_t gw,
                      const float* HWY_RESTRICT scales, int exp, int man, int bias, int specials, bool is_signed,
                      float* HWY_RESTRICT out, bool stream) {
#if HWY_TARGET == HWY_SCALAR
  (void)row_bytes, (void)exp, (void)man, (void)bias, (void)specials, (void)is_signed, (void)n, (void)gw, (void)row,
      (void)scales, (void)out, (void)stream;
  return false;
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const size_t N = hn::Lanes(df);
  const auto nan = hn::Set(du, 0x7FC00000u), inf = hn::Set(du, 0x7F800000u);
  // The exponent and mantissa fields as an f32's, the exponent rebiased by an integer add: the
  // value for e > 0. For e = 0 the exponent is rebiased one higher and 2^(1 - bias) subtracted:
  // m * 2^(1 - bias - man) exactly, with no subnormal operand (x86 takes a slow assist on those).
  const uint32_t body_bits = (1u << (exp + man)) - 1, top_body = ((1u << exp) - 1) << man;
  const auto body_mask = hn::Set(du, body_bits);
  const auto rebias_bits = hn::Set(du, static_cast<uint32_t>(127 - bias) << 23);
  const auto sub_one = hn::Set(du, 1u << 23), first_normal = hn::Set(du, 1u << man);
  const auto sub_base = hn::Set(df, std::ldexp(1.0f, 1 - bias));
  RowWriter sink(out, n, stream);
  for (size_t g0 = 0, g = 0; g0 < n; g0 += gw, ++g) {
    const size_t end = std::min(n, g0 + gw);
    const auto vscale = hn::Set(df, scales[g]);
    for (size_t i = g0; i < end; i += N) {
      const size_t count = std::min(N, end - i);
      const auto c = LoadCodes<kBits>(du, row, row_bytes, i, count);
      const auto sign = is_signed ? hn::ShiftLeftSame(hn::ShiftRightSame(c, exp + man), 31) : hn::Zero(du);
      const auto body = hn::And(c, body_mask);
      const auto normal = hn::Add(hn::ShiftLeftSame(body, 23 - man), rebias_bits);
      const auto sub = hn::RebindMask(df, hn::Gt(first_normal, body));  // e = 0
      auto v = hn::BitCast(du, hn::IfThenElse(sub, hn::Sub(hn::BitCast(df, hn::Add(normal, sub_one)), sub_base),
                                              hn::BitCast(df, normal)));
      v = hn::Or(v, sign);
      if (specials == 1) {  // IEEE: the all-ones exponent is Inf (signed) when m == 0, else NaN
        const auto top = hn::Gt(body, hn::Set(du, top_body - 1));
        v = hn::IfThenElse(top, hn::IfThenElse(hn::Eq(body, hn::Set(du, top_body)), hn::Or(inf, sign), nan), v);
      } else if (specials != 0) {  // only the all-ones exponent and mantissa is NaN
        v = hn::IfThenElse(hn::Eq(body, body_mask), nan, v);
      }
      sink.Store(hn::Mul(hn::BitCast(df, v), vscale), i, count);
    }
  }
  sink.Finish(n);
  return true;
#endif
}

/// out[i] = f16 bits in[i] as f32, exactly (vcvtph2ps where the target has F16C): a group row's
/// F16Scale scales in one pass, where the portable per-group decode cost as much as the codes.
inline void DecodeF16(const uint16_t* HWY_RESTRICT in, float* HWY_RESTRICT out, size_t n) {
  size_t i = 0;
#if HWY_TARGET <= HWY_AVX2
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  for (; i + hn::Lanes(df) <= n; i += hn::Lanes(df))
    hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(in) + i)), df, out + i);
#endif
  for (; i < n; ++i) out[i] = F16ToF32(in[i]);
}

#define LOWBIT_DECODE_CODES(B)                                                                          \
  inline void DecodeCodes##B(const uint8_t* row, size_t row_bytes, size_t c0, size_t n, const float* table, \
                             size_t gw, const float* scales, float* out, bool stream) {                 \
    DecodeCodes<B>(row, row_bytes, c0, n, table, gw, scales, out, stream);                              \
  }
LOWBIT_DECODE_CODES(1)
LOWBIT_DECODE_CODES(2)
LOWBIT_DECODE_CODES(3)
LOWBIT_DECODE_CODES(4)
LOWBIT_DECODE_CODES(5)
LOWBIT_DECODE_CODES(6)
LOWBIT_DECODE_CODES(7)
LOWBIT_DECODE_CODES(8)
#undef LOWBIT_DECODE_CODES

#define LOWBIT_DECODE_INTEGERS(B)                                                                               \
  inline void DecodeInts##B(const uint8_t* row, size_t row_bytes, size_t n, size_t gw, const float* scales,    \
                            const int32_t* zps, float* out, bool stream) {                                     \
    DecodeIntegers<B, true>(row, row_bytes, n, gw, scales, zps, out, stream);                                 \
  }                                                                                                            \
  inline void DecodeUInts##B(const uint8_t* row, size_t row_bytes, size_t n, size_t gw, const float* scales,   \
                             const int32_t* zps, float* out, bool stream) {                                    \
    DecodeIntegers<B, false>(row, row_bytes, n, gw, scales, zps, out, stream);                                \
  }
LOWBIT_DECODE_INTEGERS(2)
LOWBIT_DECODE_INTEGERS(3)
LOWBIT_DECODE_INTEGERS(4)
LOWBIT_DECODE_INTEGERS(5)
LOWBIT_DECODE_INTEGERS(6)
LOWBIT_DECODE_INTEGERS(7)
LOWBIT_DECODE_INTEGERS(8)
#undef LOWBIT_DECODE_INTEGERS

#define LOWBIT_DECODE_MINIFLOATS(B)                                                                          \
  inline bool DecodeMinifloats##B(const uint8_t* row, size_t row_bytes, size_t n, size_t gw, const float* scales, \
                                  int exp, int man, int bias, int specials, bool is_signed, float* out,         \
                                  bool stream) {                                                                \
    return DecodeMinifloats<B>(row, row_bytes, n, gw, scales, exp, man, bias, specials, is_signed, out, stream); \
  }
LOWBIT_DECODE_MINIFLOATS(6)
LOWBIT_DECODE_MINIFLOATS(8)
#undef LOWBIT_DECODE_MINIFLOATS

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
