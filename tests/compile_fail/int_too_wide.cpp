// expect: Int<B>: B must be in \[2, 8\]
#include "lowbit/quantizers/aliases.hpp"
#ifdef LOWBIT_VALID
using Q = lowbit::IntSym<8>;
#else
using Q = lowbit::IntSym<9>;
#endif
int main() { return Q::bits; }
