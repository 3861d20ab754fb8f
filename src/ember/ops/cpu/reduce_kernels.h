// Reduction kernels: one shared reducer for the "fold many elements into one"
// ops, and line kernels for the ops that walk one dimension (arg max/min, scans,
// softmax, order statistics). Like every kernel they never allocate outputs,
// promote or touch autograd.
//
// Determinism: work is cut into blocks whose boundaries depend only on the
// shapes (never on the thread count) and partial results combine in a fixed
// order, so every result is bit-identical whatever get_num_threads() says.
#pragma once
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember::cpu {

enum class ReduceOp {
  Sum, NanSum, Mean, Prod, Max, Min, All, Any, CountNonzero,
  Norm0, Norm1, Norm2, NormP, NormInf, NormNegInf,  // vector norms (of |x|)
};

// out = op(in) over every dim where out has size 1 and in does not. `out` has
// in's number of dims (a keepdim-shaped view; any strides, 0 included, so
// sum_to can drop leading dims). Accumulation follows the input: float for
// float32/float16/bfloat16, double for float64, int64 for integers and bool;
// the result is cast to out's dtype. `p` is the exponent of NormP and the
// divisor of Mean. in.numel() may be 0: out gets the op's identity.
void reduce_kernel(ReduceOp op, const Tensor& out, const Tensor& in, double p = 0);

// Max/min along `dim` with the index of the first occurrence (a NaN wins and
// the first NaN is taken, like torch). values/indices are keepdim-shaped;
// values may be undefined (argmax). in.size(dim) > 0.
void arg_reduce_kernel(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim);

enum class ScanOp { Sum, Prod, LogSumExp, Max, Min };
// Inclusive scan along dim; out has in's shape and dtype. Sum/Prod/LogSumExp
// need contiguous in and out and may run from the end of each line (reverse,
// what their gradients use). Max/Min also write the index of the running
// extreme (ties move to the later index, like torch).
void scan_kernel(ScanOp op, const Tensor& out, const Tensor& indices, const Tensor& in, int64_t dim, bool reverse = false);
// Gradient of y = cumprod(x) along dim, exact when lines hold zeros; O(n) per line.
void cumprod_backward_kernel(const Tensor& grad_in, const Tensor& g, const Tensor& x, const Tensor& y, int64_t dim);

// softmax / log_softmax along dim; out has in's shape and dtype (floating).
void softmax_kernel(const Tensor& out, const Tensor& in, int64_t dim, bool log);
// The gradient of softmax (log: log_softmax) output y for g; contiguous float32 or
// float64 tensors of one shape.
void softmax_backward_kernel(const Tensor& gx, const Tensor& g, const Tensor& y, int64_t dim, bool log);

// Order statistics along dim (values/indices keepdim-shaped):
// median: the lower median; among equal values the one that comes k-th in
// (value, index) order; with a NaN in the line (and !ignore_nan) the first NaN.
// nanmedian (ignore_nan): the median of the non-NaN values.
void median_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, bool ignore_nan);
// mode: most frequent value (the smallest on ties) and its last index.
void mode_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim);
// Sorted copy of each line with the original positions: values/indices have in's
// shape; NaN sorts last; equal values keep their order.
void sort_lines_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim);

// Along dim: out[..., i, ...] = src[..., index[..., i, ...], ...] (gather), and the
// adjoint: out (zero-filled by the caller) [..., index[..., i, ...], ...] += src[..., i, ...].
void take_along_dim_kernel(const Tensor& out, const Tensor& src, const Tensor& index, int64_t dim);
void put_along_dim_add_kernel(const Tensor& out, const Tensor& src, const Tensor& index, int64_t dim);

}  // namespace ember::cpu
