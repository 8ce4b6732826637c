// lowbit: GEMM and GEMV for every PackedMatrix composition. PackedPanels<Q, G> repacks a
// PackedMatrix (n x k, one row per output channel) into 64-column panels of 2-, 4- or 8-bit codes
// (kernels/panels.hpp) with its scales and zero points per (k group, column), losslessly. Two
// products, both Y (m x n) = X (m x k) * W^T, threaded over 64-column groups (results do not
// depend on the executor):
//  - gemm_f32 (weight-only, every quantizer): X stays f32; W is decoded to exactly
//    ref::dequantize's values, 64 x 64 at a time in L1, and multiplied by FMA tiles; on AMX
//    (kernels/gemm_panels_amx.hpp) integer-valued weights meet X split into three bf16 parts;
//  - gemm_a8 (integer path; quantizers whose values are integers times a power of two at
//    scale 1: Int/UInt symmetric and affine at 2..8 bits, ternary, binary, power-of-two up to 4
//    bits, FP4 E2M1, FP6 E2M3, ...): X is quantized per 32-block by Q8_0's rule and each block's
//    product is an exact int32 (vpdpbusd) scaled into f32 by the weight scale and the block's.
// Requirements: the granularity's groups along k are whole rows, 16 columns (NVFP4's blocks: two
// scales per 32-deep block) or multiples of 32 columns (PerTensor, PerRow, Blockwise<16 or 32 n>,
// SuperBlock<., 16 or 32 n>); PerCol and other widths are rejected with argument_error. Ragged k
// is padded with zeros on both sides.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bits.hpp"
#include "lowbit/kernels/dispatch.hpp"
#include "lowbit/kernels/executor.hpp"
#include "lowbit/kernels/gemm_panels_amx.hpp"
#include "lowbit/kernels/gguf.hpp"
#include "lowbit/kernels/panels.hpp"
#include "lowbit/schemes/nvfp4.hpp"
#include "lowbit/tensor/packed_matrix.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
LOWBIT_EXPORT(GemmPanelsA8Group);
LOWBIT_EXPORT(GemmPanelsF32Group);

/// Values of a format at scale 1 as integers: v = (U - z0) * unit with U in 0..255.
struct IntegerGrid {
  bool ok = false;
  float unit = 0.0f;
  float z0 = 0.0f;
};
template <class F>
constexpr IntegerGrid integer_grid() {
  constexpr auto t = F::decode_table();
  for (int e = 8; e >= -24; --e) {  // the largest power of two that divides every value
    const double unit = e >= 0 ? static_cast<double>(1u << e) : 1.0 / static_cast<double>(1u << -e);
    bool whole = true;
    double lo = 0, hi = 0;
    for (const float v : t) {
      if (!(v >= -3.4e38f && v <= 3.4e38f)) return {};  // NaN or Inf codes
      const double q = static_cast<double>(v) / unit;
      whole = whole && q == static_cast<double>(static_cast<long long>(q));
      lo = std::min(lo, q);
      hi = std::max(hi, q);
    }
    if (whole) return {hi - lo <= 255, static_cast<float>(unit), static_cast<float>(-lo)};
  }
  return {};
}

/// Activations quantized per 32-block by Q8_0's rule (rows zero-padded to whole blocks).
struct A8Activations {
  std::vector<std::int8_t> q;
  std::vector<float> d, sum, sum_lo;
  std::size_t k = 0, nb = 0;
  A8Activations(const float* x, std::size_t m, std::size_t ldx, std::size_t cols, std::size_t blocks)
      : q(m * blocks * kPanelDepth), d(m * blocks), sum(m * blocks), sum_lo(m * blocks), k(blocks * kPanelDepth),
        nb(blocks) {
    std::vector<gguf::Q8_0> qb(nb);
    std::vector<float> row(cols == k ? 0 : k, 0.0f);
    for (std::size_t i = 0; i < m; ++i) {
      const float* xi = x + i * ldx;
      if (cols != k) xi = static_cast<const float*>(std::memcpy(row.data(), xi, cols * sizeof(float)));
      quantize_row(xi, qb.data(), nb);
      for (std::size_t b = 0; b < nb; ++b) {
        std::int32_t s = 0, lo = 0;
        for (std::size_t t = 0; t < kPanelDepth; ++t) {
          s += q[i * k + b * kPanelDepth + t] = qb[b].qs[t];
          if (t + 1 == kPanelDepth / 2) lo = s;
        }
        d[i * nb + b] = gguf::from_f16(qb[b].d);
        sum[i * nb + b] = static_cast<float>(s);
        sum_lo[i * nb + b] = static_cast<float>(lo);
      }
    }
  }
  Q8Blocks view() const noexcept { return {q.data(), k, d.data(), sum.data(), nb, sum_lo.data()}; }
  /// Bytes of one row: its codes, and per block d, sum and sum_lo.
  std::size_t row_bytes() const noexcept { return k + 3 * sizeof(float) * nb; }
};

