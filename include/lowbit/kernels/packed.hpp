// lowbit: PackedMatrix compositions through the SIMD kernels.
// quantize: the reference's two steps, each in SIMD. Parameters: a MinMax group's range by SIMD
// min/max (other estimators take the reference's fit); then every row's codes: integer mappings by their float
// arithmetic, value formats by the runs of their own encoder (kernels/code_runs.hpp), and the
// codes packed to the row's bit stream (kernels/encode-inl.h). Stochastic rounding, custom
// mappings and NaN-scale groups (OCP MX with non-finite input) encode element by element.
// dequantize decodes every quantizer x granularity the same way: per group, a table of
// Q::decode over all 2^bits codes (so the values are the reference's by construction), then the
// codes unpacked and looked up in SIMD (kernels/packed-inl.h). Groups with fewer elements than
// codes decode directly.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <vector>

#include "lowbit/kernels/code_runs.hpp"
#include "lowbit/kernels/dispatch.hpp"
#include "lowbit/kernels/scan.hpp"
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

LOWBIT_EXPORT(MinMaxOf);
LOWBIT_EXPORT(EncodeIntegersEven);
LOWBIT_EXPORT(EncodeIntegersAway);
LOWBIT_EXPORT(EncodeIntegersZero);
LOWBIT_EXPORT(EncodeRuns);
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

/// MinMax::fit of group b of x (rows contiguous), bit for bit: SIMD min/max, and a zero extreme
/// takes the sign of the group's first zero, as MinMax keeps the first of equal values.
inline Range min_max(MatrixView<const float> x, const GroupBounds& b) noexcept {
  Range range{x(b.r0, b.c0), x(b.r0, b.c0)};
  float lo_hi[2];
  for (std::size_t r = b.r0; r < b.r1; ++r) {
    LOWBIT_DISPATCH(MinMaxOf)(&x(r, b.c0), b.c1 - b.c0, lo_hi);
    if (lo_hi[0] != lo_hi[0]) return Range{lo_hi[0], lo_hi[1]};  // NaN: MinMax's {NaN, NaN}
    range = {std::min(range.lo, lo_hi[0]), std::max(range.hi, lo_hi[1])};
  }
  if (range.lo == 0.0f || range.hi == 0.0f) {
    const float zero = [&] {
      for (std::size_t r = b.r0; r < b.r1; ++r)
        for (std::size_t c = b.c0; c < b.c1; ++c)
          if (x(r, c) == 0.0f) return x(r, c);
      return 0.0f;
    }();
    if (range.lo == 0.0f) range.lo = zero;
    if (range.hi == 0.0f) range.hi = zero;
  }
  return range;
}

/// Whether Q's codes can come from the SIMD encoders (else: Q::encode per element).
template <class Q>
inline constexpr bool simd_encodable = !std::same_as<typename Q::rounding, Stochastic> &&
                                       (is_integer_mapping<typename Q::mapping> ||
                                        is_scaled_mapping<typename Q::mapping>);

/// codes[i] = Q::encode(x[i], p, {seed, index0 + i}) for i < n.
template <class Q>
void encode_codes(const float* x, std::size_t n, GroupParams p, std::uint8_t* codes, std::uint64_t seed,
                  std::size_t index0) {
  using M = typename Q::mapping;
  if constexpr (simd_encodable<Q>) {
    using R = typename Q::rounding;
    if (p.scale == p.scale) {  // a NaN scale (MX, non-finite input) encodes x / NaN by Q's NaN rule
      if constexpr (is_integer_mapping<M>) {
        const int qmin = M::qmin, qmax = M::qmax;
        const std::uint32_t mask = low_mask(Q::bits);
        if constexpr (std::same_as<R, NearestEven>)
          LOWBIT_DISPATCH(EncodeIntegersEven)(x, n, p.scale, p.zero_point, qmin, qmax, mask, codes);
        else if constexpr (std::same_as<R, NearestAway>)
          LOWBIT_DISPATCH(EncodeIntegersAway)(x, n, p.scale, p.zero_point, qmin, qmax, mask, codes);
        else
          LOWBIT_DISPATCH(EncodeIntegersZero)(x, n, p.scale, p.zero_point, qmin, qmax, mask, codes);
      } else {
        const CodeRuns& t = code_runs<Q, R>();
        LOWBIT_DISPATCH(EncodeRuns)(x, n, p.scale, t.bounds.data(), t.codes.data(), t.code_bytes.data(),
                                    t.bounds.size(), codes);
      }
      return;
    }
  }
  for (std::size_t i = 0; i < n; ++i) codes[i] = Q::encode(x[i], p, {seed, index0 + i});
}

