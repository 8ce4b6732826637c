// lowbit's main job: train a small MLP on Fashion-MNIST, quantize its weights with every
// composition lowbit has, and print one table of size, error, accuracy and speed.
//
//   lowbit_demo [--csv] [--epochs N] [--data DIR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <tuple>

#include <lowbit/lowbit.hpp>

#include "fashion_mnist.hpp"
#include "mlp.hpp"

namespace lb = lowbit;
using demo::RowMatrix;

namespace {

struct Row {
  std::string scheme, granularity;
  double bpw, rmse, sqnr, max_abs, accuracy, quant_gbs, dequant_gbs;
  double simd_quant_gbs = NAN, simd_dequant_gbs = NAN, gemv_gmacs = NAN, gemm_gmacs = NAN;  ///< NaN: no kernel yet
};

/// Seconds per call of f, repeated until at least 0.1 s has passed.
template <class F>
double seconds_per_call(F&& f) {
  using clock = std::chrono::steady_clock;
  int calls = 0;
  const auto t0 = clock::now();
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(clock::now() - t0).count();
  } while (elapsed < 0.1);
  return elapsed / calls;
}

/// rows x cols standard-normal activations (fixed seed).
std::vector<float> random_rows(std::size_t rows, std::size_t cols) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(rows * cols);
  for (auto& v : x) v = nd(rng);
  return x;
}

lb::metrics::ErrorSums operator+(lb::metrics::ErrorSums a, const lb::metrics::ErrorSums& b) {
  a.xx += b.xx, a.yy += b.yy, a.xy += b.xy, a.ee += b.ee, a.n += b.n;
  a.max_abs = std::max(a.max_abs, b.max_abs);
  return a;
}

lb::MatrixView<const float> view(const RowMatrix& m) {
  return lb::make_view(m.data(), static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols()));
}

/// GEMV and GEMM columns of a PackedMatrix through PackedPanels (where not already filled): the
/// integer path with x in q8_0 blocks for integer-valued formats, else weight-only f32.
template <class Q, class G>
void panel_products(const lb::PackedMatrix<Q, G>& q1, Row& row) {
  const std::size_t group_cols = q1.grid().shape.cols, rows = q1.rows(), cols = q1.cols();
  if (group_cols < cols && group_cols % 32 != 0) return;  // panels: whole-row or 32-multiple groups
  const lb::kernels::PackedPanels<Q, G> w(q1);
  const auto product = [&](const std::vector<float>& x, std::size_t m, std::vector<float>& y) {
    if constexpr (lb::kernels::PackedPanels<Q, G>::kInteger) lb::kernels::gemm_a8(x.data(), m, 0, w, y.data());
    else lb::kernels::gemm_f32(x.data(), m, 0, w, y.data());
  };
  constexpr std::size_t kBatch = 64;
  const auto x1 = random_rows(1, cols), xb = random_rows(kBatch, cols);
  std::vector<float> y1(rows), yb(kBatch * rows);
  if (std::isnan(row.gemv_gmacs))
    row.gemv_gmacs = static_cast<double>(rows * cols) / seconds_per_call([&] { product(x1, 1, y1); }) * 1e-9;
  if (std::isnan(row.gemm_gmacs))
    row.gemm_gmacs = static_cast<double>(kBatch * rows * cols) / seconds_per_call([&] { product(xb, kBatch, yb); }) * 1e-9;
}

/// The SIMD quantize and dequantize of a PackedMatrix composition (same bytes and floats as the
/// reference), timed like the reference columns.
template <class Q, class G>
void simd_codecs(const lb::PackedMatrix<Q, G>& q, const RowMatrix& w, double in_bytes, Row& row) {
  const auto in = lb::make_view(static_cast<const float*>(w.data()), q.rows(), q.cols());
  row.simd_quant_gbs = in_bytes / seconds_per_call([&] { auto p = lb::kernels::quantize<Q, G>(in); }) * 1e-9;
  std::vector<float> out(q.rows() * q.cols());
  const auto v = lb::make_view(out.data(), q.rows(), q.cols());
  row.simd_dequant_gbs = in_bytes / seconds_per_call([&] { lb::kernels::dequantize(q, v); }) * 1e-9;
}

