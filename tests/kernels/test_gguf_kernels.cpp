// The codec kernels (GGUF blocks, PackedMatrix compositions) against the reference, on every
// supported target.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/targets.hpp"
#include "lowbit/kernels/gguf.hpp"
#include "lowbit/kernels/packed.hpp"
#include "lowbit/quantize.hpp"
#include "test_util.hpp"

namespace lb = lowbit;
namespace gguf = lowbit::gguf;
using lowbit_test::for_each_target;

namespace {
/// Rows that exercise every rule: normal data, .5 ties on the code grid, zero and constant
/// blocks, a single outlier, subnormal-sized blocks (1/d overflows), large magnitudes.
/// `period` spaces the special blocks out (0: none); `subnormal` false leaves out the subnormal-
/// sized ones (which send kernels to their per-block path).
std::vector<float> tricky_row(std::size_t nb, std::uint32_t seed, std::size_t period = 9, bool subnormal = true) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(nb * 32);
  for (float& v : x) v = nd(rng);
  for (std::size_t b = 0; period != 0 && b < nb; ++b) {
    float* xb = x.data() + 32 * b;
    switch (b % period) {
      case 1: for (int j = 0; j < 32; ++j) xb[j] = 0.0f; break;
      case 2: for (int j = 0; j < 32; ++j) xb[j] = (j % 17 - 8) * 0.5f + 0.25f; break;  // grid ties
      case 3: for (int j = 0; j < 32 && subnormal; ++j) xb[j] = 1e-39f * (j - 16); break;  // subnormal
      case 4: xb[b % 32] = -40.0f; break;
      case 5:  // constant, then signed zeros: Q4_1's min is the first zero, -0
        for (int j = 0; j < 32; ++j) xb[j] = j < 16 ? 3.0f : j % 2 == 0 ? -0.0f : 0.0f;
        break;
      case 6: for (int j = 0; j < 32; ++j) xb[j] *= 1e4f; break;
      case 7: xb[5] = b % 2 ? -7.0f : 7.0f, xb[9] = -xb[5]; break;  // extremes of equal magnitude: the first wins
      case 8: for (int j = 0; j < 32; ++j) xb[j] = j == 0 ? 127.0f : (j - 16) + 0.5f;  // Q8_0 ties (d = 1)
        xb[1] = 0.49999997f, xb[2] = -0.49999997f;  // where v + 0.5 rounds up
        break;
      default: break;
    }
  }
  return x;
}

/// dequantize_row of the blocks gives yref bit for bit at every alignment of the output (16-float
/// vectors are stored in aligned lines), and writes nothing around it.
template <class Block>
void check_dequantize_row(const std::vector<Block>& blocks, const std::vector<float>& yref) {
  std::vector<float> buf(yref.size() + 32);
  const std::size_t aligned = (64 - reinterpret_cast<std::uintptr_t>(buf.data()) % 64) % 64 / sizeof(float);
  for (std::size_t offset : {aligned, aligned + 1, aligned + 3, aligned + 15}) {
    std::fill(buf.begin(), buf.end(), -7.0f);
    float* out = buf.data() + offset;
    lb::kernels::dequantize_row(blocks.data(), out, blocks.size());
    INFO(Block::name << " offset " << offset - aligned);
    REQUIRE(std::memcmp(yref.data(), out, yref.size() * sizeof(float)) == 0);
    REQUIRE(std::all_of(buf.data(), out, [](float v) { return v == -7.0f; }));
    REQUIRE(std::all_of(out + yref.size(), buf.data() + buf.size(), [](float v) { return v == -7.0f; }));
  }
}

/// quantize_row gives the reference's bytes for x, dequantize_row its floats, on every target.
template <class Block>
void check_codec_on(const std::vector<float>& x) {
  constexpr std::size_t K = Block::kElems;
  const std::size_t nb = x.size() / K;
  std::vector<Block> ref(nb), simd(nb);
  for (std::size_t b = 0; b < nb; ++b) Block::quantize(x.data() + K * b, ref[b]);
  std::vector<float> yref(x.size());
  for (std::size_t b = 0; b < nb; ++b) Block::dequantize(ref[b], yref.data() + K * b);
  for_each_target([&] {
    std::memset(simd.data(), 0xAB, nb * sizeof(Block));
    lb::kernels::quantize_row(x.data(), simd.data(), nb);
    for (std::size_t b = 0; b < nb; ++b) {
      INFO(Block::name << " block " << b << " of " << nb);
      REQUIRE(std::memcmp(&ref[b], &simd[b], sizeof(Block)) == 0);
    }
    check_dequantize_row(ref, yref);
  });
}

template <class Block>
void check_codec(std::size_t nb, std::size_t period = 9, bool subnormal = true) {
  check_codec_on<Block>(tricky_row(nb * Block::kElems / 32, 7 + static_cast<std::uint32_t>(nb), period, subnormal));
}

/// d * sum(q) of a Q8_1 block, exactly: what its f16 field s rounds.
double exact_sum(const gguf::Q8_1& y) {
  double sum = 0.0;
  for (auto q : y.qs) sum += q;
  return gguf::from_f16(y.d) * sum;
}

template <class X, class Y>
void check_dot(std::size_t nb, bool hostile, bool subnormal_scales = false) {
  const auto xf = tricky_row(nb, 11);
  auto yf = tricky_row(nb, 12);
  // Q8_1's s = d * sum(q) overflows f16 (to Inf, and m * s to NaN) beyond |x| ~ 500
  if constexpr (requires { Y::s; })
    for (float& v : yf) v = std::clamp(v, -400.0f, 400.0f);
  std::vector<X> x(nb);
  std::vector<Y> y(nb);
  for (std::size_t b = 0; b < nb; ++b) {
    X::quantize(xf.data() + 32 * b, x[b]);
    Y::quantize(yf.data() + 32 * b, y[b]);
  }
  if (hostile) {  // bytes a file may hold but our quantizer never writes: -128 and extreme codes
    std::mt19937 rng(5);
    for (auto& b : y)
      for (auto& q : b.qs) q = static_cast<std::int8_t>(rng() % 2 ? -128 : 127);
  }
  if constexpr (requires { X::e; })  // E8M0 exponents 0 and 1: MXFP4's half scales are f32 subnormals
    if (subnormal_scales)
      for (std::size_t b = 0; b < nb; ++b) x[b].e = static_cast<std::uint8_t>(b % 2);
  const float ref = gguf::vec_dot(x.data(), y.data(), nb);
  double bound = 0.0;
  for (std::size_t b = 0; b < nb; ++b) {
    bound += std::fabs(gguf::block_dot(x[b], y[b]) * X::scale(x[b]) * gguf::from_f16(y[b].d));
    if constexpr (requires { x[b].m; }) bound += std::fabs(gguf::from_f16(x[b].m) * gguf::from_f16(y[b].s));
  }
  for_each_target([&] {
    const float got = lb::kernels::vec_dot(x.data(), y.data(), nb);
    INFO(X::name << " nb " << nb << " hostile " << hostile << " ref " << ref << " simd " << got);
    REQUIRE(std::fabs(got - ref) <= 1e-6 * bound + 1e-40);  // subnormal scales count
  });
}

