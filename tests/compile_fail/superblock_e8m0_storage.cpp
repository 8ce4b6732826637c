// expect: an 8-bit minifloat scale storage \(E8M0, UE4M3\) has no meaning there
#include "lowbit/quantizers/aliases.hpp"
#include "lowbit/granularity/superblock.hpp"
#include "lowbit/tensor/packed_matrix.hpp"
#ifdef LOWBIT_VALID
using Q = lowbit::ScaledQ<lowbit::E2M1, lowbit::MinMax, lowbit::F32Scale>;
#else
using Q = lowbit::ScaledQ<lowbit::E2M1, lowbit::MinMax, lowbit::UE4M3Scale>;
#endif
int main() { return static_cast<int>(lowbit::PackedMatrix<Q, lowbit::SuperBlock<256, 32>>(1, 256).bytes() == 0); }
