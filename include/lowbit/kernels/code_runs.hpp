// lowbit: a value format's encoder as a sorted table, so SIMD code can reproduce it exactly.
// Ordered as integers ("keys"), floats run from -Inf to +Inf with -0 just below +0; a nearest-
// value encoder (minifloat ties to even, a codebook's tie rule, Pow2's log-domain threshold, the
// signed zero codes) is constant on runs of consecutive keys, so it is fully described by the
// key where each run starts and the run's code. The table is found from the encoder itself, by
// bisection, so no format's rounding rule is written twice.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "lowbit/core/error.hpp"
#include "lowbit/quantizers/mapping.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {

/// f's position in value order: int32 keys ascend with the floats (NaNs lie beyond +-Inf).
inline std::int32_t float_key(float f) noexcept {
  std::int32_t b;
  std::memcpy(&b, &f, 4);
  return b < 0 ? b ^ 0x7FFFFFFF : b;
}
/// The inverse of float_key (the map is its own inverse).
inline float key_float(std::int32_t k) noexcept {
  const std::int32_t b = k < 0 ? k ^ 0x7FFFFFFF : k;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// The runs of an encoder over [-Inf, +Inf]: run i holds keys [start[i], start[i+1]) and encodes
/// to code[i]. start[0] is not stored: `bounds` are the starts of runs 1.., so a key's run is
/// the number of bounds <= key. Both arrays are padded to a power of two (at least 16) with
/// INT32_MAX bounds (never <= a finite key) and the last run's code, for branch-free searches.
struct CodeRuns {
  std::vector<std::int32_t> bounds;
  std::vector<std::int32_t> codes;
  std::array<std::uint8_t, 16> code_bytes{};  ///< codes[0, 16) as bytes (a byte-shuffle table)
  std::size_t runs = 0;                        ///< before padding
  /// Above 16 runs, when every bucket of 2^kBucketShift keys holds at most one run start (the
  /// minifloats): bucket b = (key >> kBucketShift) + kBuckets / 2 holds keys below
  /// bucket_bound[b] (INT32_MAX: no start in b) encoding to bucket_codes[b] & 0xFF, the others
  /// to bucket_codes[b] >> 8. Empty otherwise (the kernels bisect `bounds`).
  static constexpr int kBucketShift = 20;
  static constexpr std::size_t kBuckets = std::size_t{1} << (32 - kBucketShift);
  std::vector<std::int32_t> bucket_bound, bucket_codes;
  /// Up to 32 runs whose starts lie apart in value (a codebook's, on [-1, 1] or [-127, 127]):
  /// value_bucket(t, value_mul, value_add) < 32 (monotone in t) holds at most one run start per
  /// bucket, none within kValueSlack keys of another bucket, and keys below value_bound[b]
  /// encode to value_codes[b] & 0xFF, the others to value_codes[b] >> 8: a 32-entry table, in
  /// two vectors of 16 lanes. value_mul is 0 where no such buckets exist.
  static constexpr std::size_t kValueBuckets = 32;
  static constexpr std::int32_t kValueSlack = 8;
  float value_mul = 0.0f, value_add = 0.0f;
  std::array<std::int32_t, kValueBuckets> value_bound{}, value_codes{};
};

/// bound[b], codes[b] for the first `count` buckets of t's keys under bucket (monotone in the
/// key): keys of b below bound[b] (INT32_MAX: no start in b) encode to codes[b] & 0xFF, the
/// others to codes[b] >> 8. False when a bucket would hold two run starts.
template <class Bucket>
bool fill_buckets(const CodeRuns& t, std::size_t count, Bucket bucket, std::int32_t* bound, std::int32_t* codes) {
  std::size_t run = 0;  // the run holding the current bucket's first key
  for (std::size_t b = 0; b < count; ++b) {
    const bool has_start = run + 1 < t.runs && bucket(t.bounds[run]) == b;
    if (has_start && run + 2 < t.runs && bucket(t.bounds[run + 1]) == b) return false;  // two starts in b
    bound[b] = has_start ? t.bounds[run] : std::numeric_limits<std::int32_t>::max();
    codes[b] = t.codes[run] | (t.codes[has_start ? run + 1 : run] << 8);
    run += has_start;
  }
  return true;
}

/// The value bucket of t: clamp(fma(t, mul, add), 0, 31) truncated, as the kernels compute it.
inline std::size_t value_bucket(float t, float mul, float add) noexcept {
  return static_cast<std::size_t>(std::min(std::max(std::fma(t, mul, add), 0.0f), 31.0f));
}

/// t's value buckets (see CodeRuns): starts from the first to the last spread over buckets 1
/// to 30, or none when two share a bucket or one lies near a bucket's edge.
inline void make_value_buckets(CodeRuns& t) {
  const std::size_t starts = t.runs - 1;
  if (starts == 0 || t.runs > CodeRuns::kValueBuckets) return;
  const float lo = key_float(t.bounds[0]), hi = key_float(t.bounds[starts - 1]);
  const float mul = starts == 1 ? 1.0f : 29.0f / (hi - lo), add = 1.5f - lo * mul;  // mid-bucket 1 to 30
  if (!std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(mul) || !std::isfinite(add) || !(mul > 0.0f)) return;
  const auto bucket = [&](std::int64_t key) {
    return value_bucket(key_float(static_cast<std::int32_t>(key)), mul, add);
  };
  for (std::size_t i = 0; i < starts; ++i) {  // starts lie between lo and hi: finite
    const std::int64_t k = t.bounds[i];
    if (bucket(k - CodeRuns::kValueSlack) != bucket(k + CodeRuns::kValueSlack)) return;
  }
  std::array<std::int32_t, CodeRuns::kValueBuckets> bound{}, codes{};
  if (!fill_buckets(t, CodeRuns::kValueBuckets, bucket, bound.data(), codes.data())) return;
  t.value_bound = bound;
  t.value_codes = codes;
  t.value_mul = mul;
  t.value_add = add;
}

/// t's buckets (see CodeRuns), or none when a bucket would hold two run starts.
inline void make_buckets(CodeRuns& t) {
  const auto bucket = [](std::int32_t key) {
    return static_cast<std::size_t>((key >> CodeRuns::kBucketShift) + static_cast<std::int32_t>(CodeRuns::kBuckets / 2));
  };
  std::vector<std::int32_t> bound(CodeRuns::kBuckets), codes(CodeRuns::kBuckets);
  if (!fill_buckets(t, CodeRuns::kBuckets, bucket, bound.data(), codes.data())) return;
  t.bucket_bound = std::move(bound);
  t.bucket_codes = std::move(codes);
}

/// The runs of enc (float -> code), which must be monotone: each code one run of keys. Found by
/// bisection: about 32 calls of enc per run.
template <class Enc>
CodeRuns find_code_runs(Enc enc) {
  CodeRuns t;
  std::int32_t at = float_key(-std::numeric_limits<float>::infinity());
  const std::int32_t last = float_key(std::numeric_limits<float>::infinity());
  std::int32_t code = enc(key_float(at));
  t.codes.push_back(code);
  while (enc(key_float(last)) != code) {
    std::int64_t lo = at, hi = last;  // enc(lo) == code != enc(hi); keys span more than int32
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      (enc(key_float(static_cast<std::int32_t>(mid))) == code ? lo : hi) = mid;
    }
    at = static_cast<std::int32_t>(hi);
    code = enc(key_float(at));
    t.bounds.push_back(at);
    t.codes.push_back(code);
  }
  t.runs = t.codes.size();
  if (t.runs > 16) make_buckets(t);
  make_value_buckets(t);
  std::size_t padded = 16;
  while (padded < t.runs) padded *= 2;
  t.bounds.resize(padded, std::numeric_limits<std::int32_t>::max());
  t.codes.resize(padded, t.codes.back());
  for (std::size_t i = 0; i < 16; ++i) t.code_bytes[i] = static_cast<std::uint8_t>(t.codes[i]);
  return t;
}

