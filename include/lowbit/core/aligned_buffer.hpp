// lowbit: a 64-byte aligned, zero-initialised owning array of trivially copyable values.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Owning storage for n values of T, aligned to kAlignment bytes (one cache line, and the
/// widest SIMD vector) and zero-filled. Copies are deep; moves leave the source empty.
template <class T>
class AlignedBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "AlignedBuffer holds trivially copyable values only");

 public:
  static constexpr std::size_t kAlignment = 64;

  /// Tag of the constructor that leaves the values unset, for a caller that writes every one
  /// before any is read (the zeroing is a whole extra write pass over a large output).
  struct Uninitialized {};

  AlignedBuffer() noexcept = default;
  explicit AlignedBuffer(std::size_t n) : AlignedBuffer(n, Uninitialized{}) {
    if (n != 0) std::memset(static_cast<void*>(data_), 0, n * sizeof(T));
  }
  AlignedBuffer(std::size_t n, Uninitialized) : size_(n) {
    if (n != 0) data_ = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kAlignment}));
  }
  AlignedBuffer(const AlignedBuffer& o) : AlignedBuffer(o.size_, Uninitialized{}) {
    if (size_ != 0) std::memcpy(static_cast<void*>(data_), o.data_, size_ * sizeof(T));
  }
  AlignedBuffer(AlignedBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~AlignedBuffer() {
    if (data_ != nullptr) ::operator delete(static_cast<void*>(data_), std::align_val_t{kAlignment});
  }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  bool empty() const noexcept { return size_ == 0; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

LOWBIT_END_NAMESPACE
