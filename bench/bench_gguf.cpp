// GGUF rows at ggml's test-quantize-perf size (655360 values, cache-resident): the SIMD kernels
// against the reference codecs (ggml's quantize_row_*_ref rules) in the same run.
#include <lowbit/kernels/gguf.hpp>

#include "bench_util.hpp"

namespace lb = lowbit;
namespace gguf = lowbit::gguf;

namespace {
constexpr std::size_t kN = 655360;

const std::vector<float>& data() {
  static const auto v = lowbit_bench::normal(kN, 1.0f, 3);
  return v;
}

template <class B, bool kSimd>
void BM_Quantize(benchmark::State& st) {
  std::vector<B> out(kN / B::kElems);
  for (auto _ : st) {
    if constexpr (kSimd) lb::kernels::quantize_row(data().data(), out.data(), out.size());
    else
      for (std::size_t b = 0; b < out.size(); ++b) B::quantize(data().data() + b * B::kElems, out[b]);
    benchmark::DoNotOptimize(out.data());
  }
  lowbit_bench::set_rates(st, kN, kN * 4.0);
  st.SetLabel(std::string(B::name) + (kSimd ? " simd " + lb::kernels::target_name() : " ref"));
}

template <class B, bool kSimd>
void BM_Dequantize(benchmark::State& st) {
  std::vector<B> in(kN / B::kElems);
  lb::kernels::quantize_row(data().data(), in.data(), in.size());
  std::vector<float> y(kN);
  for (auto _ : st) {
    if constexpr (kSimd) lb::kernels::dequantize_row(in.data(), y.data(), in.size());
    else
      for (std::size_t b = 0; b < in.size(); ++b) B::dequantize(in[b], y.data() + b * B::kElems);
    benchmark::DoNotOptimize(y.data());
  }
  lowbit_bench::set_rates(st, kN, kN * 4.0);
  st.SetLabel(std::string(B::name) + (kSimd ? " simd " + lb::kernels::target_name() : " ref"));
}

template <class X, class Y, bool kSimd>
void BM_VecDot(benchmark::State& st) {
  std::vector<X> x(kN / X::kElems);
  std::vector<Y> y(kN / Y::kElems);
  lb::kernels::quantize_row(data().data(), x.data(), x.size());
  lb::kernels::quantize_row(data().data(), y.data(), y.size());
  for (auto _ : st) {
    float s = kSimd ? lb::kernels::vec_dot(x.data(), y.data(), x.size()) : gguf::vec_dot(x.data(), y.data(), x.size());
    benchmark::DoNotOptimize(s);
  }
  lowbit_bench::set_rates(st, kN, x.size() * sizeof(X) + y.size() * sizeof(Y));
  st.SetLabel(std::string(X::name) + "x" + Y::name + (kSimd ? " simd " + lb::kernels::target_name() : " ref"));
}
}  // namespace

BENCHMARK(BM_Quantize<gguf::Q8_0, false>);
BENCHMARK(BM_Quantize<gguf::Q8_0, true>);
BENCHMARK(BM_Quantize<gguf::Q4_0, false>);
BENCHMARK(BM_Quantize<gguf::Q4_0, true>);
BENCHMARK(BM_Quantize<gguf::Q4_1, false>);
BENCHMARK(BM_Quantize<gguf::Q4_1, true>);
BENCHMARK(BM_Dequantize<gguf::Q4_1, false>);
BENCHMARK(BM_Dequantize<gguf::Q4_1, true>);
BENCHMARK(BM_Dequantize<gguf::Q8_0, false>);
BENCHMARK(BM_Dequantize<gguf::Q8_0, true>);
BENCHMARK(BM_Dequantize<gguf::Q4_0, false>);
BENCHMARK(BM_Dequantize<gguf::Q4_0, true>);
BENCHMARK((BM_VecDot<gguf::Q4_0, gguf::Q8_0, false>));
BENCHMARK((BM_VecDot<gguf::Q4_0, gguf::Q8_0, true>));
BENCHMARK((BM_VecDot<gguf::Q8_0, gguf::Q8_0, false>));
BENCHMARK((BM_VecDot<gguf::Q8_0, gguf::Q8_0, true>));
BENCHMARK(BM_Dequantize<gguf::Q4_K, false>);
BENCHMARK(BM_Dequantize<gguf::Q4_K, true>);
BENCHMARK(BM_Dequantize<gguf::Q6_K, false>);
BENCHMARK(BM_Dequantize<gguf::Q6_K, true>);
BENCHMARK((BM_VecDot<gguf::Q4_K, gguf::Q8_K, false>));
BENCHMARK((BM_VecDot<gguf::Q4_K, gguf::Q8_K, true>));
BENCHMARK((BM_VecDot<gguf::Q6_K, gguf::Q8_K, false>));
BENCHMARK((BM_VecDot<gguf::Q6_K, gguf::Q8_K, true>));
BENCHMARK((BM_VecDot<gguf::TQ2_0, gguf::Q8_K, false>));
BENCHMARK((BM_VecDot<gguf::TQ2_0, gguf::Q8_K, true>));
BENCHMARK((BM_VecDot<gguf::Q2_K, gguf::Q8_K, true>));
BENCHMARK((BM_VecDot<gguf::Q3_K, gguf::Q8_K, true>));
BENCHMARK((BM_VecDot<gguf::Q5_K, gguf::Q8_K, true>));
BENCHMARK(BM_Quantize<gguf::Q4_K, false>);
BENCHMARK(BM_Quantize<gguf::Q4_K, true>);
BENCHMARK(BM_Quantize<gguf::Q2_K, false>);
BENCHMARK(BM_Quantize<gguf::Q2_K, true>);
BENCHMARK(BM_Quantize<gguf::Q6_K, false>);
BENCHMARK(BM_Quantize<gguf::Q6_K, true>);
BENCHMARK(BM_Quantize<gguf::Q5_K, true>);
BENCHMARK(BM_Quantize<gguf::Q3_K, false>);
BENCHMARK(BM_Quantize<gguf::Q3_K, true>);

// The other blocks, each against its reference in the same run (no ggml anchor was recorded).
#define LOWBIT_CODEC_ROWS(T)                  \
  BENCHMARK(BM_Quantize<gguf::T, false>);     \
  BENCHMARK(BM_Quantize<gguf::T, true>);      \
  BENCHMARK(BM_Dequantize<gguf::T, false>);   \
  BENCHMARK(BM_Dequantize<gguf::T, true>);
#define LOWBIT_DOT_ROWS(T)                                      \
  BENCHMARK((BM_VecDot<gguf::T, gguf::T::partner, false>));     \
  BENCHMARK((BM_VecDot<gguf::T, gguf::T::partner, true>));
LOWBIT_CODEC_ROWS(Q5_0)
LOWBIT_CODEC_ROWS(Q5_1)
LOWBIT_CODEC_ROWS(Q8_1)
LOWBIT_CODEC_ROWS(IQ4_NL)
LOWBIT_CODEC_ROWS(MXFP4)
LOWBIT_CODEC_ROWS(TQ1_0)
LOWBIT_CODEC_ROWS(TQ2_0)
BENCHMARK(BM_Quantize<gguf::Q8_K, false>);
BENCHMARK(BM_Quantize<gguf::Q8_K, true>);
LOWBIT_DOT_ROWS(Q4_1)
LOWBIT_DOT_ROWS(Q5_0)
LOWBIT_DOT_ROWS(Q5_1)
LOWBIT_DOT_ROWS(IQ4_NL)
LOWBIT_DOT_ROWS(MXFP4)
LOWBIT_DOT_ROWS(TQ1_0)
