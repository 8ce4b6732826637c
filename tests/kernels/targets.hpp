// Runs a test body once per SIMD target the machine supports (hwy::SetSupportedTargetsForTest),
// naming the target in Catch's output.
#pragma once

#include <catch2/catch.hpp>

#include "lowbit/kernels/amx.hpp"
#include "lowbit/kernels/dispatch.hpp"

namespace lowbit_test {

struct TargetScope {
  explicit TargetScope(std::int64_t t) { hwy::SetSupportedTargetsForTest(t); }
  ~TargetScope() { hwy::SetSupportedTargetsForTest(0); }
  TargetScope(const TargetScope&) = delete;
  TargetScope& operator=(const TargetScope&) = delete;
};

/// Calls body() with each supported target forced; returns how many ran (at least one).
template <class Body>
void for_each_target(Body body) {
  const auto targets = lowbit::kernels::supported_targets();
  REQUIRE(!targets.empty());
  for (const std::int64_t t : targets) {
    TargetScope scope(t);
    INFO("target " << hwy::TargetName(t));
    body();
  }
}

/// for_each_target with the AMX paths (int8 GEMMs, panel GEMMs) off, then once with them on where
/// the CPU has it (AMX does not depend on the Highway target).
template <class Body>
void for_each_target_and_amx(Body body) {
  lowbit::kernels::set_amx_enabled(false);
  for_each_target(body);
  lowbit::kernels::set_amx_enabled(true);
  if (lowbit::kernels::amx_active()) {
    INFO("AMX tiles");
    body();
  }
}

}  // namespace lowbit_test
