// lowbit: named quantizers for the common integer schemes.
#pragma once

#include "lowbit/quantizers/quantizer.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Symmetric B-bit, codes +-(2^(B-1) - 1).
template <int kBits, class Est = MinMax, class Scale = F32Scale, class Round = NearestEven>
using IntSym = Quantizer<Symmetric<kBits, SymRange::kRestricted>, Est, Scale, Round>;

/// Symmetric B-bit over the full code range [-2^(B-1), 2^(B-1) - 1] (ggml Q4_0/Q8_0 rule).
template <int kBits, class Est = MinMax, class Scale = F32Scale, class Round = NearestEven>
using IntSymFull = Quantizer<Symmetric<kBits, SymRange::kFull>, Est, Scale, Round>;

/// Affine B-bit, codes [0, 2^B - 1] with an integer zero point.
template <int kBits, class Est = MinMax, class Scale = F32Scale, class Round = NearestEven>
using IntAffine = Quantizer<Affine<kBits>, Est, Scale, Round>;

using Int8Sym = IntSym<8>;
using Int4Sym = IntSym<4>;
using Int3Sym = IntSym<3>;
using Int2Sym = IntSym<2>;
using Int8Affine = IntAffine<8>;
using Int4Affine = IntAffine<4>;
using Int3Affine = IntAffine<3>;
using Int2Affine = IntAffine<2>;

LOWBIT_END_NAMESPACE
