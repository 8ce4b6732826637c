// lowbit: ggml's ternary formats TQ1_0 (1.6875 bits: base-3, 5 trits per byte) and TQ2_0
// (2.0625 bits: 2-bit codes), 256-element blocks with d = absmax (f16) and trits
// lroundf(x / d) in {-1, 0, 1}; dotted with Q8_K.
#pragma once

#include "lowbit/formats/ternary.hpp"
#include "lowbit/schemes/gguf/k_quants.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace gguf {

namespace detail {
/// d = absmax, and each element's trit + 1 in {0, 1, 2}, as quantize_row_tq*_ref computes them.
inline float ternary_codes(const float* x, int* t) noexcept {
  float amax = 0.0f;
  for (std::size_t j = 0; j < kQK_K; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float id = amax != 0.0f ? 1.0f / amax : 0.0f;
  for (std::size_t j = 0; j < kQK_K; ++j) t[j] = static_cast<int>(x86_lround(x[j] * id) + 1);
  return amax;
}
}  // namespace detail

struct TQ1_0 {
  static constexpr std::size_t kElems = kQK_K, kBytes = 54;
  static constexpr const char* name = "tq1_0";
  using partner = Q8_K;
  std::uint8_t qs[48];  ///< bytes 0..31: elements m + 32n; bytes 32..47: 160 + m + 16n (n = 0..4)
  std::uint8_t qh[4];   ///< element 240 + j + 4n (n = 0..3) in byte j, as a 4-trit byte
  std::uint16_t d;

  static constexpr std::size_t kSub = kQK_K;  // one scale, d, for the whole block
  static constexpr int kOffset = 1;
  static int ucode(const TQ1_0& blk, std::size_t i) noexcept {
    const std::size_t b = i < 160 ? i % 32 : i < 240 ? 32 + (i - 160) % 16 : 48 + (i - 240) % 4;
    const int n = static_cast<int>(i < 160 ? i / 32 : i < 240 ? (i - 160) / 16 : (i - 240) / 4);
    return trits::unpack(b < 48 ? blk.qs[b] : blk.qh[b - 48], n);
  }
  static void sub_scales(const TQ1_0&, std::int8_t* sc, std::uint8_t* m) noexcept { sc[0] = 1, m[0] = 0; }

  /// Element index of trit n of byte b (qs bytes 0..47, then qh bytes 48..51).
  static constexpr std::size_t element(std::size_t b, int n) noexcept {
    if (b < 32) return b + 32 * static_cast<std::size_t>(n);
    if (b < 48) return 160 + (b - 32) + 16 * static_cast<std::size_t>(n);
    return 240 + (b - 48) + 4 * static_cast<std::size_t>(n);
  }
  static void quantize(const float* x, TQ1_0& blk) noexcept {
    int t[kQK_K];
    blk.d = to_f16(detail::ternary_codes(x, t));
    for (std::size_t b = 0; b < 52; ++b) {
      const int trits = b < 48 ? 5 : 4;
      int five[5] = {0, 0, 0, 0, 0};
      for (int n = 0; n < trits; ++n) five[n] = t[element(b, n)];
      // uint8 arithmetic as ggml (q = q * 3 + t wraps for out-of-range trits of subnormal blocks)
      std::uint8_t q = 0;
      for (int n = 0; n < 5; ++n) q = static_cast<std::uint8_t>(q * 3 + five[n]);
      q = static_cast<std::uint8_t>((static_cast<std::uint16_t>(q) * 256 + 242) / 243);
      (b < 48 ? blk.qs[b] : blk.qh[b - 48]) = q;
    }
  }
  static void dequantize(const TQ1_0& blk, float* y) noexcept {
    const float d = from_f16(blk.d);
    for (std::size_t b = 0; b < 52; ++b)
      for (int n = 0; n < (b < 48 ? 5 : 4); ++n)
        y[element(b, n)] = static_cast<float>(trits::unpack(b < 48 ? blk.qs[b] : blk.qh[b - 48], n) - 1) * d;
  }
};

struct TQ2_0 {
  static constexpr std::size_t kElems = kQK_K, kBytes = 66;
  static constexpr const char* name = "tq2_0";
  using partner = Q8_K;
  std::uint8_t qs[64];  ///< byte 32c + m, bits 2n: element 128c + 32n + m
  std::uint16_t d;

  static constexpr std::size_t kSub = kQK_K;
  static constexpr int kOffset = 1;
  static int ucode(const TQ2_0& blk, std::size_t i) noexcept { return detail::get_2bit(blk.qs, i); }
  static void sub_scales(const TQ2_0&, std::int8_t* sc, std::uint8_t* m) noexcept { sc[0] = 1, m[0] = 0; }

  static void quantize(const float* x, TQ2_0& blk) noexcept {
    int t[kQK_K];
    blk.d = to_f16(detail::ternary_codes(x, t));
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t m = 0; m < 32; ++m) {
        std::uint8_t q = 0;
        for (std::size_t n = 0; n < 4; ++n) q = static_cast<std::uint8_t>(q + ((t[128 * c + 32 * n + m] & 3) << (2 * n)));
        blk.qs[32 * c + m] = q;
      }
  }
  static void dequantize(const TQ2_0& blk, float* y) noexcept {
    const float d = from_f16(blk.d);
    for (std::size_t i = 0; i < kQK_K; ++i) y[i] = static_cast<float>(detail::get_2bit(blk.qs, i) - 1) * d;
  }
};

using TQ1_0Scheme = Scheme<TQ1_0>;
using TQ2_0Scheme = Scheme<TQ2_0>;

}  // namespace gguf
LOWBIT_END_NAMESPACE
