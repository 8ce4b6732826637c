// lowbit: scalar packing of 1..8-bit codes into a dense little-endian bit stream.
//
// Bit order (every packed plane in lowbit's SoA layout): code i occupies stream bits
// [i*bits, i*bits + bits), least significant bit first, and stream bit k is bit (k % 8) of
// byte k / 8. So 4-bit code 0 is the low nibble of byte 0 and code 1 its high nibble; a 3-bit
// code 2 takes bits 6..7 of byte 0 and bit 0 of byte 1 (codes of 3, 5, 6 and 7 bits straddle
// bytes). No byte past packed_bytes(n, bits) is ever read or written.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lowbit/core/bits.hpp"
#include "lowbit/core/error.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Bytes needed to hold n codes of `bits` bits each.
constexpr std::size_t packed_bytes(std::size_t n, int bits) noexcept {
  return div_ceil(n * static_cast<std::size_t>(bits), 8);
}

/// Code i of a packed stream. Requires bits in [1, 8] and i < the stream's code count.
constexpr std::uint8_t get_code(const std::uint8_t* packed, int bits, std::size_t i) noexcept {
  assert(bits >= 1 && bits <= 8);
  const std::size_t bit = i * static_cast<std::size_t>(bits);
  const std::size_t byte = bit / 8;
  const int shift = static_cast<int>(bit % 8);
  std::uint32_t v = packed[byte] >> shift;
  if (shift + bits > 8) v |= static_cast<std::uint32_t>(packed[byte + 1]) << (8 - shift);
  return static_cast<std::uint8_t>(v & low_mask(bits));
}

/// Overwrites code i of a packed stream with the low `bits` bits of `code`; other codes keep
/// their bits.
constexpr void set_code(std::uint8_t* packed, int bits, std::size_t i, std::uint8_t code) noexcept {
  assert(bits >= 1 && bits <= 8);
  const std::size_t bit = i * static_cast<std::size_t>(bits);
  const std::size_t byte = bit / 8;
  const int shift = static_cast<int>(bit % 8);
  const std::uint32_t mask = low_mask(bits);
  const std::uint32_t c = code & mask;
  packed[byte] = static_cast<std::uint8_t>((packed[byte] & ~(mask << shift)) | (c << shift));
  if (shift + bits > 8) {
    const int hi = 8 - shift;  // bits already written into the first byte
    packed[byte + 1] =
        static_cast<std::uint8_t>((packed[byte + 1] & ~(mask >> hi)) | (c >> hi));
  }
}

/// Packs codes[0, n) (each < 2^bits) into packed_bytes(n, bits) bytes of `out`; a partial
/// last byte has its unused high bits cleared.
inline void pack_codes(std::span<const std::uint8_t> codes, int bits, std::span<std::uint8_t> out) {
  LOWBIT_CHECK(bits >= 1 && bits <= 8, "bits: expected 1..8, got ", bits);
  LOWBIT_CHECK(out.size() >= packed_bytes(codes.size(), bits), "out: expected at least ",
               packed_bytes(codes.size(), bits), " bytes for ", codes.size(), " codes of ", bits,
               " bits, got ", out.size());
  std::uint32_t acc = 0;  // bit accumulator, at most 7 + 8 bits in flight
  int have = 0;
  std::size_t o = 0;
  for (std::uint8_t c : codes) {
    acc |= static_cast<std::uint32_t>(c & low_mask(bits)) << have;
    have += bits;
    while (have >= 8) {
      out[o++] = static_cast<std::uint8_t>(acc);
      acc >>= 8;
      have -= 8;
    }
  }
  if (have > 0) out[o] = static_cast<std::uint8_t>(acc);
}

/// Unpacks codes.size() codes of `bits` bits from `packed`.
inline void unpack_codes(std::span<const std::uint8_t> packed, int bits, std::span<std::uint8_t> codes) {
  LOWBIT_CHECK(bits >= 1 && bits <= 8, "bits: expected 1..8, got ", bits);
  LOWBIT_CHECK(packed.size() >= packed_bytes(codes.size(), bits), "packed: expected at least ",
               packed_bytes(codes.size(), bits), " bytes for ", codes.size(), " codes of ", bits,
               " bits, got ", packed.size());
  std::uint32_t acc = 0;
  int have = 0;
  std::size_t in = 0;
  for (std::uint8_t& c : codes) {
    if (have < bits) {
      acc |= static_cast<std::uint32_t>(packed[in++]) << have;
      have += 8;
    }
    c = static_cast<std::uint8_t>(acc & low_mask(bits));
    acc >>= bits;
    have -= bits;
  }
}

LOWBIT_END_NAMESPACE
