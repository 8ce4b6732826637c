// expect: symmetric quantization needs a signed format
#include "lowbit/quantizers/quantizer.hpp"
#ifdef LOWBIT_VALID
using M = lowbit::SymmetricOf<lowbit::Int<4>>;
#else
using M = lowbit::SymmetricOf<lowbit::UInt<4>>;
#endif
int main() { return M::qmax; }
