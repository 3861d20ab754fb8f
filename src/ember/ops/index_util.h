// Helpers shared by the indexing family's op files (index, scatter, sort,
// unique) and the Python indexing layer. Not part of the public op surface.
#pragma once
#include "ember/ops/ops.h"

namespace ember::detail {

// Checks an index tensor's dtype: int64, or int32 where `allow_int32`.
// The message follows torch: "<op>(): Expected dtype int64 for index".
void check_index_dtype(const char* op, const Tensor& index, bool allow_int32 = false, bool index_error = false);
// `index` as a contiguous int64 tensor (itself when it already is one).
Tensor index_as_long(const Tensor& index);

// Geometry-only views for tensors that do not take part in autograd (fresh
// results, index tensors, values inside a kernel call).
Tensor raw_view(const Tensor& t, const Shape& sizes);       // t contiguous; same numel
Tensor raw_expand(const Tensor& t, const Shape& sizes);     // broadcasting view (stride 0)
Tensor raw_unsqueeze(const Tensor& t, int64_t dim);
Tensor raw_squeeze(const Tensor& t, int64_t dim);           // dim has size 1
Tensor raw_movedim_front(const Tensor& t, int64_t dim);      // dim becomes dim 0

// Element offset of each position of the broadcast index tensors into a
// tensor with `sizes`/`strides`, where index k addresses dims[k]. Negative
// indices wrap; out-of-range ones raise IndexError with torch's message.
struct IndexOffsets {
  Shape bshape;                 // broadcast shape of the index tensors
  std::vector<int64_t> offsets; // one per position of bshape (row-major)
};
IndexOffsets compute_index_offsets(const std::vector<Tensor>& indices, const std::vector<int64_t>& dims,
                                   const Shape& sizes, const Shape& strides, const char* op);

// The elements of `self` that an index addresses, as three blocks of dims:
// the dims before the indexed ones (outer), the broadcast index positions (b)
// and the dims after them (inner). The result of indexing has shape
// outer + bshape + inner.
struct IndexedBlock {
  Shape outer_sizes, outer_strides, inner_sizes, inner_strides;  // of self
  IndexOffsets off;                                              // b -> element offset into self
  Shape result_shape;
};
// self[block] as a new contiguous tensor.
Tensor copy_block_out(const Tensor& self, const IndexedBlock& block);
// self[block] = values (or += with accumulate); values have self's dtype and
// broadcast to block.result_shape. Repeated positions: the last write wins,
// sums accumulate in order.
void copy_block_in(const Tensor& self, const IndexedBlock& block, const Tensor& values, bool accumulate);

}  // namespace ember::detail