template <int kBits>
void decode_codes(const std::uint8_t* row, std::size_t row_bytes, std::size_t c0, std::size_t n, const float* table,
                  float* out) {
  if constexpr (kBits == 1) LOWBIT_DISPATCH(DecodeCodes1)(row, row_bytes, c0, n, table, out);
  else if constexpr (kBits == 2) LOWBIT_DISPATCH(DecodeCodes2)(row, row_bytes, c0, n, table, out);
  else if constexpr (kBits == 3) LOWBIT_DISPATCH(DecodeCodes3)(row, row_bytes, c0, n, table, out);
  else if constexpr (kBits == 4) LOWBIT_DISPATCH(DecodeCodes4)(row, row_bytes, c0, n, table, out);
  else if constexpr (kBits == 5) LOWBIT_DISPATCH(DecodeCodes5)(row, row_bytes, c0, n, table, out);
  else if constexpr (kBits == 6) LOWBIT_DISPATCH(DecodeCodes6)(row, row_bytes, c0, n, table, out);
  else if constexpr (kBits == 7) LOWBIT_DISPATCH(DecodeCodes7)(row, row_bytes, c0, n, table, out);
  else LOWBIT_DISPATCH(DecodeCodes8)(row, row_bytes, c0, n, table, out);
}
}  // namespace detail

/// ref::quantize through the SIMD kernels: the same checks and errors, the same bytes.
template <QuantizerPolicy Q, GranularityPolicy G, class L = SoaPlanes>
PackedMatrix<Q, G, L> quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
  const bool rows_contiguous = x.col_stride == 1 && !x.empty();
  if constexpr (!Q::accepts_non_finite) {
    bool finite = true;
    for (std::size_t r = 0; r < x.rows && finite && rows_contiguous; ++r) finite = all_finite(&x(r, 0), x.cols);
    if (!finite || !rows_contiguous) ::lowbit::detail::check_finite(x);  // the reference's message
  }
  G::validate(x.rows, x.cols);
  PackedMatrix<Q, G, L> m(x.rows, x.cols);
  if (m.empty()) return m;
  const GroupGrid& grid = m.grid();
  std::vector<float> buf;
  ::lowbit::detail::fit_params(m, [&](std::size_t gr, std::size_t gc) {
    if constexpr (requires { requires std::same_as<typename Q::estimator, MinMax>; }) {
      if (rows_contiguous) return detail::min_max(x, group_bounds(grid, gr, gc, x.rows, x.cols));
    }
    ::lowbit::detail::gather_group(x, grid, gr, gc, buf);
    return Q::fit_range(buf);
  });
  constexpr int kBits = PackedMatrix<Q, G, L>::kBits;
  std::vector<std::uint8_t> codes(kBits == 8 ? 0 : m.padded_cols());
  std::vector<float> row_buf(rows_contiguous ? 0 : x.cols);
  for (std::size_t r = 0; r < x.rows; ++r) {
    const float* row = rows_contiguous ? &x(r, 0) : row_buf.data();
    if (!rows_contiguous)
      for (std::size_t c = 0; c < x.cols; ++c) row_buf[c] = x(r, c);
    std::uint8_t* out = m.codes() + r * m.row_bytes();
    std::uint8_t* dst = kBits == 8 ? out : codes.data();
    GroupParams p{};
    for (std::size_t gc = 0; gc < grid.cols; ++gc) {
      p = m.param_planes().get(m.group_row(r), gc);
      const GroupBounds b = group_bounds(grid, m.group_row(r), gc, x.rows, x.cols);
      detail::encode_codes<Q>(row + b.c0, b.c1 - b.c0, p, dst + b.c0, opt.seed, r * x.cols + b.c0);
    }
    std::fill(dst + x.cols, dst + m.padded_cols(), Q::encode(0.0f, p, {}));  // the last group's code of 0
    if constexpr (kBits < 8) detail::pack_stream<kBits>(dst, m.padded_cols(), out);
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
  std::vector<float> buf(out.col_stride == 1 ? 0 : m.cols());
  const GroupGrid& grid = m.grid();
  for (std::size_t r = 0; r < m.rows(); ++r) {
    float* dst = out.col_stride == 1 ? &out(r, 0) : buf.data();
    for (std::size_t gc = 0; gc < grid.cols; ++gc) {
      const GroupParams p = m.param_planes().get(m.group_row(r), gc);
      const GroupBounds b = group_bounds(grid, m.group_row(r), gc, m.rows(), m.cols());
      const std::size_t n = b.c1 - b.c0;
      if (n < kCodes) {  // the table would cost more decodes than it saves
        for (std::size_t c = b.c0; c < b.c1; ++c) dst[c] = Q::decode(m.raw_code(r, c), p);
        continue;
      }
      for (std::size_t code = 0; code < kCodes; ++code) table[code] = Q::decode(static_cast<std::uint8_t>(code), p);
      detail::decode_codes<kBits>(m.row_codes(r), m.row_bytes(), b.c0, n, table.data(), dst + b.c0);
    }
    if (out.col_stride != 1)
      for (std::size_t c = 0; c < m.cols(); ++c) out(r, c) = buf[c];
  }
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
