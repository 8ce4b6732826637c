// A user project that found an installed lowbit with find_package.
#include <lowbit/lowbit.hpp>

int main() {
  Eigen::MatrixXf w = Eigen::MatrixXf::Random(16, 64);
  auto q = lowbit::quantize<lowbit::Int4Sym, lowbit::Blockwise<32>>(w);
  const double snr = lowbit::metrics::sqnr_db(w, lowbit::dequantize(q));
  return snr > 15.0 ? 0 : 1;
}
