// Helpers shared by the reduction op files (reduce, stats, scan, softmax):
// dim lists, result shapes, the call into the reducer, and the few
// differentiable views their backward formulas need.
#pragma once
#include <vector>

#include "ember/ops/cpu/reduce_kernels.h"
#include "ember/ops/ops.h"

namespace ember::reduce {

using Mask = std::vector<bool>;  // one flag per dim: reduced or not

// The dims named by `dims` (empty means all), wrapped. IndexError when out of
// range, RuntimeError when one is named twice (torch's messages).
Mask dim_mask(const Dims& dims, int64_t ndim, const char* op);
Mask one_dim_mask(int64_t dim, int64_t ndim, const char* op);
Shape keep_shape(const Shape& s, const Mask& m);  // reduced dims become 1
Shape result_shape(const Shape& s, const Mask& m, bool keepdim);
int64_t reduced_numel(const Shape& s, const Mask& m);
Dims mask_dims(const Mask& m);  // the reduced dims as a list

// Runs the reducer into a new tensor of `dtype` in the result shape (no autograd).
Tensor run(cpu::ReduceOp op, const Tensor& in, const Mask& m, bool keepdim, Dtype dtype, double p = 0);

// For ops without an identity (amax, max(dim), ...): IndexError naming the
// first reduced dim of size 0, like torch.
void check_nonempty_dims(const char* op, const Tensor& t, const Mask& m);


// t with `shape` (same numel), a view where strides allow (always when only
// size-1 dims change), else a contiguous copy. Differentiable.
Tensor reshape_alias(const Tensor& t, const Shape& shape);
// t broadcast to `shape` as a stride-0 view. Differentiable (backward: sum_to).
Tensor expand_to(const Tensor& t, const Shape& shape);
// Dims reordered: result dim i is t's dim perm[i] (a view). Differentiable.
Tensor permute_view(const Tensor& t, const Dims& perm);
// A gradient of the reduced result (keepdim or not) as a keepdim-shaped tensor.
Tensor to_keepdim(const Tensor& g, const Shape& in_shape, const Mask& m, bool keepdim);
// ... and broadcast to the input's shape.
Tensor grad_to_input(const Tensor& g, const Shape& in_shape, const Mask& m, bool keepdim);

// Along dim: take src at the positions in index (index has the result's shape),
// and its adjoint: a zero tensor of `shape` with src added at the positions.
// Both differentiable in their tensor argument.
Tensor take_along(const Tensor& src, const Tensor& index, int64_t dim);
Tensor put_along(const Tensor& src, const Tensor& index, int64_t dim, const Shape& shape);

// A wrapped-number scalar for formulas.
inline Tensor S(double v) { return wrap_scalar(v); }
// Where x is NaN, as a bool mask (x != x).
inline Tensor nan_mask(const Tensor& x) { return ne(x, x); }

}  // namespace ember::reduce
