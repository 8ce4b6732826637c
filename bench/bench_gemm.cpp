// GEMM and GEMV: lowbit's kernels against Eigen f32 (always), OpenBLAS sgemm and oneDNN
// u8s8s32 matmul (when installed), in the same run. Counters: OPS/s (2 per multiply-add).
// Threads: "/threads:2" rows use lowbit's pinned ThreadPool, and set OpenBLAS/OpenMP to 2.
#include <lowbit/kernels/gemm_b1.hpp>
#include <lowbit/kernels/gemm_i8.hpp>
#include <lowbit/kernels/gemm_panels.hpp>
#include <lowbit/kernels/gemm_q4.hpp>
#include <lowbit/kernels/output_stage.hpp>
#include <lowbit/lowbit.hpp>

#include <Eigen/Core>

#include "bench_util.hpp"

#ifdef LOWBIT_BENCH_OPENBLAS
#include <cblas.h>
#endif
#ifdef LOWBIT_BENCH_DNNL
#include <omp.h>

#include <dnnl.hpp>
#endif

namespace lb = lowbit;

namespace {
template <class T>
std::vector<T> random_bytes(std::size_t n, std::uint32_t seed) {
  std::vector<T> v(n);
  std::mt19937 rng(seed);
  for (auto& x : v) x = static_cast<T>(rng());
  return v;
}

void set_ops(benchmark::State& st, double m, double n, double k, int threads) {
  st.counters["OPS/s"] = benchmark::Counter(2 * m * n * k, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["threads"] = threads;
}

lb::ThreadPool& pool2() {
  static lb::ThreadPool p(2);
  return p;
}

void BM_GemmI8(benchmark::State& st) {
  const std::size_t m = st.range(0), n = st.range(1), k = st.range(2);
  const int threads = static_cast<int>(st.range(3));
  const auto a = random_bytes<std::uint8_t>(m * k, 1);
  const auto w = random_bytes<std::int8_t>(n * k, 2);
  const lb::kernels::PackedI8 packed(w.data(), n, k);
  std::vector<std::int32_t> c(m * n);
  const lb::Executor ex = threads == 1 ? lb::Executor{} : pool2().executor();
  for (auto _ : st) {
    lb::kernels::gemm_u8s8s32(a.data(), m, k, packed, c.data(), n, ex);
    benchmark::DoNotOptimize(c.data());
  }
  set_ops(st, m, n, k, threads);
  st.SetLabel("lowbit u8s8s32 " + lb::kernels::target_name() + (lb::kernels::amx_active() && m >= 16 ? "+AMX" : ""));
}

/// BM_GemmI8 with the AMX path off: the Highway kernels (vpdpbusd) alone.
void BM_GemmI8Simd(benchmark::State& st) {
  lb::kernels::set_amx_enabled(false);
  BM_GemmI8(st);
  lb::kernels::set_amx_enabled(true);
}

/// A per-channel gemmlowp output stage for n channels (multipliers near 2^-10, biases).
struct Stage {
  std::vector<lb::Dyadic> mults;
  std::vector<std::int32_t> bias;
  lb::kernels::OutputStage stage;
  explicit Stage(std::size_t n) {
    std::mt19937 rng(3);
    for (std::size_t j = 0; j < n; ++j) {
      mults.push_back(lb::Dyadic::from_real(std::ldexp(0.5 + (rng() % 1000) / 2000.0, -10)));
      bias.push_back(static_cast<std::int32_t>(rng() % 2001) - 1000);
    }
    stage.multipliers = mults;
    stage.bias = bias;
    stage.input_zero_point = 128;
    stage.output_zero_point = -3;
  }
};

/// int8 GEMM to int8 outputs through the fused output stage: its cost over BM_GemmI8's s32 out.
void BM_GemmI8Requant(benchmark::State& st) {
  const std::size_t m = st.range(0), n = st.range(1), k = st.range(2);
  const auto a = random_bytes<std::uint8_t>(m * k, 1);
  const auto w = random_bytes<std::int8_t>(n * k, 2);
  const lb::kernels::PackedI8 packed(w.data(), n, k);
  const Stage s(n);
  std::vector<std::int8_t> c(m * n);
  for (auto _ : st) {
    lb::kernels::gemm_u8s8_requant(a.data(), m, k, packed, s.stage, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  set_ops(st, m, n, k, 1);
  st.SetLabel("lowbit u8s8 -> s8 (gemmlowp output stage) " + lb::kernels::target_name());
}

/// The output stage alone on m x n int32 accumulators: SIMD requantize against the scalar
/// OutputStage::apply loop (its reference). Counter: outputs/s.
template <bool kSimd>
void BM_Requantize(benchmark::State& st) {
  const std::size_t m = st.range(0), n = st.range(1);
  std::vector<std::int32_t> acc(m * n), sums(n);
  std::mt19937 rng(5);
  for (auto& v : acc) v = static_cast<std::int32_t>(rng() % 2000001) - 1000000;
  for (auto& v : sums) v = static_cast<std::int32_t>(rng() % 20001) - 10000;
  const Stage s(n);
  std::vector<std::int8_t> c(m * n);
  for (auto _ : st) {
    if constexpr (kSimd) {
      lb::kernels::requantize(acc.data(), m, n, n, sums, s.stage, c.data(), n);
    } else {
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) c[i * n + j] = s.stage.apply(acc[i * n + j], sums[j], j);
    }
    benchmark::DoNotOptimize(c.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * m * n));
  st.SetLabel(kSimd ? "lowbit requantize " + lb::kernels::target_name() : std::string("OutputStage::apply, scalar"));
}

/// "+AMX" where the panel GEMM's path (integer or weight-only) runs on AMX tiles for m rows.
template <class Panels>
std::string amx_suffix(bool a8, const Panels& p, std::size_t m) {
  return (a8 ? lb::kernels::detail::panels_a8_amx(p, m) : lb::kernels::detail::panels_f32_amx(p, m)) ? "+AMX" : "";
}

/// 4-bit weights (Q4_0 panels) x f32 activations: W4A8 (activations quantized per 32-block inside
/// the call, counted) or weight-only.
template <bool kA8>
void BM_GemmQ4(benchmark::State& st) {
  const std::size_t m = st.range(0), n = st.range(1), k = st.range(2);
  const int threads = static_cast<int>(st.range(3));
  const auto w = lowbit_bench::normal(n * k, 0.02f, 2);
  const lb::kernels::PackedQ4 packed(lb::make_view(w.data(), n, k));
  const auto x = lowbit_bench::normal(m * k, 1.0f, 1);
  std::vector<float> c(m * n);
  const lb::Executor ex = threads == 1 ? lb::Executor{} : pool2().executor();
  for (auto _ : st) {
    if constexpr (kA8) lb::kernels::gemm_q4_a8(x.data(), m, k, packed, c.data(), n, ex);
    else lb::kernels::gemm_q4_f32(x.data(), m, k, packed, c.data(), n, ex);
    benchmark::DoNotOptimize(c.data());
  }
  set_ops(st, m, n, k, threads);
  st.SetLabel(std::string(kA8 ? "lowbit W4A8 q4_0 x q8_0-blocks " : "lowbit weight-only q4_0 x f32 ") +
              lb::kernels::target_name() + amx_suffix(kA8, packed, m));
}

/// Any PackedMatrix composition in PackedPanels: the integer path (kA8, activations quantized
/// per 32-block inside the call, counted) or weight-only.
template <class Q, class G, bool kA8>
void BM_GemmPanels(benchmark::State& st) {
  const std::size_t m = st.range(0), n = st.range(1), k = st.range(2);
  const int threads = static_cast<int>(st.range(3));
  const auto w = lowbit_bench::normal(n * k, 0.02f, 2);
  const lb::kernels::PackedPanels<Q, G> packed(lb::quantize<Q, G>(w.data(), n, k));
  const auto x = lowbit_bench::normal(m * k, 1.0f, 1);
  std::vector<float> c(m * n);
  const lb::Executor ex = threads == 1 ? lb::Executor{} : pool2().executor();
  for (auto _ : st) {
    if constexpr (kA8) lb::kernels::gemm_a8(x.data(), m, k, packed, c.data(), n, ex);
    else lb::kernels::gemm_f32(x.data(), m, k, packed, c.data(), n, ex);
    benchmark::DoNotOptimize(c.data());
  }
  set_ops(st, m, n, k, threads);
  st.SetLabel("lowbit " + Q::name() + " / " + G::name() + (kA8 ? " x q8_0-blocks " : " x f32 ") +
              lb::kernels::target_name() + amx_suffix(kA8, packed, m));
}

/// Binary x binary (XNOR-popcount), activations' sign bits packed beforehand (as a binary
/// layer's input arrives); OPS/s counts 2 per +-1 multiply-add, comparable with the int8 rows.
void BM_GemmB1(benchmark::State& st) {
  const std::size_t m = st.range(0), n = st.range(1), k = st.range(2);
  const int threads = static_cast<int>(st.range(3));
  const auto a = lowbit_bench::normal(m * k, 1.0f, 1), w = lowbit_bench::normal(n * k, 1.0f, 2);
  const lb::kernels::SignBits bits(a.data(), m, k);
  const lb::kernels::PackedB1 packed(w.data(), n, k);
  std::vector<std::int32_t> c(m * n);
  const lb::Executor ex = threads == 1 ? lb::Executor{} : pool2().executor();
  for (auto _ : st) {
    lb::kernels::gemm_b1(bits, packed, c.data(), n, ex);
    benchmark::DoNotOptimize(c.data());
  }
  set_ops(st, m, n, k, threads);
  st.SetLabel("lowbit binary xnor-popcount " + lb::kernels::target_name());
}

void BM_EigenF32(benchmark::State& st) {
  const Eigen::Index m = st.range(0), n = st.range(1), k = st.range(2);
  Eigen::setNbThreads(1);
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k), b = Eigen::MatrixXf::Random(k, n);
  Eigen::MatrixXf c(m, n);
  for (auto _ : st) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  set_ops(st, m, n, k, 1);
  st.SetLabel("baseline Eigen sgemm");
}

#ifdef LOWBIT_BENCH_OPENBLAS
void BM_OpenBlasF32(benchmark::State& st) {
  const std::size_t m = st.range(0), n = st.range(1), k = st.range(2);
  const int threads = static_cast<int>(st.range(3));
  openblas_set_num_threads(threads);
  const auto a = lowbit_bench::normal(m * k), b = lowbit_bench::normal(k * n);
  std::vector<float> c(m * n);
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                1.0f, a.data(), static_cast<int>(k), b.data(), static_cast<int>(k), 0.0f, c.data(), static_cast<int>(n));
    benchmark::DoNotOptimize(c.data());
  }
  set_ops(st, m, n, k, threads);
  st.SetLabel("baseline OpenBLAS sgemm");
}
#endif