/// Super-blocks as our quantizer writes them (from tricky rows: zero, constant, subnormal,
/// outlier blocks) and, if hostile, as a file may hold them: every field random except finite
/// f16 scales; Q8_K codes anywhere in [-128, 127] (bsums kept their sums, as Q8_K guarantees).
template <class X>
std::vector<X> k_blocks(std::size_t nb, std::uint32_t seed, bool hostile) {
  const auto f = tricky_row(nb * 8, seed);
  std::vector<X> x(nb);
  std::mt19937 rng(seed);
  for (std::size_t b = 0; b < nb; ++b) {
    if (!hostile) {
      X::quantize(f.data() + 256 * b, x[b]);
      continue;
    }
    auto* bytes = reinterpret_cast<unsigned char*>(&x[b]);
    for (std::size_t i = 0; i < sizeof(X); ++i) bytes[i] = static_cast<unsigned char>(rng());
    if constexpr (std::is_same_v<X, gguf::Q8_K>) {
      x[b].d = f[b] * 0.01f;
      for (std::size_t j = 0; j < 16; ++j) {
        int sum = 0;
        for (std::size_t i = 0; i < 16; ++i) sum += x[b].qs[16 * j + i];
        x[b].bsums[j] = static_cast<std::int16_t>(sum);
      }
    } else {
      x[b].d = gguf::to_f16(f[b]);
      if constexpr (requires { x[b].dmin; }) x[b].dmin = gguf::to_f16(f[b + 1]);
    }
  }
  return x;
}

/// The bound of kernels/gguf.hpp for one super-block: the magnitudes of all its int terms.
template <class X>
double k_magnitude(const X& x, const gguf::Q8_K& y) {
  std::int8_t sc[16];
  std::uint8_t m[16];
  X::sub_scales(x, sc, m);
  double dot = 0.0, mins = 0.0;
  for (std::size_t i = 0; i < 256; ++i) dot += std::abs(sc[i / X::kSub] * (X::ucode(x, i) - X::kOffset) * y.qs[i]);
  for (std::size_t j = 0; j < 16; ++j) mins += std::abs(m[j * 16 / X::kSub] * y.bsums[j]);
  double mag = dot * std::fabs(gguf::from_f16(x.d) * y.d);
  if constexpr (requires { x.dmin; }) mag += mins * std::fabs(gguf::from_f16(x.dmin) * y.d);
  return mag;
}

/// The SIMD dot of X with Q8_K matches gguf::vec_dot; dequantize_row is bit-identical.
template <class X>
void check_k(std::size_t nb, bool hostile) {
  const auto x = k_blocks<X>(nb, 21 + static_cast<std::uint32_t>(nb), hostile);
  const auto y = k_blocks<gguf::Q8_K>(nb, 22, hostile);
  const float ref = gguf::vec_dot(x.data(), y.data(), nb);
  double bound = 0.0;
  for (std::size_t b = 0; b < nb; ++b) bound += k_magnitude(x[b], y[b]);
  std::vector<float> yref(nb * 256);
  for (std::size_t b = 0; b < nb; ++b) X::dequantize(x[b], yref.data() + 256 * b);
  for_each_target([&] {
    const float got = lb::kernels::vec_dot(x.data(), y.data(), nb);
    INFO(X::name << " nb " << nb << " ref " << ref << " simd " << got << " bound " << bound);
    REQUIRE(std::fabs(got - ref) <= 1e-6 * bound + 1e-30);
    check_dequantize_row(x, yref);
  });
}
}  // namespace

TEST_CASE("kernels: the targets this machine runs", "[kernels]") {
  std::string names;
  for (auto t : lb::kernels::supported_targets()) names += std::string(hwy::TargetName(t)) + " ";
  WARN("SIMD targets compiled and supported: " << names << "(dispatch picks " << lb::kernels::target_name() << "); AMX int8 tiles: "
                                                   << (lb::kernels::amx_active() ? "yes" : "no"));
  REQUIRE(!names.empty());
}

TEST_CASE("kernels: the 32-element blocks' quantize/dequantize are byte-identical to the reference",
          "[kernels][gguf]") {
  const auto all = [](auto... args) {
    check_codec<gguf::Q8_0>(args...), check_codec<gguf::Q8_1>(args...);
    check_codec<gguf::Q4_0>(args...), check_codec<gguf::Q4_1>(args...);
    check_codec<gguf::Q5_0>(args...), check_codec<gguf::Q5_1>(args...);
    check_codec<gguf::IQ4_NL>(args...), check_codec<gguf::MXFP4>(args...);
  };
  for (std::size_t nb : {1u, 3u, 9u, 17u, 64u}) all(nb);
  // runs of 16 ordinary blocks (the AVX-512 Q8 path takes 16 at once), special blocks between
  for (std::size_t period : {0u, 9u, 40u}) all(80u, period, false);
  check_codec<gguf::Q8_0>(80, 40);  // a subnormal-sized block inside one of the 16-block groups
  check_codec<gguf::Q8_1>(80, 40);
}

TEST_CASE("kernels: the legacy dots (Q4_0 Q5_0 Q8_0 IQ4_NL MXFP4 x Q8_0, Q4_1 Q5_1 x Q8_1) match the reference",
          "[kernels][gguf]") {
  // AVX-512 takes pairs of blocks in chunks of up to 8 pairs while 4 blocks remain: 4, 37 and
  // 128 end in partial chunks and a tail of 2 or 3 blocks
  for (std::size_t nb : {0u, 1u, 2u, 3u, 4u, 5u, 17u, 37u, 128u}) {
    for (bool hostile : {false, true}) {
      check_dot<gguf::Q4_0, gguf::Q8_0>(nb, hostile);
      check_dot<gguf::Q5_0, gguf::Q8_0>(nb, hostile);
      check_dot<gguf::Q8_0, gguf::Q8_0>(nb, hostile);
      check_dot<gguf::IQ4_NL, gguf::Q8_0>(nb, hostile);
      check_dot<gguf::MXFP4, gguf::Q8_0>(nb, hostile);
      check_dot<gguf::MXFP4, gguf::Q8_0>(nb, hostile, true);
      check_dot<gguf::Q4_1, gguf::Q8_1>(nb, hostile);
      check_dot<gguf::Q5_1, gguf::Q8_1>(nb, hostile);
    }
  }
}

