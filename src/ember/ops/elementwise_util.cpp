#include "ember/ops/elementwise_util.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "ember/ops/cpu/kernels.h"

namespace ember::detail {

Tensor cast_nograd(const Tensor& t, Dtype dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out;
  if (t.dim() == 0) {  // a number operand (the common case: `x * 0.5`): convert the value, skip the loop
    out = scalar_tensor(t.item(), dtype);
  } else {
    out = empty_elementwise(t.sizes(), dtype, t);
    cpu::copy_kernel(out, t);
  }
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

void check_scalar_fits(const char* op, double v, Dtype d) {
  if (!is_integral(d)) return;
  visit_integral(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    static constexpr const char* names[] = {"int8_t", "int16_t", "int", "int64_t", "uint8_t"};
    const char* n = names[int(d) - int(Dtype::Int8)];
    EMBER_CHECK(v >= double(std::numeric_limits<T>::lowest()) && v <= double(std::numeric_limits<T>::max()), op,
                "value cannot be converted to type ", n, " without overflow");
  });
}

void check_inplace_result(const char* op, const Tensor& self, const Shape& result_shape, Dtype result_dtype) {
  EMBER_CHECK(result_shape == self.sizes(), op, "output with shape ", shape_str(self.sizes()),
              " doesn't match the broadcast shape ", shape_str(result_shape));
  EMBER_CHECK(can_cast(result_dtype, self.dtype()), op, "result type ", scalar_type_name(result_dtype),
              " can't be cast to the desired output type ", scalar_type_name(self.dtype()));
  if (is_non_overlapping_and_dense(self)) return;
  for (int64_t d = 0; d < self.dim(); ++d)
    EMBER_CHECK(!(self.strides()[d] == 0 && self.sizes()[d] > 1), op,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

namespace {
// The bytes [begin, end) that t's elements can touch.
std::pair<const char*, const char*> byte_range(const Tensor& t) {
  int64_t lo = 0, hi = 0;
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t ext = (t.sizes()[d] - 1) * t.strides()[d];
    (ext < 0 ? lo : hi) += ext;
  }
  const char* p = static_cast<const char*>(t.raw_data());
  int64_t isz = int64_t(t.element_size());
  return {p + lo * isz, p + (hi + 1) * isz};
}
}  // namespace

// By addresses rather than by Storage, so two tensors wrapping one NumPy buffer count too.
bool check_input_overlap(const char* op, const Tensor& self, const Tensor& input) {
  if (!input.defined() || input.is_same(self) || self.numel() == 0 || input.numel() == 0) return false;
  auto [a, a_end] = byte_range(self);
  auto [b, b_end] = byte_range(input);
  if (a_end <= b || b_end <= a) return false;
  if (!is_non_overlapping_and_dense(self) || !is_non_overlapping_and_dense(input)) return true;
  bool same_layout = a == b && a_end == b_end && self.strides() == input.strides();
  EMBER_CHECK(same_layout, op,
              "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
              "memory location. Please clone() the tensor before performing the operation.");
  return false;
}

}  // namespace ember::detail