#ifdef LOWBIT_BENCH_DNNL
/// oneDNN's u8 x s8 -> s32 matmul with weights in its preferred (blocked) layout, reordered once.
void BM_DnnlU8S8(benchmark::State& st) {
  using namespace dnnl;
  const memory::dim m = st.range(0), n = st.range(1), k = st.range(2);
  const int threads = static_cast<int>(st.range(3));
  omp_set_num_threads(threads);
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const memory::desc a_md({m, k}, memory::data_type::u8, memory::format_tag::ab);
  const memory::desc b_any({k, n}, memory::data_type::s8, memory::format_tag::any);
  const memory::desc b_plain({k, n}, memory::data_type::s8, memory::format_tag::ab);
  const memory::desc c_md({m, n}, memory::data_type::s32, memory::format_tag::ab);
  const matmul::primitive_desc pd(matmul::desc(a_md, b_any, c_md), eng);  // oneDNN 2.x API
  auto a = random_bytes<std::uint8_t>(m * k, 1);
  auto b = random_bytes<std::int8_t>(k * n, 2);
  memory a_mem(a_md, eng, a.data()), b_user(b_plain, eng, b.data()), b_mem(pd.weights_desc(), eng), c_mem(c_md, eng);
  reorder(b_user, b_mem).execute(s, b_user, b_mem);
  const matmul mm(pd);
  for (auto _ : st) {
    mm.execute(s, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
    s.wait();
  }
  set_ops(st, m, n, k, threads);
  st.SetLabel("baseline oneDNN u8s8s32");
}
#endif

void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "threads"});
  b->Args({1024, 1024, 1024, 1});
  b->Args({1024, 1024, 1024, 2});
  b->Args({64, 4096, 4096, 1});
  b->Args({512, 4096, 4096, 1});
  b->UseRealTime();
}
void ShapesPanels(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "threads"});
  b->Args({64, 4096, 4096, 1});
  b->Args({512, 4096, 4096, 1});
  b->UseRealTime();
}
void ShapesF32(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "threads"});
  b->Args({1024, 1024, 1024, 1});
  b->Args({64, 4096, 4096, 1});
  b->Args({512, 4096, 4096, 1});
  b->UseRealTime();
}
}  // namespace

