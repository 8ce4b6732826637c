// lowbit: which quantizers' group parameters the SIMD fit computes (kernels/encode-inl.h,
// FitScales), and with which constants: MinMax ranges under a symmetric, affine, scaled or MX
// mapping, with f32, f16, bf16 (or for MX, E8M0) scale storage. Q::params is then
// Storage::decode(Storage::encode(ideal_scale(range))) plus the affine zero point, each step a
// few float operations FitScales repeats in order; every other quantizer fits in scalar.
#pragma once

#include <concepts>
#include <optional>

#include "lowbit/core/bits.hpp"
#include "lowbit/quantizers/quantizer.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels::detail {

struct FitRule {
  enum Ideal : int {
    kAbsMax,         ///< max(|lo|, |hi|) / (lo == hi ? div_const : div): SymmetricOf kRestricted, Scaled
    kSignedExtreme,  ///< the extreme of larger magnitude / div (= min_code): SymmetricOf kFull
    kAffine,         ///< Affine<B>: the range widened to 0, over div (= qmax); and the zero point
    kMx,             ///< MxScaled: 2^max(floor(log2 amax) - div, -127), div = emax; NaN for non-finite
  } ideal;
  enum Store : int { kF32, kF16, kBF16, kE8M0 } store;
  float div, div_const;
};

template <class M>
inline constexpr std::optional<FitRule> kIdealRule = std::nullopt;
template <class F>
inline constexpr std::optional<FitRule> kIdealRule<SymmetricOf<F, SymRange::kRestricted>> =
    FitRule{FitRule::kAbsMax, FitRule::kF32, static_cast<float>(F::max_code), static_cast<float>(pow2_floor(F::max_code))};
template <class F>
inline constexpr std::optional<FitRule> kIdealRule<SymmetricOf<F, SymRange::kFull>> =
    FitRule{FitRule::kSignedExtreme, FitRule::kF32, static_cast<float>(F::min_code), 0.0f};
template <int kBits>
inline constexpr std::optional<FitRule> kIdealRule<Affine<kBits>> =
    FitRule{FitRule::kAffine, FitRule::kF32, static_cast<float>(Affine<kBits>::qmax),
            static_cast<float>(pow2_floor(Affine<kBits>::qmax))};
template <class F>
inline constexpr std::optional<FitRule> kIdealRule<Scaled<F>> =
    FitRule{FitRule::kAbsMax, FitRule::kF32, static_cast<float>(F::max_value), static_cast<float>(F::max_value)};
template <class F>
inline constexpr std::optional<FitRule> kIdealRule<MxScaled<F>> =
    FitRule{FitRule::kMx, FitRule::kF32, static_cast<float>(MxScaled<F>::emax), 0.0f};

/// Q's rule, or nullopt when Q's parameters are not FitScales'.
template <class Q>
constexpr std::optional<FitRule> fit_rule() {
  using S = typename Q::scale_storage;
  constexpr bool kPlain =  // Quantizer's own params, from MinMax ranges
      std::same_as<Q, Quantizer<typename Q::mapping, typename Q::estimator, S, typename Q::rounding>> &&
      std::same_as<typename Q::estimator, MinMax>;
  constexpr auto rule = kIdealRule<typename Q::mapping>;
  if constexpr (!kPlain || !rule.has_value()) {
    return std::nullopt;
  } else {
    FitRule r = *rule;
    if constexpr (std::same_as<S, F16Scale>) r.store = FitRule::kF16;
    else if constexpr (std::same_as<S, BF16Scale>) r.store = FitRule::kBF16;
    else if constexpr (std::same_as<S, E8M0Scale>) r.store = FitRule::kE8M0;  // exact for MX's powers of two
    else if constexpr (!std::same_as<S, F32Scale>) return std::nullopt;
    if (r.store == FitRule::kE8M0 && r.ideal != FitRule::kMx) return std::nullopt;
    return r;
  }
}

}  // namespace kernels::detail
LOWBIT_END_NAMESPACE
