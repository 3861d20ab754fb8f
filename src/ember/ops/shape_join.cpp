// Joining tensors: cat, stack and the h/v/d stacks built on them. The result
// dtype is the promotion of all inputs (like torch); the copy moves whole rows
// per input (cpu::cat_kernel), casting only the inputs that need it.
#include "ember/ops/shape_util.h"

namespace ember {

namespace {

// torch keeps accepting 1-D empty tensors in cat whatever the other shapes are.
bool legacy_skipped(const Tensor& t) { return t.dim() == 1 && t.sizes()[0] == 0; }

void check_same_device(const TensorList& ts, const char* op) {
  for (auto& t : ts)
    EMBER_CHECK(t.device() == ts[0].device(), op, "Expected all tensors to be on the same device, but found ",
                ts[0].device().str(), " and ", t.device().str());
}

}  // namespace

Tensor cat(const TensorList& ts, int64_t dim) {
  EMBER_CHECK(!ts.empty(), "cat", "torch.cat(): expected a non-empty list of Tensors");
  check_same_device(ts, "cat");
  for (size_t i = 0; i < ts.size(); ++i)
    EMBER_CHECK(ts[i].dim() > 0, "cat", "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
  Dtype dtype = result_type(ts);
  const Tensor* ref = nullptr;
  for (auto& t : ts)
    if (!legacy_skipped(t)) { ref = &t; break; }
  if (!ref) return empty({0}, dtype);
  const int64_t d = wrap_dim(dim, ref->dim(), "cat");
  Shape shape = ref->sizes();
  shape[d] = 0;
  TensorList parts;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    if (legacy_skipped(t)) continue;
    EMBER_CHECK(t.dim() == ref->dim(), "cat", "Tensors must have same number of dimensions: got ", ref->dim(), " and ", t.dim());
    for (int64_t k = 0; k < t.dim(); ++k)
      EMBER_CHECK(k == d || t.sizes()[k] == ref->sizes()[k], "cat", "Sizes of tensors must match except in dimension ", d,
                  ". Expected size ", ref->sizes()[k], " but got size ", t.sizes()[k], " for tensor number ", i,
                  " in the list.");
    shape[d] += t.sizes()[d];
    parts.push_back(t);
  }
  Tensor out = empty(shape, dtype);
  cpu::cat_kernel(out, parts, d);
  if (autograd::needs_grad_list(ts)) {
    std::vector<int64_t> sizes;  // -1 marks skipped inputs
    for (auto& t : ts) sizes.push_back(legacy_skipped(t) ? -1 : t.sizes()[d]);
    autograd::record("CatBackward0", ts, out, [sizes, d](const Tensor& g, const autograd::Node& n) -> TensorList {
      TensorList grads(sizes.size());
      int64_t off = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] < 0) {
          if (n.needs_input_grad(i)) grads[i] = zeros({0}, g.dtype());
          continue;
        }
        if (n.needs_input_grad(i)) grads[i] = narrow(g, d, off, sizes[i]);
        off += sizes[i];
      }
      return grads;
    });
  }
  return out;
}

Tensor stack(const TensorList& ts, int64_t dim) {
  EMBER_CHECK(!ts.empty(), "stack", "stack expects a non-empty TensorList");
  check_same_device(ts, "stack");
  for (size_t i = 1; i < ts.size(); ++i)
    EMBER_CHECK(ts[i].sizes() == ts[0].sizes(), "stack", "stack expects each tensor to be equal size, but got ",
                shape_str(ts[0].sizes()), " at entry 0 and ", shape_str(ts[i].sizes()), " at entry ", i);
  const int64_t d = wrap_dim(dim, ts[0].dim() + 1, "stack");
  // Each input seen with a size-1 dim inserted at d (no autograd: the node is StackBackward).
  TensorList parts;
  for (auto& t : ts) {
    Shape sz = t.sizes(), st = t.strides();
    sz.insert(sz.begin() + d, 1);
    st.insert(st.begin() + d, d < t.dim() ? sz[d + 1] * st[d] : 1);
    parts.push_back(make_view(t, sz, st, t.storage_offset()));
  }
  Shape shape = ts[0].sizes();
  shape.insert(shape.begin() + d, int64_t(ts.size()));
  Tensor out = empty(shape, result_type(ts));
  cpu::cat_kernel(out, parts, d);
  if (autograd::needs_grad_list(ts)) {
    size_t n = ts.size();
    autograd::record("StackBackward0", ts, out, [n, d](const Tensor& g, const autograd::Node& node) -> TensorList {
      TensorList grads(n);
      for (size_t i = 0; i < n; ++i)
        if (node.needs_input_grad(i)) grads[i] = select(g, d, int64_t(i));
      return grads;
    });
  }
  return out;
}

Tensor hstack(const TensorList& ts) {
  EMBER_CHECK(!ts.empty(), "hstack", "hstack expects a non-empty TensorList");
  TensorList r;
  for (auto& t : ts) r.push_back(atleast_1d(t));
  return cat(r, r[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(const TensorList& ts) {
  EMBER_CHECK(!ts.empty(), "vstack", "vstack expects a non-empty TensorList");
  TensorList r;
  for (auto& t : ts) r.push_back(atleast_2d(t));
  return cat(r, 0);
}

Tensor dstack(const TensorList& ts) {
  EMBER_CHECK(!ts.empty(), "dstack", "dstack expects a non-empty TensorList");
  TensorList r;
  for (auto& t : ts) r.push_back(atleast_3d(t));
  return cat(r, 2);
}

}  // namespace ember
