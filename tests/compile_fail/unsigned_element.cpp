// expect: unsigned minifloats \(UE8M0, UE4M3\) are scale types, not element formats
#include "lowbit/quantizers/quantizer.hpp"
#ifdef LOWBIT_VALID
using Q = lowbit::Quantizer<lowbit::Scaled<lowbit::E4M3>>;
#else
using Q = lowbit::Quantizer<lowbit::Scaled<lowbit::UE4M3>>;
#endif
int main() { return static_cast<int>(Q::params({0.0f, 1.0f}).scale); }
