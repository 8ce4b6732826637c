// lowbit: how a group's clip range is chosen: min/max, MSE-optimal clipping, percentile.
//
// An estimator fits a Range to a group's values; the quantizer's mapping turns it into scale and
// zero point. Groups passed in are non-empty and finite (checked at the API boundary).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "lowbit/core/rounding.hpp"
#include "lowbit/quantizers/mapping.hpp"

LOWBIT_BEGIN_NAMESPACE

/// The group's minimum and maximum: plain absmax (symmetric) or min/max (affine). A NaN
/// anywhere in the group gives {NaN, NaN} (only formats that accept non-finite input see one).
struct MinMax {
  static std::string name() { return ""; }
  template <class Q>
  static Range fit(std::span<const float> x) noexcept {
    Range r{x[0], x[0]};
    bool nan = false;
    for (float v : x) {
      nan = nan || v != v;
      r.lo = std::min(r.lo, v);
      r.hi = std::max(r.hi, v);
    }
    if (nan) r.lo = r.hi = std::numeric_limits<float>::quiet_NaN();
    return r;
  }
};

/// The mean absolute value m as the range [-m, m], floored at kFloorNum / kFloorDen when the
/// group is not all zero: BitNet b1.58's absmean (floor 1e-5) for ternary weights, XNOR-Net's
/// alpha for binary ones. With a mapping whose max value is 1, the scale is m itself.
template <int kFloorNum = 0, int kFloorDen = 1>
struct AbsMean {
  static std::string name() { return "+absmean"; }
  template <class Q>
  static Range fit(std::span<const float> x) noexcept {
    static_assert(!Q::has_zero_point, "AbsMean fits symmetric mappings only (ternary, binary, symmetric integers)");
    double sum = 0.0;
    for (float v : x) sum += std::fabs(static_cast<double>(v));
    float m = static_cast<float>(sum / static_cast<double>(x.size()));
    if (sum > 0.0) m = std::max(m, static_cast<float>(kFloorNum) / static_cast<float>(kFloorDen));
    return {-m, m};
  }
};

/// MSE-optimal clipping: tries kSteps ranges alpha * [min, max] with alpha evenly spaced from 1
/// down to kMinPercent / 100, quantizes the group with each (nearest rounding, stored scale) and
/// keeps the one of least squared error; the first (widest) wins ties, so deterministic.
template <int kSteps = 32, int kMinPercent = 50>
struct MseSearch {
  static_assert(kSteps >= 2, "MseSearch: kSteps must be at least 2");
  static_assert(kMinPercent > 0 && kMinPercent < 100, "MseSearch: kMinPercent must be in (0, 100)");
  static std::string name() { return "+mse"; }
  template <class Q>
  static Range fit(std::span<const float> x) noexcept {
    const Range full = MinMax::fit<Q>(x);
    Range best = full;
    double best_err = std::numeric_limits<double>::infinity();
    for (int i = 0; i < kSteps; ++i) {
      const float alpha = 1.0f - (1.0f - kMinPercent / 100.0f) * static_cast<float>(i) / (kSteps - 1);
      const Range r{full.lo * alpha, full.hi * alpha};
      const GroupParams p = Q::params(r);
      double err = 0.0;
      for (float v : x) {
        const double d = static_cast<double>(v) - Q::decode(Q::template encode<NearestEven>(v, p, {}), p);
        err += d * d;
      }
      if (err < best_err) {
        best_err = err;
        best = r;
      }
    }
    return best;
  }
};

/// Percentile clipping: [lo, hi] are the order statistics of rank n - k + 1 and k (1-based),
/// k = ceil(p * n) with p = kNum / kDen (nearest-rank); p = 1 is MinMax.
template <int kNum = 999, int kDen = 1000>
struct Percentile {
  static_assert(kDen > 0 && kNum > kDen / 2 && kNum <= kDen, "Percentile: p = kNum / kDen must be in (0.5, 1]");
  static std::string name() {
    return "+p" + std::to_string(100.0 * kNum / kDen).substr(0, 5);
  }
  template <class Q>
  static Range fit(std::span<const float> x) {
    const std::size_t n = x.size();
    const std::size_t hi_idx = (static_cast<std::size_t>(kNum) * n + kDen - 1) / kDen - 1;
    const std::size_t lo_idx = n - 1 - hi_idx;
    std::vector<float> v(x.begin(), x.end());
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(hi_idx), v.end());
    const float hi = v[hi_idx];
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo_idx), v.end());
    return {v[lo_idx], hi};
  }
};

LOWBIT_END_NAMESPACE
