// lowbit: the int8 GEMM on Intel AMX tiles (tdpbusd: 16x16 int32 += 16x64 u8 times 64x16 s8, the
// same u8 x s8 products as vpdpbusd, 16 times the work per instruction). Highway 1.0.3 has no AMX,
// so this is plain x86-64 code with its own target attribute and run-time check, outside the
// Highway pass. Used by the int8 GEMMs (kernels/gemm_i8.hpp) when the CPU has AMX-INT8, Linux
// grants the process the tile state, and m fills a tile; exact, like every other path.
//
// B tiles are read straight from PackedI8 (a 4-deep k step of a 64-column group is 64 x 4 bytes,
// so 16 steps of 16 columns are a tile with a 256-byte stride); A is copied once per call into
// zero-padded 16 x 64-byte tiles, so ragged m and k need no edge loads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowbit/core/aligned_buffer.hpp"
#include "lowbit/core/bits.hpp"
#include "lowbit/kernels/dispatch.hpp"  // first: Highway includes <immintrin.h> with its warnings set
#include "lowbit/kernels/executor.hpp"

#if defined(__x86_64__) && defined(__linux__) && \
    ((defined(__clang__) && __clang_major__ >= 13) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 11))
#define LOWBIT_HAVE_AMX 1
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define LOWBIT_AMX_ATTR __attribute__((target("amx-tile,amx-int8")))
#else
#define LOWBIT_HAVE_AMX 0
#endif

LOWBIT_BEGIN_NAMESPACE
namespace kernels {
namespace detail {
inline std::atomic<bool>& amx_enabled_flag() {
  static std::atomic<bool> on{true};
  return on;
}

/// The CPU has AMX-TILE and AMX-INT8, the OS enabled their state (XCR0 bits 17, 18), and Linux
/// granted this process the tile data (arch_prctl ARCH_REQ_XCOMP_PERM; asked once).
#if LOWBIT_HAVE_AMX
/// The OS-enabled state components (XCR0); only after CPUID's OSXSAVE.
inline unsigned xcr0_low() noexcept {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return lo;
}
/// CPUID leaf 7's feature words, read once (zero where the leaf is missing).
struct Cpuid7 {
  unsigned ebx = 0, edx = 0;
};
inline Cpuid7 cpuid7() noexcept {
  static const Cpuid7 r = [] {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) ? Cpuid7{b, d} : Cpuid7{};
  }();
  return r;
}
#endif

inline bool amx_supported() {
#if LOWBIT_HAVE_AMX
  static const bool ok = [] {
    if ((cpuid7().edx >> 24 & 3u) != 3u) return false;  // AMX-TILE, AMX-INT8
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c >> 27 & 1u)) return false;  // OSXSAVE, for xgetbv
    if ((xcr0_low() >> 17 & 3u) != 3u) return false;
    constexpr long kReqXcompPerm = 0x1023, kXfeatureTileData = 18;
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureTileData) == 0;
  }();
  return ok;
#else
  return false;
#endif
}

/// amx_supported, plus AVX-512 F and BW with their OS-enabled state (XCR0 bits 5..7): the panel
/// GEMMs' tile kernel (kernels/gemm_panels_amx.hpp) scales the tiles with them.
inline bool amx_avx512_supported() {
#if LOWBIT_HAVE_AMX
  // AVX-512 F and BW; SSE, AVX and the three AVX-512 states
  static const bool ok =
      amx_supported() && (cpuid7().ebx >> 16 & 1u) && (cpuid7().ebx >> 30 & 1u) && (xcr0_low() & 0xe6u) == 0xe6u;
  return ok;
#else
  return false;
#endif
}

/// amx_avx512_supported, plus AMX-BF16 (the weight-only panel GEMM's tdpbf16ps).
inline bool amx_bf16_supported() {
#if LOWBIT_HAVE_AMX
  return amx_avx512_supported() && (cpuid7().edx >> 22 & 1u);
#else
  return false;
#endif
}
}  // namespace detail

/// Whether the int8 GEMMs and the panel GEMMs (kernels/gemm_panels_amx.hpp) use AMX tiles
/// (for m >= 16): supported here and not turned off.
inline bool amx_active() { return detail::amx_enabled_flag().load(std::memory_order_relaxed) && detail::amx_supported(); }

/// Turns the AMX paths off (or back on, where supported) for the whole process, e.g. to compare
/// them with the SIMD kernels: the integer results are identical either way; the weight-only panel
/// GEMMs' sum in another order, within the same error bound.
inline void set_amx_enabled(bool on) { detail::amx_enabled_flag().store(on, std::memory_order_relaxed); }