TEST_CASE("kernels: the reference legacy dots equal the exact sum of the dequantized products", "[kernels][gguf]") {
  // block_term against a double-precision sum over both sides' dequantized values, so the
  // anatomy (code, scale, the affine m * s) is checked independently of the SIMD kernels
  const auto check = [](auto xtag, auto ytag) {
    using X = decltype(xtag);
    using Y = decltype(ytag);
    const auto xf = tricky_row(8, 51), yf = tricky_row(8, 52);
    for (std::size_t b = 0; b < 8; ++b) {
      X x;
      Y y;
      X::quantize(xf.data() + 32 * b, x);
      Y::quantize(yf.data() + 32 * b, y);
      float xd[32];
      X::dequantize(x, xd);
      double exact = 0.0, mag = 0.0;
      for (std::size_t j = 0; j < 32; ++j) {
        const double yj = static_cast<double>(gguf::from_f16(y.d)) * y.qs[j];
        exact += xd[j] * yj;
        mag += std::fabs(xd[j] * yj);
      }
      if constexpr (requires { y.s; }) {  // s is d * sum(q) rounded to f16: the m * s term's own error
        exact += gguf::from_f16(x.m) * (gguf::from_f16(y.s) - exact_sum(y));
        mag += std::fabs(gguf::from_f16(x.m) * gguf::from_f16(y.s));
      }
      INFO(X::name << " block " << b);
      REQUIRE(std::fabs(gguf::block_term(x, y) - exact) <= 1e-5 * mag + 1e-30);
    }
  };
  check(gguf::Q4_0{}, gguf::Q8_0{}), check(gguf::Q5_0{}, gguf::Q8_0{}), check(gguf::Q8_0{}, gguf::Q8_0{});
  check(gguf::IQ4_NL{}, gguf::Q8_0{}), check(gguf::MXFP4{}, gguf::Q8_0{});
  check(gguf::Q4_1{}, gguf::Q8_1{}), check(gguf::Q5_1{}, gguf::Q8_1{});
}

TEST_CASE("kernels: BlockMatrix quantize/dequantize through the kernels equal the scheme's", "[kernels][gguf]") {
  const auto m = lowbit_test::normal_matrix(5, 96, 3);
  for_each_target([&] {
    const auto a = gguf::Scheme<gguf::Q4_0>::quantize(m.view());
    const auto b = lb::kernels::quantize<gguf::Q4_0>(m.view());
    REQUIRE(std::memcmp(a.as_bytes().data(), b.as_bytes().data(), a.bytes()) == 0);
    lowbit_test::Mat y1(5, 96), y2(5, 96);
    a.dequantize(y1.view());
    lb::kernels::dequantize(b, y2.view());
    REQUIRE(y1.v == y2.v);
    auto bad = m;
    bad(2, 7) = NAN;
    REQUIRE_THROWS_AS(lb::kernels::quantize<gguf::Q8_0>(bad.view()), lb::argument_error);
  });
}

TEST_CASE("kernels: outputs of kStreamMinBytes or more (streamed rows) dequantize as the reference, at any alignment",
          "[kernels][gguf][packed]") {
  const std::size_t rows = lb::kernels::kStreamMinBytes / sizeof(float) / 4096, cols = 4096;
  const auto m = lowbit_test::normal_matrix(rows, cols, 8);
  const auto g = lb::kernels::quantize<gguf::Q8_0>(m.view());
  // PackedMatrix rows by each in-place streaming kernel: the scaled table, integers, minifloats
  const auto p = lb::kernels::quantize<lb::Nf4, lb::Blockwise<64>>(m.view());
  const auto i4 = lb::kernels::quantize<lb::IntSym<4, lb::MinMax, lb::F16Scale>, lb::Blockwise<32>>(m.view());
  const auto f8 = lb::kernels::quantize<lb::Fp8E4M3, lb::PerChannel>(m.view());
  lowbit_test::Mat want_g(rows, cols), want_p(rows, cols), want_i4(rows, cols), want_f8(rows, cols);
  g.dequantize(want_g.view());
  lb::ref::dequantize(p, want_p.view());
  lb::ref::dequantize(i4, want_i4.view());
  lb::ref::dequantize(f8, want_f8.view());
  std::vector<float> buf(rows * (cols + 3) + 64);
  const std::size_t aligned = (64 - reinterpret_cast<std::uintptr_t>(buf.data()) % 64) % 64 / sizeof(float);
  for_each_target([&] {
    const auto check = [&](const auto& q, const lowbit_test::Mat& want, float* out) {
      std::fill(buf.begin(), buf.end(), -7.0f);  // nothing around the matrix is written
      lb::kernels::dequantize(q, lb::make_view(out, rows, cols));
      REQUIRE(std::memcmp(out, want.v.data(), rows * cols * sizeof(float)) == 0);
      REQUIRE(std::all_of(buf.data(), out, [](float v) { return v == -7.0f; }));
      REQUIRE(std::all_of(out + rows * cols, buf.data() + buf.size(), [](float v) { return v == -7.0f; }));
    };
    for (std::size_t offset : {aligned, aligned + 1, aligned + 3, aligned + 15}) {  // streamed from the start; after a head
      float* out = buf.data() + offset;
      check(g, want_g, out);
      check(p, want_p, out);
      check(i4, want_i4, out);
      check(f8, want_f8, out);
    }
    // a row stride that puts consecutive rows at different alignments
    const auto strided = lb::make_view(buf.data() + aligned, rows, cols, lb::Order::kRowMajor, cols + 3);
    const auto check_strided = [&](const auto& q, const lowbit_test::Mat& want) {
      lb::kernels::dequantize(q, strided);
      for (std::size_t r = 0; r < rows; ++r)
        REQUIRE(std::memcmp(&strided(r, 0), &want.v[r * cols], cols * sizeof(float)) == 0);
    };
    check_strided(p, want_p);
    check_strided(i4, want_i4);
    check_strided(f8, want_f8);
  });
}

