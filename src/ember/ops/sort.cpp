// Ordering along a dimension: sort, argsort, msort, topk, kthvalue.
// Their gradients put the incoming gradient back where each value came from.
#include "ember/autograd/function.h"
#include "ember/ops/cpu/index_kernels.h"
#include "ember/ops/index_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record_multi;
using autograd::save;

namespace {

// zeros(sizes).scatter(dim, indices, g): the gradient of values picked along dim.
// With keepdim=false the picked dim was removed from g and indices: restore it first.
Tensor value_selecting_backward(const Tensor& g, int64_t dim, const Tensor& indices, const Shape& sizes, bool keepdim) {
  if (sizes.empty()) return g;  // a 0-d input picks its only value
  Tensor gg = g, ii = indices;
  if (!keepdim) {
    gg = unsqueeze(g, dim);
    ii = detail::raw_unsqueeze(indices, dim);
  }
  return scatter(zeros(sizes, g.dtype()), dim, ii, gg);
}

}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& t, int64_t dim, bool descending, bool stable) {
  (void)stable;  // the kernel is always stable
  dim = wrap_dim(dim, t.dim(), "sort");
  Tensor values = empty(t.sizes(), t.dtype());
  Tensor indices = empty(t.sizes(), Dtype::Int64);
  cpu::sort_kernel(values, indices, t, dim, descending);
  if (needs_grad(t) && is_floating(t.dtype())) {
    record_multi("SortBackward0", {t}, {&values}, [dim, sizes = t.sizes(), si = save(indices)](TensorList&& g) -> TensorList {
      return {value_selecting_backward(g[0], dim, si.unpack(), sizes, true)};
    });
  }
  return {values, indices};
}

Tensor argsort(const Tensor& t, int64_t dim, bool descending, bool stable) {
  autograd::NoGradGuard ng;
  return sort(t, dim, descending, stable).second;
}

Tensor msort(const Tensor& t) { return sort(t, 0).first; }

std::pair<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
  dim = wrap_dim(dim, t.dim(), "topk");
  int64_t size = t.dim() == 0 ? 1 : t.sizes()[dim];
  EMBER_CHECK(k >= 0 && k <= size, "topk", "selected index k out of range (k = ", k, ", size = ", size, ")");
  Shape shape = t.sizes();
  if (t.dim() > 0) shape[dim] = k;
  Tensor values = empty(shape, t.dtype());
  Tensor indices = empty(shape, Dtype::Int64);
  if (t.dim() == 0 && k == 0) {
    // torch: a 0-d input with k == 0 gives empty results shaped like the input's dim list
    values = empty({0}, t.dtype());
    indices = empty({0}, Dtype::Int64);
  } else {
    cpu::topk_kernel(values, indices, t, k, dim, largest, sorted);
  }
  if (needs_grad(t) && is_floating(t.dtype())) {
    record_multi("TopkBackward0", {t}, {&values}, [dim, sizes = t.sizes(), si = save(indices)](TensorList&& g) -> TensorList {
      return {value_selecting_backward(g[0], dim, si.unpack(), sizes, true)};
    });
  }
  return {values, indices};
}

std::pair<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
  dim = wrap_dim(dim, t.dim(), "kthvalue");
  int64_t size = t.dim() == 0 ? 1 : t.sizes()[dim];
  EMBER_CHECK(k >= 1 && k <= size, "kthvalue()", "selected number k out of range for dimension ", dim);
  Shape shape = t.sizes();
  if (t.dim() > 0) shape[dim] = 1;
  Tensor values = empty(shape, t.dtype());
  Tensor indices = empty(shape, Dtype::Int64);
  cpu::kthvalue_kernel(values, indices, t, k, dim);
  if (!keepdim && t.dim() > 0) {
    values = detail::raw_squeeze(values, dim);
    indices = detail::raw_squeeze(indices, dim);
  }
  if (needs_grad(t) && is_floating(t.dtype())) {
    record_multi("KthvalueBackward0", {t}, {&values},
                 [dim, keepdim, sizes = t.sizes(), si = save(indices)](TensorList&& g) -> TensorList {
                   return {value_selecting_backward(g[0], dim, si.unpack(), sizes, keepdim)};
                 });
  }
  return {values, indices};
}

}  // namespace ember