namespace detail {
inline constexpr std::size_t kAmxRows = 16, kAmxDepth = 64, kAmxTile = kAmxRows * kAmxDepth;

/// ldtilecfg's 64-byte operand (palette 1): each tile's bytes per row and rows.
struct alignas(64) AmxTileConfig {
  std::uint8_t palette = 1, start_row = 0, reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

/// A (m x k u8, lda) as 16 x 64-byte tiles, zero-padded: row block rb's k block kb at
/// (rb * k_blocks + kb) * 1024. Row blocks are packed in parallel on `ex`.
inline AlignedBuffer<std::uint8_t> amx_pack_a(const std::uint8_t* a, std::size_t m, std::size_t k, std::size_t lda,
                                              const Executor& ex) {
  const std::size_t kbs = div_ceil(k, kAmxDepth), block = kbs * kAmxTile;
  AlignedBuffer<std::uint8_t> t(div_ceil(m, kAmxRows) * block, AlignedBuffer<std::uint8_t>::Uninitialized{});
  ex.parallel_for(div_ceil(m, kAmxRows), [&](std::size_t rb) {
    std::uint8_t* dst = t.data() + rb * block;
    for (std::size_t r = 0; r < kAmxRows; ++r) {
      const std::size_t i = rb * kAmxRows + r;
      for (std::size_t kb = 0; kb < kbs; ++kb) {
        std::uint8_t* row = dst + kb * kAmxTile + r * kAmxDepth;
        const std::size_t have = i < m ? std::min(kAmxDepth, k - kb * kAmxDepth) : 0;
        if (have != 0) std::memcpy(row, a + i * lda + kb * kAmxDepth, have);
        std::memset(row + have, 0, kAmxDepth - have);
      }
    }
  });
  return t;
}

#if LOWBIT_HAVE_AMX
/// C[m x cols] (ldc) = A * B for `cols` columns of PackedI8 from group `groups` on (consecutive
/// groups, group_bytes apart; k padded to 64 there, so k_blocks full B tiles exist), A from
/// amx_pack_a. Two row blocks by two column tiles per pass: tmm0..3 accumulate, tmm4/5 hold A,
/// tmm6/7 hold B. Row blocks outermost: a pair's A tiles stay in L1 across the groups (1024^3,
/// one thread: 2.78 vs 3.13 ms with 4 groups a call instead of 1). Tiles over C's edges go
/// through a scratch.
LOWBIT_AMX_ATTR inline void gemm_i8_groups_amx(const std::uint8_t* a_tiles, std::size_t m, std::size_t k_blocks,
                                               const std::int8_t* groups, std::size_t group_bytes, std::int32_t* c,
                                               std::size_t ldc, std::size_t cols) noexcept {
  AmxTileConfig cfg;
  for (int t = 0; t < 8; ++t) cfg.colsb[t] = 64, cfg.rows[t] = 16;
  _tile_loadconfig(&cfg);
  alignas(64) std::int32_t edge[4][kAmxRows * 16];
  const std::size_t block = k_blocks * kAmxTile;  // bytes of one packed row block
  for (std::size_t r0 = 0; r0 < m; r0 += 2 * kAmxRows) {
    const bool two = r0 + kAmxRows < m;
    const std::uint8_t* a0 = a_tiles + (r0 / kAmxRows) * block;
    const std::uint8_t* a1 = a0 + block;
    for (std::size_t j0 = 0; j0 < cols; j0 += 32) {
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      const std::int8_t* b = groups + (j0 / 64) * group_bytes + 4 * (j0 % 64);
      for (std::size_t kb = 0; kb < k_blocks; ++kb, b += 16 * 256) {
        _tile_loadd(6, b, 256);
        _tile_loadd(7, b + 64, 256);
        _tile_loadd(4, a0 + kb * kAmxTile, 64);
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(1, 4, 7);
        if (two) {
          _tile_loadd(5, a1 + kb * kAmxTile, 64);
          _tile_dpbusd(2, 5, 6);
          _tile_dpbusd(3, 5, 7);
        }
      }
      // tile t: row block t / 2, column tile t % 2; whole tiles go straight to C, edge tiles
      // through `edge`, then their rows and columns inside C
      std::int32_t* dst[4];
      std::size_t ld[4];
      for (std::size_t t = 0; t < 4; ++t) {
        const std::size_t r = r0 + (t / 2) * kAmxRows, j = j0 + (t % 2) * 16;
        const bool whole = r + kAmxRows <= m && j + 16 <= cols;
        dst[t] = whole ? c + r * ldc + j : edge[t];
        ld[t] = whole ? ldc * sizeof(std::int32_t) : 64;
      }
      _tile_stored(0, dst[0], ld[0]);
      _tile_stored(1, dst[1], ld[1]);
      if (two) {
        _tile_stored(2, dst[2], ld[2]);
        _tile_stored(3, dst[3], ld[3]);
      }
      for (std::size_t t = 0; t < (two ? 4u : 2u); ++t) {
        const std::size_t r = r0 + (t / 2) * kAmxRows, j = j0 + (t % 2) * 16;
        if (dst[t] != edge[t] || j >= cols) continue;
        for (std::size_t i = r; i < std::min(m, r + kAmxRows); ++i)
          std::memcpy(c + i * ldc + j, edge[t] + (i - r) * 16, std::min<std::size_t>(16, cols - j) * sizeof(std::int32_t));
      }
    }
  }
  _tile_release();
}
#endif
}  // namespace detail
}  // namespace kernels
LOWBIT_END_NAMESPACE