TEST_CASE("kernels: quantize checks as it goes: NaN, Inf and f16 scale overflow give the reference's errors",
          "[kernels][gguf]") {
  // 640 columns: 20 blocks, so the AVX-512 Q8_0 path takes 16 at once and the rest one by one
  const auto m = lowbit_test::normal_matrix(3, 640, 5);
  const auto expect_error = [](auto quantize, const lowbit_test::Mat& x, const char* what) {
    try {
      quantize(x);
      FAIL("no error for " << what);
    } catch (const lb::argument_error& e) {
      INFO(e.what());
      REQUIRE(std::string(e.what()).find(what) != std::string::npos);
    }
  };
  const auto q8 = [](const lowbit_test::Mat& x) { return lb::kernels::quantize<gguf::Q8_0>(x.view()); };
  const auto q4 = [](const lowbit_test::Mat& x) { return lb::kernels::quantize<gguf::Q4_0>(x.view()); };
  const auto q5 = [](const lowbit_test::Mat& x) { return lb::kernels::quantize<gguf::Q5_1>(x.view()); };
  const auto q81 = [](const lowbit_test::Mat& x) { return lb::kernels::quantize<gguf::Q8_1>(x.view()); };
  for_each_target([&] {
    for (std::size_t col : {5u, 300u, 630u}) {  // inside the 16-block group, and after it
      for (float v : {NAN, INFINITY, -INFINITY}) {
        auto bad = m;
        bad(1, col) = v;
        const std::string where = "element (1, " + std::to_string(col) + ")";
        expect_error(q8, bad, where.c_str());
        expect_error(q4, bad, where.c_str());
        expect_error(q5, bad, where.c_str());
        expect_error(q81, bad, where.c_str());
      }
      auto big = m;  // finite, but its block's scale overflows f16
      big(2, col) = 1e10f;
      const std::string block = "block " + std::to_string(col / 32) + " of row 2 overflows";
      expect_error(q8, big, block.c_str());
      expect_error(q4, big, block.c_str());
      expect_error(q5, big, block.c_str());
      auto sum = m;  // Q8_1: d fits f16, but s = d * sum(q) = 3000 / 127 * 127 * 32 does not
      for (std::size_t c = col / 32 * 32; c < col / 32 * 32 + 32; ++c) sum(0, c) = 3000.0f;
      expect_error(q81, sum, ("block " + std::to_string(col / 32) + " of row 0 overflows").c_str());
      REQUIRE_NOTHROW(q8(sum));
    }
  });
}

TEST_CASE("kernels: K-quant and TQ2_0 dots with Q8_K match the reference; their dequantize is bit-identical",
          "[kernels][gguf]") {
  for (std::size_t nb : {0u, 1u, 3u, 9u, 40u}) {
    for (bool hostile : {false, true}) {
      check_k<gguf::Q2_K>(nb, hostile);
      check_k<gguf::Q3_K>(nb, hostile);
      check_k<gguf::Q4_K>(nb, hostile);
      check_k<gguf::Q5_K>(nb, hostile);
      check_k<gguf::Q6_K>(nb, hostile);
      check_k<gguf::TQ2_0>(nb, hostile);
      check_k<gguf::TQ1_0>(nb, hostile);
    }
  }
}

TEST_CASE("kernels: the reference K dots equal the exact sum of the dequantized products", "[kernels][gguf]") {
  // block_sums against an independent double-precision sum over dequantized values (Q8_K's
  // dequantize is d * q), so the anatomy (ucode, kOffset, sub_scales) is checked too
  const auto check = [](auto tag) {
    using X = decltype(tag);
    const auto x = k_blocks<X>(4, 31, true);
    const auto y = k_blocks<gguf::Q8_K>(4, 32, true);
    for (std::size_t b = 0; b < 4; ++b) {
      float xd[256];
      X::dequantize(x[b], xd);
      double exact = 0.0, mag = 0.0;
      for (std::size_t i = 0; i < 256; ++i) {
        exact += static_cast<double>(xd[i]) * y[b].d * y[b].qs[i];
        mag += std::fabs(static_cast<double>(xd[i]) * y[b].d * y[b].qs[i]);
      }
      INFO(X::name << " block " << b);
      REQUIRE(std::fabs(gguf::block_term(x[b], y[b]) - exact) <= 1e-5 * mag + 1e-30);
    }
  };
  check(gguf::Q2_K{}), check(gguf::Q3_K{}), check(gguf::Q4_K{}), check(gguf::Q5_K{}), check(gguf::Q6_K{});
  check(gguf::TQ1_0{}), check(gguf::TQ2_0{});
}

TEST_CASE("kernels: the K-quant quantizers (lane-parallel searches) are byte-identical to the reference",
          "[kernels][gguf]") {
  // tricky_row's 32-element patterns put zero, constant, subnormal, tie and outlier sub-blocks
  // into every super-block, so flat and all-zero lanes meet ordinary ones
  for (std::size_t nb : {1u, 2u, 9u}) {
    check_codec<gguf::Q2_K>(nb);
    check_codec<gguf::Q3_K>(nb);
    check_codec<gguf::Q4_K>(nb);
    check_codec<gguf::Q5_K>(nb);
    check_codec<gguf::Q6_K>(nb);
    check_codec<gguf::Q8_K>(nb);
    check_codec<gguf::TQ1_0>(nb);
    check_codec<gguf::TQ2_0>(nb);
  }
}

TEST_CASE("kernels: TQ1_0, TQ2_0 and Q8_K on every base-3 byte and both extremes", "[kernels][gguf]") {
  // TQ1_0 byte b of block k holds the trits of (52 k + b) % 243 (so 5 blocks give every byte
  // value, including 187, the one ceil(q * 256 / 243) rounding the kernel must get right);
  // values (t - 1) * s, so +s and -s (Q8_K: +127 and -127) are in every block
  for (float s : {1.0f, 0.37f}) {
    std::vector<float> x(5 * 256);
    for (std::size_t k = 0; k < 5; ++k)
      for (std::size_t b = 0; b < 52; ++b) {
        const int code = static_cast<int>((52 * k + b) % 243), trits = b < 48 ? 5 : 4;
        for (int n = 0, p = trits == 5 ? 81 : 27; n < trits; ++n, p /= 3)
          x[256 * k + gguf::TQ1_0::element(b, n)] = static_cast<float>((trits == 5 ? code : code % 81) / p % 3 - 1) * s;
      }
    check_codec_on<gguf::TQ1_0>(x);
    check_codec_on<gguf::TQ2_0>(x);
    check_codec_on<gguf::Q8_K>(x);
  }
}

namespace {
/// kernels::dequantize of a PackedMatrix equals ref::dequantize bit for bit, contiguous and strided.
template <class Q, class G>
void check_packed(std::size_t rows, std::size_t cols) {
  auto x = lowbit_test::normal_matrix(rows, cols, 41);
  x(0, 0) = 0.0f;
  if (cols > 3) x(rows - 1, 3) = -5.0f;  // an outlier
  const auto m = lb::ref::quantize<Q, G>(x.view());
  lowbit_test::Mat ref(rows, cols), got(rows, cols);
  lb::ref::dequantize(m, ref.view());
  std::vector<float> wide(rows * cols * 2, -1.0f);  // every other column: a strided view
  for_each_target([&] {
    std::fill(got.v.begin(), got.v.end(), -1.0f);
    lb::kernels::dequantize(m, got.view());
    INFO(Q::name() << " / " << G::name() << " " << rows << " x " << cols);
    REQUIRE(std::memcmp(ref.v.data(), got.v.data(), ref.v.size() * sizeof(float)) == 0);
    lb::kernels::dequantize(m, lb::MatrixView<float>{wide.data(), rows, cols, static_cast<std::ptrdiff_t>(2 * cols), 2});
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) REQUIRE(std::memcmp(&wide[r * 2 * cols + 2 * c], &ref.v[r * cols + c], 4) == 0);
  });
}

