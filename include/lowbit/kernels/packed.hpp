// lowbit: PackedMatrix compositions through the SIMD kernels. dequantize decodes every
// quantizer x granularity the same way: per group, a table of Q::decode over all 2^bits codes
// (so the values are the reference's by construction), then the codes unpacked and looked up
// in SIMD (kernels/packed-inl.h). Groups with fewer elements than codes decode directly.
#pragma once

#include <algorithm>
#include <array>
#include <vector>

#include "lowbit/kernels/dispatch.hpp"
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
