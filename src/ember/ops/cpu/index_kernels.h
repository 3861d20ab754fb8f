// Kernels of the indexing family: advanced-index copies, gather/scatter along
// a dimension, sorting and selection along a dimension. Like every kernel they
// never allocate results, promote or touch autograd; index values are checked
// here (out-of-range raises) because only the kernel reads them.
#pragma once
#include <cstdint>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::cpu {

// ---------------------------------------------------------------- advanced indexing
// One side of an advanced-index copy. Its element (p, b, i) lives at
//   base + (outer_offset(p) + boff[b] + inner_offset(i)) * itemsize
// where p runs over the dims before the indexed block, b over the broadcast
// index positions and i over the dims after it (all offsets in elements).
// Without a table (boff null) the b-offset is b * bstride.
struct IndexOperand {
  char* base = nullptr;
  Shape outer_strides, inner_strides;
  const int64_t* boff = nullptr;
  int64_t bstride = 0;
};

// dst(p, b, i) = src(p, b, i), or += with `accumulate`; both have `dtype`.
// `dst_repeats`: several b may address the same dst element (index_put), so
// for each (p, i) the b are visited in increasing order: the last write wins
// and sums are formed in a fixed order.
void index_copy_loop(const IndexOperand& dst, const IndexOperand& src, const Shape& outer_sizes, int64_t nb,
                     const Shape& inner_sizes, Dtype dtype, bool accumulate, bool dst_repeats);

// ---------------------------------------------------------------- along one dimension
enum class ScatterOp { Assign, Sum, Prod, Max, Min };

// out = self.gather(dim, index): out has index's shape. Raises on an index out of [0, self.size(dim)).
void gather_kernel(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index);
// self.scatter_(dim, index, src) combining with `op`; src is read at index's positions
// (a stride-0 view serves for a scalar value). Same dtype for self and src.
void scatter_kernel(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, ScatterOp op);

// Sort each line along dim: values (self's dtype) and int64 indices, shaped like self.
// NaN compares greater than every number (last ascending, first descending); stable.
void sort_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim, bool descending);
// The k smallest/largest of each line along dim: values and indices have self's shape with k at dim.
void topk_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k, int64_t dim, bool largest,
                 bool sorted);
// The k-th smallest (1-based) of each line: values/indices have self's shape with 1 at dim.
void kthvalue_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k, int64_t dim);

}  // namespace ember::cpu