/// Every code of Q (NaN, Inf, subnormals, -0 included) in every group, decoded by
/// kernels::dequantize as by ref::dequantize, bit for bit.
template <class Q, class G>
void check_every_code(std::size_t rows, std::size_t cols) {
  auto x = lowbit_test::normal_matrix(rows, cols, 43);
  if (Q::accepts_non_finite && cols > 40) x(0, 40) = NAN;  // OCP MX: a NaN scale for that block
  auto m = lb::ref::quantize<Q, G>(x.view());
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) m.set_raw_code(r, c, static_cast<std::uint8_t>((r * 7 + c) % (1u << Q::bits)));
  lowbit_test::Mat ref(rows, cols), got(rows, cols);
  lb::ref::dequantize(m, ref.view());
  for_each_target([&] {
    INFO(Q::name() << " / " << G::name() << " " << rows << " x " << cols);
    lb::kernels::dequantize(m, got.view());
    for (std::size_t i = 0; i < ref.v.size(); ++i) {  // a NaN's sign is the compiler's choice (C++ leaves it open)
      INFO("element " << i << ": " << ref.v[i] << " vs " << got.v[i]);
      REQUIRE((std::memcmp(&ref.v[i], &got.v[i], 4) == 0 || (std::isnan(ref.v[i]) && std::isnan(got.v[i]))));
    }
  });
}
}  // namespace

// minifloats of 6 and 8 bits decode by their bit fields; scaled values of up to 4 bits (FP4,
// MXFP4, NF4) by one table at scale 1 times the scale
template <class F>
using MxQ = lb::Quantizer<lb::MxScaled<F>, lb::MinMax, lb::E8M0Scale>;
static_assert(lb::kernels::detail::minifloat_decoding<lb::Fp8E4M3>());
static_assert(lb::kernels::detail::minifloat_decoding<MxQ<lb::E5M2>>());
static_assert(!lb::kernels::detail::minifloat_decoding<lb::Fp4E2M1>());
static_assert(lb::kernels::detail::scaled_table_decoding<lb::Fp4E2M1>());
static_assert(lb::kernels::detail::scaled_table_decoding<MxQ<lb::E2M1>>());
static_assert(lb::kernels::detail::scaled_table_decoding<lb::Nf4>());
static_assert(!lb::kernels::detail::scaled_table_decoding<lb::Int4Sym>());

TEST_CASE("kernels: minifloat dequantize (bit fields, or the scaled table) decodes every code as the reference",
          "[kernels][packed]") {
  check_every_code<lb::Fp8E4M3, lb::PerChannel>(3, 600);
  check_every_code<lb::Fp8E5M2, lb::Blockwise<32>>(3, 300);
  check_every_code<lb::Fp6E3M2, lb::PerTensor>(2, 200);
  check_every_code<lb::Fp6E2M3, lb::Blockwise<32>>(2, 130);
  check_every_code<lb::ScaledQ<lb::E4M3, lb::MinMax, lb::F16Scale>, lb::Blockwise<64>>(2, 300);
  check_every_code<MxQ<lb::E4M3>, lb::Blockwise<32>>(2, 300);
  check_every_code<MxQ<lb::E5M2>, lb::Blockwise<32>>(2, 300);
  check_every_code<MxQ<lb::E2M3>, lb::Blockwise<32>>(2, 100);
  check_every_code<MxQ<lb::E2M1>, lb::Blockwise<32>>(2, 100);
  check_every_code<lb::NVFP4_1L::quantizer, lb::NVFP4_1L::granularity>(3, 100);
  check_every_code<lb::Fp4E2M1, lb::PerChannel>(2, 70);
}

// integer codes decode by arithmetic; the rest (here: minifloats, codebooks) through tables
static_assert(lb::kernels::detail::integer_decoding<lb::Int4Sym>() == 1);
static_assert(lb::kernels::detail::integer_decoding<lb::Int3Affine>() == -1);
static_assert(lb::kernels::detail::integer_decoding<lb::Fp4E2M1>() == 0);

TEST_CASE("kernels: PackedMatrix dequantize (integer arithmetic, or a table per group) equals the reference",
          "[kernels][packed]") {
  using F16Int4 = lb::IntSym<4, lb::MinMax, lb::F16Scale>;
  for (std::size_t cols : {32u, 100u, 300u, 1000u}) {
    check_packed<F16Int4, lb::Blockwise<32>>(3, cols);
    check_packed<lb::IntAffine<4, lb::MinMax, lb::F16Scale>, lb::Blockwise<128>>(3, cols);  // f16 scales, zero points
    check_packed<lb::Nf4, lb::Blockwise<64>>(3, cols);
    check_packed<lb::Fp4E2M1, lb::Blockwise<32>>(2, cols);
    check_packed<lb::Int3Sym, lb::Blockwise<32>>(2, cols);          // 3-bit codes straddle bytes
    check_packed<lb::Int3Affine, lb::SuperBlock<256, 32>>(2, cols);  // two-level scales
    check_packed<lb::Int2Affine, lb::Blockwise<16>>(2, cols);
    check_packed<lb::IntSym<5>, lb::PerChannel>(3, cols);
    check_packed<lb::Fp6E3M2, lb::PerTensor>(3, cols);
    check_packed<lb::IntAffine<7>, lb::PerChannel>(2, cols);
    check_packed<lb::Int8Sym, lb::PerChannel>(3, cols);             // 8-bit: gathered from 256 entries
    check_packed<lb::Fp8E4M3, lb::PerChannel>(2, cols);
    check_packed<lb::Int8Sym, lb::Blockwise<32>>(2, cols);          // groups smaller than the table
    check_packed<lb::TernaryAbsMean<>, lb::PerChannel>(2, cols);
    check_packed<lb::BinaryAbsMean<>, lb::PerChannel>(2, cols);
  }
  lb::PackedMatrix<lb::Int4Sym, lb::PerChannel> empty;
  lowbit_test::Mat none(0, 0), wrong(2, 2);
  lb::kernels::dequantize(empty, none.view());
  REQUIRE_THROWS_AS(lb::kernels::dequantize(lb::ref::quantize<lb::Int4Sym, lb::PerChannel>(wrong.view()),
                                            lb::make_view(none.v.data(), 1, 2)),
                    lb::argument_error);
}

