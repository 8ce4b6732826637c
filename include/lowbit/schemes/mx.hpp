// lowbit: OCP Microscaling (MX v1.0) formats: 32-element blocks along the row, one E8M0 scale
// per block chosen by the spec's rule (quantizers/mapping.hpp MxScaled), elements rounded to
// nearest even and saturated. Ragged rows are zero-padded to the block. NaN/Inf input follows
// the spec: the block's scale becomes NaN (0xFF) and the whole block decodes to NaN.
#pragma once

#include "lowbit/formats/fixed_point.hpp"
#include "lowbit/formats/minifloat.hpp"
#include "lowbit/granularity/blockwise.hpp"
#include "lowbit/quantizers/quantizer.hpp"
#include "lowbit/schemes/scheme.hpp"

LOWBIT_BEGIN_NAMESPACE

template <ValueFormat Element>
using MxScheme = Scheme<Quantizer<MxScaled<Element>, MinMax, E8M0Scale>, Blockwise<32, Tail::kPad>>;

using MXFP8_E4M3 = MxScheme<E4M3>;
using MXFP8_E5M2 = MxScheme<E5M2>;
using MXFP6_E3M2 = MxScheme<E3M2>;
using MXFP6_E2M3 = MxScheme<E2M3>;
using MXFP4 = MxScheme<E2M1>;
/// MXINT8: int8 elements with an implicit 2^-6 (Q1.6), saturated symmetrically to +-127/64
/// (microxcaling's saturate_normals; code -128 decodes to -2 but is never produced).
using MXINT8 = MxScheme<Fixed<1, 6>>;

LOWBIT_END_NAMESPACE
