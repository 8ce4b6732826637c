// lowbit: learned codebooks: 1-D k-means (Lloyd) weight clustering into 2^B centroids per tensor
// or per row (Deep Compression's weight sharing), deterministic for a given seed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lowbit/core/bitpack.hpp"
#include "lowbit/core/error.hpp"
#include "lowbit/core/rounding.hpp"
#include "lowbit/core/shape.hpp"
#include "lowbit/quantizers/quantizer.hpp"

LOWBIT_BEGIN_NAMESPACE

/// k-means in one dimension: k-means++ seeding from a counter-based generator (seed), then Lloyd
/// iterations until no assignment changes (at most kMaxIter). Centroids come back sorted; an
/// empty cluster keeps its centroid. Fewer distinct values than k leave duplicate centroids.
inline std::vector<float> kmeans_1d(const std::vector<float>& x, std::size_t k, std::uint64_t seed) {
  constexpr int kMaxIter = 100;
  std::vector<float> c;
  if (x.empty()) return std::vector<float>(k, 0.0f);
  std::uint64_t draw = 0;
  const auto uniform = [&] { return detail::uniform01({seed, draw++}); };
  c.push_back(x[std::min(x.size() - 1, static_cast<std::size_t>(uniform() * static_cast<float>(x.size())))]);
  std::vector<double> d2(x.size());
  while (c.size() < k) {  // k-means++: the next centroid with probability ~ squared distance
    double total = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      double best = INFINITY;
      for (float ci : c) best = std::min(best, (static_cast<double>(x[i]) - ci) * (static_cast<double>(x[i]) - ci));
      d2[i] = best;
      total += best;
    }
    if (total == 0.0) {
      c.push_back(c.back());
      continue;
    }
    double r = static_cast<double>(uniform()) * total;
    std::size_t pick = x.size() - 1;
    for (std::size_t i = 0; i < x.size(); ++i)
      if ((r -= d2[i]) < 0.0) {
        pick = i;
        break;
      }
    c.push_back(x[pick]);
  }
  std::sort(c.begin(), c.end());
  std::vector<std::uint8_t> assign(x.size(), 0xFF);
  for (int it = 0; it < kMaxIter; ++it) {
    bool changed = false;
    std::vector<double> sum(k, 0.0);
    std::vector<std::size_t> count(k, 0);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto a = static_cast<std::uint8_t>(
          std::min_element(c.begin(), c.end(), [&](float p, float q) { return std::fabs(x[i] - p) < std::fabs(x[i] - q); }) -
          c.begin());
      changed = changed || a != assign[i];
      assign[i] = a;
      sum[a] += x[i];
      ++count[a];
    }
    if (!changed) break;
    for (std::size_t j = 0; j < k; ++j)
      if (count[j]) c[j] = static_cast<float>(sum[j] / static_cast<double>(count[j]));
    std::sort(c.begin(), c.end());
  }
  return c;
}

/// A matrix of B-bit indices into learned f32 codebooks (one per tensor, or one per row).
template <int kBits>
class CodebookMatrix {
 public:
  static constexpr std::size_t kEntries = std::size_t{1} << kBits;

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  bool per_row() const noexcept { return per_row_; }
  std::size_t row_bytes() const noexcept { return packed_bytes(cols_, kBits); }
  std::size_t bytes() const noexcept { return rows_ * row_bytes() + tables_.size() * sizeof(float); }
  double bits_per_weight() const noexcept {
    return rows_ * cols_ == 0 ? 0.0 : 8.0 * static_cast<double>(bytes()) / static_cast<double>(rows_ * cols_);
  }
  const float* table(std::size_t r) const noexcept { return tables_.data() + (per_row_ ? r * kEntries : 0); }
  std::uint8_t code(std::size_t r, std::size_t c) const noexcept { return get_code(codes_.data() + r * row_bytes(), kBits, c); }

  /// Errors: argument_error for a non-finite element.
  static CodebookMatrix quantize(MatrixView<const float> x, bool per_row, std::uint64_t seed) {
    CodebookMatrix m;
    m.rows_ = x.rows;
    m.cols_ = x.cols;
    m.per_row_ = per_row;
    m.codes_.assign(x.rows * m.row_bytes(), 0);
    const std::size_t groups = per_row ? x.rows : 1;
    std::vector<float> v;
    for (std::size_t g = 0; g < groups; ++g) {
      v.clear();
      for (std::size_t r = per_row ? g : 0; r < (per_row ? g + 1 : x.rows); ++r)
        for (std::size_t c = 0; c < x.cols; ++c) {
          LOWBIT_CHECK(std::isfinite(x(r, c)), "input: element (", r, ", ", c, ") is ", x(r, c),
                       "; quantize expects finite values");
          v.push_back(x(r, c));
        }
      const std::vector<float> t = kmeans_1d(v, kEntries, seed + g);
      m.tables_.insert(m.tables_.end(), t.begin(), t.end());
    }
    for (std::size_t r = 0; r < x.rows; ++r) {
      const float* t = m.table(r);
      for (std::size_t c = 0; c < x.cols; ++c) {
        std::size_t best = 0;
        for (std::size_t j = 1; j < kEntries; ++j)
          if (std::fabs(x(r, c) - t[j]) < std::fabs(x(r, c) - t[best])) best = j;
        set_code(m.codes_.data() + r * m.row_bytes(), kBits, c, static_cast<std::uint8_t>(best));
      }
    }
    return m;
  }

  void dequantize(MatrixView<float> out) const {
    LOWBIT_CHECK(out.rows == rows_ && out.cols == cols_, "out: expected a ", rows_, " x ", cols_, " matrix, got ",
                 out.rows, " x ", out.cols);
    for (std::size_t r = 0; r < rows_; ++r)
      for (std::size_t c = 0; c < cols_; ++c) out(r, c) = table(r)[code(r, c)];
  }

 private:
  std::size_t rows_ = 0, cols_ = 0;
  bool per_row_ = false;
  std::vector<std::uint8_t> codes_;
  std::vector<float> tables_;
};

/// k-means codebook quantization as a named scheme; the seed comes from QuantizeOptions.
template <int kBits, bool kPerRow>
struct KMeans {
  using matrix = CodebookMatrix<kBits>;
  static std::string name() { return "kmeans" + std::to_string(kBits) + (kPerRow ? " per-row" : " per-tensor"); }
  static matrix quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
    return matrix::quantize(x, kPerRow, opt.seed);
  }
};

LOWBIT_END_NAMESPACE