namespace {
/// Rows for PackedMatrix quantize: tricky_row's blocks, plus rows whose extremes are zeros (a
/// ReLU row, its negation), half-integer ties at scale 1, subnormals and huge values.
lowbit_test::Mat quantize_inputs(std::size_t cols) {
  const std::size_t rows = 10;
  lowbit_test::Mat x(rows, cols);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto t = tricky_row((cols + 31) / 32, 100 + static_cast<std::uint32_t>(r), r == 0 ? 0 : 3 + r % 5);
    for (std::size_t c = 0; c < cols; ++c) {
      float v = t[c];
      if (r == 1) v = std::max(v, 0.0f);                       // ReLU: min is a zero
      if (r == 2) v = c % 3 == 0 ? -0.0f : std::min(v, 0.0f);  // max is a zero, of either sign
      if (r == 3) v = c == 0 ? 127.0f : static_cast<float>(c % 31) - 15.5f;  // ties at scale 1
      if (r == 4 && c % 2 == 1) v = 1e-41f * v;               // subnormals among normals
      if (r == 5) v *= 1e30f;                                  // near FLT_MAX: affine widths overflow
      if (r == 6) v = (c % 5 == 0) != (c / 32 % 2 == 1) ? -0.0f : 0.0f;  // zeros of both signs, in mixed orders
      if (r == 7) v = std::ldexp(v, -12 - static_cast<int>(c / 16 % 16));  // scales below f16's normals, and to 0
      if (r == 8) {  // each 16 columns' extreme is 7 * a tie of f16 (even groups) or bf16 rounding: scale ties at qmax 7
        const int g = static_cast<int>(c / 16);
        v = c % 16 == 0 ? std::ldexp(7.0f * (1.0f + std::ldexp(static_cast<float>(g / 2 * 2 + 1), g % 2 ? -8 : -11)), g % 8 - 4)
                        : 0.01f * v;
      }
      if (r == 9) v = (c / 32 % 2 ? 2.5f : -3.0f) * static_cast<float>(1 + c / 64);  // constant 32-column groups
      x.v[r * cols + c] = v;
    }
  }
  return x;
}

template <class Q, class G>
void require_same_matrix(const lb::PackedMatrix<Q, G>& want, const lb::PackedMatrix<Q, G>& got) {
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  REQUIRE(std::memcmp(got.codes(), want.codes(), want.rows() * want.row_bytes()) == 0);
  for (std::size_t gr = 0; gr < want.grid().rows; ++gr)
    for (std::size_t gc = 0; gc < want.grid().cols; ++gc) {
      const lb::GroupParams a = want.param_planes().get(gr, gc), b = got.param_planes().get(gr, gc);
      INFO("group " << gr << ", " << gc << ": scale " << a.scale << " vs " << b.scale);
      REQUIRE(std::memcmp(&a.scale, &b.scale, 4) == 0);
      REQUIRE(a.zero_point == b.zero_point);
    }
}

/// kernels::quantize equals ref::quantize byte for byte (codes and every parameter), row-major
/// and column-major, on every target.
template <class Q, class G>
void check_packed_quantize(const lowbit_test::Mat& x) {
  const lb::QuantizeOptions opt{12345};
  const auto want = lb::ref::quantize<Q, G>(x.view(), opt);
  std::vector<float> colmajor(x.v.size());
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c) colmajor[c * x.rows + r] = x.v[r * x.cols + c];
  for_each_target([&] {
    INFO(Q::name() << " / " << G::name() << ", " << x.rows << " x " << x.cols);
    require_same_matrix(want, lb::kernels::quantize<Q, G>(x.view(), opt));
    require_same_matrix(want, lb::kernels::quantize<Q, G>(
                                  lb::make_view(colmajor.data(), x.rows, x.cols, lb::Order::kColMajor), opt));
  });
}

template <class Q>
using Mx = lb::Quantizer<lb::MxScaled<Q>, lb::MinMax, lb::E8M0Scale>;
}  // namespace

namespace {
/// min_max_ranges gives MinMax::fit of every group of G's grid, bit for bit.
template <class G>
void check_min_max(const lowbit_test::Mat& x) {
  const lb::GroupGrid grid = lb::group_grid<G>(x.rows, x.cols);
  std::vector<float> lo(grid.cols), hi(grid.cols), row_lo(grid.cols), row_hi(grid.cols);
  std::vector<float> group;
  for (std::size_t gr = 0; gr < grid.rows; ++gr) {
    lb::kernels::detail::min_max_ranges(x.view(), grid, gr, lo.data(), hi.data(), row_lo.data(), row_hi.data());
    for (std::size_t gc = 0; gc < grid.cols; ++gc) {
      lowbit::detail::gather_group(x.view(), grid, gr, gc, group);
      const lb::Range want = lb::MinMax::fit<lb::Int8Sym>(group);
      INFO(G::name() << ": group " << gr << ", " << gc << ": " << want.lo << " " << want.hi);
      REQUIRE(std::memcmp(&want.lo, &lo[gc], 4) == 0);
      REQUIRE(std::memcmp(&want.hi, &hi[gc], 4) == 0);
    }
  }
}
}  // namespace

TEST_CASE("kernels: the SIMD min/max fit is MinMax::fit bit for bit, zero signs and NaN included",
          "[kernels][packed]") {
  auto x = quantize_inputs(100);
  x.v[4 * 100 + 50] = NAN;
  for_each_target([&] {
    check_min_max<lb::PerRow>(x);
    check_min_max<lb::PerTensor>(x);
    check_min_max<lb::PerCol>(x);
    check_min_max<lb::Blockwise<16>>(x);
    check_min_max<lb::Blockwise<36>>(x);
    check_min_max<lb::SuperBlock<64, 16>>(x);
  });
  // rows long enough for whole vectors of groups (reduced a batch at a time), a batch with a NaN
  auto wide = quantize_inputs(1000);
  wide.v[2 * 1000 + 700] = NAN;
  for_each_target([&] {
    check_min_max<lb::Blockwise<4>>(wide);
    check_min_max<lb::Blockwise<8>>(wide);
    check_min_max<lb::Blockwise<16>>(wide);
    check_min_max<lb::Blockwise<32>>(wide);
    check_min_max<lb::Blockwise<64>>(wide);
    check_min_max<lb::SuperBlock<256, 32>>(wide);
  });
}

