// expect: OCP MX scales are per-block powers of two
#include "lowbit/schemes/mx.hpp"
#include "lowbit/granularity/superblock.hpp"
#ifdef LOWBIT_VALID
using M = lowbit::PackedMatrix<lowbit::MXFP4::quantizer, lowbit::Blockwise<32>>;
#else
using M = lowbit::PackedMatrix<lowbit::MXFP4::quantizer, lowbit::SuperBlock<256, 32>>;
#endif
int main() { return static_cast<int>(M(1, 256).bytes() == 0); }
