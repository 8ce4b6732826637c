// lowbit: SuperBlock: two-level scales (GGUF K-quants, bitsandbytes double quantization).
//
// Each sub-block of kInner elements along a row gets its own scale; the scales of the kOuter /
// kInner sub-blocks of one super-block are themselves quantized to kSubBits-bit codes against one
// super-block scale stored as SuperScale. A sub-block's effective scale is
//     super_scale * sub_code
// and its zero point (affine quantizers) is chosen for that effective scale. The quantizer's own
// scale storage type is not used by a SuperBlock. Ragged rows follow kTail: with Tail::kPad the
// last super-block of a row may hold fewer sub-blocks and the last sub-block is padded.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

#include "lowbit/core/error.hpp"
#include "lowbit/granularity/concepts.hpp"
#include "lowbit/quantizers/mapping.hpp"
#include "lowbit/quantizers/scale_storage.hpp"

LOWBIT_BEGIN_NAMESPACE

template <std::size_t kOuter, std::size_t kInner, int kSubBits = 6, ScaleStorage SuperScale = F16Scale,
          Tail kTail = Tail::kPad>
struct SuperBlock {
  static_assert(kInner > 0, "SuperBlock<Outer, Inner>: Inner must be positive");
  static_assert(kOuter > kInner && kOuter % kInner == 0,
                "SuperBlock<Outer, Inner>: Outer must be a multiple of Inner greater than Inner");
  static_assert(kSubBits >= 2 && kSubBits <= 8, "SuperBlock: sub-scale bits must be in [2, 8]");
  static constexpr bool is_two_level = true;
  static constexpr std::size_t outer = kOuter;
  static constexpr std::size_t inner = kInner;
  static constexpr std::size_t subs_per_super = kOuter / kInner;
  static constexpr int sub_bits = kSubBits;
  static constexpr Tail tail = kTail;
  static constexpr std::size_t pad_cols = kInner;
  using super_scale = SuperScale;

  static std::string name() {
    return "super" + std::to_string(kOuter) + "/" + std::to_string(kInner) + "x" + std::to_string(kSubBits) +
           "b" + (kTail == Tail::kReject ? "/strict" : "");
  }
  static GroupShape group_shape(std::size_t, std::size_t) noexcept { return {1, kInner}; }
  static void validate(std::size_t, std::size_t cols) {
    if constexpr (kTail == Tail::kReject)
      LOWBIT_CHECK(cols % kOuter == 0, "cols: ", cols, " is not a multiple of the super-block size ", kOuter,
                   " (this SuperBlock policy rejects ragged rows; use Tail::kPad to pad them)");
  }

  /// Sub-scale code range: signed when the quantizer's scales carry a sign.
  template <bool kSigned>
  static constexpr int sub_qmax = kSigned ? (1 << (kSubBits - 1)) - 1 : (1 << kSubBits) - 1;

  /// Quantizes one super-block's ideal sub-block scales: writes a code per scale to `codes` and
  /// returns the stored super-block scale: absmax_scale (all-equal scales are reproduced
  /// exactly), nearest rounding.
  template <bool kSigned>
  static typename SuperScale::storage_type quantize_scales(std::span<const float> scales,
                                                           std::span<int> codes) noexcept {
    constexpr int qmax = sub_qmax<kSigned>;
    float amax = 0.0f;
    for (float s : scales) amax = std::max(amax, std::fabs(s));
    const bool constant = std::all_of(scales.begin(), scales.end(), [&](float s) { return s == scales[0]; });
    const auto stored = SuperScale::encode(absmax_scale(amax, qmax, constant));
    const float d = SuperScale::decode(stored);
    for (std::size_t j = 0; j < scales.size(); ++j) {
      const float q = d != 0.0f ? std::nearbyint(scales[j] / d) : 0.0f;
      codes[j] = static_cast<int>(std::clamp(q, kSigned ? -static_cast<float>(qmax) : 0.0f, static_cast<float>(qmax)));
    }
    return stored;
  }
};

LOWBIT_END_NAMESPACE
