// PackedMatrix and GGUF quantize/dequantize throughput, SIMD and reference, against a memcpy
// baseline in the same run.
// Bytes counted: the f32 matrix read (quantize) or written (dequantize); memcpy counts bytes copied.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include <lowbit/lowbit.hpp>

namespace lb = lowbit;

namespace {
constexpr std::size_t kRows = 4096, kCols = 4096;  // 64 MiB of f32: from DRAM, not cache

const std::vector<float>& weights() {
  static const std::vector<float> w = [] {
    std::vector<float> v(kRows * kCols);
    std::mt19937 rng(1);
    std::normal_distribution<float> nd(0.0f, 0.02f);
    for (float& x : v) x = nd(rng);
    return v;
  }();
  return w;
}

void BM_Memcpy(benchmark::State& state) {
  const auto& src = weights();
  std::vector<float> dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * src.size() * sizeof(float)));
  state.SetLabel("baseline");
}

/// lowbit::ref::quantize, or with kSimd the SIMD kernel (kernels/packed.hpp).
template <class Q, class G, bool kSimd>
void BM_Quantize(benchmark::State& state) {
  const auto& w = weights();
  for (auto _ : state) {
    auto q = kSimd ? lb::kernels::quantize<Q, G>(lb::make_view(w.data(), kRows, kCols))
                   : lb::ref::quantize<Q, G>(lb::make_view(w.data(), kRows, kCols));
    benchmark::DoNotOptimize(q.codes());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.size() * sizeof(float)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.size()));
  state.SetLabel(Q::name() + " / " + G::name() + (kSimd ? " simd " + lb::kernels::target_name() : ""));
}

/// lowbit::ref::dequantize, or with kSimd the SIMD kernel (kernels/packed.hpp), same tensor.
template <class Q, class G, bool kSimd>
void BM_Dequantize(benchmark::State& state) {
  const auto& w = weights();
  const auto q = lb::ref::quantize<Q, G>(lb::make_view(w.data(), kRows, kCols));
  std::vector<float> out(w.size());
  for (auto _ : state) {
    if constexpr (kSimd) lb::kernels::dequantize(q, lb::make_view(out.data(), kRows, kCols));
    else lb::ref::dequantize(q, lb::make_view(out.data(), kRows, kCols));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.size() * sizeof(float)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.size()));
  state.SetLabel(Q::name() + " / " + G::name() + (kSimd ? " simd " + lb::kernels::target_name() : ""));
}

/// GGUF blocks through the SIMD kernels on the 64 MiB tensor (API level: validation included).
template <class Block>
void BM_KernelQuantize(benchmark::State& state) {
  const auto& w = weights();
  for (auto _ : state) {
    auto q = lb::kernels::quantize<Block>(lb::make_view(w.data(), kRows, kCols));
    benchmark::DoNotOptimize(q.as_bytes().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.size() * sizeof(float)));
  state.SetLabel(std::string(Block::name) + " simd " + lb::kernels::target_name());
}
template <class Block>
void BM_KernelDequantize(benchmark::State& state) {
  const auto& w = weights();
  const auto q = lb::kernels::quantize<Block>(lb::make_view(w.data(), kRows, kCols));
  std::vector<float> out(w.size());
  for (auto _ : state) {
    lb::kernels::dequantize(q, lb::make_view(out.data(), kRows, kCols));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.size() * sizeof(float)));
  state.SetLabel(std::string(Block::name) + " simd " + lb::kernels::target_name());
}

using Int8Row = lb::Int8Sym;
using Int4Blk = lb::IntSym<4, lb::MinMax, lb::F16Scale>;
using Int4Aff = lb::IntAffine<4, lb::MinMax, lb::F16Scale>;
using Int3Sup = lb::Int3Affine;
using Super256 = lb::SuperBlock<256, 32>;
using Fp8Row = lb::Fp8E4M3;
using Nf4Blk = lb::Nf4;
using Mxfp4 = lb::Quantizer<lb::MxScaled<lb::E2M1>, lb::MinMax, lb::E8M0Scale>;
}  // namespace

BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);
/// A composition's quantize and dequantize, reference then SIMD.
#define LOWBIT_CODEC_BENCH(Q, G)                                       \
  BENCHMARK(BM_Quantize<Q, G, false>)->Unit(benchmark::kMillisecond);   \
  BENCHMARK(BM_Quantize<Q, G, true>)->Unit(benchmark::kMillisecond);    \
  BENCHMARK(BM_Dequantize<Q, G, false>)->Unit(benchmark::kMillisecond); \
  BENCHMARK(BM_Dequantize<Q, G, true>)->Unit(benchmark::kMillisecond)
LOWBIT_CODEC_BENCH(Int8Row, lb::PerRow);
LOWBIT_CODEC_BENCH(Int4Blk, lb::Blockwise<32>);
LOWBIT_CODEC_BENCH(Int4Aff, lb::Blockwise<128>);
LOWBIT_CODEC_BENCH(Int3Sup, Super256);
LOWBIT_CODEC_BENCH(Fp8Row, lb::PerRow);
LOWBIT_CODEC_BENCH(Nf4Blk, lb::Blockwise<64>);
LOWBIT_CODEC_BENCH(Mxfp4, lb::Blockwise<32>);
BENCHMARK(BM_KernelQuantize<lb::gguf::Q8_0>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KernelQuantize<lb::gguf::Q4_0>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KernelDequantize<lb::gguf::Q8_0>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KernelDequantize<lb::gguf::Q4_0>)->Unit(benchmark::kMillisecond);
