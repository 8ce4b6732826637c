// lowbit: named quantizers: integer, ternary, binary, minifloat, codebook, power-of-two, fixed point.
#pragma once

#include "lowbit/formats/binary.hpp"
#include "lowbit/formats/codebook.hpp"
#include "lowbit/formats/fixed_point.hpp"
#include "lowbit/formats/minifloat.hpp"
#include "lowbit/formats/pow2.hpp"
#include "lowbit/formats/ternary.hpp"
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

/// Any value format F scaled by absmax / F::max_value.
template <ValueFormat F, class Est = MinMax, class Scale = F32Scale, class Round = NearestEven>
using ScaledQ = Quantizer<Scaled<F>, Est, Scale, Round>;

/// Ternary {-1, 0, +1} with BitNet b1.58's absmean scale (floored at 1e-5).
template <class Scale = F32Scale, class Round = NearestEven>
using TernaryAbsMean = Quantizer<SymmetricOf<Ternary>, AbsMean<1, 100000>, Scale, Round>;
/// Binary {-1, +1} with XNOR-Net's mean-|x| scale.
template <class Scale = F32Scale, class Round = NearestEven>
using BinaryAbsMean = Quantizer<Scaled<Binary>, AbsMean<>, Scale, Round>;

using Fp8E4M3 = ScaledQ<E4M3>;
using Fp8E5M2 = ScaledQ<E5M2>;
using Fp6E3M2 = ScaledQ<E3M2>;
using Fp6E2M3 = ScaledQ<E2M3>;
using Fp4E2M1 = ScaledQ<E2M1>;
using Nf4 = ScaledQ<NF4>;
using BnbFp4 = ScaledQ<BnbFP4>;
using Iq4Nl = ScaledQ<IQ4NL>;
template <int kBits = 4>
using PowerOfTwo = ScaledQ<Pow2<kBits>>;
template <int kBits = 5>
using SumOfPowersOfTwo = ScaledQ<SumPow2<kBits>>;
/// Q(I.F) fixed point, scaled per group like any value format.
template <int kInt, int kFrac>
using FixedQ = ScaledQ<Fixed<kInt, kFrac>>;

LOWBIT_END_NAMESPACE