BENCHMARK(BM_GemmI8)->Apply(Shapes);
BENCHMARK(BM_GemmI8Simd)->ArgNames({"m", "n", "k", "threads"})->Args({1024, 1024, 1024, 1})->UseRealTime();
BENCHMARK(BM_GemmB1)->Apply(Shapes);
BENCHMARK(BM_GemmI8Requant)->ArgNames({"m", "n", "k", "threads"})->Args({64, 4096, 4096, 1})->UseRealTime();
BENCHMARK(BM_Requantize<true>)->ArgNames({"m", "n", "threads"})->Args({64, 4096, 1});
BENCHMARK(BM_Requantize<false>)->ArgNames({"m", "n", "threads"})->Args({64, 4096, 1});
BENCHMARK(BM_GemmQ4<true>)->Apply(Shapes);
BENCHMARK(BM_GemmQ4<false>)->Apply(Shapes);
using TernaryW = lb::TernaryAbsMean<>;
using Pow2W = lb::ScaledQ<lb::Pow2<4>, lb::MinMax, lb::F16Scale>;
using Int4W = lb::IntSym<4, lb::MinMax, lb::F16Scale>;
BENCHMARK(BM_GemmPanels<TernaryW, lb::PerChannel, true>)->Apply(ShapesPanels);
BENCHMARK(BM_GemmPanels<Pow2W, lb::Blockwise<32>, true>)->Apply(ShapesPanels);
BENCHMARK(BM_GemmPanels<Int4W, lb::Blockwise<32>, true>)->Apply(ShapesPanels);
BENCHMARK(BM_GemmPanels<TernaryW, lb::PerChannel, false>)->Apply(ShapesPanels);
BENCHMARK(BM_GemmPanels<lb::Nf4, lb::Blockwise<64>, false>)->Apply(ShapesPanels);
using Nvfp4W = lb::NVFP4_1L::quantizer;  // E2M1 with UE4M3 scales per 16 (two scales per 32-block)
using Nvfp4G = lb::NVFP4_1L::granularity;
BENCHMARK(BM_GemmPanels<Nvfp4W, Nvfp4G, true>)->Apply(ShapesPanels);
BENCHMARK(BM_GemmPanels<Nvfp4W, Nvfp4G, false>)->Apply(ShapesPanels);
BENCHMARK(BM_EigenF32)->Apply(ShapesF32);
#ifdef LOWBIT_BENCH_OPENBLAS
BENCHMARK(BM_OpenBlasF32)->Apply(Shapes);
#endif
#ifdef LOWBIT_BENCH_DNNL
BENCHMARK(BM_DnnlU8S8)->Apply(Shapes);
#endif
