// lowbit: layout policies of a packed matrix.
#pragma once

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Structure of arrays: one plane of packed codes (row-major, each row starting on a byte and
/// padded to the granularity's pad_cols with the code of 0, bit order of core/bitpack.hpp) and
/// separate planes of parameters (scales, zero points, sub-scale codes). The default: rows and
/// blocks are addressable without decoding neighbours, and SIMD loads need no de-interleaving.
struct SoaPlanes {};

LOWBIT_END_NAMESPACE
