// lowbit: BlockMatrix<Block>: the AoS layout: each row a run of fixed-size blocks whose bytes are
// exactly a GGUF tensor's (ggml's block structs), so rows can be written to and read from files
// as they are.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "lowbit/core/error.hpp"
#include "lowbit/core/shape.hpp"

LOWBIT_BEGIN_NAMESPACE

/// A block codec: kElems floats <-> one trivially copyable struct of kBytes bytes, noexcept on
/// finite input (validated by BlockMatrix's builder).
template <class B>
concept BlockCodec = std::is_trivially_copyable_v<B> && std::is_standard_layout_v<B> &&
                     requires(const float* x, float* y, B& b, const B& cb) {
                       { B::kElems } -> std::convertible_to<std::size_t>;
                       requires sizeof(B) == B::kBytes;
                       { B::quantize(x, b) } noexcept;
                       { B::dequantize(cb, y) } noexcept;
                     };

template <BlockCodec Block>
class BlockMatrix {
 public:
  using block_type = Block;
  static constexpr std::size_t kElems = Block::kElems;

  BlockMatrix() = default;
  /// Zeroed blocks for a rows x cols matrix; cols must be a multiple of the block size.
  BlockMatrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols) {
    LOWBIT_CHECK(cols % kElems == 0, "cols: ", cols, " is not a multiple of the block size ", kElems,
                 " (GGUF blocks do not pad)");
    blocks_.resize(rows * (cols / kElems));
  }
  /// Adopts a GGUF tensor's bytes (e.g. read from a file); the size must match exactly.
  static BlockMatrix from_bytes(std::size_t rows, std::size_t cols, std::span<const std::byte> bytes) {
    BlockMatrix m(rows, cols);
    LOWBIT_CHECK(bytes.size() == m.bytes(), "bytes: expected ", m.bytes(), " bytes for a ", rows, " x ", cols,
                 " matrix of ", kElems, "-element blocks, got ", bytes.size());
    if (!bytes.empty()) std::memcpy(m.blocks_.data(), bytes.data(), bytes.size());
    return m;
  }

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  std::size_t blocks_per_row() const noexcept { return cols_ / kElems; }
  std::size_t bytes() const noexcept { return blocks_.size() * sizeof(Block); }
  double bits_per_weight() const noexcept { return 8.0 * sizeof(Block) / kElems; }

  std::span<const Block> row(std::size_t r) const noexcept { return {blocks_.data() + r * blocks_per_row(), blocks_per_row()}; }
  std::span<Block> row(std::size_t r) noexcept { return {blocks_.data() + r * blocks_per_row(), blocks_per_row()}; }
  std::span<const std::byte> as_bytes() const noexcept { return std::as_bytes(std::span(blocks_)); }

  /// Decodes into out, which must have this matrix's shape.
  void dequantize(MatrixView<float> out) const {
    LOWBIT_CHECK(out.rows == rows_ && out.cols == cols_, "out: expected a ", rows_, " x ", cols_, " matrix, got ",
                 out.rows, " x ", out.cols);
    float buf[kElems];
    for (std::size_t r = 0; r < rows_; ++r)
      for (std::size_t b = 0; b < blocks_per_row(); ++b) {
        Block::dequantize(row(r)[b], buf);
        for (std::size_t j = 0; j < kElems; ++j) out(r, b * kElems + j) = buf[j];
      }
  }

 private:
  std::size_t rows_ = 0, cols_ = 0;
  std::vector<Block> blocks_;
};

LOWBIT_END_NAMESPACE
