// lowbit: ggml's 32-element block formats Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, byte-compatible
// with GGUF and reproducing quantize_row_*_ref, rounding quirks included: Q4/Q5 truncate
// (int8_t)(v + k + 0.5f); Q8 rounds half away from zero (roundf); the reciprocal scale comes from
// the f32 scale before it is stored as f16. Nibbles: element j low, element j + 16 high.
#pragma once

#include "lowbit/schemes/gguf/common.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace gguf {

namespace detail {
/// (element j, element j + 16) -> one byte, ggml's split-half nibble order.
inline void pack_nibbles(const std::uint8_t* q, std::uint8_t* qs) noexcept {
  for (std::size_t j = 0; j < kQK / 2; ++j) qs[j] = static_cast<std::uint8_t>(q[j] | (q[j + kQK / 2] << 4));
}
inline void min_max(const float* x, float& min, float& max) noexcept {
  min = 3.402823466e38f;
  max = -3.402823466e38f;
  for (std::size_t j = 0; j < kQK; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
}
/// The 5th bits of 32 codes as ggml's little-endian u32 qh.
inline void pack_high_bits(const std::uint8_t* q, std::uint8_t* qh) noexcept {
  std::uint32_t h = 0;
  for (std::size_t j = 0; j < kQK; ++j) h |= static_cast<std::uint32_t>((q[j] >> 4) & 1) << j;
  for (int b = 0; b < 4; ++b) qh[b] = static_cast<std::uint8_t>(h >> (8 * b));
}
/// Low nibble of element j under the split-half order (Q4_0, Q5_0, IQ4_NL, MXFP4, ...).
inline int nibble(const std::uint8_t* qs, std::size_t j) noexcept {
  return j < kQK / 2 ? qs[j] & 0xF : qs[j - kQK / 2] >> 4;
}
inline int high_bit(const std::uint8_t* qh, std::size_t j) noexcept { return (qh[j / 8] >> (j % 8)) & 1; }
}  // namespace detail

struct Q8_0 {
  static constexpr std::size_t kElems = kQK, kBytes = 34;
  static constexpr const char* name = "q8_0";
  using partner = Q8_0;
  std::uint16_t d;
  std::int8_t qs[kQK];

