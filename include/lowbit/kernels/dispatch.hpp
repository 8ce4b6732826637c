// lowbit: the one Highway pass. Compiles every kernels/*-inl.h once per SIMD target and defines
// LOWBIT_EXPORT / LOWBIT_DISPATCH, the run-time dispatch over those targets.
//
// Highway 1.0.3 allows exactly one foreach_target pass per TU, before any hwy/highway.h include,
// so every lowbit kernel goes through this header. Any number of TUs of one program may include
// it: kernels are `inline` (one COMDAT per target) and the dispatch tables are C++17 inline
// variables. Including hwy/highway.h *after* lowbit is fine.
//
// Static dispatch: define LOWBIT_STATIC_DISPATCH (in every TU, e.g. on the CMake target) to compile
// only the baseline target of your -march flags; compile time drops ~5x. Without -march that
// baseline is the scalar fallback, so pair it with e.g. -march=native.
#pragma once

#if defined(HWY_HIGHWAY_INCLUDED) || defined(HIGHWAY_HWY_FOREACH_TARGET_H_)
#error "lowbit: include lowbit headers before hwy/highway.h (Highway 1.0.3 allows one foreach_target pass per translation unit, and lowbit's must come first)"
#endif

#if defined(LOWBIT_STATIC_DISPATCH) && !defined(HWY_COMPILE_ONLY_STATIC)
#define HWY_COMPILE_ONLY_STATIC 1
#endif


#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "lowbit/kernels/all-inl.h"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "lowbit/kernels/all-inl.h"

// HWY_EXPORT with `inline` instead of `static`: one table per program, not one per TU, so the
// inline wrappers that read it are ODR-clean.
// One target: a one-entry table, read by LOWBIT_DISPATCH too (HWY_STATIC_DISPATCH would name
// N_<TARGET>::detail::F for a qualified detail::F, which does not exist).
#if (HWY_TARGETS & (HWY_TARGETS - 1)) == 0
#define LOWBIT_EXPORT(F) \
  inline decltype(&HWY_STATIC_DISPATCH(F)) const HWY_DISPATCH_TABLE(F)[1] = {&HWY_STATIC_DISPATCH(F)}
#define LOWBIT_DISPATCH(F) (*(HWY_DISPATCH_TABLE(F)[0]))
#else
#define LOWBIT_EXPORT(F)                                                                                 \
  inline decltype(&HWY_STATIC_DISPATCH(F)) const HWY_DISPATCH_TABLE(F)[HWY_MAX_DYNAMIC_TARGETS + 2] = { \
      &decltype(hwy::DeduceFunctionCache(&HWY_STATIC_DISPATCH(F)))::ChooseAndCall<HWY_DISPATCH_TABLE(F)>, \
      HWY_CHOOSE_TARGET_LIST(F), HWY_CHOOSE_FALLBACK(F)}
#define LOWBIT_DISPATCH(F) HWY_DYNAMIC_DISPATCH(F)
#endif

#include <string>
#include <vector>

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
/// Every target compiled into this program that the CPU supports (or that a test forced with
/// hwy::SetSupportedTargetsForTest), best first.
inline std::vector<std::int64_t> supported_targets() { return hwy::SupportedAndGeneratedTargets(); }

/// The Highway target the dispatcher picks (e.g. "AVX3_DL"): the best supported one.
inline std::string target_name() {
  const auto t = supported_targets();
  return t.empty() ? "none" : hwy::TargetName(t.front());
}
}  // namespace kernels
LOWBIT_END_NAMESPACE
