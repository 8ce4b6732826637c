// expect: AbsMean fits symmetric mappings only
#include <vector>
#include "lowbit/quantizers/aliases.hpp"
#ifdef LOWBIT_VALID
using Q = lowbit::Quantizer<lowbit::SymmetricOf<lowbit::Ternary>, lowbit::AbsMean<>>;
#else
using Q = lowbit::Quantizer<lowbit::Affine<2>, lowbit::AbsMean<>>;
#endif
int main() {
  std::vector<float> x{1.0f, -1.0f};
  return static_cast<int>(Q::fit_range(x).hi);
}
