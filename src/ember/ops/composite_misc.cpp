// Small torch functions written with other ember ops (their derivatives come from
// those ops): logaddexp, logaddexp2, diff, and hsplit/vsplit/dsplit.
#include <cmath>

#include "ember/ops/ops.h"

namespace ember {

namespace {

// log(base^a + base^b) = max + log_base(1 + base^-|a - b|); equal infinities give themselves.
Tensor log_add_exp(const Tensor& a, const Tensor& b, const char* op, bool base2) {
  Dtype d = promote_types(a.dtype(), b.dtype());
  EMBER_CHECK(is_floating(d), op, "\"", op, "_cpu\" not implemented for '", scalar_type_name(d), "'");
  Tensor m = maximum(a, b);
  Tensor gap = neg(abs(sub(a, b)));
  Tensor tail = base2 ? mul(log1p(exp2(gap)), wrap_scalar(Scalar(1.0 / std::log(2.0)))) : log1p(exp(gap));
  return where(logical_and(isinf(m), eq(a, b)), to_dtype(a, d), add(m, tail));
}

}  // namespace

Tensor logaddexp(const Tensor& a, const Tensor& b) { return log_add_exp(a, b, "logaddexp", false); }
Tensor logaddexp2(const Tensor& a, const Tensor& b) { return log_add_exp(a, b, "logaddexp2", true); }

Tensor diff(const Tensor& t, int64_t n, int64_t dim, const Tensor& prepend, const Tensor& append) {
  EMBER_CHECK(t.dim() >= 1, "diff", "diff expects input to be at least one-dimensional");
  dim = wrap_dim(dim, t.dim(), "diff");
  Tensor x = t;
  if (prepend.defined() || append.defined()) {
    TensorList parts;
    if (prepend.defined()) parts.push_back(prepend);
    parts.push_back(t);
    if (append.defined()) parts.push_back(append);
    x = cat(parts, dim);
  }
  for (int64_t i = 0; i < n && x.sizes()[dim] > 0; ++i) {
    const int64_t len = x.sizes()[dim] - 1;
    Tensor hi = narrow(x, dim, 1, len), lo = narrow(x, dim, 0, len);
    x = x.dtype() == Dtype::Bool ? logical_xor(hi, lo) : sub(hi, lo);
  }
  return x;
}

namespace {

TensorList split_along(const Tensor& t, const char* op, int64_t min_dim, int64_t dim, int64_t sections) {
  EMBER_CHECK(t.dim() >= min_dim, op, "torch.", op, " requires a tensor with at least ", min_dim,
              " dimension, but got a tensor with ", t.dim(), " dimensions!");
  EMBER_CHECK(sections != 0 && t.sizes()[dim] % sections == 0, op, "torch.", op,
              " attempted to split along dimension ", dim, ", but the size of the dimension ", t.sizes()[dim],
              " is not divisible by the split_size ", sections, "!");
  return tensor_split(t, sections, dim);
}

// hsplit splits 1-D tensors along dim 0 and others along dim 1.
int64_t hsplit_dim(const Tensor& t) { return t.dim() == 1 ? 0 : 1; }

void check_rank(const Tensor& t, const char* op, int64_t min_dim) {
  EMBER_CHECK(t.dim() >= min_dim, op, "torch.", op, " requires a tensor with at least ", min_dim,
              " dimension, but got a tensor with ", t.dim(), " dimensions!");
}

}  // namespace

TensorList hsplit(const Tensor& t, int64_t sections) { return split_along(t, "hsplit", 1, hsplit_dim(t), sections); }
TensorList vsplit(const Tensor& t, int64_t sections) { return split_along(t, "vsplit", 2, 0, sections); }
TensorList dsplit(const Tensor& t, int64_t sections) { return split_along(t, "dsplit", 3, 2, sections); }
TensorList hsplit(const Tensor& t, const Shape& indices) {
  check_rank(t, "hsplit", 1);
  return tensor_split(t, indices, hsplit_dim(t));
}
TensorList vsplit(const Tensor& t, const Shape& indices) {
  check_rank(t, "vsplit", 2);
  return tensor_split(t, indices, 0);
}
TensorList dsplit(const Tensor& t, const Shape& indices) {
  check_rank(t, "dsplit", 3);
  return tensor_split(t, indices, 2);
}

}  // namespace ember
