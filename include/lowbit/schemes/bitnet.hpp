// lowbit: BitNet b1.58 (ternary weights, int8 activations) and XNOR-Net (binary weights and
// activations), as compositions.
#pragma once

#include "lowbit/granularity/per_channel.hpp"
#include "lowbit/granularity/per_tensor.hpp"
#include "lowbit/quantizers/aliases.hpp"
#include "lowbit/schemes/scheme.hpp"

LOWBIT_BEGIN_NAMESPACE

/// BitNet b1.58 weights: W_q = clamp(round(W / s), -1, 1), s = max(mean|W|, 1e-5) per tensor
/// (round half to even, as torch.round).
using BitNetWeights = Scheme<TernaryAbsMean<>, PerTensor>;
/// BitNet b1.58 activations: int8 per token, s = absmax / 127, codes in [-127, 127].
using BitNetActivations = Scheme<Int8Sym, PerRow>;

/// XNOR-Net weights: sign(W) with alpha = mean|W| per output channel (row).
using XnorWeights = Scheme<BinaryAbsMean<>, PerRow>;
/// XNOR-Net activations: sign(X) with K = mean|X| per token (row).
using XnorActivations = Scheme<BinaryAbsMean<>, PerRow>;

LOWBIT_END_NAMESPACE
