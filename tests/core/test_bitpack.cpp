#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "lowbit/core/bitpack.hpp"

namespace lb = lowbit;

TEST_CASE("bitpack: pack/unpack round-trips every width 1..8 and odd lengths", "[core][bitpack]") {
  std::mt19937 rng(7);
  for (int bits = 1; bits <= 8; ++bits)
    for (std::size_t n : {0u, 1u, 2u, 3u, 5u, 7u, 8u, 9u, 31u, 33u, 63u, 255u, 1001u}) {
      std::vector<std::uint8_t> codes(n);
      for (auto& c : codes) c = static_cast<std::uint8_t>(rng() & lb::low_mask(bits));
      std::vector<std::uint8_t> packed(lb::packed_bytes(n, bits), 0xAA);
      lb::pack_codes(codes, bits, packed);
      std::vector<std::uint8_t> back(n, 0xFF);
      lb::unpack_codes(packed, bits, back);
      INFO("bits " << bits << " n " << n);
      CHECK(back == codes);
      for (std::size_t i = 0; i < n; ++i) CHECK(lb::get_code(packed.data(), bits, i) == codes[i]);
      // The partial last byte's unused bits are cleared.
      if ((n * bits) % 8 != 0) CHECK((packed.back() >> ((n * bits) % 8)) == 0);
    }
}

TEST_CASE("bitpack: set_code writes one code and leaves its neighbours", "[core][bitpack]") {
  std::mt19937 rng(11);
  for (int bits = 1; bits <= 8; ++bits) {
    const std::size_t n = 37;
    std::vector<std::uint8_t> codes(n), packed(lb::packed_bytes(n, bits));
    for (std::size_t i = 0; i < n; ++i) {
      codes[i] = static_cast<std::uint8_t>(rng() & lb::low_mask(bits));
      lb::set_code(packed.data(), bits, i, codes[i]);
    }
    for (int round = 0; round < 200; ++round) {  // overwrite in random order
      const std::size_t i = rng() % n;
      codes[i] = static_cast<std::uint8_t>(rng() & lb::low_mask(bits));
      lb::set_code(packed.data(), bits, i, codes[i]);
    }
    std::vector<std::uint8_t> back(n);
    lb::unpack_codes(packed, bits, back);
    CHECK(back == codes);
  }
}

TEST_CASE("bitpack: documented bit order (LSB first, codes straddle bytes)", "[core][bitpack]") {
  const std::vector<std::uint8_t> c3 = {1, 2, 3, 4, 5, 6, 7, 0};
  std::vector<std::uint8_t> p3(3);
  lb::pack_codes(c3, 3, p3);
  // stream: 001 010 011 100 101 110 111 000 read LSB-first per code
  CHECK(p3 == std::vector<std::uint8_t>{0xD1, 0x58, 0x1F});
  const std::vector<std::uint8_t> c4 = {0x1, 0x2, 0xF, 0x0};
  std::vector<std::uint8_t> p4(2);
  lb::pack_codes(c4, 4, p4);
  CHECK(p4 == std::vector<std::uint8_t>{0x21, 0x0F});  // code 0 in the low nibble
}

TEST_CASE("bitpack: bad arguments throw", "[core][bitpack][errors]") {
  std::vector<std::uint8_t> codes(9, 1), small(1);
  CHECK_THROWS_AS(lb::pack_codes(codes, 0, small), lb::argument_error);
  CHECK_THROWS_AS(lb::pack_codes(codes, 9, small), lb::argument_error);
  CHECK_THROWS_WITH(lb::pack_codes(codes, 2, small), Catch::Contains("out: expected at least 3 bytes"));
  CHECK_THROWS_AS(lb::unpack_codes(small, 2, codes), lb::argument_error);
}