namespace {
/// Rows whose values lie within a few ulps of Q's rounding boundaries (k + 1/2, and k for
/// truncation) at the scale the fit will choose (read from the reference): where x * (1 / scale)
/// and x / scale can round apart. Each 32-column group leads with its absolute maximum.
template <class Q, class G>
lowbit_test::Mat boundary_rows() {
  lowbit_test::Mat x(8, 64);
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t g = 0; g < 2; ++g) x(r, 32 * g) = (g == 0 ? 1.0f : -1.0f) * (1.7f + 0.37f * r + 0.013f * g);
  const auto probe = lb::ref::quantize<Q, G>(x.view());
  for (std::size_t r = 0; r < x.rows; ++r)
    for (std::size_t c = 0; c < x.cols; ++c) {
      if (c % 32 == 0) continue;
      const lb::GroupParams p = probe.params(r, c);
      const float lead = x(r, c - c % 32), step = std::abs(p.scale);
      const int span = static_cast<int>(std::abs(lead) / step);  // values stay inside [0, lead]: the fit keeps its scale
      const int k = static_cast<int>((c * 7 + r * 3) % static_cast<std::size_t>(span));
      const float half = (c + r) % 3 == 0 ? 0.0f : 0.5f;
      float v = std::copysign((static_cast<float>(k) + half) * step, lead);
      for (int step = static_cast<int>(c % 5) - 2; step != 0; step += step < 0 ? 1 : -1)
        v = std::nextafter(v, step < 0 ? -INFINITY : INFINITY);
      x(r, c) = v;
    }
  return x;
}
}  // namespace

TEST_CASE("kernels: integer codes near rounding boundaries equal the reference's division", "[kernels][packed]") {
  using lb::Blockwise;
  using Int4Trunc = lb::IntSym<4, lb::MinMax, lb::F32Scale, lb::TowardZero>;
  using Int4Away = lb::IntSym<4, lb::MinMax, lb::F32Scale, lb::NearestAway>;
  check_packed_quantize<lb::Int4Sym, Blockwise<32>>(boundary_rows<lb::Int4Sym, Blockwise<32>>());
  check_packed_quantize<lb::Int8Sym, Blockwise<32>>(boundary_rows<lb::Int8Sym, Blockwise<32>>());
  check_packed_quantize<lb::Int4Affine, Blockwise<32>>(boundary_rows<lb::Int4Affine, Blockwise<32>>());
  check_packed_quantize<Int4Trunc, Blockwise<32>>(boundary_rows<Int4Trunc, Blockwise<32>>());
  check_packed_quantize<Int4Away, Blockwise<32>>(boundary_rows<Int4Away, Blockwise<32>>());
  check_packed_quantize<lb::IntSymFull<4>, Blockwise<32>>(boundary_rows<lb::IntSymFull<4>, Blockwise<32>>());
  check_packed_quantize<lb::IntSym<8, lb::MinMax, lb::F16Scale>, lb::PerChannel>(
      boundary_rows<lb::IntSym<8, lb::MinMax, lb::F16Scale>, lb::PerChannel>());
}

TEST_CASE("kernels: PackedMatrix quantize equals the reference for every kind of composition",
          "[kernels][packed]") {
  using lb::Blockwise;
  using lb::PerChannel;
  for (std::size_t cols : {32u, 100u, 263u}) {
    const auto x = quantize_inputs(cols);
    // integer mappings: every width, symmetric (both ranges) and affine, every granularity
    check_packed_quantize<lb::Int8Sym, PerChannel>(x);
    check_packed_quantize<lb::Int8Sym, Blockwise<32>>(x);
    check_packed_quantize<lb::IntSymFull<8>, PerChannel>(x);  // the signed extreme: zeros' signs matter
    check_packed_quantize<lb::IntSymFull<4>, Blockwise<32>>(x);
    check_packed_quantize<lb::Int4Sym, lb::PerTensor>(x);
    check_packed_quantize<lb::Int4Affine, Blockwise<64>>(x);
    check_packed_quantize<lb::Int3Sym, Blockwise<32>>(x);
    check_packed_quantize<lb::Int3Affine, lb::SuperBlock<256, 32>>(x);
    check_packed_quantize<lb::Int2Affine, Blockwise<16>>(x);
    check_packed_quantize<lb::IntSym<5>, PerChannel>(x);
    check_packed_quantize<lb::IntAffine<6>, lb::PerCol>(x);
    check_packed_quantize<lb::IntAffine<7>, PerChannel>(x);
    check_packed_quantize<lb::Int8Affine, Blockwise<32>>(x);
    check_packed_quantize<lb::IntSym<4, lb::MinMax, lb::F16Scale>, Blockwise<32>>(x);
    check_packed_quantize<lb::IntSym<4, lb::MinMax, lb::BF16Scale, lb::NearestAway>, Blockwise<32>>(x);
    check_packed_quantize<lb::IntAffine<4, lb::MinMax, lb::F32Scale, lb::TowardZero>, Blockwise<32>>(x);
    check_packed_quantize<lb::IntSym<8, lb::MinMax, lb::F32Scale, lb::NearestAway>, PerChannel>(x);
    check_packed_quantize<lb::IntSym<4, lb::MinMax, lb::F32Scale, lb::Stochastic>, Blockwise<32>>(x);
    check_packed_quantize<lb::TernaryAbsMean<>, PerChannel>(x);
    check_packed_quantize<lb::TernaryAbsMean<>, lb::PerTensor>(x);
    check_packed_quantize<lb::IntSym<4, lb::MseSearch<>>, Blockwise<32>>(x);
    check_packed_quantize<lb::IntAffine<8, lb::Percentile<>>, PerChannel>(x);
    // value formats: minifloats, codebooks, powers of two, fixed point, binary
    check_packed_quantize<lb::Fp8E4M3, PerChannel>(x);
    check_packed_quantize<lb::Fp8E5M2, Blockwise<32>>(x);
    check_packed_quantize<lb::Fp6E3M2, lb::PerTensor>(x);
    check_packed_quantize<lb::Fp6E2M3, Blockwise<32>>(x);
    check_packed_quantize<lb::Fp4E2M1, Blockwise<32>>(x);
    check_packed_quantize<lb::Nf4, Blockwise<64>>(x);
    check_packed_quantize<lb::BnbFp4, Blockwise<64>>(x);
    check_packed_quantize<lb::Iq4Nl, Blockwise<32>>(x);
    check_packed_quantize<lb::PowerOfTwo<4>, PerChannel>(x);
    check_packed_quantize<lb::PowerOfTwo<3>, Blockwise<32>>(x);
    check_packed_quantize<lb::SumOfPowersOfTwo<5>, Blockwise<32>>(x);
    check_packed_quantize<lb::FixedQ<1, 6>, PerChannel>(x);
    check_packed_quantize<lb::BinaryAbsMean<>, PerChannel>(x);
    check_packed_quantize<lb::ScaledQ<lb::E4M3, lb::MinMax, lb::F16Scale, lb::NearestAway>, Blockwise<32>>(x);
    check_packed_quantize<lb::ScaledQ<lb::E2M1, lb::MinMax, lb::F32Scale, lb::TowardZero>, Blockwise<32>>(x);
    check_packed_quantize<lb::ScaledQ<lb::NF4, lb::MinMax, lb::F32Scale, lb::Stochastic>, Blockwise<32>>(x);
    check_packed_quantize<lb::ScaledQ<lb::E3M2, lb::MseSearch<>>, Blockwise<32>>(x);
    check_packed_quantize<Mx<lb::E4M3>, Blockwise<32>>(x);
    check_packed_quantize<Mx<lb::E5M2>, Blockwise<32>>(x);
    check_packed_quantize<Mx<lb::E2M1>, Blockwise<32>>(x);
    check_packed_quantize<Mx<lb::Fixed<1, 6>>, Blockwise<32>>(x);
  }
  // OCP MX defines non-finite input: such a block gets the NaN scale
  auto x = quantize_inputs(96);
  x.v[5] = NAN, x.v[40] = INFINITY, x.v[70] = -INFINITY;
  check_packed_quantize<Mx<lb::E4M3>, Blockwise<32>>(x);
  check_packed_quantize<Mx<lb::E2M1>, Blockwise<32>>(x);
  // empty input, and the reference's errors
  lowbit_test::Mat empty(0, 5), bad = quantize_inputs(40);
  REQUIRE(lb::kernels::quantize<lb::Int4Sym, Blockwise<32>>(empty.view()).empty());
  bad.v[3 * 40 + 17] = NAN;
  using Int4Block = Blockwise<32>;
  using Int4Strict = Blockwise<32, lb::Tail::kReject>;
  for_each_target([&] {
    REQUIRE_THROWS_WITH((lb::kernels::quantize<lb::Int4Sym, Int4Block>(bad.view())), Catch::Contains("element (3, 17)"));
    bad.v[3 * 40 + 17] = 1.0f;  // finite now: the ragged row is the error
    REQUIRE_THROWS_AS((lb::kernels::quantize<lb::Int4Sym, Int4Strict>(bad.view())), lb::argument_error);
    bad.v[3 * 40 + 17] = NAN;
  });
}

