// lowbit: matrix products with GGUF weights (BlockMatrix<Block>, one row per output channel):
// activations are quantized to the block's ggml partner (Q8_0, Q8_K, ...) once per row, then each
// output is the partner dot product (kernels/gguf.hpp), as in ggml's mul_mat. Threads split the
// output channels in fixed chunks, so results do not depend on the executor.
#pragma once

#include <vector>

#include "lowbit/kernels/executor.hpp"
#include "lowbit/kernels/gguf.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {

/// Y (m x n, row-major, ldy; 0 = n) = X (m x k, row-major, ldx; 0 = k) * W^T, W n x k.
/// Errors (argument_error): shapes that do not match; a non-finite activation.
template <BlockCodec Block>
  requires requires { typename Block::partner; }
void matmul(const float* x, std::size_t m, std::size_t ldx, const BlockMatrix<Block>& w, float* y, std::size_t ldy = 0,
            const Executor& ex = {}) {
  using P = typename Block::partner;
  const std::size_t k = w.cols(), n = w.rows(), nb = w.blocks_per_row();
  if (ldx == 0) ldx = k;
  if (ldy == 0) ldy = n;
  LOWBIT_CHECK(ldx >= k && ldy >= n, "ldx, ldy: ", ldx, ", ", ldy, " are smaller than k = ", k, ", n = ", n);
  LOWBIT_CHECK(m == 0 || n == 0 || (x != nullptr && y != nullptr), "x, y: null pointer");
  std::vector<P> xq(m * nb);
  check_finite("x", x, m, k, ldx);
  for (std::size_t i = 0; i < m; ++i) quantize_row(x + i * ldx, xq.data() + i * nb, nb);
  constexpr std::size_t kChunk = 16;  // output channels per task
  ex.parallel_for(div_ceil(n, kChunk), [&](std::size_t t) {
    for (std::size_t j = t * kChunk; j < std::min(n, (t + 1) * kChunk); ++j)
      for (std::size_t i = 0; i < m; ++i) y[i * ldy + j] = kernels::vec_dot(w.row(j).data(), xq.data() + i * nb, nb);
  });
}

/// y = W x (batch 1).
template <BlockCodec Block>
void gemv(const BlockMatrix<Block>& w, const float* x, float* y, const Executor& ex = {}) {
  matmul(x, 1, 0, w, y, 0, ex);
}

}  // namespace kernels
LOWBIT_END_NAMESPACE
