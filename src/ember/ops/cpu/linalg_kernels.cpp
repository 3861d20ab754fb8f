#include "ember/ops/cpu/linalg_kernels.h"

#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

namespace {
// Component i of t along dim: a view without that dim.
Tensor component(const Tensor& t, int64_t dim, int64_t i) {
  Shape sizes = t.sizes(), strides = t.strides();
  int64_t offset = t.storage_offset() + i * strides[size_t(dim)];
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  return make_view(t, sizes, strides, offset);
}
}  // namespace

void cross_kernel(const Tensor& out, const Tensor& a, const Tensor& b, int64_t dim) {
  Tensor ac[3], bc[3];
  for (int64_t i = 0; i < 3; ++i) ac[i] = component(a, dim, i), bc[i] = component(b, dim, i);
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      for (int64_t i = 0; i < 3; ++i) {
        const int64_t j = (i + 1) % 3, k = (i + 2) % 3;  // out_i = a_j * b_k - a_k * b_j
        Tensor oc = component(out, dim, i);
        ElementwiseLoop L(oc, {&ac[j], &bc[k], &ac[k], &bc[j]});
        run_elementwise<T, T, T, T, T>(L, [](auto x, auto y, auto z, auto w) { return x * y - z * w; });
      }
    }
  });
}

}  // namespace ember::cpu
