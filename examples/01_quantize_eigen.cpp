// Quantize an Eigen weight matrix block-wise to 4 bits, look at the error, dequantize.
#include <cstdio>
#include <lowbit/lowbit.hpp>

namespace lb = lowbit;

int main() {
  Eigen::MatrixXf w = Eigen::MatrixXf::Random(256, 1024);  // [out, in]: blocks run along `in`

  // 4-bit symmetric codes, one f16 scale per 32 weights: 4.5 bits per weight.
  using Q = lb::IntSym<4, lb::MinMax, lb::F16Scale>;
  auto qw = lb::quantize<Q, lb::Blockwise<32>>(w);
  Eigen::MatrixXf w2 = lb::dequantize(qw);

  std::printf("%s / %s: %.3f bits/weight, SQNR %.2f dB, max |err| %.4f\n", Q::name().c_str(),
              lb::Blockwise<32>::name().c_str(), qw.bits_per_weight(), lb::metrics::sqnr_db(w, w2),
              lb::metrics::max_abs(w, w2));
  std::printf("w(3, 40) = %.4f -> code %d, scale %.5f -> %.4f\n", w(3, 40), qw.code(3, 40), qw.params(3, 40).scale,
              qw.value(3, 40));
  return lb::metrics::sqnr_db(w, w2) > 15 ? 0 : 1;
}
