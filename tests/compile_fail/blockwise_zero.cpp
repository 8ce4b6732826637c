// expect: Blockwise<N>: block size N must be positive
#include "lowbit/granularity/blockwise.hpp"
#ifdef LOWBIT_VALID
lowbit::Blockwise<32> g;
#else
lowbit::Blockwise<0> g;
#endif
int main() { return static_cast<int>(g.block) - 32; }
