#include "ember/ops/elementwise_util.h"

#include <algorithm>
#include <numeric>

#include "ember/ops/cpu/kernels.h"

namespace ember::detail {

Tensor cast_nograd(const Tensor& t, Dtype dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty_elementwise(t.sizes(), dtype, t);
  cpu::copy_kernel(out, t);
  out.impl()->wrapped_number = t.impl()->wrapped_number;
  return out;
}

bool is_non_overlapping_and_dense(const Tensor& t) {
  if (t.is_contiguous()) return true;
  int64_t nd = t.dim();
  std::vector<int64_t> perm(nd);
  std::iota(perm.begin(), perm.end(), 0);
  std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    if (t.sizes()[a] < 2) return false;
    if (t.sizes()[b] < 2) return true;
    return t.strides()[a] < t.strides()[b];
  });
  int64_t expected = 1;
  for (int64_t d : perm) {
    if (t.sizes()[d] == 1) continue;
    if (t.strides()[d] != expected) return false;
    expected *= t.sizes()[d];
  }
  return true;
}

Tensor empty_elementwise(const Shape& shape, Dtype dtype, const Tensor& like) {
  if (like.defined() && !like.is_contiguous() && like.sizes() == shape && is_non_overlapping_and_dense(like)) {
    // same stride order as `like`
    int64_t nd = like.dim();
    std::vector<int64_t> perm(nd);
    std::iota(perm.begin(), perm.end(), 0);
    std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return like.strides()[a] > like.strides()[b]; });
    Shape strides(nd);
    int64_t s = 1;
    for (int64_t i = nd - 1; i >= 0; --i) {
      strides[perm[i]] = s;
      s *= std::max<int64_t>(1, shape[perm[i]]);
    }
    return empty_strided(shape, strides, dtype);
  }
  return empty(shape, dtype);
}

bool can_cast(Dtype from, Dtype to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != Dtype::Bool && to == Dtype::Bool) return false;
  return true;
}

void check_inplace_result(const char* op, const Tensor& self, const Shape& result_shape, Dtype result_dtype) {
  EMBER_CHECK(result_shape == self.sizes(), op, "output with shape ", shape_str(self.sizes()),
              " doesn't match the broadcast shape ", shape_str(result_shape));
  EMBER_CHECK(can_cast(result_dtype, self.dtype()), op, "result type ", dtype_name(result_dtype),
              " can't be cast to the desired output type ", dtype_name(self.dtype()));
}

}  // namespace ember::detail
