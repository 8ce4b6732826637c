#include <catch2/catch.hpp>

#include "lowbit/granularity/blockwise.hpp"
#include "lowbit/granularity/per_channel.hpp"
#include "lowbit/granularity/per_tensor.hpp"
#include "lowbit/granularity/superblock.hpp"

namespace lb = lowbit;

TEST_CASE("granularity: group grids, partial tails, empty matrices", "[granularity]") {
  auto g = lb::group_grid<lb::PerTensor>(5, 7);
  CHECK((g.rows == 1 && g.cols == 1 && g.shape.rows == 5 && g.shape.cols == 7));
  g = lb::group_grid<lb::PerRow>(5, 7);
  CHECK((g.rows == 5 && g.cols == 1));
  g = lb::group_grid<lb::PerCol>(5, 7);
  CHECK((g.rows == 1 && g.cols == 7));
  g = lb::group_grid<lb::Blockwise<32>>(3, 784);
  CHECK((g.rows == 3 && g.cols == 25));  // 24 full blocks + a partial one of 16
  g = lb::group_grid<lb::SuperBlock<256, 32>>(2, 784);
  CHECK((g.rows == 2 && g.cols == 25));
  CHECK(lb::group_grid<lb::PerTensor>(0, 7).count() == 0);
  CHECK(lb::group_grid<lb::Blockwise<32>>(4, 0).count() == 0);
}

TEST_CASE("granularity: strict tails reject ragged rows with a clear message", "[granularity][errors]") {
  CHECK_NOTHROW((lb::Blockwise<32, lb::Tail::kReject>::validate(2, 64)));
  CHECK_THROWS_WITH((lb::Blockwise<32, lb::Tail::kReject>::validate(2, 65)),
                    Catch::Contains("cols: 65 is not a multiple of the block size 32"));
  CHECK_NOTHROW(lb::Blockwise<32>::validate(2, 65));
  CHECK_THROWS_AS((lb::SuperBlock<256, 32, 6, lb::F16Scale, lb::Tail::kReject>::validate(1, 300)), lb::argument_error);
}

TEST_CASE("superblock: sub-scales quantized against the super scale", "[granularity][superblock]") {
  using SB = lb::SuperBlock<64, 16, 6, lb::F32Scale>;
  std::vector<float> s = {1.0f, 0.6f, 0.2f, 0.0f};
  std::vector<int> codes(4);
  const float d = SB::quantize_scales<false>(s, codes);
  CHECK(d == Approx(1.0f / 63));
  CHECK(codes == std::vector<int>{63, 38, 13, 0});
  // equal scales use a power-of-two code and come back exactly
  std::vector<float> eq(4, 0.3f);
  const float d2 = SB::quantize_scales<false>(eq, codes);
  CHECK(codes == std::vector<int>{32, 32, 32, 32});
  CHECK(d2 * 32 == 0.3f);
  // signed scales (full-range symmetric) get two's complement codes in +-31
  std::vector<float> sg = {-1.0f, 0.4f};
  std::vector<int> c2(2);
  SB::quantize_scales<true>(sg, c2);
  CHECK(c2 == std::vector<int>{-31, 12});
}
