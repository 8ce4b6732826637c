// Batch-1 GEMV with 4-bit weights streamed from DRAM (copies rotated so they never sit in the
// 32 MiB L3), in weight bytes/s, against a streaming-read baseline in the same run; 1 and 2
// pinned threads. Also the f32 GEMV of Eigen on the same shape.
#include <lowbit/core/aligned_buffer.hpp>
#include <lowbit/kernels/gemm_q4.hpp>
#include <lowbit/kernels/gguf_matmul.hpp>
#include <lowbit/lowbit.hpp>

#include <immintrin.h>

#include <Eigen/Core>

#include "bench_util.hpp"

namespace lb = lowbit;
namespace gguf = lowbit::gguf;

namespace {
constexpr std::size_t kStreamBytes = std::size_t{256} << 20;

lb::ThreadPool& pool2() {
  static lb::ThreadPool p(2);
  return p;
}

/// Streaming read: XOR of every 32-byte word, split in two halves for two threads.
__attribute__((target("avx2"))) std::uint64_t read_all(const std::uint8_t* p, std::size_t n) {
  __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
  for (std::size_t i = 0; i + 64 <= n; i += 64) {
    acc0 = _mm256_xor_si256(acc0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    acc1 = _mm256_xor_si256(acc1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
  }
  acc0 = _mm256_xor_si256(acc0, acc1);
  return static_cast<std::uint64_t>(_mm256_extract_epi64(acc0, 0));
}

void BM_StreamRead(benchmark::State& st) {
  const int threads = static_cast<int>(st.range(0));
  static lb::AlignedBuffer<std::uint8_t> buf = [] {
    lb::AlignedBuffer<std::uint8_t> b(kStreamBytes);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 7);
    return b;
  }();
  const lb::Executor ex = threads == 1 ? lb::Executor{} : pool2().executor();
  for (auto _ : st) {
    std::uint64_t r[2] = {0, 0};
    ex.parallel_for(threads, [&](std::size_t t) {
      const std::size_t half = kStreamBytes / static_cast<std::size_t>(threads);
      r[t] = read_all(buf.data() + t * half, half);
    });
    benchmark::DoNotOptimize(r);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kStreamBytes));
  st.counters["threads"] = threads;
  st.SetLabel("baseline streaming read");
}

/// Times gemv(W, x, y, ex) on copies of one n x k weight tensor rotated so they never sit in
/// L3; weight_bytes: the tensor's size as stored in GGUF.
template <class Weights, class Gemv>
void run_gemv(benchmark::State& st, const Weights& one, std::size_t weight_bytes, Gemv gemv, const std::string& label) {
  const std::size_t n = st.range(0), k = st.range(1);
  const int threads = static_cast<int>(st.range(2));
  const std::size_t copies = std::max<std::size_t>(2, (std::size_t{96} << 20) / weight_bytes + 1);
  const std::vector<Weights> ws(copies, one);
  const auto x = lowbit_bench::normal(k, 1.0f, 5);
  std::vector<float> y(n);
  const lb::Executor ex = threads == 1 ? lb::Executor{} : pool2().executor();
  std::size_t i = 0;
  for (auto _ : st) {
    gemv(ws[i++ % copies], x.data(), y.data(), ex);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * weight_bytes));
  st.counters["MAC/s"] = benchmark::Counter(static_cast<double>(n * k), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["threads"] = threads;
  st.SetLabel(label + lb::kernels::target_name());
}

template <class Block>
void BM_Gemv(benchmark::State& st) {
  const std::size_t n = st.range(0), k = st.range(1);
  const auto w = lowbit_bench::normal(n * k, 0.02f, 4);
  const auto one = lb::kernels::quantize<Block>(lb::make_view(w.data(), n, k));
  run_gemv(
      st, one, one.bytes(),
      [](const auto& wi, const float* x, float* y, const lb::Executor& ex) { lb::kernels::gemv(wi, x, y, ex); },
      std::string(Block::name) + " x q8_0 ");
}

/// The same GEMV on PackedQ4 panels: W4A8 (x quantized per block inside the call) or weight-only.
template <bool kA8>
void BM_GemvPackedQ4(benchmark::State& st) {
  const std::size_t n = st.range(0), k = st.range(1);
  const auto w = lowbit_bench::normal(n * k, 0.02f, 4);
  const lb::kernels::PackedQ4 one(lb::make_view(w.data(), n, k));
  run_gemv(
      st, one, n * k / 32 * 18,  // the panels hold exactly the GGUF tensor's bytes (plus group padding)
      [](const auto& wi, const float* x, float* y, const lb::Executor& ex) {
        if constexpr (kA8) lb::kernels::gemm_q4_a8(x, 1, 0, wi, y, 0, ex);
        else lb::kernels::gemm_q4_f32(x, 1, 0, wi, y, 0, ex);
      },
      kA8 ? "packed q4_0 W4A8 " : "packed q4_0 weight-only f32 ");
}

/// GEMV on PackedPanels of any composition through the integer path (x quantized per block
/// inside the call); weight bytes: the panels' codes and parameter planes.
template <class Q, class G>
void BM_GemvPanels(benchmark::State& st) {
  const std::size_t n = st.range(0), k = st.range(1);
  const auto w = lowbit_bench::normal(n * k, 0.02f, 4);
  const lb::kernels::PackedPanels<Q, G> one(lb::quantize<Q, G>(w.data(), n, k));
  run_gemv(
      st, one, one.bytes(),
      [](const auto& wi, const float* x, float* y, const lb::Executor& ex) { lb::kernels::gemm_a8(x, 1, 0, wi, y, 0, ex); },
      "panels " + Q::name() + " / " + G::name() + " x q8_0-blocks ");
}

void BM_EigenGemvF32(benchmark::State& st) {
  const Eigen::Index n = st.range(0), k = st.range(1);
  Eigen::setNbThreads(1);
  const Eigen::MatrixXf w = Eigen::MatrixXf::Random(n, k);
  const Eigen::VectorXf x = Eigen::VectorXf::Random(k);
  Eigen::VectorXf y(n);
  for (auto _ : st) {
    y.noalias() = w * x;
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n * k * 4));
  st.counters["MAC/s"] = benchmark::Counter(static_cast<double>(n * k), benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("baseline Eigen sgemv f32");
}
}  // namespace

