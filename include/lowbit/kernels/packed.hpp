// lowbit: PackedMatrix compositions through the SIMD kernels.
// quantize: the reference's two steps, each in SIMD, band by band. Parameters: a MinMax group's
// range by SIMD min/max, and for the rules of kernels/fit_rule.hpp (symmetric, affine, scaled and
// MX mappings with f32/f16/bf16/E8M0 scales) its scale and zero point too, a vector of groups at
// a time (other estimators and rules take the reference's fit); then every row's codes: integer
// mappings by their float
// arithmetic, value formats by the runs of their own encoder (kernels/code_runs.hpp), and the
// codes packed to the row's bit stream (kernels/encode-inl.h). Stochastic rounding, custom
// mappings and NaN-scale groups (OCP MX with non-finite input) encode element by element.
// dequantize: integer codes by the mappings' (code - zero point) * scale in SIMD; every other
// format through a table per group of Q::decode over all 2^bits codes (so the values are the
// reference's by construction), the codes unpacked and looked up in SIMD (kernels/packed-inl.h).
// Groups with fewer elements than codes decode directly.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <vector>

#include "lowbit/kernels/code_runs.hpp"
#include "lowbit/kernels/dispatch.hpp"
#include "lowbit/kernels/fit_rule.hpp"
#include "lowbit/kernels/scan.hpp"
#include "lowbit/kernels/stream.hpp"
#include "lowbit/reference/quantize.hpp"
#include "lowbit/tensor/packed_matrix.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
LOWBIT_EXPORT(DecodeCodes1);
LOWBIT_EXPORT(DecodeCodes2);
LOWBIT_EXPORT(DecodeCodes3);
LOWBIT_EXPORT(DecodeCodes4);
LOWBIT_EXPORT(DecodeCodes5);
LOWBIT_EXPORT(DecodeCodes6);
LOWBIT_EXPORT(DecodeCodes7);
LOWBIT_EXPORT(DecodeCodes8);
#define LOWBIT_EXPORT_DECODE_INTEGERS(B) \
  LOWBIT_EXPORT(DecodeInts##B);          \
  LOWBIT_EXPORT(DecodeUInts##B)
LOWBIT_EXPORT_DECODE_INTEGERS(2);
LOWBIT_EXPORT_DECODE_INTEGERS(3);
LOWBIT_EXPORT_DECODE_INTEGERS(4);
LOWBIT_EXPORT_DECODE_INTEGERS(5);
LOWBIT_EXPORT_DECODE_INTEGERS(6);
LOWBIT_EXPORT_DECODE_INTEGERS(7);
LOWBIT_EXPORT_DECODE_INTEGERS(8);
#undef LOWBIT_EXPORT_DECODE_INTEGERS
LOWBIT_EXPORT(DecodeMinifloats6);
LOWBIT_EXPORT(DecodeMinifloats8);
LOWBIT_EXPORT(DecodeF16);

LOWBIT_EXPORT(MinMaxGroups);
LOWBIT_EXPORT(MaxAbsGroups);
LOWBIT_EXPORT(FitScales);
LOWBIT_EXPORT(EncodeIntegersEven);
LOWBIT_EXPORT(EncodeIntegersAway);
LOWBIT_EXPORT(EncodeIntegersZero);
LOWBIT_EXPORT(EncodeRuns);
LOWBIT_EXPORT(EncodeMinifloats);
LOWBIT_EXPORT(PackStream1);
LOWBIT_EXPORT(PackStream2);
LOWBIT_EXPORT(PackStream3);
LOWBIT_EXPORT(PackStream4);
LOWBIT_EXPORT(PackStream5);
LOWBIT_EXPORT(PackStream6);
LOWBIT_EXPORT(PackStream7);

template <int kBits>
void pack_stream(const std::uint8_t* codes, std::size_t n, std::uint8_t* out) {
  if constexpr (kBits == 1) LOWBIT_DISPATCH(PackStream1)(codes, n, out);
  else if constexpr (kBits == 2) LOWBIT_DISPATCH(PackStream2)(codes, n, out);
  else if constexpr (kBits == 3) LOWBIT_DISPATCH(PackStream3)(codes, n, out);
  else if constexpr (kBits == 4) LOWBIT_DISPATCH(PackStream4)(codes, n, out);
  else if constexpr (kBits == 5) LOWBIT_DISPATCH(PackStream5)(codes, n, out);
  else if constexpr (kBits == 6) LOWBIT_DISPATCH(PackStream6)(codes, n, out);
  else if constexpr (kBits == 7) LOWBIT_DISPATCH(PackStream7)(codes, n, out);
  else std::copy(codes, codes + n, out);
}

/// MinMax::fit of every group of group row gr of x (rows contiguous), bit for bit, into lo[gc],
/// hi[gc] for gc < grid.cols (row_lo, row_hi: as many floats of scratch): SIMD min/max per row
/// and group, combined over the group's rows; NaN anywhere gives {NaN, NaN}; a zero extreme
/// takes the sign of the group's first zero, as MinMax keeps the first of equal values.
inline void min_max_ranges(MatrixView<const float> x, const GroupGrid& grid, std::size_t gr, float* lo, float* hi,
                           float* row_lo, float* row_hi) {
  const GroupBounds band = group_bounds(grid, gr, 0, x.rows, x.cols);
  LOWBIT_DISPATCH(MinMaxGroups)(&x(band.r0, 0), x.cols, grid.shape.cols, lo, hi);
  for (std::size_t r = band.r0 + 1; r < band.r1; ++r) {
    LOWBIT_DISPATCH(MinMaxGroups)(&x(r, 0), x.cols, grid.shape.cols, row_lo, row_hi);
    for (std::size_t gc = 0; gc < grid.cols; ++gc) {
      if (row_lo[gc] != row_lo[gc]) lo[gc] = hi[gc] = row_lo[gc];
      else if (lo[gc] == lo[gc]) lo[gc] = std::min(lo[gc], row_lo[gc]), hi[gc] = std::max(hi[gc], row_hi[gc]);
    }
  }
  if (none_zero(lo, grid.cols) && none_zero(hi, grid.cols)) return;
  for (std::size_t gc = 0; gc < grid.cols; ++gc) {
    if (lo[gc] != 0.0f && hi[gc] != 0.0f) continue;
    const GroupBounds b = group_bounds(grid, gr, gc, x.rows, x.cols);
    const float zero = [&] {
      for (std::size_t r = b.r0; r < b.r1; ++r)
        for (std::size_t c = b.c0; c < b.c1; ++c)
          if (x(r, c) == 0.0f) return x(r, c);
      return 0.0f;
    }();
    if (lo[gc] == 0.0f) lo[gc] = zero;
    if (hi[gc] == 0.0f) hi[gc] = zero;
  }
}

/// lo[g], hi[g] = -amax, amax of each group g (gw elements) of a row of n: what an MX fit reads of
/// a range (max(|lo|, |hi|), and whether it is finite), at half the work of min_max_ranges.
inline void max_abs_ranges(const float* row, std::size_t n, std::size_t gw, float* lo, float* hi) {
  LOWBIT_DISPATCH(MaxAbsGroups)(row, n, gw, hi);
  for (std::size_t g = 0; g < div_ceil(n, gw); ++g) lo[g] = -hi[g];
}

/// Q::params of group row gr's n groups from their MinMax ranges [lo, hi] by FitScales, stored
/// in m's planes and returned in scales and zps (stored16: n values of scratch); false (nothing
/// done) where Q's rule has no SIMD fit.
template <class Q, class G, class L>
bool fit_scales(PackedMatrix<Q, G, L>& m, std::size_t gr, const float* lo, const float* hi, std::size_t n,
                float* scales, std::int32_t* zps, std::uint16_t* stored16) {
  constexpr auto kRule = fit_rule<Q>();
  if constexpr (!kRule.has_value() || TwoLevelGranularity<G>) {
    return false;
  } else {
    if (!LOWBIT_DISPATCH(FitScales)(*kRule, lo, hi, n, scales, zps, stored16)) return false;
    auto& planes = m.param_planes();
    if constexpr (kRule->store == FitRule::kF32) std::copy(scales, scales + n, planes.scale_row(gr));
    else std::copy(stored16, stored16 + n, planes.scale_row(gr));
    if constexpr (Q::has_zero_point)
      for (std::size_t g = 0; g < n; ++g) planes.zero_point_row(gr)[g] = static_cast<std::uint8_t>(zps[g]);
    return true;
  }
}

/// Whether Q's codes can come from the SIMD encoders (else: Q::encode per element).
template <class Q>
inline constexpr bool simd_encodable = !std::same_as<typename Q::rounding, Stochastic> &&
                                       (is_integer_mapping<typename Q::mapping> ||
                                        is_scaled_mapping<typename Q::mapping>);

/// Whether F is a minifloat with subnormals whose normal exponents are f32's: encoded and
/// decoded by its bit fields.
template <class F>
inline constexpr bool is_minifloat = false;
template <int kE, int kM, Specials kS, bool kSigned, bool kSub, int kBias>
inline constexpr bool is_minifloat<MiniFloat<kE, kM, kS, kSigned, kSub, kBias>> =
    kSub && kBias <= 126 && (1 << kE) - 1 - kBias <= 127;

/// Whether Q is a plain Quantizer over a Scaled / MxScaled mapping, so encodes as
/// Format::encode(x / scale) and decodes as Format::decode(code) * scale.
template <class Q>
constexpr bool decodes_scaled() {
  using M = typename Q::mapping;
  return std::same_as<Q, Quantizer<M, typename Q::estimator, typename Q::scale_storage, typename Q::rounding>> &&
         is_scaled_mapping<M>;
}

/// EncodeMinifloats for a scaled signed 4-, 6- or 8-bit minifloat rounded to nearest even
/// (F::encode); false (nothing written) for other quantizers, and on HWY_SCALAR. (FP4 by its bit
/// fields is about 10% faster than EncodeRuns' 4-step search by lane permutes.)
template <class Q>
bool encode_minifloats(const float* x, std::size_t n, std::size_t gw, const float* scales, bool nibbles,
                       std::uint8_t* codes, const float* next) {
  using F = typename Q::mapping::format;
  if constexpr (decodes_scaled<Q>() && std::same_as<typename Q::rounding, NearestEven> && is_minifloat<F> &&
                F::bits >= 4) {
    return LOWBIT_DISPATCH(EncodeMinifloats)(x, n, gw, scales, F::man_bits, F::bias, F::max_code,
                                             F::has_nan ? F::kNanCode : 0u, F::kSignBit, nibbles, codes, next);
  } else {
    (void)x, (void)n, (void)gw, (void)scales, (void)nibbles, (void)codes, (void)next;
    return false;
  }
}

/// Whether encode_row can write Q's codes for a row of n, groups of gw, straight into the 4-bit
/// stream (the SIMD encoders' `nibbles`), with no separate packing pass.
template <class Q>
constexpr bool encodes_nibbles(std::size_t n, std::size_t gw) {
  return simd_encodable<Q> && Q::bits == 4 && n % 2 == 0 && gw % 2 == 0;
}

/// codes[i] = Q::encode(x[i], {scales[g], zps[g]}, {seed, index0 + i}) for i < n, g = i / gw,
/// or with `nibbles` (encodes_nibbles) codes is the packed 4-bit stream; the SIMD encoders
/// prefetch the n floats at `next` (null: none) as they go.
template <class Q>
void encode_row(const float* x, std::size_t n, std::size_t gw, const float* scales, const std::int32_t* zps,
                std::uint8_t* codes, std::uint64_t seed, std::size_t index0, const float* next, bool nibbles = false) {
  using M = typename Q::mapping;
  using R = typename Q::rounding;
  const auto one_by_one = [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const std::uint8_t code = Q::encode(x[i], {scales[i / gw], zps[i / gw]}, {seed, index0 + i});
      if (nibbles) set_code(codes, 4, i, code);
      else codes[i] = code;
    }
  };
  if constexpr (!simd_encodable<Q>) {
    one_by_one(0, n);
  } else {
    if constexpr (is_integer_mapping<M>) {
      const auto encode = std::same_as<R, NearestEven>   ? LOWBIT_DISPATCH(EncodeIntegersEven)
                          : std::same_as<R, NearestAway> ? LOWBIT_DISPATCH(EncodeIntegersAway)
                                                         : LOWBIT_DISPATCH(EncodeIntegersZero);
      static_assert(std::same_as<R, NearestEven> || std::same_as<R, NearestAway> || std::same_as<R, TowardZero>);
      encode(x, n, gw, scales, zps, M::qmin, M::qmax, low_mask(Q::bits), nibbles, codes, next);
    } else if (encode_minifloats<Q>(x, n, gw, scales, nibbles, codes, next)) {
    } else {
      LOWBIT_DISPATCH(EncodeRuns)(x, n, gw, scales, code_runs<Q, R>(), nibbles, codes, next);
    }
    const std::size_t groups = div_ceil(n, gw);
    if (!all_finite(scales, groups))  // a NaN scale (MX, non-finite input): Q's NaN rule
      for (std::size_t g = 0, g0 = 0; g0 < n; ++g, g0 += gw)
        if (scales[g] != scales[g]) one_by_one(g0, std::min(n, g0 + gw));
  }
}

/// The scales and zero points of m's group row gr (grid.cols each), as ParamPlanes::get gives
/// them; f16 scale planes a row at a time in SIMD (the portable per-group f16 decode cost as much
/// as decoding the codes).
template <class Q, class G, class L>
void group_row_params(const PackedMatrix<Q, G, L>& m, std::size_t gr, float* scales, std::int32_t* zps) {
  const std::size_t cols = m.grid().cols;
  if constexpr (std::same_as<typename Q::scale_storage, F16Scale> && requires { m.param_planes().scales(); }) {
    LOWBIT_DISPATCH(DecodeF16)(m.param_planes().scales().data() + gr * cols, scales, cols);
    for (std::size_t gc = 0; gc < cols; ++gc)
      zps[gc] = Q::has_zero_point ? m.param_planes().zero_points()[gr * cols + gc] : 0;
  } else {
    for (std::size_t gc = 0; gc < cols; ++gc) {
      const GroupParams p = m.param_planes().get(gr, gc);
      scales[gc] = p.scale;
      zps[gc] = p.zero_point;
    }
  }
}

/// DecodeCodes (scales: null, or one per group of gw codes; stream: out is a whole row of n,
/// written with streaming stores).
template <int kBits>
void decode_codes(const std::uint8_t* row, std::size_t row_bytes, std::size_t c0, std::size_t n, const float* table,
                  std::size_t gw, const float* scales, float* out, bool stream) {
  const auto fn = kBits == 1   ? LOWBIT_DISPATCH(DecodeCodes1)
                  : kBits == 2 ? LOWBIT_DISPATCH(DecodeCodes2)
                  : kBits == 3 ? LOWBIT_DISPATCH(DecodeCodes3)
                  : kBits == 4 ? LOWBIT_DISPATCH(DecodeCodes4)
                  : kBits == 5 ? LOWBIT_DISPATCH(DecodeCodes5)
                  : kBits == 6 ? LOWBIT_DISPATCH(DecodeCodes6)
                  : kBits == 7 ? LOWBIT_DISPATCH(DecodeCodes7)
                               : LOWBIT_DISPATCH(DecodeCodes8);
  fn(row, row_bytes, c0, n, table, gw, scales, out, stream);
}

/// +1 when Q decodes as float(code - zero point) * scale with its codes read as two's complement
/// integers (Int<B>, ternary), -1 when read as unsigned (UInt<B>), 0 otherwise (value formats).
template <class Q>
constexpr int integer_decoding() {
  if constexpr (!is_integer_mapping<typename Q::mapping>) {
    return 0;
  } else {
    bool sext = true, plain = true;
    for (int raw = 0; raw < (1 << Q::bits); ++raw) {
      const int v = Q::format::decode(static_cast<std::uint8_t>(raw));
      sext = sext && v == (raw >= (1 << (Q::bits - 1)) ? raw - (1 << Q::bits) : raw);
      plain = plain && v == raw;
    }
    return sext ? 1 : plain ? -1 : 0;
  }
}

/// Whether Q decodes as MiniFloat::decode(code) * scale (a scaled 6- or 8-bit is_minifloat):
/// kernels::dequantize's DecodeMinifloats path (4-bit ones take the scaled table).
template <class Q>
constexpr bool minifloat_decoding() {
  return decodes_scaled<Q>() && is_minifloat<typename Q::format> && (Q::bits == 6 || Q::bits == 8);
}

/// Whether Q decodes as value(code) * scale in at most 4 bits: one 16-entry table of the values
/// at scale 1 serves every group (kernels::dequantize's scaled-table path).
template <class Q>
constexpr bool scaled_table_decoding() {
  return decodes_scaled<Q>() && Q::bits <= 4;
}

/// DecodeMinifloats of Q's row; false on HWY_SCALAR.
template <class Q>
bool decode_minifloats(const std::uint8_t* row, std::size_t row_bytes, std::size_t n, std::size_t gw,
                       const float* scales, float* out, bool stream) {
  using F = typename Q::format;
  constexpr int kSpecials = F::has_inf ? 1 : F::has_nan ? 2 : 0;
  const auto fn = Q::bits == 8 ? LOWBIT_DISPATCH(DecodeMinifloats8) : LOWBIT_DISPATCH(DecodeMinifloats6);
  return fn(row, row_bytes, n, gw, scales, F::exp_bits, F::man_bits, F::bias, kSpecials, F::is_signed, out, stream);
}

template <int kBits, bool kSigned>
void decode_integers(const std::uint8_t* row, std::size_t row_bytes, std::size_t n, std::size_t gw,
                     const float* scales, const std::int32_t* zps, float* out, bool stream) {
#define LOWBIT_DECODE_INTEGERS(B)                                                                          \
  if constexpr (kBits == B) {                                                                              \
    if constexpr (kSigned) LOWBIT_DISPATCH(DecodeInts##B)(row, row_bytes, n, gw, scales, zps, out, stream); \
    else LOWBIT_DISPATCH(DecodeUInts##B)(row, row_bytes, n, gw, scales, zps, out, stream);                   \
  }
  LOWBIT_DECODE_INTEGERS(2)
  LOWBIT_DECODE_INTEGERS(3)
  LOWBIT_DECODE_INTEGERS(4)
  LOWBIT_DECODE_INTEGERS(5)
  LOWBIT_DECODE_INTEGERS(6)
  LOWBIT_DECODE_INTEGERS(7)
  LOWBIT_DECODE_INTEGERS(8)
#undef LOWBIT_DECODE_INTEGERS
}
}  // namespace detail

/// ref::quantize through the SIMD kernels: the same checks and errors, the same bytes. Each band
/// of rows that shares parameters (one row for per-row and blockwise groups) is fitted and then
/// encoded while it is in cache, so x is read from memory once.
template <QuantizerPolicy Q, GranularityPolicy G, class L = SoaPlanes>
PackedMatrix<Q, G, L> quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
  if (x.col_stride != 1 && !x.empty()) {  // the kernels read rows: quantize a row-major copy
    std::vector<float> dense(x.rows * x.cols);
    for (std::size_t r = 0; r < x.rows; ++r)
      for (std::size_t c = 0; c < x.cols; ++c) dense[r * x.cols + c] = x(r, c);
    return kernels::quantize<Q, G, L>(make_view(static_cast<const float*>(dense.data()), x.rows, x.cols), opt);
  }
  // the reference's errors: a non-finite element first (found below, as the bands are read)
  const auto reject_non_finite = [&] { ::lowbit::detail::check_finite(x); };
  try {
    G::validate(x.rows, x.cols);
  } catch (...) {
    if constexpr (!Q::accepts_non_finite) reject_non_finite();
    throw;
  }
  PackedMatrix<Q, G, L> m(x.rows, x.cols, typename PackedMatrix<Q, G, L>::CodesUnset{});  // every row written below
  if (m.empty()) return m;
  const GroupGrid& grid = m.grid();
  constexpr bool kMinMax = requires { requires std::same_as<typename Q::estimator, MinMax>; };
  // MX fits read only max(|lo|, |hi|) (and whether it is finite)
  constexpr bool kMaxAbsFit = detail::fit_rule<Q>().has_value() && detail::fit_rule<Q>()->ideal == detail::FitRule::kMx;
  constexpr int kBits = PackedMatrix<Q, G, L>::kBits;
  std::vector<float> lo(grid.cols), hi(grid.cols), row_lo(grid.cols), row_hi(grid.cols);
  std::vector<std::uint16_t> stored16(grid.cols);
  std::vector<GroupParams> params(grid.cols);
  std::vector<float> scales(grid.cols), buf;
  std::vector<std::int32_t> zps(grid.cols);
  std::vector<std::uint8_t> codes(m.padded_cols());
  for (std::size_t gr = 0; gr < grid.rows; ++gr) {
    const GroupBounds band = group_bounds(grid, gr, 0, x.rows, x.cols);
    const auto fit_band = [&](auto&& fit) {  // the reference's fit, into scales and zps
      ::lowbit::detail::fit_params(m, gr, fit, params.data());
      for (std::size_t gc = 0; gc < grid.cols; ++gc) {
        scales[gc] = params[gc].scale;
        zps[gc] = params[gc].zero_point;
      }
    };
    if constexpr (kMinMax) {
      if (kMaxAbsFit && band.r1 - band.r0 == 1) {
        detail::max_abs_ranges(&x(band.r0, 0), x.cols, grid.shape.cols, lo.data(), hi.data());
      } else {
        detail::min_max_ranges(x, grid, gr, lo.data(), hi.data(), row_lo.data(), row_hi.data());
      }
      if constexpr (!Q::accepts_non_finite)
        if (!all_finite(lo.data(), grid.cols) || !all_finite(hi.data(), grid.cols)) reject_non_finite();
      if (!detail::fit_scales(m, gr, lo.data(), hi.data(), grid.cols, scales.data(), zps.data(), stored16.data()))
        fit_band([&](std::size_t, std::size_t gc) { return Range{lo[gc], hi[gc]}; });
    } else {
      if constexpr (!Q::accepts_non_finite)
        for (std::size_t r = band.r0; r < band.r1; ++r)
          if (!all_finite(&x(r, 0), x.cols)) reject_non_finite();
      fit_band([&](std::size_t, std::size_t gc) {
        ::lowbit::detail::gather_group(x, grid, gr, gc, buf);
        return Q::fit_range(buf);
      });
    }
    const std::uint8_t zero = Q::encode(0.0f, {scales.back(), zps.back()}, {});  // the padding's code
    const bool nibbles = detail::encodes_nibbles<Q>(x.cols, grid.shape.cols);
    for (std::size_t r = band.r0; r < band.r1; ++r) {
      std::uint8_t* out = m.codes() + r * m.row_bytes();
      std::uint8_t* dst = kBits == 8 || nibbles ? out : codes.data();
      detail::encode_row<Q>(&x(r, 0), x.cols, grid.shape.cols, scales.data(), zps.data(), dst, opt.seed, r * x.cols,
                            r + 1 < x.rows ? &x(r + 1, 0) : nullptr, nibbles);
      if (nibbles) {  // the padding's codes from a byte boundary (cols is even)
        std::fill(codes.begin(), codes.begin() + static_cast<std::ptrdiff_t>(m.padded_cols() - x.cols), zero);
        pack_codes({codes.data(), m.padded_cols() - x.cols}, kBits, {out + x.cols / 2, m.row_bytes() - x.cols / 2});
        continue;
      }
      std::fill(dst + x.cols, dst + m.padded_cols(), zero);
      if constexpr (kBits < 8) detail::pack_stream<kBits>(dst, m.padded_cols(), out);
    }
  }
  return m;
}

/// ref::dequantize through the SIMD kernels: the same checks, the same floats.
template <class Q, class G, class L>
void dequantize(const PackedMatrix<Q, G, L>& m, MatrixView<float> out) {
  LOWBIT_CHECK(out.rows == m.rows() && out.cols == m.cols(), "out: expected a ", m.rows(), " x ", m.cols(),
               " matrix, got ", out.rows, " x ", out.cols);
  LOWBIT_CHECK(out.empty() || out.data != nullptr, "out: null pointer for a non-empty matrix");
  constexpr int kBits = PackedMatrix<Q, G, L>::kBits;
  constexpr std::size_t kCodes = std::size_t{1} << kBits;
  alignas(64) std::array<float, std::max<std::size_t>(kCodes, 16)> table{};  // Lookup16 reads 16 entries
  const GroupGrid& grid = m.grid();
  constexpr int kIntegers = detail::integer_decoding<Q>();
  constexpr bool kScaledTable = detail::scaled_table_decoding<Q>();
  if constexpr (kScaledTable) {
    constexpr auto values = Q::mapping::format::decode_table();
    std::copy(values.begin(), values.end(), table.begin());
  }
  // integer codes: (code - zero point) * scale; minifloats: their bit fields times the scale;
  // scaled 4-bit values: their table times the scale. All in SIMD with no per-group tables.
  if constexpr (kIntegers != 0 || kScaledTable || detail::minifloat_decoding<Q>()) {
    RowSink sink(out, /*kernel_streams=*/true);  // large outputs: the kernels stream in place
    const bool stream = sink.streams();
    std::vector<float> scales(grid.cols);
    std::vector<std::int32_t> zps(grid.cols);
    bool done = true;
    for (std::size_t r = 0; r < m.rows() && done; ++r) {
      if (r == 0 || m.group_row(r) != m.group_row(r - 1))
        detail::group_row_params(m, m.group_row(r), scales.data(), zps.data());
      float* dst = sink.row(r);
      if constexpr (kIntegers != 0)
        detail::decode_integers<kBits, (kIntegers > 0)>(m.row_codes(r), m.row_bytes(), m.cols(), grid.shape.cols,
                                                        scales.data(), zps.data(), dst, stream);
      else if constexpr (kScaledTable)
        detail::decode_codes<kBits>(m.row_codes(r), m.row_bytes(), 0, m.cols(), table.data(), grid.shape.cols,
                                    scales.data(), dst, stream);
      else
        done = detail::decode_minifloats<Q>(m.row_codes(r), m.row_bytes(), m.cols(), grid.shape.cols, scales.data(), dst,
                                            stream);
      if (done) sink.done(r);
    }
    if (done) return;  // else (HWY_SCALAR): the tables below
  }
  RowSink sink(out);
  for (std::size_t r = 0; r < m.rows(); ++r) {
    float* dst = sink.row(r);
    for (std::size_t gc = 0; gc < grid.cols; ++gc) {
      const GroupParams p = m.param_planes().get(m.group_row(r), gc);
      const GroupBounds b = group_bounds(grid, m.group_row(r), gc, m.rows(), m.cols());
      const std::size_t n = b.c1 - b.c0;
      if (n < kCodes) {  // the table would cost more decodes than it saves
        for (std::size_t c = b.c0; c < b.c1; ++c) dst[c] = Q::decode(m.raw_code(r, c), p);
        continue;
      }
      for (std::size_t code = 0; code < kCodes; ++code) table[code] = Q::decode(static_cast<std::uint8_t>(code), p);
      detail::decode_codes<kBits>(m.row_codes(r), m.row_bytes(), b.c0, n, table.data(), n, nullptr, dst + b.c0, false);
    }
    sink.done(r);
  }
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