/// The shared argument checks of the panel GEMMs (dense defaults for ldx = 0, ldy = 0); false
/// when there is nothing to multiply (Y is then done).
inline bool check_panel_gemm(const float* x, std::size_t m, std::size_t& ldx, std::size_t n, std::size_t k, float* y,
                             std::size_t& ldy) {
  if (ldx == 0) ldx = k;
  if (ldy == 0) ldy = n;
  LOWBIT_CHECK(ldx >= k && ldy >= n, "ldx, ldy: ", ldx, ", ", ldy, " are smaller than k = ", k, ", n = ", n);
  LOWBIT_CHECK(m == 0 || n == 0 || (y != nullptr && (k == 0 || x != nullptr)), "x, y: null pointer");
  if (n != 0) check_finite("x", x, m, k, ldx);
  if (k == 0)
    for (std::size_t i = 0; i < m; ++i) std::fill(y + i * ldy, y + i * ldy + n, 0.0f);
  return m != 0 && n != 0 && k != 0;
}

/// Multiplies a group's m x cols outputs by the weights' tensor scale ts (unless 1), while they
/// are in cache.
inline void scale_outputs(float ts, float* y, std::size_t ldy, std::size_t m, std::size_t cols) noexcept {
  if (ts != 1.0f)
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < cols; ++j) y[i * ldy + j] *= ts;
}

/// f(i0, rows) over passes of rows of X: each pass's activations (row_bytes a row) stay in L2
/// while every column group streams by, where one pass over all rows would re-read X from L3 or
/// DRAM once per group (512 x 4096 f32 is 8 MiB). 1 MiB: all of Zen 4's L2, half of current
/// Intel server cores'. Passes are whole multiples of `tiles` rows (the kernels' row tiles).
inline constexpr std::size_t kL2Budget = std::size_t{1} << 20;
template <class F>
void for_row_passes(std::size_t m, std::size_t row_bytes, std::size_t tiles, F&& f, std::size_t budget = kL2Budget) {
  const std::size_t rows = std::max(tiles, budget / std::max<std::size_t>(row_bytes, 1) / tiles * tiles);
  for (std::size_t i0 = 0; i0 < m; i0 += rows) f(i0, std::min(rows, m - i0));
}

/// Whether the integer path runs on AMX tiles (kernels/gemm_panels_amx.hpp) for m rows of w.
template <class Panels>
bool panels_a8_amx(const Panels& w, std::size_t m) noexcept {
  return LOWBIT_HAVE_AMX && m >= kAmxRows && w.groups() != 0 && amx_active() && amx_avx512_supported() &&
         amx_panels_fit(w.group(0));
}

/// Whether the weight-only path runs on AMX tiles for m rows of w: integer-valued weights that
/// fit s8 (exact in bf16), as the integer path's.
template <class Panels>
bool panels_f32_amx(const Panels& w, std::size_t m) noexcept {
  return panels_a8_amx(w, m) && w.group(0).unit != 0.0f && amx_bf16_supported();
}