BENCHMARK(BM_StreamRead)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_Gemv<gguf::Q4_0>)->ArgNames({"n", "k", "threads"})->Args({4096, 4096, 1})->Args({11008, 4096, 1})
    ->Args({4096, 4096, 2})->Args({11008, 4096, 2})->UseRealTime();
BENCHMARK(BM_Gemv<gguf::Q8_0>)->ArgNames({"n", "k", "threads"})->Args({4096, 4096, 1})->Args({4096, 4096, 2})->UseRealTime();
BENCHMARK(BM_GemvPackedQ4<true>)->ArgNames({"n", "k", "threads"})->Args({4096, 4096, 1})->Args({11008, 4096, 1})
    ->Args({4096, 4096, 2})->Args({11008, 4096, 2})->UseRealTime();
BENCHMARK(BM_GemvPackedQ4<false>)->ArgNames({"n", "k", "threads"})->Args({4096, 4096, 1})->Args({4096, 4096, 2})->UseRealTime();
BENCHMARK(BM_GemvPanels<lb::TernaryAbsMean<>, lb::PerChannel>)->ArgNames({"n", "k", "threads"})->Args({4096, 4096, 1})
    ->Args({11008, 4096, 1})->Args({4096, 4096, 2})->Args({11008, 4096, 2})->UseRealTime();
BENCHMARK(BM_GemvPanels<lb::IntSym<4, lb::MinMax, lb::F16Scale>, lb::Blockwise<128>>)->ArgNames({"n", "k", "threads"})
    ->Args({4096, 4096, 1})->Args({4096, 4096, 2})->UseRealTime();
BENCHMARK(BM_EigenGemvF32)->ArgNames({"n", "k"})->Args({4096, 4096})->UseRealTime();
