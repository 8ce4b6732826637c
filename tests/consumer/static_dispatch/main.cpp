// A user TU built with LOWBIT_STATIC_DISPATCH (one Highway target): the kernels compile, dispatch
// and agree with the reference.
#include <lowbit/lowbit.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

int main() {
  std::vector<float> x(16 * 64);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i));
  const auto v = lowbit::make_view(static_cast<const float*>(x.data()), 16, 64);
  const auto simd = lowbit::kernels::quantize<lowbit::Int4Sym, lowbit::Blockwise<32>>(v);
  const auto ref = lowbit::ref::quantize<lowbit::Int4Sym, lowbit::Blockwise<32>>(v);
  if (!std::equal(simd.codes(), simd.codes() + 16 * simd.row_bytes(), ref.codes())) return 1;
  if (!lowbit::kernels::all_finite(x.data(), x.size())) return 2;
  const std::vector<std::uint8_t> a(4 * 8, 3);
  const std::vector<std::int8_t> w(5 * 8, -2);
  const lowbit::kernels::PackedI8 packed(w.data(), 5, 8);
  std::vector<std::int32_t> c(4 * 5);
  lowbit::kernels::gemm_u8s8s32(a.data(), 4, 8, packed, c.data());
  return std::all_of(c.begin(), c.end(), [](std::int32_t e) { return e == 3 * -2 * 8; }) ? 0 : 3;
}