template <class Q, class G>
Row evaluate(const demo::Mlp& m, const demo::Split& test) {
  const auto q1 = lb::quantize<Q, G>(m.w1), q2 = lb::quantize<Q, G>(m.w2);
  const RowMatrix d1 = lb::dequantize<RowMatrix>(q1), d2 = lb::dequantize<RowMatrix>(q2);
  const auto sums = lb::metrics::error_sums(view(m.w1), view(d1)) + lb::metrics::error_sums(view(m.w2), view(d2));
  const double weights = static_cast<double>(m.w1.size() + m.w2.size());
  const double in_bytes = static_cast<double>(m.w1.size()) * sizeof(float);
  RowMatrix out(m.w1.rows(), m.w1.cols());
  const double tq = seconds_per_call([&] { auto q = lb::quantize<Q, G>(m.w1); });
  const double td = seconds_per_call([&] { lb::dequantize_into(q1, out); });
  Row row{Q::name(), G::name(), static_cast<double>(q1.bytes() + q2.bytes()) * 8 / weights, lb::metrics::rmse(sums),
          lb::metrics::sqnr_db(sums), lb::metrics::max_abs(sums), demo::accuracy(test, d1, d2, m),
          in_bytes / tq * 1e-9, in_bytes / td * 1e-9};
  simd_codecs(q1, m.w1, in_bytes, row);
  panel_products(q1, row);
  return row;
}

template <class Q, class G>
struct C {};

/// A named scheme S: rows are zero-padded to a multiple of kPad (GGUF blocks do not pad) and
/// bits/weight counts the padding against the real weights.
template <class S, std::size_t kPad = 1>
struct N {
  const char* scheme;
  const char* granularity;
};

RowMatrix padded(const RowMatrix& w, std::size_t pad) {
  const auto cols = static_cast<Eigen::Index>((static_cast<std::size_t>(w.cols()) + pad - 1) / pad * pad);
  RowMatrix p = RowMatrix::Zero(w.rows(), cols);
  p.leftCols(w.cols()) = w;
  return p;
}

