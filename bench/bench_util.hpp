// Shared bench helpers: deterministic data, and the core clock measured in the same run, so the
// JSON can also state cycles per 32 values (ggml's unit, which travels between machines).
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

namespace lowbit_bench {

inline std::vector<float> normal(std::size_t n, float sigma = 1.0f, std::uint32_t seed = 1) {
  std::vector<float> v(n);
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, sigma);
  for (float& x : v) x = nd(rng);
  return v;
}

/// Core GHz from a chain of dependent register adds (one per cycle on any x86 core; adds of an
/// immediate are not used: Golden Cove folds those at rename, several per cycle).
inline double core_ghz() {
  static const double ghz = [] {
    double best = 0.0;
    for (int rep = 0; rep < 5; ++rep) {
      std::uint64_t x = 0, one = 1;
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < 1'000'000; ++i)
        asm volatile(
            "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
            "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
            : "+r"(x)
            : "r"(one));
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, 10e6 / s / 1e9);
    }
    return best;
  }();
  return ghz;
}

/// Sets values/s and bytes/s, plus cycles per 32 values at the measured clock.
inline void set_rates(benchmark::State& st, double values_per_iter, double bytes_per_iter) {
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * values_per_iter));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * bytes_per_iter));
  st.counters["cyc/32"] = benchmark::Counter(values_per_iter / 32 / (core_ghz() * 1e9),
                                             benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  st.counters["GHz"] = core_ghz();
}

}  // namespace lowbit_bench
