// lowbit: every GGUF block scheme (byte-compatible with ggml): lowbit::quantize<gguf::Q4_KScheme>(W).
#pragma once

#include "lowbit/schemes/gguf/common.hpp"
#include "lowbit/schemes/gguf/dot.hpp"
#include "lowbit/schemes/gguf/k_quants.hpp"
#include "lowbit/schemes/gguf/legacy.hpp"
#include "lowbit/schemes/gguf/nonlinear.hpp"
#include "lowbit/schemes/gguf/ternary.hpp"
