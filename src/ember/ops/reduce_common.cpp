#include "ember/ops/reduce_common.h"

#include <algorithm>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"

namespace ember::reduce {

using autograd::needs_grad;
using autograd::record;

Mask dim_mask(const Dims& dims, int64_t ndim, const char* op) {
  Mask m(size_t(ndim), dims.empty());
  std::vector<bool> seen(size_t(std::max<int64_t>(ndim, 1)), false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, ndim, op);
    EMBER_CHECK(!seen[size_t(w)], op, "dim ", w, " appears multiple times in the list of dims");
    seen[size_t(w)] = true;
    if (ndim > 0) m[size_t(w)] = true;
  }
  return m;
}

Mask one_dim_mask(int64_t dim, int64_t ndim, const char* op) { return dim_mask(Dims{dim}, ndim, op); }

Shape keep_shape(const Shape& s, const Mask& m) {
  Shape r(s);
  for (size_t d = 0; d < r.size(); ++d)
    if (m[d]) r[d] = 1;
  return r;
}

Shape result_shape(const Shape& s, const Mask& m, bool keepdim) {
  if (keepdim) return keep_shape(s, m);
  Shape r;
  for (size_t d = 0; d < s.size(); ++d)
    if (!m[d]) r.push_back(s[d]);
  return r;
}

int64_t reduced_numel(const Shape& s, const Mask& m) {
  int64_t n = 1;
  for (size_t d = 0; d < s.size(); ++d)
    if (m[d]) n *= s[d];
  return n;
}

Dims mask_dims(const Mask& m) {
  Dims r;
  for (size_t d = 0; d < m.size(); ++d)
    if (m[d]) r.push_back(int64_t(d));
  return r;
}

Tensor run(cpu::ReduceOp op, const Tensor& in, const Mask& m, bool keepdim, Dtype dtype, double p) {
  Shape ks = keep_shape(in.sizes(), m);
  Tensor out = empty(ks, dtype);
  cpu::reduce_kernel(op, out, in, p);
  if (keepdim) return out;
  Shape rs = result_shape(in.sizes(), m, false);
  return make_view(out, rs, contiguous_strides(rs), 0);
}

void check_nonempty_dims(const char* op, const Tensor& t, const Mask& m) {
  for (size_t d = 0; d < m.size(); ++d)
    EMBER_CHECK_INDEX(!m[d] || t.sizes()[d] != 0, "", op, "(): Expected reduction dim ", d, " to have non-zero size.");
}

namespace {
// Strides that let t be seen with `shape` without a copy: when only size-1
// dims differ, or when t is contiguous.
bool alias_strides(const Tensor& t, const Shape& shape, Shape& strides) {
  Shape a, as, b;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.sizes()[d] != 1) a.push_back(t.sizes()[d]), as.push_back(t.strides()[d]);
  for (int64_t s : shape)
    if (s != 1) b.push_back(s);
  if (a == b) {
    strides.assign(shape.size(), 1);
    size_t k = a.size();
    int64_t inner = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      if (shape[i] != 1) {
        --k;
        strides[i] = as[k];
        inner = as[k] * a[k];
      } else {
        strides[i] = inner;
      }
    }
    return true;
  }
  if (t.is_contiguous()) {
    strides = contiguous_strides(shape);
    return true;
  }
  return false;
}
}  // namespace

Tensor reshape_alias(const Tensor& t, const Shape& shape) {
  if (t.sizes() == shape) return t;
  EMBER_CHECK(shape_numel(shape) == t.numel(), "reshape", "shape ", shape_str(shape), " is invalid for input of size ",
              t.numel());
  Shape strides;
  Tensor out;
  bool is_view = alias_strides(t, shape, strides);
  if (is_view) {
    out = make_view(t, shape, strides, t.storage_offset());
  } else {
    Tensor c = empty(t.sizes(), t.dtype());
    cpu::copy_kernel(c, t);
    out = make_view(c, shape, contiguous_strides(shape), 0);
  }
  if (needs_grad(t)) {
    if (is_view) autograd::mark_view(out, t);
    record(is_view ? "ViewBackward0" : "ReshapeAliasBackward0", {t}, out,
           [old = t.sizes()](const Tensor& g) -> TensorList { return {reshape_alias(g, old)}; });
  }
  return out;
}

Tensor expand_to(const Tensor& t, const Shape& shape) {
  if (t.sizes() == shape) return t;
  EMBER_CHECK(is_expandable_to(t.sizes(), shape), "expand", "the shape ", shape_str(t.sizes()),
              " cannot be broadcast to ", shape_str(shape));
  const int64_t nd = int64_t(shape.size()), off = nd - t.dim();
  Shape strides(size_t(nd), 0);
  for (int64_t d = off; d < nd; ++d)
    if (t.sizes()[d - off] == shape[d]) strides[d] = t.strides()[d - off];
  Tensor out = make_view(t, shape, strides, t.storage_offset());
  if (needs_grad(t)) {
    autograd::mark_view(out, t);
    record("ExpandBackward0", {t}, out, [old = t.sizes()](const Tensor& g) -> TensorList { return {sum_to(g, old)}; });
  }
  return out;
}

Tensor permute_view(const Tensor& t, const Dims& perm) {
  Shape sizes, strides;
  for (int64_t p : perm) sizes.push_back(t.sizes()[p]), strides.push_back(t.strides()[p]);
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (needs_grad(t)) {
    autograd::mark_view(out, t);
    Dims inv(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) inv[size_t(perm[i])] = int64_t(i);
    record("PermuteBackward0", {t}, out, [inv](const Tensor& g) -> TensorList { return {permute_view(g, inv)}; });
  }
  return out;
}

Tensor to_keepdim(const Tensor& g, const Shape& in_shape, const Mask& m, bool keepdim) {
  if (keepdim) return g;
  return reshape_alias(g, keep_shape(in_shape, m));
}

Tensor grad_to_input(const Tensor& g, const Shape& in_shape, const Mask& m, bool keepdim) {
  return expand_to(to_keepdim(g, in_shape, m, keepdim), in_shape);
}

Tensor take_along(const Tensor& src, const Tensor& index, int64_t dim) {
  Tensor out = empty(index.sizes(), src.dtype());
  cpu::take_along_dim_kernel(out, src, index, dim);
  if (needs_grad(src))
    record("GatherBackward0", {src}, out, [index, dim, shape = src.sizes()](const Tensor& g) -> TensorList {
      return {put_along(g, index, dim, shape)};
    });
  return out;
}

Tensor put_along(const Tensor& src, const Tensor& index, int64_t dim, const Shape& shape) {
  Tensor out = zeros(shape, src.dtype());
  cpu::put_along_dim_add_kernel(out, src, index, dim);
  if (needs_grad(src))
    record("ScatterAddBackward0", {src}, out, [index, dim](const Tensor& g) -> TensorList { return {take_along(g, index, dim)}; });
  return out;
}

}  // namespace ember::reduce