/// Y = X * W^T through the integer path; group(g) gives panel group g's descriptor.
template <class Panels>
void run_panels_a8(const float* x, std::size_t m, std::size_t ldx, const Panels& w, float* y, std::size_t ldy,
                   const Executor& ex) {
  if (!check_panel_gemm(x, m, ldx, w.n(), w.k(), y, ldy)) return;
  const A8Activations a(x, m, ldx, w.k(), w.blocks());
  const Q8Blocks av = a.view();
  const auto fn = LOWBIT_DISPATCH(GemmPanelsA8Group);
  const std::size_t per_task = m == 1 ? 8 : 1;  // GEMV: each thread streams long contiguous runs
  const bool amx = panels_a8_amx(w, m);
  for_row_passes(m, a.row_bytes(), 16, [&](std::size_t i0, std::size_t rows) {  // 4-row tiles, AMX's 16
    std::optional<AmxActivations> tiles;
    if (amx) tiles.emplace(av.from_row(i0), rows, w.blocks(), w.group(0).unit, ex);
    ex.parallel_for(div_ceil(w.groups(), per_task), [&](std::size_t t) {
      for (std::size_t g = t * per_task; g < std::min(w.groups(), (t + 1) * per_task); ++g) {
        const std::size_t cols = std::min(kPanelCols, w.n() - g * kPanelCols);
        float* yg = y + i0 * ldy + g * kPanelCols;
#if LOWBIT_HAVE_AMX
        if (tiles) gemm_panels_amx<false>(w.group(g), *tiles, rows, w.blocks(), yg, ldy, cols);
        else
#endif
          fn(w.group(g), av.from_row(i0), rows, w.blocks(), yg, ldy, cols);
        scale_outputs(w.tensor_scale(), yg, ldy, rows, cols);
      }
    });
  });
}

/// Y = X * W^T through the weight-only path.
template <class Panels>
void run_panels_f32(const float* x, std::size_t m, std::size_t ldx, const Panels& w, float* y, std::size_t ldy,
                    const Executor& ex) {
  if (!check_panel_gemm(x, m, ldx, w.n(), w.k(), y, ldy)) return;
  const std::size_t kp = w.blocks() * kPanelDepth;
  std::vector<float> padded;  // ragged k: X with zero columns up to whole blocks
  if (kp != w.k()) {
    padded.assign(m * kp, 0.0f);
    for (std::size_t i = 0; i < m; ++i) std::copy(x + i * ldx, x + i * ldx + w.k(), padded.data() + i * kp);
    x = padded.data();
    ldx = kp;
  }
  const auto fn = LOWBIT_DISPATCH(GemmPanelsF32Group);
  const bool amx = panels_f32_amx(w, m);
  // 4- and 6-row FMA tiles, or AMX's 16 rows of three bf16 an activation. AMX CPUs have 2 MiB of L2
  // a core: each pass's weights are unpacked once more, so its tiles take 1.5 MiB (m = 512,
  // n = k = 4096: 92 ms, 107 ms with 1 MiB).
  const std::size_t row_bytes = amx ? 3 * 2 * kp : kp * sizeof(float);
  for_row_passes(m, row_bytes, amx ? 16 : 12, [&](std::size_t i0, std::size_t rows) {
    std::optional<AmxActivations> tiles;
#if LOWBIT_HAVE_AMX
    if (amx) tiles.emplace(x + i0 * ldx, ldx, rows, w.blocks(), ex);
#endif
    ex.parallel_for(w.groups(), [&](std::size_t g) {
      const std::size_t cols = std::min(kPanelCols, w.n() - g * kPanelCols);
      float* yg = y + i0 * ldy + g * kPanelCols;
#if LOWBIT_HAVE_AMX
      if (tiles) gemm_panels_amx<true>(w.group(g), *tiles, rows, w.blocks(), yg, ldy, cols);
      else
#endif
        fn(w.group(g), x + i0 * ldx, ldx, rows, w.blocks(), yg, ldy, cols);
      scale_outputs(w.tensor_scale(), yg, ldy, rows, cols);
    });
  }, amx ? kL2Budget * 3 / 2 : kL2Budget);
}
}  // namespace detail

/// A PackedMatrix's weights in 64-column panels (a value type: keep it, store it, reuse it).
template <QuantizerPolicy Q, GranularityPolicy G>
class PackedPanels {
  using F = typename Q::format;
  static constexpr detail::IntegerGrid kGrid = detail::integer_grid<F>();

 public:
  /// Code bits in the panels.
  static constexpr int kWidth = Q::bits <= 2 ? 2 : Q::bits <= 4 ? 4 : 8;
  /// Whether gemm_a8 (the integer path) takes these weights.
  static constexpr bool kInteger = kGrid.ok;

