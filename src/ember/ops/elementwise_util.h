// Helpers shared by the elementwise op families (binary, unary, ternary).
#pragma once
#include "ember/ops/ops.h"

namespace ember::detail {

// t converted to dtype without autograd (the op records its own node).
Tensor cast_nograd(const Tensor& t, Dtype dtype);
// An output for an elementwise result: follows `like`'s memory layout when it
// already has the result shape and is dense, else contiguous.
Tensor empty_elementwise(const Shape& shape, Dtype dtype, const Tensor& like);
// torch.can_cast: may a value of dtype `from` be written into `to` by an in-place op?
bool can_cast(Dtype from, Dtype to);
// A number parameter converted to an integer dtype must be in its range (torch's checked conversion).
void check_scalar_fits(const char* op, double v, Dtype d);
// Checks for in-place elementwise ops: result shape and dtype fit self, and self
// has no element that several indices write (a broadcast view), as torch requires.
void check_inplace_result(const char* op, const Tensor& self, const Shape& result_shape, Dtype result_dtype);
// An input of an in-place op that shares memory with self: torch refuses a partial
// overlap (same bytes, another layout). Returns true where the overlap cannot be
// judged cheaply (strided views), so the caller reads from a copy instead.
bool check_input_overlap(const char* op, const Tensor& self, const Tensor& input);
// Promote integral/bool dtypes to the default float dtype (sqrt(int) -> float32).
inline Dtype to_float_dtype(Dtype d) { return is_floating(d) ? d : default_dtype(); }
bool is_non_overlapping_and_dense(const Tensor& t);

}  // namespace ember::detail
