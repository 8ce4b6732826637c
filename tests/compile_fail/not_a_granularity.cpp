// expect: GranularityPolicy
#include "lowbit/tensor/packed_matrix.hpp"
#include "lowbit/granularity/per_tensor.hpp"
#include "lowbit/quantizers/aliases.hpp"
#ifdef LOWBIT_VALID
lowbit::PackedMatrix<lowbit::Int4Sym, lowbit::PerTensor> m;
#else
lowbit::PackedMatrix<lowbit::Int4Sym, int> m;  // a granularity must be a policy, not any type
#endif
int main() { return static_cast<int>(m.rows()); }