namespace {
/// The SIMD encoders of a value format equal Q::encode at every run start and its neighbours, and
/// on a sweep of 2^18 keys over [-Inf, +Inf]: x = t * scale, at scale 1 and at scales where the
/// encoders' x * (1 / scale) is not x / scale (the last two outside the range where they use it).
template <class Q>
void check_encoder_runs() {
  namespace kd = lb::kernels::detail;
  const auto& runs = kd::code_runs<Q, typename Q::rounding>();
  std::vector<float> t;
  for (std::size_t i = 0; i + 1 < runs.runs; ++i)
    for (int d = -12; d <= 12; ++d) t.push_back(kd::key_float(runs.bounds[i] + d));
  const std::int64_t lo = kd::float_key(-INFINITY), hi = kd::float_key(INFINITY);
  for (std::int64_t k = lo; k <= hi; k += (hi - lo) >> 18) t.push_back(kd::key_float(static_cast<std::int32_t>(k)));
  t.push_back(INFINITY);
  t.push_back(-0.0f);
  t.push_back(0.0f);
  std::vector<float> x(t.size());
  std::vector<std::uint8_t> got(t.size());
  for (const float scale : {1.0f, 0.3f, 3.7e-3f, 1234.5f, 0x1p126f, 3e-38f}) {
    for (std::size_t i = 0; i < t.size(); ++i) x[i] = t[i] * scale;
    const std::int32_t zero = 0;
    for_each_target([&] {
      kd::encode_row<Q>(x.data(), x.size(), x.size(), &scale, &zero, got.data(), 0, 0, nullptr);
      if constexpr (kd::encodes_nibbles<Q>(2, 2)) {  // the same codes straight into the 4-bit stream
        const std::size_t even = x.size() & ~std::size_t{1};
        std::vector<std::uint8_t> packed(even / 2);
        kd::encode_row<Q>(x.data(), even, even, &scale, &zero, packed.data(), 0, 0, nullptr, true);
        for (std::size_t i = 0; i < even; ++i) REQUIRE(int(lb::get_code(packed.data(), 4, i)) == int(got[i]));
      }
      std::size_t i = 0;
      while (i < x.size() && got[i] == Q::encode(x[i], {scale, 0}, {})) ++i;
      if (i == x.size()) return;
      INFO(Q::name() << ": x = " << x[i] << ", scale " << scale << " (key of x / scale " << kd::float_key(x[i] / scale) << ")");
      REQUIRE(int(got[i]) == int(Q::encode(x[i], {scale, 0}, {})));
    });
  }
}
}  // namespace

TEST_CASE("kernels: value formats encode by their encoder's runs, exactly, at every run boundary",
          "[kernels][packed]") {
  namespace kd = lb::kernels::detail;  // the minifloats above 16 runs take one bucket per key
  REQUIRE(!kd::code_runs<lb::Fp8E4M3, lb::NearestEven>().bucket_bound.empty());
  REQUIRE(!kd::code_runs<lb::Fp8E5M2, lb::NearestEven>().bucket_bound.empty());
  REQUIRE(!kd::code_runs<lb::Fp6E3M2, lb::NearestEven>().bucket_bound.empty());
  // the codebooks with starts apart in value take value buckets (on 16-lane targets)
  REQUIRE(kd::code_runs<lb::Nf4, lb::Nf4::rounding>().value_mul != 0.0f);
  REQUIRE(kd::code_runs<lb::Iq4Nl, lb::Iq4Nl::rounding>().value_mul != 0.0f);
  check_encoder_runs<lb::Fp8E4M3>();
  check_encoder_runs<lb::Fp8E5M2>();
  check_encoder_runs<lb::Fp6E3M2>();
  check_encoder_runs<lb::Fp6E2M3>();
  check_encoder_runs<lb::Fp4E2M1>();
  check_encoder_runs<lb::Nf4>();
  check_encoder_runs<lb::BnbFp4>();
  check_encoder_runs<lb::Iq4Nl>();
  check_encoder_runs<lb::PowerOfTwo<3>>();
  check_encoder_runs<lb::PowerOfTwo<4>>();
  check_encoder_runs<lb::SumOfPowersOfTwo<5>>();
  check_encoder_runs<lb::SumOfPowersOfTwo<3>>();
  check_encoder_runs<lb::FixedQ<1, 6>>();
  check_encoder_runs<lb::BinaryAbsMean<>>();
  check_encoder_runs<lb::ScaledQ<lb::E4M3, lb::MinMax, lb::F32Scale, lb::NearestAway>>();
  check_encoder_runs<lb::ScaledQ<lb::E5M2, lb::MinMax, lb::F32Scale, lb::TowardZero>>();
  check_encoder_runs<lb::ScaledQ<lb::NF4, lb::MinMax, lb::F32Scale, lb::NearestAway>>();
  check_encoder_runs<Mx<lb::E2M3>>();
}
