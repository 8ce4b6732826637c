// Per-token dynamic activation quantization on an engine's own buffer: no Eigen at the call site,
// and a bad argument is a lowbit::error, not a crash.
#include <cstdio>
#include <vector>

#include <lowbit/quantize.hpp>
#include <lowbit/metrics.hpp>
#include <lowbit/granularity/per_channel.hpp>
#include <lowbit/quantizers/aliases.hpp>

namespace lb = lowbit;

int main() {
  const std::size_t tokens = 4, hidden = 64, ld = 80;  // rows padded to 80 floats in the engine's buffer
  std::vector<float> act(tokens * ld, 0.0f);
  for (std::size_t t = 0; t < tokens; ++t)
    for (std::size_t h = 0; h < hidden; ++h) act[t * ld + h] = static_cast<float>((t + 1) * (h % 7)) - 3.0f;

  auto qa = lb::quantize<lb::Int8Sym, lb::PerRow>(act.data(), tokens, hidden, lb::Order::kRowMajor, ld);
  std::vector<float> back(tokens * hidden);
  lb::dequantize(qa, back.data());
  for (std::size_t t = 0; t < tokens; ++t)
    std::printf("token %zu: scale %.5f\n", t, qa.params(t, 0).scale);

  try {
    lb::quantize<lb::Int8Sym, lb::PerRow>(nullptr, tokens, hidden);
  } catch (const lb::error& e) {
    std::printf("rejected: %s\n", e.what());
    return 0;
  }
  return 1;
}