template <class S, std::size_t kPad>
Row evaluate(N<S, kPad> n, const demo::Mlp& m, const demo::Split& test) {
  const RowMatrix p1 = padded(m.w1, kPad), p2 = padded(m.w2, kPad);
  const auto q1 = lb::quantize<S>(p1), q2 = lb::quantize<S>(p2);
  const RowMatrix d1 = lb::dequantize<RowMatrix>(q1).leftCols(m.w1.cols());
  const RowMatrix d2 = lb::dequantize<RowMatrix>(q2).leftCols(m.w2.cols());
  const auto sums = lb::metrics::error_sums(view(m.w1), view(d1)) + lb::metrics::error_sums(view(m.w2), view(d2));
  const double weights = static_cast<double>(m.w1.size() + m.w2.size());
  const double in_bytes = static_cast<double>(p1.size()) * sizeof(float);
  RowMatrix out(p1.rows(), p1.cols());
  const double tq = seconds_per_call([&] { auto q = lb::quantize<S>(p1); });
  const double td = seconds_per_call([&] { lb::dequantize(q1, lb::make_view(out.data(), q1.rows(), q1.cols())); });
  Row row{n.scheme, n.granularity, static_cast<double>(q1.bytes() + q2.bytes()) * 8 / weights, lb::metrics::rmse(sums),
          lb::metrics::sqnr_db(sums), lb::metrics::max_abs(sums), demo::accuracy(test, d1, d2, m),
          in_bytes / tq * 1e-9, in_bytes / td * 1e-9};
  if constexpr (requires { typename S::block; }) {
    using B = typename S::block;
    if constexpr (lb::kernels::has_simd_quantize<B>) {  // the SIMD kernels: same bytes, timed alike
      const auto v = lb::make_view(p1.data(), q1.rows(), q1.cols());
      row.simd_quant_gbs = in_bytes / seconds_per_call([&] { auto q = lb::kernels::quantize<B>(v); }) * 1e-9;
    }
    if constexpr (lb::kernels::has_simd_dequantize<B>) {
      row.simd_dequant_gbs = in_bytes / seconds_per_call([&] {
        lb::kernels::dequantize(q1, lb::make_view(out.data(), q1.rows(), q1.cols()));
      }) * 1e-9;
    }
    if constexpr (lb::kernels::has_simd_dot<B>) {  // y = W1 x, activations quantized to the partner
      std::vector<float> x(q1.cols(), 0.5f), y(q1.rows());
      const double t = seconds_per_call([&] { lb::kernels::gemv(q1, x.data(), y.data()); });
      row.gemv_gmacs = static_cast<double>(q1.rows() * q1.cols()) / t * 1e-9;
    }
  }
  // GEMM, a batch of 64 activation rows through the scheme's fastest product kernel
  constexpr std::size_t kBatch = 64;
  const double macs = static_cast<double>(kBatch * p1.rows() * p1.cols());
  const auto x = random_rows(kBatch, static_cast<std::size_t>(p1.cols()));
  std::vector<float> y(kBatch * p1.rows());
  if constexpr (std::is_same_v<S, lb::gguf::Q4_0Scheme>) {  // W4A8 on 64-column panels
    const lb::kernels::PackedQ4 w(q1);
    row.gemm_gmacs = macs / seconds_per_call([&] { lb::kernels::gemm_q4_a8(x.data(), kBatch, 0, w, y.data()); }) * 1e-9;
  } else if constexpr (requires { typename S::block; }) {
    if constexpr (lb::kernels::has_simd_dot<typename S::block>)  // activations to the partner, then partner dots
      row.gemm_gmacs = macs / seconds_per_call([&] { lb::kernels::matmul(x.data(), kBatch, 0, q1, y.data()); }) * 1e-9;
  } else if constexpr (std::is_same_v<S, lb::XnorWeights>) {  // sign bits, XNOR + popcount
    const lb::kernels::PackedB1 w(p1.data(), p1.rows(), p1.cols());
    const lb::kernels::SignBits a(x.data(), kBatch, p1.cols());
    std::vector<std::int32_t> c(kBatch * p1.rows());
    row.gemm_gmacs = macs / seconds_per_call([&] { lb::kernels::gemm_b1(a, w, c.data()); }) * 1e-9;
  }
  if constexpr (requires { panel_products(q1, row); }) {  // MX, BitNet, XNOR: PackedMatrix
    simd_codecs(q1, p1, in_bytes, row);
    panel_products(q1, row);
  }
  return row;
}

template <class Q>
using F16Blocks = lb::Quantizer<typename Q::mapping, lb::MinMax, lb::F16Scale>;

using Formats = std::tuple<
    C<lb::Fp8E4M3, lb::PerChannel>, C<lb::Fp8E5M2, lb::PerChannel>, C<F16Blocks<lb::Fp6E3M2>, lb::Blockwise<32>>,
    C<F16Blocks<lb::Fp6E2M3>, lb::Blockwise<32>>, C<F16Blocks<lb::Fp4E2M1>, lb::Blockwise<32>>,
    C<lb::ScaledQ<lb::E2M1, lb::MinMax, lb::F16Scale, lb::Stochastic>, lb::Blockwise<32>>,
    C<lb::Fp4E2M1, lb::SuperBlock<256, 32>>, C<F16Blocks<lb::Nf4>, lb::Blockwise<64>>,
    C<F16Blocks<lb::BnbFp4>, lb::Blockwise<64>>, C<F16Blocks<lb::Iq4Nl>, lb::Blockwise<32>>,
    C<F16Blocks<lb::PowerOfTwo<4>>, lb::Blockwise<32>>, C<F16Blocks<lb::SumOfPowersOfTwo<5>>, lb::Blockwise<32>>,
    C<lb::FixedQ<1, 6>, lb::PerChannel>, C<lb::TernaryAbsMean<>, lb::PerChannel>,
    C<lb::TernaryAbsMean<lb::F16Scale>, lb::Blockwise<64>>, C<lb::BinaryAbsMean<>, lb::PerChannel>>;

