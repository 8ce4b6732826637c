// lowbit: NVIDIA NVFP4: E2M1 elements in 16-element blocks, each with a UE4M3 block scale, and one
// f32 tensor scale (torchao's two-level recipe):
//   s_tensor = amax(tensor) / (448 * 6)
//   s_block  = E4M3(clamp((amax(block) / 6) / s_tensor, 2^-6, 448))    (round to nearest even)
//   code     = E2M1(clamp(x / (s_tensor * s_block), -6, 6))            (round to nearest even)
//   value    = E2M1 value * s_block * s_tensor
// The clamp's lower bound is E4M3's smallest normal (torch.finfo(float8_e4m3fn).tiny).
// Codes are stored 2 per byte, the first element of a pair in the low nibble (PyTorch
// float4_e2m1fn_x2). Ragged rows are rejected; an all-zero tensor has s_tensor 0 and decodes
// to 0. The single-level variant (no tensor scale) is NVFP4_1L.
#pragma once

#include <cmath>
#include <vector>

#include "lowbit/core/bitpack.hpp"
#include "lowbit/formats/minifloat.hpp"
#include "lowbit/granularity/blockwise.hpp"
#include "lowbit/quantizers/aliases.hpp"
#include "lowbit/schemes/scheme.hpp"

LOWBIT_BEGIN_NAMESPACE

class NvFp4Matrix {
 public:
  static constexpr std::size_t kBlock = 16;
  static constexpr float kBlockScaleMin = 0.015625f;  // 2^-6

  NvFp4Matrix() = default;
  NvFp4Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols) {
    LOWBIT_CHECK(cols % kBlock == 0, "cols: ", cols, " is not a multiple of NVFP4's block size 16");
    codes_.assign(rows * cols / 2, 0);
    block_scales_.assign(rows * cols / kBlock, 0);
  }

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  float tensor_scale() const noexcept { return tensor_scale_; }
  std::uint8_t block_scale_code(std::size_t r, std::size_t b) const noexcept { return block_scales_[r * (cols_ / kBlock) + b]; }
  std::uint8_t code(std::size_t r, std::size_t c) const noexcept {
    const std::size_t i = r * cols_ + c;
    return static_cast<std::uint8_t>((codes_[i / 2] >> (4 * (i % 2))) & 0xF);
  }
  std::size_t bytes() const noexcept { return codes_.size() + block_scales_.size() + sizeof(float); }
  double bits_per_weight() const noexcept {
    return rows_ * cols_ == 0 ? 0.0 : 8.0 * static_cast<double>(bytes()) / static_cast<double>(rows_ * cols_);
  }

  static NvFp4Matrix quantize(MatrixView<const float> x) {
    detail::check_finite(x);
    NvFp4Matrix m(x.rows, x.cols);
    float amax = 0.0f;
    for (std::size_t r = 0; r < x.rows; ++r)
      for (std::size_t c = 0; c < x.cols; ++c) amax = std::max(amax, std::fabs(x(r, c)));
    m.tensor_scale_ = amax / (448.0f * 6.0f);
    if (m.tensor_scale_ == 0.0f) return m;  // codes 0 decode to 0
    const std::size_t nb = x.cols / kBlock;
    for (std::size_t r = 0; r < x.rows; ++r)
      for (std::size_t b = 0; b < nb; ++b) {
        float bmax = 0.0f;
        for (std::size_t j = 0; j < kBlock; ++j) bmax = std::max(bmax, std::fabs(x(r, b * kBlock + j)));
        const float s = std::clamp((bmax / 6.0f) / m.tensor_scale_, kBlockScaleMin, UE4M3::max_value);
        const std::uint8_t sc = UE4M3::encode(s);
        m.block_scales_[r * nb + b] = sc;
        const float total = m.tensor_scale_ * UE4M3::decode(sc);
        for (std::size_t j = 0; j < kBlock; ++j) {
          const float v = std::clamp(x(r, b * kBlock + j) / total, -6.0f, 6.0f);
          const std::size_t i = r * x.cols + b * kBlock + j;
          m.codes_[i / 2] = static_cast<std::uint8_t>(m.codes_[i / 2] | (E2M1::encode(v) << (4 * (i % 2))));
        }
      }
    return m;
  }

  void dequantize(MatrixView<float> out) const {
    LOWBIT_CHECK(out.rows == rows_ && out.cols == cols_, "out: expected a ", rows_, " x ", cols_, " matrix, got ",
                 out.rows, " x ", out.cols);
    for (std::size_t r = 0; r < rows_; ++r)
      for (std::size_t c = 0; c < cols_; ++c)
        out(r, c) = E2M1::decode(code(r, c)) * UE4M3::decode(block_scale_code(r, c / kBlock)) * tensor_scale_;
  }

 private:
  std::size_t rows_ = 0, cols_ = 0;
  float tensor_scale_ = 0.0f;
  std::vector<std::uint8_t> codes_, block_scales_;
};

/// Two-level NVFP4 (the format's intended use).
struct NVFP4 {
  using matrix = NvFp4Matrix;
  static std::string name() { return "nvfp4"; }
  static matrix quantize(MatrixView<const float> x, const QuantizeOptions& = {}) { return matrix::quantize(x); }
};

/// Single-level NVFP4: s_block = E4M3(clamp(amax / 6, 2^-9, 448)), no tensor scale; ragged rows
/// are zero-padded.
using NVFP4_1L = Scheme<ScaledQ<E2M1, MinMax, UE4M3Scale>, Blockwise<16, Tail::kPad>>;

LOWBIT_END_NAMESPACE