/// Value-format mappings (Scaled, MxScaled) encode x as round_to_grid(x / scale): the runs of
/// that at scale 1 encode x / scale for any scale.
template <class M>
inline constexpr bool is_scaled_mapping = false;
template <class F>
inline constexpr bool is_scaled_mapping<Scaled<F>> = true;
template <class F>
inline constexpr bool is_scaled_mapping<MxScaled<F>> = true;

/// Integer mappings encode x as clamp(R(x / scale) + zero_point, qmin, qmax), low bits kept.
template <class M>
inline constexpr bool is_integer_mapping = false;
template <class F, SymRange kRange>
inline constexpr bool is_integer_mapping<SymmetricOf<F, kRange>> = true;
template <int kBits>
inline constexpr bool is_integer_mapping<Affine<kBits>> = true;

/// The runs of Q's value-format encoder under rounding R, built once per program.
template <class Q, class R>
const CodeRuns& code_runs() {
  static_assert(is_scaled_mapping<typename Q::mapping>);
  static const CodeRuns t = find_code_runs(
      [](float v) { return static_cast<std::int32_t>(Q::mapping::template encode<R>(v, GroupParams{1.0f, 0}, {})); });
  return t;
}

}  // namespace detail
}  // namespace kernels
LOWBIT_END_NAMESPACE
