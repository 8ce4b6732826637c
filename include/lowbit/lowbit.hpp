// lowbit: the umbrella header: every public layer, the SIMD kernels included. Each header also
// compiles on its own; TUs that need no kernels can include lowbit/portable.hpp (no Highway pass).
#pragma once

#include "lowbit/portable.hpp"
#include "lowbit/kernels/gemm_b1.hpp"
#include "lowbit/kernels/gemm_i8.hpp"
#include "lowbit/kernels/gemm_panels.hpp"
#include "lowbit/kernels/gemm_q4.hpp"
#include "lowbit/kernels/output_stage.hpp"
#include "lowbit/kernels/packed.hpp"
#include "lowbit/kernels/gguf.hpp"
#include "lowbit/kernels/gguf_matmul.hpp"
