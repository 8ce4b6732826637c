// lowbit: decoding bit-packed codes (any width 1..8, the LSB-first bit streams PackedMatrix
// stores) through a table of their values: every quantizer and format the same way, so the
// result is the table's, i.e. Q::decode's, bit for bit.

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

HWY_BEFORE_NAMESPACE();
LOWBIT_BEGIN_NAMESPACE
namespace HWY_NAMESPACE {

/// out[i] = table[code c0 + i] for i < n, the codes kBits wide in the row's bit stream (code c
/// at bits [c * kBits, c * kBits + kBits) of the little-endian bytes; row_bytes long). Widths
/// up to 4 look up one vpermps table (Lookup16); wider ones gather.
template <int kBits>
void DecodeCodes(const uint8_t* HWY_RESTRICT row, size_t row_bytes, size_t c0, size_t n,
                 const float* HWY_RESTRICT table, float* HWY_RESTRICT out) {
#if HWY_TARGET == HWY_SCALAR
  (void)row_bytes;
  for (size_t i = 0; i < n; ++i) out[i] = table[get_code(row, kBits, c0 + i)];
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Repartition<uint8_t, decltype(df)> du8;
  const size_t N = hn::Lanes(df);
  // Lane i's code starts at bit phase + i * kBits of a window of at most 16 bytes (16 lanes of
  // 8 bits, or 7 bits plus a phase below 8): each lane's two bytes by a byte shuffle of the
  // window (in every 128-bit block), then a per-lane shift.
  const auto lane_bits = hn::Mul(hn::Iota(du, 0), hn::Set(du, kBits));
  const hn::Rebind<uint8_t, decltype(du)> d8;
  for (size_t i = 0; i < n; i += N) {
    const size_t count = std::min(N, n - i), bit0 = (c0 + i) * kBits, byte0 = bit0 / 8;
    hn::Vec<decltype(du)> code;
    if constexpr (kBits == 8) {  // bytes: no unpacking
      code = hn::PromoteTo(du, LoadUpTo(d8, row + byte0, count));
    } else {
      const auto bits = hn::Add(lane_bits, hn::Set(du, static_cast<uint32_t>(bit0 % 8)));
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
      code = hn::And(hn::Shr(pair, hn::And(bits, hn::Set(du, 7))), hn::Set(du, (1u << kBits) - 1));
    }
    hn::Vec<decltype(df)> v;
    if constexpr (kBits <= 4) v = Lookup16(df, table, hn::BitCast(di, code));
    else v = hn::GatherIndex(df, table, hn::BitCast(di, code));
    StoreUpTo(v, df, out + i, count);
  }
#endif
}

#define LOWBIT_DECODE_CODES(B)                                                                          \
  inline void DecodeCodes##B(const uint8_t* row, size_t row_bytes, size_t c0, size_t n, const float* table, \
                             float* out) {                                                              \
    DecodeCodes<B>(row, row_bytes, c0, n, table, out);                                                  \
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

}  // namespace HWY_NAMESPACE
LOWBIT_END_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