  static void quantize(const float* x, Q8_0& b) noexcept {
    float amax = 0.0f;
    for (std::size_t j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b.d = to_f16(d);
    for (std::size_t j = 0; j < kQK; ++j) b.qs[j] = x86_to_int8(std::round(x[j] * id));
  }
  static int code(const Q8_0& b, std::size_t j) noexcept { return b.qs[j]; }
  static float scale(const Q8_0& b) noexcept { return from_f16(b.d); }
  static void dequantize(const Q8_0& b, float* y) noexcept {
    const float d = from_f16(b.d);
    for (std::size_t j = 0; j < kQK; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
  }
};

struct Q8_1 {
  static constexpr std::size_t kElems = kQK, kBytes = 36;
  static constexpr const char* name = "q8_1";
  std::uint16_t d;
  std::uint16_t s;  ///< d * sum(qs), for the Q4_1/Q5_1 dot product's min term
  std::int8_t qs[kQK];

  static void quantize(const float* x, Q8_1& b) noexcept {
    float amax = 0.0f;
    for (std::size_t j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b.d = to_f16(d);
    int sum = 0;
    for (std::size_t j = 0; j < kQK; ++j) {
      b.qs[j] = x86_to_int8(std::round(x[j] * id));
      sum += b.qs[j];
    }
    b.s = to_f16(static_cast<float>(sum) * d);
  }
  static void dequantize(const Q8_1& b, float* y) noexcept {
    const float d = from_f16(b.d);
    for (std::size_t j = 0; j < kQK; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
  }
};

/// Q4_0 and Q5_0: d = m / -2^(B-1), m the signed extreme, so m lands exactly on code 0.
template <int kBits>
struct SymmetricLegacy {
  static constexpr int kOffset = 1 << (kBits - 1);
  static void codes(const float* x, std::uint16_t& d16, std::uint8_t* q) noexcept {
    const float max = signed_absmax(x, kQK);
    const float d = max / static_cast<float>(-kOffset);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    d16 = to_f16(d);
    for (std::size_t j = 0; j < kQK; ++j) {
      const std::int8_t t = x86_to_int8(x[j] * id + (static_cast<float>(kOffset) + 0.5f));
      q[j] = static_cast<std::uint8_t>(std::min(2 * kOffset - 1, static_cast<int>(t)));
    }
  }
};

/// Q4_1 and Q5_1: d = (max - min) / (2^B - 1), m = min.
template <int kBits>
struct AffineLegacy {
  static void codes(const float* x, std::uint16_t& d16, std::uint16_t& m16, std::uint8_t* q) noexcept {
    float min = 0.0f, max = 0.0f;
    detail::min_max(x, min, max);
    const float d = (max - min) / static_cast<float>((1 << kBits) - 1);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    d16 = to_f16(d);
    m16 = to_f16(min);
    for (std::size_t j = 0; j < kQK; ++j) {
      const float v = (x[j] - min) * id;
      if constexpr (kBits == 4) {
        q[j] = static_cast<std::uint8_t>(std::min(15, static_cast<int>(x86_to_int8(v + 0.5f))));
      } else {
        q[j] = x86_to_uint8(v + 0.5f);  // ggml's Q5_1 has no clamp here
      }
    }
  }
};

struct Q4_0 {
  static constexpr std::size_t kElems = kQK, kBytes = 18;
  static constexpr const char* name = "q4_0";
  using partner = Q8_0;
  std::uint16_t d;
  std::uint8_t qs[kQK / 2];

  static void quantize(const float* x, Q4_0& b) noexcept {
    std::uint8_t q[kQK];
    SymmetricLegacy<4>::codes(x, b.d, q);
    detail::pack_nibbles(q, b.qs);
  }
  static int code(const Q4_0& b, std::size_t j) noexcept {
    return detail::nibble(b.qs, j) - 8;
  }
  static float scale(const Q4_0& b) noexcept { return from_f16(b.d); }
  static void dequantize(const Q4_0& b, float* y) noexcept {
    const float d = from_f16(b.d);
    for (std::size_t j = 0; j < kQK; ++j) y[j] = static_cast<float>(code(b, j)) * d;
  }
};

struct Q4_1 {
  static constexpr std::size_t kElems = kQK, kBytes = 20;
  static constexpr const char* name = "q4_1";
  using partner = Q8_1;
  std::uint16_t d, m;
  std::uint8_t qs[kQK / 2];

  static void quantize(const float* x, Q4_1& b) noexcept {
    std::uint8_t q[kQK];
    AffineLegacy<4>::codes(x, b.d, b.m, q);
    detail::pack_nibbles(q, b.qs);
  }
  static int code(const Q4_1& b, std::size_t j) noexcept {
    return detail::nibble(b.qs, j);
  }
  static float scale(const Q4_1& b) noexcept { return from_f16(b.d); }
  static void dequantize(const Q4_1& b, float* y) noexcept {
    const float d = from_f16(b.d), m = from_f16(b.m);
    for (std::size_t j = 0; j < kQK; ++j) y[j] = static_cast<float>(code(b, j)) * d + m;
  }
};

struct Q5_0 {
  static constexpr std::size_t kElems = kQK, kBytes = 22;
  static constexpr const char* name = "q5_0";
  using partner = Q8_0;
  std::uint16_t d;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];

  static void quantize(const float* x, Q5_0& b) noexcept {
    std::uint8_t q[kQK], lo[kQK];
    SymmetricLegacy<5>::codes(x, b.d, q);
    for (std::size_t j = 0; j < kQK; ++j) lo[j] = q[j] & 0xF;
    detail::pack_nibbles(lo, b.qs);
    detail::pack_high_bits(q, b.qh);
  }
  static int code(const Q5_0& b, std::size_t j) noexcept {
    return (detail::nibble(b.qs, j) | (detail::high_bit(b.qh, j) << 4)) - 16;
  }
  static float scale(const Q5_0& b) noexcept { return from_f16(b.d); }
  static void dequantize(const Q5_0& b, float* y) noexcept {
    const float d = from_f16(b.d);
    for (std::size_t j = 0; j < kQK; ++j) y[j] = static_cast<float>(code(b, j)) * d;
  }
};

struct Q5_1 {
  static constexpr std::size_t kElems = kQK, kBytes = 24;
  static constexpr const char* name = "q5_1";
  using partner = Q8_1;
  std::uint16_t d, m;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];

  static void quantize(const float* x, Q5_1& b) noexcept {
    std::uint8_t q[kQK], lo[kQK];
    AffineLegacy<5>::codes(x, b.d, b.m, q);
    for (std::size_t j = 0; j < kQK; ++j) lo[j] = q[j] & 0xF;
    detail::pack_nibbles(lo, b.qs);
    detail::pack_high_bits(q, b.qh);
  }
  static int code(const Q5_1& b, std::size_t j) noexcept {
    return detail::nibble(b.qs, j) | (detail::high_bit(b.qh, j) << 4);
  }
  static float scale(const Q5_1& b) noexcept { return from_f16(b.d); }
  static void dequantize(const Q5_1& b, float* y) noexcept {
    const float d = from_f16(b.d), m = from_f16(b.m);
    for (std::size_t j = 0; j < kQK; ++j) y[j] = static_cast<float>(code(b, j)) * d + m;
  }
};

using Q4_0Scheme = Scheme<Q4_0>;
using Q4_1Scheme = Scheme<Q4_1>;
using Q5_0Scheme = Scheme<Q5_0>;
using Q5_1Scheme = Scheme<Q5_1>;
using Q8_0Scheme = Scheme<Q8_0>;
using Q8_1Scheme = Scheme<Q8_1>;

}  // namespace gguf
LOWBIT_END_NAMESPACE