namespace gg = lb::gguf;
using Schemes = std::tuple<
    N<lb::MXFP8_E4M3>, N<lb::MXFP8_E5M2>, N<lb::MXFP6_E3M2>, N<lb::MXFP6_E2M3>, N<lb::MXFP4>, N<lb::MXINT8>,
    N<lb::NVFP4>, N<lb::NVFP4_1L>, N<lb::BnbNF4, 64>, N<lb::KMeans<4, false>>, N<lb::KMeans<4, true>>,
    N<lb::KMeans<2, true>>, N<lb::BitNetWeights>, N<lb::XnorWeights>,
    N<gg::Q4_0Scheme, 32>, N<gg::Q4_1Scheme, 32>, N<gg::Q5_0Scheme, 32>, N<gg::Q5_1Scheme, 32>, N<gg::Q8_0Scheme, 32>,
    N<gg::Q8_1Scheme, 32>, N<gg::Q2_KScheme, 256>, N<gg::Q3_KScheme, 256>, N<gg::Q4_KScheme, 256>,
    N<gg::Q5_KScheme, 256>, N<gg::Q6_KScheme, 256>, N<gg::Q8_KScheme, 256>, N<gg::TQ1_0Scheme, 256>,
    N<gg::TQ2_0Scheme, 256>, N<gg::IQ4_NLScheme, 32>, N<gg::MXFP4Scheme, 32>>;

const Schemes kSchemes{
    {"MXFP8 E4M3", "mx block32"}, {"MXFP8 E5M2", "mx block32"}, {"MXFP6 E3M2", "mx block32"},
    {"MXFP6 E2M3", "mx block32"}, {"MXFP4", "mx block32"},      {"MXINT8", "mx block32"},
    {"NVFP4", "block16+tensor"}, {"NVFP4 single-level", "block16"}, {"bnb NF4 double-quant", "block64/256"},
    {"k-means 16 centroids", "per-tensor"}, {"k-means 16 centroids", "per-row"}, {"k-means 4 centroids", "per-row"},
    {"BitNet b1.58 ternary", "per-tensor"}, {"XNOR binary", "per-row"},
    {"gguf q4_0", "block32 (AoS)"}, {"gguf q4_1", "block32 (AoS)"}, {"gguf q5_0", "block32 (AoS)"},
    {"gguf q5_1", "block32 (AoS)"}, {"gguf q8_0", "block32 (AoS)"}, {"gguf q8_1", "block32 (AoS)"},
    {"gguf q2_K", "super256 (AoS)"}, {"gguf q3_K", "super256 (AoS)"}, {"gguf q4_K", "super256 (AoS)"},
    {"gguf q5_K", "super256 (AoS)"}, {"gguf q6_K", "super256 (AoS)"}, {"gguf q8_K", "super256 (AoS)"},
    {"gguf tq1_0", "super256 (AoS)"}, {"gguf tq2_0", "super256 (AoS)"}, {"gguf iq4_nl", "block32 (AoS)"},
    {"gguf mxfp4", "block32 (AoS)"}};