  PackedPanels() = default;
  /// Repacks w (lossless). Errors (argument_error): groups along k that are neither whole rows,
  /// nor 16 columns, nor multiples of 32 columns.
  explicit PackedPanels(const PackedMatrix<Q, G>& w) : n_(w.rows()), k_(w.cols()), nb_(div_ceil(k_, kPanelDepth)) {
    pack(w.empty() ? k_ : w.grid().shape.cols, [&](std::size_t j, std::size_t c) { return w.raw_code(j, c); },
         [&](std::size_t j, std::size_t c) { return w.params_unchecked(j, c); });
  }

  /// Two-level NVFP4 (lossless): the panels hold the E2M1 codes and UE4M3 block scales of
  /// NVFP4_1L; the tensor scale multiplies each output once (Y = s_tensor * X * W_blocks^T, every
  /// weight s_block * value exact in f32).
  explicit PackedPanels(const NvFp4Matrix& w)
    requires(std::is_same_v<Q, NVFP4_1L::quantizer> && std::is_same_v<G, NVFP4_1L::granularity>)
      : n_(w.rows()), k_(w.cols()), nb_(div_ceil(k_, kPanelDepth)), tensor_scale_(w.tensor_scale()) {
    pack(NvFp4Matrix::kBlock, [&](std::size_t j, std::size_t c) { return w.code(j, c); },
         [&](std::size_t j, std::size_t c) {
           return GroupParams{UE4M3::decode(w.block_scale_code(j, c / NvFp4Matrix::kBlock)), 0};
         });
  }

  /// Multiplies every output of the products (1 but for two-level NVFP4).
  float tensor_scale() const noexcept { return tensor_scale_; }

  std::size_t n() const noexcept { return n_; }
  std::size_t k() const noexcept { return k_; }
  std::size_t blocks() const noexcept { return nb_; }
  std::size_t groups() const noexcept { return div_ceil(n_, kPanelCols); }
  /// Panel bytes: codes (the last group padded to 64 columns, k to whole blocks) and parameters.
  std::size_t bytes() const noexcept {
    return codes_.bytes() + (scales_.size() + zero_points_.size()) * sizeof(float);
  }
  detail::PanelGroup group(std::size_t g) const noexcept {
    const std::size_t rows = param_rows();
    return {codes_.data() + g * nb_ * block_bytes(),
            block_bytes(),
            kWidth,
            scales_.data() + g * rows * kPanelCols,
            0,
            zero_points_.empty() ? nullptr : zero_points_.data() + g * rows * kPanelCols,
            bpg_,
            kTables.f.data(),
            kWidth <= 4 && kInteger ? kTables.i.data() : nullptr,
            kGrid.z0,
            kGrid.unit,
            halves_,
            zp_min_,
            zp_max_,
            kUMax};
  }

