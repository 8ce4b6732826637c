// lowbit: what every GGUF block scheme shares: ggml's rounding helpers and parameter searches,
// reproduced operation for operation (f32, no fused multiply-add) so the bytes match ggml's
// reference quantizers (quantize_row_*_ref), and the scheme wrapper that fills a BlockMatrix.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "lowbit/core/half.hpp"
#include "lowbit/quantizers/quantizer.hpp"
#include "lowbit/tensor/block_matrix.hpp"

/// On reference code that SIMD kernels call: kept out of line, so it is compiled for the
/// baseline target, never FMA-contracted inside a kernel's target, and gives the same bytes
/// wherever it is called from.
#if defined(__GNUC__)
#define LOWBIT_REFERENCE_CODEGEN [[gnu::noinline]]
#else
#define LOWBIT_REFERENCE_CODEGEN
#endif

LOWBIT_BEGIN_NAMESPACE
namespace gguf {

inline constexpr std::size_t kQK = 32;     ///< legacy block size (QK4_0 ...)
inline constexpr std::size_t kQK_K = 256;  ///< K-quant super-block size
inline constexpr float kGroupMaxEps = 1e-15f;

inline std::uint16_t to_f16(float f) noexcept { return f32_to_f16_bits(f); }
inline float from_f16(std::uint16_t h) noexcept { return f16_bits_to_f32(h); }

/// ggml nearest_int: adds 1.5 * 2^23 and reads the mantissa: round half to even for |f| < 2^22;
/// beyond that it returns what ggml's does (bits of the sum), defined for every f32.
inline int nearest_int(float f) noexcept {
  const float v = f + 12582912.0f;
  return static_cast<int>(std::bit_cast<std::uint32_t>(v) & 0x007FFFFFu) - 0x00400000;
}

/// C's float -> int conversion as x86 performs it (cvttss2si): truncation toward zero, and
/// INT32_MIN for NaN or out-of-range values. ggml's reference code converts with plain casts
/// and meets such values in subnormal-sized blocks (1 / d overflows); this reproduces its bytes
/// on x86 without undefined behaviour.
inline std::int32_t x86_trunc(float v) noexcept {
  return (v >= -2147483648.0f && v < 2147483648.0f) ? static_cast<std::int32_t>(v) : INT32_MIN;
}
/// (int8_t)(v) / (uint8_t)(v) of a float, as x86 does it: the low byte of x86_trunc.
inline std::int8_t x86_to_int8(float v) noexcept { return static_cast<std::int8_t>(x86_trunc(v)); }
inline std::uint8_t x86_to_uint8(float v) noexcept { return static_cast<std::uint8_t>(x86_trunc(v)); }
/// lroundf as glibc on x86-64 gives it: half away from zero; LONG_MIN for NaN or beyond 2^63.
inline long x86_lround(float v) noexcept {
  return (v >= -9.2233720e18f && v < 9.2233720e18f) ? std::lround(v) : std::numeric_limits<long>::min();
}

/// The element of largest magnitude, signed; the first one wins ties (ggml's `amax < |v|`).
inline float signed_absmax(const float* x, std::size_t n, float* amax_out = nullptr) noexcept {
  float amax = 0.0f, max = 0.0f;
  for (std::size_t i = 0; i < n; ++i)
    if (amax < std::fabs(x[i])) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  if (amax_out) *amax_out = amax;
  return max;
}

/// ggml make_qx_quants: signed levels L in [0, 2*nmax) around nmax, scale by weighted least
/// squares over 19 trial scales. rmse_type 1 with weights x^2 when qw is null.
inline float make_qx_quants(int n, int nmax, const float* x, std::int8_t* L, int rmse_type, const float* qw) noexcept {
  float amax = 0.0f;
  const float max = signed_absmax(x, static_cast<std::size_t>(n), &amax);
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, std::int8_t{0});
    return 0.0f;
  }
  const auto weight = [&](int i) -> float {
    if (qw) return qw[i];
    switch (rmse_type) {
      case 1: return x[i] * x[i];
      case 2: return 1.0f;
      case 3: return std::fabs(x[i]);
      default: return std::sqrt(std::fabs(x[i]));
    }
  };
  const auto level = [&](float iscale, int i) { return std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i]))); };
  float iscale = static_cast<float>(-nmax) / max;
  if (rmse_type == 0) {
    for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(nmax + level(iscale, i));
    return 1 / iscale;
  }
  const bool return_early = rmse_type < 0;
  rmse_type = std::abs(rmse_type);
  float sumlx = 0.0f, suml2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = level(iscale, i);
    L[i] = static_cast<std::int8_t>(l + nmax);
    const float w = weight(i);
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  if (return_early) return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sumlx = suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = level(iscale, i);
      const float w = weight(i);
      sumlx += w * x[i] * static_cast<float>(l);
      suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(nmax + level(iscale, i));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

