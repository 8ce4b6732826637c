#include <catch2/catch.hpp>

#include "lowbit/formats/integer.hpp"

namespace lb = lowbit;

TEMPLATE_TEST_CASE_SIG("integer formats: every code encodes, decodes and is in the table", "[formats][integer]",
                       ((int B), B), 2, 3, 4, 5, 6, 7, 8) {
  using S = lb::Int<B>;
  using U = lb::UInt<B>;
  STATIC_REQUIRE(lb::IntegerFormat<S>);
  STATIC_REQUIRE(lb::IntegerFormat<U>);
  CHECK(S::min_code == -(1 << (B - 1)));
  CHECK(S::max_code == (1 << (B - 1)) - 1);
  CHECK(U::max_code == (1 << B) - 1);
  constexpr auto st = S::decode_table();
  constexpr auto ut = U::decode_table();
  for (int v = S::min_code; v <= S::max_code; ++v) {
    const std::uint8_t raw = S::encode(v);
    CHECK(raw < (1u << B));
    CHECK(S::decode(raw) == v);
    CHECK(st[raw] == static_cast<float>(v));
  }
  for (int v = 0; v <= U::max_code; ++v) {
    CHECK(U::decode(U::encode(v)) == v);
    CHECK(ut[static_cast<std::size_t>(v)] == static_cast<float>(v));
  }
  CHECK(S::encode(-1) == lb::low_mask(B));  // two's complement: all ones
}