// f16 scales for blocks (what GGUF/GPTQ store); f32 for the few per-tensor/per-channel scales.
template <int B, template <int, class, class, class> class Q>
using IntRows = std::tuple<C<Q<B, lb::MinMax, lb::F32Scale, lb::NearestEven>, lb::PerTensor>,
                           C<Q<B, lb::MinMax, lb::F32Scale, lb::NearestEven>, lb::PerChannel>,
                           C<Q<B, lb::MinMax, lb::F16Scale, lb::NearestEven>, lb::Blockwise<32>>,
                           C<Q<B, lb::MinMax, lb::F16Scale, lb::NearestEven>, lb::Blockwise<128>>,
                           C<Q<B, lb::MinMax, lb::F32Scale, lb::NearestEven>, lb::SuperBlock<256, 32>>>;

using Variants = std::tuple<
    C<lb::IntSymFull<4, lb::MinMax, lb::F16Scale>, lb::Blockwise<32>>,      // ggml Q4_0's rule
    C<lb::IntSym<4, lb::MseSearch<>, lb::F16Scale>, lb::Blockwise<32>>,
    C<lb::IntAffine<4, lb::MseSearch<>, lb::F16Scale>, lb::Blockwise<128>>,
    C<lb::IntSym<4, lb::Percentile<999, 1000>>, lb::PerChannel>,
    C<lb::IntAffine<3, lb::MseSearch<>>, lb::SuperBlock<256, 32>>,
    C<lb::IntSym<4, lb::MinMax, lb::BF16Scale>, lb::Blockwise<32>>,
    C<lb::IntSym<4, lb::MinMax, lb::F16Scale, lb::Stochastic>, lb::Blockwise<32>>,
    C<lb::IntSym<2, lb::MseSearch<>, lb::F16Scale>, lb::Blockwise<32>>>;

template <class Q, class G>
Row evaluate(C<Q, G>, const demo::Mlp& m, const demo::Split& test) {
  return evaluate<Q, G>(m, test);
}

template <class... Cs>
void run_all(const std::tuple<Cs...>& cs, const demo::Mlp& m, const demo::Split& test, std::vector<Row>& rows) {
  std::apply([&](const auto&... c) { (rows.push_back(evaluate(c, m, test)), ...); }, cs);
}

void print(const std::vector<Row>& rows, bool csv) {
  if (csv) {
    std::printf("scheme,granularity,bits_per_weight,rmse,sqnr_db,max_abs,test_accuracy,quantize_gbs,dequantize_gbs,"
                "simd_quantize_gbs,simd_dequantize_gbs,gemv_gmacs,gemm_gmacs\n");
    for (const Row& r : rows)
      std::printf("%s,%s,%.4f,%.6g,%.3f,%.6g,%.4f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", r.scheme.c_str(),
                  r.granularity.c_str(), r.bpw, r.rmse, r.sqnr, r.max_abs, r.accuracy, r.quant_gbs, r.dequant_gbs,
                  r.simd_quant_gbs, r.simd_dequant_gbs, r.gemv_gmacs, r.gemm_gmacs);
    return;
  }
  std::printf("%-30s %-16s %6s %10s %8s %9s %8s %9s %9s %9s %9s %9s %9s\n", "scheme", "granularity", "bits/w",
              "RMSE", "SQNR dB", "max|err|", "test acc", "quant GB/s", "deq GB/s", "simd q", "simd dq", "GEMV GMAC",
              "GEMM GMAC");
  std::printf("%s\n", std::string(154, '-').c_str());
  const auto opt = [](double v) {
    char buf[32];
    if (std::isnan(v)) std::snprintf(buf, sizeof buf, "%9s", "-");
    else std::snprintf(buf, sizeof buf, "%9.3f", v);
    return std::string(buf);
  };
  for (const Row& r : rows)
    std::printf("%-30s %-16s %6.3f %10.3e %8.2f %9.3e %7.2f%% %10.3f %9.3f %s %s %s %s\n", r.scheme.c_str(),
                r.granularity.c_str(), r.bpw, r.rmse, r.sqnr, r.max_abs, 100 * r.accuracy, r.quant_gbs, r.dequant_gbs,
                opt(r.simd_quant_gbs).c_str(), opt(r.simd_dequant_gbs).c_str(), opt(r.gemv_gmacs).c_str(),
                opt(r.gemm_gmacs).c_str());
  std::printf("\nsimd q / simd dq: the SIMD kernels (target %s), GB/s of f32; GEMV: y = W1 x with x quantized to the "
              "block's ggml partner (GGUF), G multiply-adds/s, one thread; GEMM: 64 rows of activations times W1 through the scheme's "
              "product kernel (q4_0: W4A8 on packed panels; q8_0 and the K/TQ blocks: partner dots; XNOR: sign bits, XNOR + popcount; "
              "compositions: PackedPanels, the integer path with x in q8_0 blocks where the format's values are integers "
              "times a power of two, else weight-only f32). "
              "'-': no SIMD kernel for that scheme yet.\n",
              lb::kernels::target_name().c_str());
}

}  // namespace