/// ggml make_q3_quants (do_rmse): levels in [-nmax, nmax), coordinate descent with weights x^2.
inline float make_q3_quants(int n, int nmax, const float* x, std::int8_t* L) noexcept {
  float amax = 0.0f;
  const float max = signed_absmax(x, static_cast<std::size_t>(n), &amax);
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, std::int8_t{0});
    return 0.0f;
  }
  const float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0.0f, suml2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
    L[i] = static_cast<std::int8_t>(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * static_cast<float>(L[i]);
      if (slx > 0) {
        float sl2 = suml2 - w * static_cast<float>(L[i]) * static_cast<float>(L[i]);
        const int new_l = std::max(-nmax, std::min(nmax - 1, nearest_int(x[i] * sl2 / slx)));
        if (new_l != L[i]) {
          slx += w * x[i] * static_cast<float>(new_l);
          sl2 += w * static_cast<float>(new_l) * static_cast<float>(new_l);
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<std::int8_t>(new_l);
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (!n_changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/// ggml make_qkx2_quants: affine levels in [0, nmax] with a min <= 0, weighted least squares
/// over nstep + 1 trial scales; returns the scale and writes -min to *neg_min.
inline float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* neg_min,
                              std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad) noexcept {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::fill(L, L + n, std::uint8_t{0});
    *neg_min = -min;
    return 0.0f;
  }
  const auto err = [&](float d) { return use_mad ? std::fabs(d) : d * d; };
  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1 / iscale;
  float best_error = 0.0f;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<std::uint8_t>(std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min)))));
    best_error += weights[i] * err(scale * static_cast<float>(L[i]) + min - x[i]);
  }
  for (int is = 0; nstep >= 1 && is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min))));
      Laux[i] = static_cast<std::uint8_t>(l);
      const float w = weights[i];
      sum_l += w * static_cast<float>(l);
      sum_l2 += w * static_cast<float>(l) * static_cast<float>(l);
      sum_xl += w * static_cast<float>(l) * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0.0f;
      for (int i = 0; i < n; ++i) cur_error += weights[i] * err(this_scale * static_cast<float>(Laux[i]) + this_min - x[i]);
      if (cur_error < best_error) {
        std::copy(Laux, Laux + n, L);
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *neg_min = -min;
  return scale;
}

/// ggml get_scale_min_k4: the j-th 6-bit scale and min of a Q4_K/Q5_K 12-byte scales field.
inline void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t& d, std::uint8_t& m) noexcept {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

namespace detail {
/// False when one of a block's scales overflowed its storage (ggml would write Inf).
template <class Block>
bool scales_finite(const Block& b) noexcept {
  const auto finite = [](const auto& s) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(s)>, std::uint16_t>) return (s & 0x7C00) != 0x7C00;
    else return std::isfinite(s);
  };
  if constexpr (requires { b.d; }) {
    bool ok = finite(b.d);
    if constexpr (requires { b.m; }) ok = ok && finite(b.m);
    if constexpr (requires { b.s; }) ok = ok && finite(b.s);
    if constexpr (requires { b.dmin; }) ok = ok && finite(b.dmin);
    return ok;
  } else {
    float back[Block::kElems];
    Block::dequantize(b, back);
    for (float v : back)
      if (!std::isfinite(v)) return false;
    return true;
  }
}
}  // namespace detail

/// A GGUF block type as a named scheme: lowbit::quantize<gguf::Q4_K>(W) gives a BlockMatrix
/// whose bytes are ggml's. Errors (argument_error): cols not a multiple of the block size (GGUF
/// does not pad); a non-finite element; a block whose f16 scale would overflow (|x| too large
/// for the format: ggml would write Inf). Rows may be strided; blocks run along rows.
template <BlockCodec Block>
struct Scheme {
  using block = Block;
  using matrix = BlockMatrix<Block>;
  static std::string name() { return Block::name; }
  static matrix quantize(MatrixView<const float> x, const QuantizeOptions& = {}) {
    return quantize_rows(
        x,
        [](const float* in, Block* out, std::size_t nb) {
          for (std::size_t b = 0; b < nb; ++b) Block::quantize(in + b * Block::kElems, out[b]);
        },
        [](const float* in, std::size_t n) {
          bool ok = true;
          for (std::size_t c = 0; c < n; ++c) ok &= std::isfinite(in[c]);
          return ok;
        });
  }
  /// quantize() with the row quantizer `row(in, out_blocks, nb)` and the finite check
  /// `all_finite(in, n)` (the reference's or SIMD kernels'): the same validation, the same bytes.
  /// A row quantizer that returns bool is defined for any f32 and says whether the row was
  /// finite and every block's scales too; only when it says no are the checks run (they would
  /// re-read the row), and the matrix of a failing row is never returned, so the errors are the
  /// same.
  template <class RowFn, class FiniteFn>
  static matrix quantize_rows(MatrixView<const float> x, RowFn row, FiniteFn all_finite) {
    matrix m(x.rows, x.cols);
    std::vector<float> buf(x.col_stride == 1 ? 0 : x.cols);
    for (std::size_t r = 0; r < x.rows; ++r) {
      const float* in = buf.data();
      if (x.col_stride == 1 && x.cols != 0) in = &x(r, 0);
      else
        for (std::size_t c = 0; c < x.cols; ++c) buf[c] = x(r, c);
      const auto check_input = [&] {
        if (!all_finite(in, x.cols))
          for (std::size_t c = 0; c < x.cols; ++c)
            LOWBIT_CHECK(std::isfinite(in[c]), "input: element (", r, ", ", c, ") is ", in[c],
                         "; quantize expects finite values");
      };
      const auto check_scales = [&] {
        for (std::size_t b = 0; b < m.blocks_per_row(); ++b)
          LOWBIT_CHECK(detail::scales_finite(m.row(r)[b]), "input: block ", b, " of row ", r, " overflows ",
                       Block::name, "'s f16 scale; values of this magnitude are not representable");
      };
      if constexpr (std::is_same_v<decltype(row(in, m.row(r).data(), std::size_t{})), bool>) {
        if (!row(in, m.row(r).data(), m.blocks_per_row())) {
          check_input();
          check_scales();
        }
      } else {
        check_input();
        row(in, m.row(r).data(), m.blocks_per_row());
        check_scales();
      }
    }
    return m;
  }
};

}  // namespace gguf
LOWBIT_END_NAMESPACE
