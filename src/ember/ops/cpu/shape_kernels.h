// Kernels of the shape family: copies that move whole blocks (cat, gathers of
// slices along a dim, triangles) and the accumulating strided write used by
// backward formulas of overlapping views. Like every kernel, they take
// outputs already allocated and operands already in their final dtypes.
#pragma once
#include <vector>

#include "ember/core/tensor.h"

namespace ember::cpu {

// out <- inputs concatenated along dim. out is contiguous; each input has out's
// dtype and out's shape except along dim, whose sizes add up to out's.
void cat_kernel(const Tensor& out, const std::vector<Tensor>& inputs, int64_t dim);

// dst += src elementwise, where dst may be a view whose elements overlap
// (every contribution lands). Same shape and dtype.
void strided_accumulate_kernel(const Tensor& dst, const Tensor& src);

// Both contiguous, same dtype, viewed as [outer, n, inner] around `dim`:
//   gather:      out[o, j, i]  = in[o, idx[j], i]
//   scatter_add: out[o, idx[j], i] += in[o, j, i]   (out zero-filled by the caller)
void gather_dim_kernel(const Tensor& out, const Tensor& in, int64_t dim, const std::vector<int64_t>& idx);
void scatter_add_dim_kernel(const Tensor& out, const Tensor& in, int64_t dim, const std::vector<int64_t>& idx);

// out = in flipped along the dims marked in `flipped` (one flag per dim). Both
// contiguous, same shape and dtype, at least 1-D: rows along the last dim are
// copied whole (or reversed when the last dim flips).
void flip_kernel(const Tensor& out, const Tensor& in, const std::vector<bool>& flipped);

// out = tril(in, k) or triu(in, k) over the last two dims. out and in have the
// same shape and dtype; out is contiguous; in may be strided or be out itself.
void tri_kernel(const Tensor& out, const Tensor& in, int64_t k, bool upper);

}  // namespace ember::cpu
