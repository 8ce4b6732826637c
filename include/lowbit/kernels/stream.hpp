// lowbit: where large outputs go around the caches. An output this large will not stay cached for
// its consumer anyway, and writing it with ordinary stores first reads every line (read for
// ownership): a dequantized 4096 x 4096 f32 matrix costs 64 MiB of reads on top of its writes.
// Such outputs are decoded row by row into a cache-resident buffer and copied out with streaming
// stores (kernels/stream-inl.h).
#pragma once

#include <cstddef>
#include <vector>

#include "hwy/cache_control.h"
#include "lowbit/core/shape.hpp"

#include "lowbit/kernels/dispatch.hpp"

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
LOWBIT_EXPORT(StreamFloats);
LOWBIT_EXPORT(RowWriterStreams);
}  // namespace detail

/// Outputs of at least this many bytes are written with streaming stores: larger than the
/// last-level cache share of a core on current x86 servers.
inline constexpr std::size_t kStreamMinBytes = std::size_t{16} << 20;

/// dst[i] = src[i] for i < n, non-temporal where dst is vector-aligned (any alignment of dst
/// works; a float-misaligned dst gets plain stores).
inline void stream_floats(const float* src, float* dst, std::size_t n) noexcept {
  LOWBIT_DISPATCH(detail::StreamFloats)(src, dst, n);
}

/// Where a matrix writer puts its rows: straight into `out`, or into a row buffer that done(r)
/// copies out (columns with a stride; streaming stores for outputs of kStreamMinBytes or more).
/// A writer whose kernels store whole rows with streaming stores themselves (kernel_streams:
/// RowWriter, on the targets where it streams) writes such outputs in place, told so by
/// streams(); the destructor fences.
class RowSink {
 public:
  explicit RowSink(MatrixView<float> out, bool kernel_streams = false)
      : out_(out),
        stream_(out.col_stride == 1 && out.size() * sizeof(float) >= kStreamMinBytes),
        in_place_(stream_ && kernel_streams && LOWBIT_DISPATCH(detail::RowWriterStreams)()),
        buf_(out.col_stride == 1 && (!stream_ || in_place_) ? 0 : out.cols) {}
  RowSink(const RowSink&) = delete;
  RowSink& operator=(const RowSink&) = delete;
  ~RowSink() {
    if (in_place_) hwy::FlushStream();
  }

  /// Whether row(r) is to be written whole, with streaming stores.
  bool streams() const noexcept { return in_place_; }

  /// Where row r's cols floats are to be written.
  float* row(std::size_t r) noexcept { return buf_.empty() ? &out_(r, 0) : buf_.data(); }

  /// Row r is written.
  void done(std::size_t r) noexcept {
    if (in_place_) return;
    if (stream_) stream_floats(buf_.data(), &out_(r, 0), out_.cols);
    else if (!buf_.empty())
      for (std::size_t c = 0; c < out_.cols; ++c) out_(r, c) = buf_[c];
  }

 private:
  MatrixView<float> out_;
  bool stream_, in_place_;
  std::vector<float> buf_;
};
}  // namespace kernels
LOWBIT_END_NAMESPACE