 private:
  static constexpr std::size_t kPanelCols = detail::kPanelCols, kPanelDepth = detail::kPanelDepth;
  static constexpr std::size_t block_bytes() noexcept { return static_cast<std::size_t>(kWidth) * 256; }
  /// Parameter rows per column: one per k group of bpg_ blocks, or two per block (16-deep groups).
  std::size_t param_rows() const noexcept { return div_ceil(nb_, bpg_) * halves_; }
  /// Fills the panels from raw codes code(j, c) and the parameters params(j, c) of the group
  /// holding column c, in groups of gcols columns along k.
  template <class CodeFn, class ParamsFn>
  void pack(std::size_t gcols, CodeFn code, ParamsFn params) {
    const bool whole = gcols >= k_;
    LOWBIT_CHECK(whole || gcols == kPanelDepth / 2 || gcols % kPanelDepth == 0, "w: groups of ", gcols,
                 " columns along k; the panels need whole rows, 16 or multiples of 32");
    halves_ = !whole && gcols == kPanelDepth / 2 ? 2 : 1;
    bpg_ = whole ? std::max<std::size_t>(nb_, 1) : halves_ == 2 ? 1 : gcols / kPanelDepth;
    const std::size_t rows = param_rows(), depth = kPanelDepth / halves_;  // k columns per parameter row
    codes_ = AlignedBuffer<std::uint8_t>(groups() * nb_ * block_bytes());
    std::fill(codes_.begin(), codes_.end(), std::uint8_t{0});
    scales_.assign(groups() * rows * kPanelCols, 0.0f);
    if constexpr (Q::has_zero_point) zero_points_.assign(scales_.size(), 0.0f);
    for (std::size_t j = 0; j < n_; ++j) {
      const std::size_t g = j / kPanelCols, col = j % kPanelCols;
      for (std::size_t c = 0; c < k_; ++c)
        detail::set_panel_code(codes_.data() + (g * nb_ + c / kPanelDepth) * block_bytes(), kWidth, c % kPanelDepth,
                               col, stored(code(j, c)));
      for (std::size_t r = 0; r < rows && r * bpg_ * depth < k_; ++r) {  // a padded half keeps scale 0
        const GroupParams p = params(j, r * bpg_ * depth);
        scales_[(g * rows + r) * kPanelCols + col] = p.scale;
        if constexpr (Q::has_zero_point) {
          zero_points_[(g * rows + r) * kPanelCols + col] = static_cast<float>(p.zero_point);
          zp_min_ = std::min(zp_min_, static_cast<float>(p.zero_point));
          zp_max_ = std::max(zp_max_, static_cast<float>(p.zero_point));
        }
      }
    }
  }
  /// The code kept in the panels: the raw code up to 4 bits (the integer path looks it up);
  /// at 8 bits, the integer U itself when there is one.
  static unsigned stored(std::uint8_t raw) noexcept { return kWidth == 8 && kInteger ? kTables.i[raw] : raw; }
  struct Tables {
    std::array<float, kWidth <= 4 ? 16 : 256> f{};  // value at scale 1 of each stored code
    std::array<std::uint8_t, 256> i{};              // raw code -> U (the kernel's table: the first 16)
  };
  static constexpr Tables make_tables() noexcept {
    Tables t;
    constexpr auto values = F::decode_table();
    if constexpr (kWidth == 8 && kInteger) {
      for (std::size_t u = 0; u < t.f.size(); ++u) t.f[u] = (static_cast<float>(u) - kGrid.z0) * kGrid.unit;
    } else {
      for (std::size_t raw = 0; raw < values.size(); ++raw) t.f[raw] = values[raw];
    }
    if constexpr (kInteger)
      for (std::size_t raw = 0; raw < values.size(); ++raw)
        t.i[raw] = static_cast<std::uint8_t>(values[raw] / kGrid.unit + kGrid.z0);
    return t;
  }
  static constexpr Tables kTables = make_tables();
  static constexpr float kUMax = [] {
    std::uint8_t u = 0;
    for (std::size_t raw = 0; raw < F::decode_table().size(); ++raw) u = std::max(u, kTables.i[raw]);
    return static_cast<float>(u);
  }();

  std::size_t n_ = 0, k_ = 0, nb_ = 0, bpg_ = 1, halves_ = 1;
  float tensor_scale_ = 1.0f, zp_min_ = 0.0f, zp_max_ = 0.0f;
  AlignedBuffer<std::uint8_t> codes_;
  std::vector<float> scales_, zero_points_;
};

/// Weight-only: Y (m x n, ldy; 0 = n) = X (m x k, ldx; 0 = k) * W^T in f32 (FMA, per output k
/// summed in order; or per block on AMX tiles, kernels/gemm_panels_amx.hpp), within
/// (k + 2) * 2^-24 * sum |x * w| of the exact dot. Errors
/// (argument_error): strides smaller than the shape, null pointers, a non-finite activation.
/// Nothing is written on error.
template <class Q, class G>
void gemm_f32(const float* x, std::size_t m, std::size_t ldx, const PackedPanels<Q, G>& w, float* y,
              std::size_t ldy = 0, const Executor& ex = {}) {
  detail::run_panels_f32(x, m, ldx, w, y, ldy, ex);
}

/// Integer path: Y = X * W^T with X quantized per 32-block by Q8_0's rule; every block's
/// product exact in int32, scaled and summed in f32 (within (blocks + 2) * 2^-24 * the sum of
/// |block terms|). Errors as gemm_f32.
template <class Q, class G>
  requires(PackedPanels<Q, G>::kInteger)
void gemm_a8(const float* x, std::size_t m, std::size_t ldx, const PackedPanels<Q, G>& w, float* y,
             std::size_t ldy = 0, const Executor& ex = {}) {
  detail::run_panels_a8(x, m, ldx, w, y, ldy, ex);
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
