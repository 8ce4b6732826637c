// expect: Outer must be a multiple of Inner
#include "lowbit/granularity/superblock.hpp"
#ifdef LOWBIT_VALID
using G = lowbit::SuperBlock<256, 32>;
#else
using G = lowbit::SuperBlock<100, 32>;
#endif
int main() { return static_cast<int>(G::subs_per_super); }
