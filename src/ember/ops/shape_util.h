// Helpers shared by the shape-and-views family (shape*.cpp): finishing a view
// (storage sharing, view marking, the backward node) and the "scatter into a
// view of zeros" op that backward formulas of views are made of.
#pragma once
#include <utility>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/shape_kernels.h"
#include "ember/ops/ops.h"

namespace ember::detail {

// Marks `out` (sharing t's storage) as a view of t and, when t needs grad,
// records `backward` (gradient of out -> gradient of t) as its grad_fn.
template <class F> Tensor finish_view(const Tensor& t, Tensor out, const char* name, F&& backward) {
  autograd::mark_view(out, t);
  if (autograd::needs_grad(t))
    autograd::record(name, {t}, out, [bw = std::forward<F>(backward)](const Tensor& g) -> TensorList { return {bw(g)}; });
  return out;
}

// The backward of a view op: zeros of `base_sizes` with src written into the
// region `raw(zeros)` selects. `raw` builds the view geometry only (no autograd);
// `view` is the differentiable view op itself, which is this op's own backward.
// With `accumulate`, overlapping view elements (unfold windows) add up.
template <class Raw, class View>
Tensor view_scatter(const Tensor& src, const Shape& base_sizes, Raw raw, View view, const char* name,
                    bool accumulate = false) {
  Tensor out = zeros(base_sizes, src.dtype());
  Tensor region = raw(out);
  if (accumulate) cpu::strided_accumulate_kernel(region, src);
  else cpu::copy_kernel(region, src);
  if (autograd::needs_grad(src))
    autograd::record(name, {src}, out, [view](const Tensor& g) -> TensorList { return {view(g)}; });
  return out;
}

// True when some two elements of the geometry may share a memory location
// (conservative: false means certainly not).
bool geometry_may_overlap(const Shape& sizes, const Shape& strides);

// Shape with one -1 resolved against numel (torch's infer_size), errors like torch.
Shape infer_size(const Shape& shape, int64_t numel, const char* op = "view");
// Strides for viewing (sizes, strides) as `shape`, or nullopt when that needs a copy.
std::optional<Shape> view_strides(const Shape& sizes, const Shape& strides, const Shape& shape);

// Differentiable gather/scatter-add of slices along one dim, by an index list:
//   gather_dim(t, d, idx):               out.select(d, j) = t.select(d, idx[j])
//   scatter_add_dim(g, d, idx, size):    out.select(d, idx[j]) += g.select(d, j), out.size(d) = size
// Each is the other's derivative. They back repeat_interleave, pad and roll.
Tensor gather_dim(const Tensor& t, int64_t dim, const std::vector<int64_t>& idx, const char* name);
Tensor scatter_add_dim(const Tensor& g, int64_t dim, const std::vector<int64_t>& idx, int64_t size, const char* name);

// The geometry of t.diagonal(offset, d1, d2) (dims already wrapped), without checks or autograd.
Tensor diagonal_raw(const Tensor& t, int64_t offset, int64_t d1, int64_t d2);

// transpose that is not marked as a view (for copies that end in a transposed layout, like rot90).
Tensor transpose_copy_result(const Tensor& t, int64_t d0, int64_t d1);

}  // namespace ember::detail