int main(int argc, char** argv) try {
  bool csv = false;
  int epochs = 6;
  std::string dir = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csv") csv = true;
    else if (a == "--epochs" && i + 1 < argc) epochs = std::stoi(argv[++i]);
    else if (a == "--data" && i + 1 < argc) dir = argv[++i];
    else throw lb::argument_error("usage: lowbit_demo [--csv] [--epochs N] [--data DIR]; unknown argument " + a);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const demo::Split train = demo::load_split(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  const demo::Split test = demo::load_split(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
  const demo::Mlp m = demo::train(train, epochs, 2024);
  const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!csv)
    std::printf("Fashion-MNIST MLP 784-256-10, %d epochs, seed 2024: trained in %.1f s; weights %ldx%ld + %ldx%ld\n\n",
                epochs, train_s, static_cast<long>(m.w1.rows()), static_cast<long>(m.w1.cols()),
                static_cast<long>(m.w2.rows()), static_cast<long>(m.w2.cols()));

  std::vector<Row> rows;
  const double w = static_cast<double>(m.w1.size() + m.w2.size());
  RowMatrix copy(m.w1.rows(), m.w1.cols());
  const double tcopy = seconds_per_call([&] { copy = m.w1; });
  const double mb = static_cast<double>(m.w1.size()) * sizeof(float);
  rows.push_back({"fp32", "-", 32.0 * w / w, 0, INFINITY, 0, demo::accuracy(test, m.w1, m.w2, m), mb / tcopy * 1e-9,
                  mb / tcopy * 1e-9});
  run_all(IntRows<8, lb::IntSym>{}, m, test, rows);
  run_all(IntRows<8, lb::IntAffine>{}, m, test, rows);
  run_all(IntRows<4, lb::IntSym>{}, m, test, rows);
  run_all(IntRows<4, lb::IntAffine>{}, m, test, rows);
  run_all(IntRows<3, lb::IntSym>{}, m, test, rows);
  run_all(IntRows<3, lb::IntAffine>{}, m, test, rows);
  run_all(IntRows<2, lb::IntSym>{}, m, test, rows);
  run_all(IntRows<2, lb::IntAffine>{}, m, test, rows);
  run_all(Variants{}, m, test, rows);
  run_all(Formats{}, m, test, rows);
  run_all(kSchemes, m, test, rows);
  print(rows, csv);
  if (!csv)
    std::printf("\nRMSE/SQNR/max|err| over both weight matrices; accuracy on the 10000 test images with quantized "
                "weights (f32 biases); GGUF and bnb rows are zero-padded to their block (784 -> 800 / 1024 / 832 "
                "columns) and bits/w counts that padding; throughput on the 256x784 layer, f32 bytes in (quantize) / out (dequantize), "
                "reference path, 1 thread; fp32 row: memcpy.\n");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "lowbit_demo: %s\n", e.what());
  return 1;
}
