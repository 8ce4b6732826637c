// lowbit: bitsandbytes NF4 (QLoRA): NF4 codes in blocks of 64 with an f32 absmax per block, the
// absmax values double-quantized (compress_statistics=True): offset = mean(absmax), then
// (absmax - offset) in blocks of 256 with bitsandbytes' signed dynamic 8-bit map and an f32
// absmax per 256. Codes are chosen with the exact absmax (as bitsandbytes does), values decode
// with the double-quantized one. Rows must be a multiple of 64 long; blocks run along rows.
// The dynamic map is computed in double and rounded to f32 (bitsandbytes builds it in f32
// torch ops, so single entries may differ by an ulp).
#pragma once

#include <array>
#include <cmath>
#include <vector>

#include "lowbit/granularity/blockwise.hpp"
#include "lowbit/quantizers/aliases.hpp"
#include "lowbit/schemes/scheme.hpp"

LOWBIT_BEGIN_NAMESPACE

/// bitsandbytes create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for
/// i = 0..6, the 2^i midpoints of linspace(0.1, 1, 2^i + 1) times +-10^(i-6); plus 0 and 1.
inline const std::array<float, 256>& dynamic_map8() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    std::size_t n = 0;
    for (int i = 0; i < 7; ++i) {
      const int items = (1 << i) + 1;
      const double scale = std::pow(10.0, i - 6);
      for (int k = 0; k + 1 < items; ++k) {
        const double a = 0.1 + 0.9 * k / (items - 1), b = 0.1 + 0.9 * (k + 1) / (items - 1);
        t[n++] = static_cast<float>(scale * (a + b) / 2);
        t[n++] = static_cast<float>(-scale * (a + b) / 2);
      }
    }
    t[n++] = 0.0f;
    t[n++] = 1.0f;
    std::sort(t.begin(), t.end());
    return t;
  }();
  return table;
}

/// Nearest entry of the dynamic map; a value on a midpoint goes to the lower entry (bucketize).
inline std::uint8_t encode_dynamic8(float v) noexcept {
  const auto& t = dynamic_map8();
  std::size_t i = 0;
  for (std::size_t k = 0; k + 1 < t.size(); ++k) i += (t[k] + t[k + 1]) / 2.0f < v;
  return static_cast<std::uint8_t>(i);
}

class BnbNf4Matrix {
 public:
  using codes_type = PackedMatrix<Nf4, Blockwise<64, Tail::kReject>>;
  static constexpr std::size_t kBlock = 64, kBlock2 = 256;

  std::size_t rows() const noexcept { return codes_.rows(); }
  std::size_t cols() const noexcept { return codes_.cols(); }
  const codes_type& codes() const noexcept { return codes_; }
  float offset() const noexcept { return offset_; }
  std::size_t bytes() const noexcept {
    return codes_.rows() * codes_.row_bytes() + qabsmax_.size() + 4 * absmax2_.size() + 4;
  }
  double bits_per_weight() const noexcept {
    const double n = static_cast<double>(rows() * cols());
    return n == 0 ? 0.0 : 8.0 * static_cast<double>(bytes()) / n;
  }
  /// The double-quantized absmax of block i (row-major over blocks).
  float block_absmax(std::size_t i) const noexcept {
    return dynamic_map8()[qabsmax_[i]] * absmax2_[i / kBlock2] + offset_;
  }

  static BnbNf4Matrix quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) {
    BnbNf4Matrix m;
    m.codes_ = ref::quantize<Nf4, Blockwise<64, Tail::kReject>>(x, opt);
    const auto& scales = m.codes_.param_planes().scales();
    const std::size_t n = scales.size();
    double sum = 0.0;
    for (float s : scales) sum += s;
    m.offset_ = n ? static_cast<float>(sum / static_cast<double>(n)) : 0.0f;
    m.qabsmax_.resize(n);
    m.absmax2_.resize(div_ceil(n, kBlock2));
    for (std::size_t b = 0; b < m.absmax2_.size(); ++b) {
      const std::size_t lo = b * kBlock2, hi = std::min(n, lo + kBlock2);
      float a2 = 0.0f;
      for (std::size_t i = lo; i < hi; ++i) a2 = std::max(a2, std::fabs(scales[i] - m.offset_));
      m.absmax2_[b] = a2;
      for (std::size_t i = lo; i < hi; ++i)
        m.qabsmax_[i] = encode_dynamic8(a2 > 0.0f ? (scales[i] - m.offset_) / a2 : 0.0f);
    }
    return m;
  }

  void dequantize(MatrixView<float> out) const {
    LOWBIT_CHECK(out.rows == rows() && out.cols == cols(), "out: expected a ", rows(), " x ", cols(),
                 " matrix, got ", out.rows, " x ", out.cols);
    const std::size_t nb = cols() / kBlock;
    for (std::size_t r = 0; r < rows(); ++r)
      for (std::size_t c = 0; c < cols(); ++c)
        out(r, c) = NF4::decode(codes_.raw_code(r, c)) * block_absmax(r * nb + c / kBlock);
  }

 private:
  codes_type codes_;
  float offset_ = 0.0f;
  std::vector<std::uint8_t> qabsmax_;
  std::vector<float> absmax2_;
};

/// bitsandbytes NF4 with double quantization.
struct BnbNF4 {
  using matrix = BnbNf4Matrix;
  static std::string name() { return "bnb-nf4-dq"; }
  static matrix quantize(MatrixView<const float> x, const QuantizeOptions& opt = {}) { return matrix::quantize(x, opt); }
};

LOWBIT_END_NAMESPACE
