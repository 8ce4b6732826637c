#include <catch2/catch.hpp>

#include <vector>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/shape.hpp"

namespace lb = lowbit;

TEST_CASE("shape: views of row- and column-major memory with a leading dimension", "[core][shape]") {
  std::vector<float> a(4 * 5);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i);
  const auto rm = lb::make_view<const float>(a.data(), 3, 4, lb::Order::kRowMajor, 5);
  CHECK(rm(2, 3) == 13.0f);
  const auto cm = lb::make_view<const float>(a.data(), 3, 4, lb::Order::kColMajor, 5);
  CHECK(cm(2, 3) == 17.0f);
  const auto dense = lb::make_view<const float>(a.data(), 4, 5);
  CHECK(dense(3, 4) == 19.0f);
  CHECK(lb::make_view<const float>(nullptr, 0, 7).empty());
}

TEST_CASE("shape: bad views throw with the argument's name", "[core][shape][errors]") {
  std::vector<float> a(10);
  CHECK_THROWS_WITH(lb::make_view<const float>(nullptr, 2, 3), Catch::Contains("data: null pointer"));
  CHECK_THROWS_WITH(lb::make_view<const float>(a.data(), 2, 3, lb::Order::kRowMajor, 2),
                    Catch::Contains("ld: leading dimension 2 is smaller than cols = 3"));
  CHECK_THROWS_AS(lb::make_view<const float>(a.data(), 4, 2, lb::Order::kColMajor, 3), lb::argument_error);
}

TEST_CASE("aligned buffer: aligned, zeroed, deep copies, moves empty the source", "[core][buffer]") {
  lb::AlignedBuffer<std::uint16_t> b(33);
  CHECK(reinterpret_cast<std::uintptr_t>(b.data()) % 64 == 0);
  for (auto v : b) CHECK(v == 0);
  b[5] = 7;
  lb::AlignedBuffer<std::uint16_t> c = b;
  c[5] = 9;
  CHECK(b[5] == 7);
  lb::AlignedBuffer<std::uint16_t> d = std::move(c);
  CHECK(c.empty());
  CHECK(d.size() == 33);
  CHECK(d[5] == 9);
  CHECK(lb::AlignedBuffer<float>(0).data() == nullptr);
}
