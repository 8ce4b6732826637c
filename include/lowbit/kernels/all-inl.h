// lowbit: every per-target kernel header; the one foreach_target pass (kernels/dispatch.hpp)
// re-includes this file once per SIMD target. No include guard, by design.
#include "lowbit/kernels/compat-inl.h"
#include "lowbit/kernels/gguf-inl.h"
#include "lowbit/kernels/gguf_k-inl.h"
#include "lowbit/kernels/gguf_k_search-inl.h"
#include "lowbit/kernels/gemm_i8-inl.h"
#include "lowbit/kernels/scan-inl.h"
#include "lowbit/kernels/stream-inl.h"
#include "lowbit/kernels/output_stage-inl.h"
#include "lowbit/kernels/gemm_panels-inl.h"
#include "lowbit/kernels/gemm_b1-inl.h"
#include "lowbit/kernels/packed-inl.h"
#include "lowbit/kernels/encode-inl.h"
