// Scatter-style ops written with ember's views, copy_ and scatter ops: *_scatter (a view of
// a copy of input overwritten by src; autograd through the view's in-place copy), index_reduce
// (scatter_reduce with the index spread over the source slices), put, sum_to_size, diagflat,
// narrow_copy and the *_copy forms of views.
#include "ember/autograd/function.h"
#include "ember/ops/tensorapi.h"

namespace ember {

namespace {

// The *_scatter ops take src of exactly the view's shape (no broadcasting), as torch does.
template <class View> Tensor scatter_into_view(const char* op, const Tensor& input, const Tensor& src, View&& view_of) {
  Tensor out = clone(input);
  Tensor v = view_of(out);
  EMBER_CHECK(src.sizes() == v.sizes(), op, "expected src to have a size equal to the slice of self. src size = ",
              shape_str(src.sizes()), ", slice size = ", shape_str(v.sizes()));
  copy_(v, src);
  return out;
}

}  // namespace

Tensor select_scatter(const Tensor& input, const Tensor& src, int64_t dim, int64_t index) {
  return scatter_into_view("select_scatter", input, src, [&](const Tensor& t) { return select(t, dim, index); });
}

Tensor slice_scatter(const Tensor& input, const Tensor& src, int64_t dim, std::optional<int64_t> start,
                     std::optional<int64_t> end, int64_t step) {
  return scatter_into_view("slice_scatter", input, src, [&](const Tensor& t) { return slice(t, dim, start, end, step); });
}

Tensor diagonal_scatter(const Tensor& input, const Tensor& src, int64_t offset, int64_t dim1, int64_t dim2) {
  return scatter_into_view("diagonal_scatter", input, src,
                           [&](const Tensor& t) { return diagonal(t, offset, dim1, dim2); });
}

// The strided view is taken on the copy, whose layout follows input's (clone keeps dense strides).
Tensor as_strided_scatter(const Tensor& input, const Tensor& src, const Shape& size, const Shape& stride,
                          std::optional<int64_t> storage_offset) {
  return scatter_into_view("as_strided_scatter", input, src,
                           [&](const Tensor& t) { return as_strided(t, size, stride, storage_offset); });
}

// ---------------------------------------------------------------- index_reduce
namespace {

void check_index_reduce(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                        const std::string& reduce) {
  const char* op = "index_reduce";
  EMBER_CHECK(reduce == "prod" || reduce == "mean" || reduce == "amax" || reduce == "amin", op,
              "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got ", reduce, ".");
  EMBER_CHECK_INDEX(index.dim() <= 1, op, "index_reduce_(): Index is supposed to be a vector, but got dim: ",
                    index.dim(), " with type: ", scalar_type_name(index.dtype()), " and size: ", shape_str(index.sizes()));
  EMBER_CHECK(index.dtype() == Dtype::Int64 || index.dtype() == Dtype::Int32, op,
              "index_reduce_(): Expected dtype int32/int64 for index but got: ", scalar_type_name(index.dtype()));
  EMBER_CHECK(self.dtype() == source.dtype(), op, "index_reduce_(): self (", scalar_type_name(self.dtype()),
              ") and source (", scalar_type_name(source.dtype()), ") must have the same scalar type");
  const int64_t n = source.dim() == 0 ? 1 : source.size(dim);
  EMBER_CHECK(index.numel() == n, op, "index_reduce_(): Number of indices (", index.numel(),
              ") should be equal to source.size(dim): (", n, "), for dim: ", dim);
  // every slice but the indexed dim has one shape in self and source
  Shape self_slice = self.sizes(), src_slice = source.sizes();
  if (self.dim() > 0) self_slice.erase(self_slice.begin() + dim);
  if (source.dim() > 0) src_slice.erase(src_slice.begin() + dim);
  EMBER_CHECK(self_slice == src_slice, op, "index_reduce_(): Source/destination tensor must have same slice shapes. "
              "Destination slice shape: ", shape_str(self_slice), " and source slice shape: ", shape_str(src_slice));
  if (index.numel() > 0) {
    const int64_t size = self.dim() == 0 ? 1 : self.size(dim);
    Tensor idx = to_dtype(detach(index), Dtype::Int64);
    EMBER_CHECK_INDEX(amin(idx).item().to<int64_t>() >= 0 && amax(idx).item().to<int64_t>() < size, op,
                      "index out of range in self");
  }
}

}  // namespace

Tensor index_reduce(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                    bool include_self) {
  dim = wrap_dim(dim, std::max<int64_t>(input.dim(), 1), "index_reduce");
  check_index_reduce(input, dim, index, source, reduce);
  // 0-d operands act as 1-element vectors
  Tensor self = input.dim() == 0 ? reshape(input, {1}) : input;
  Tensor src = source.dim() == 0 ? reshape(source, {1}) : source;
  // index[i] for every element of source slice i: the scatter_reduce index
  Shape view_shape(size_t(src.dim()), 1);
  view_shape[size_t(dim)] = index.numel();
  Tensor idx = expand(reshape(to_dtype(detach(index), Dtype::Int64), view_shape), src.sizes());
  Tensor out = scatter_reduce(self, dim, idx, src, reduce, include_self);
  return input.dim() == 0 ? reshape(out, {}) : out;
}

Tensor& index_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                      bool include_self) {
  Tensor r = index_reduce(autograd::needs_grad(self) ? clone(self) : self, dim, index, source, reduce, include_self);
  return copy_(self, r);
}

// ---------------------------------------------------------------- put
Tensor put(const Tensor& input, const Tensor& index, const Tensor& source, bool accumulate) {
  const char* op = "put";
  EMBER_CHECK(index.dtype() == Dtype::Int64, op, "put_(): Expected a long tensor for index, but got ",
              scalar_type_name(index.dtype()));
  EMBER_CHECK(input.dtype() == source.dtype(), op, "put_(): self and source expected to have the same dtype, but got "
              "self.dtype = ", scalar_type_name(input.dtype()), " and source.dtype = ", scalar_type_name(source.dtype()));
  EMBER_CHECK_INDEX(index.numel() == source.numel(), op, "put_(): Expected source and index to have the same number of "
                    "elements, but got source.numel() = ", source.numel(), ", index.numel() = ", index.numel());
  if (index.numel() == 0) return clone(input);
  const int64_t n = input.numel();
  Tensor flat_index = reshape(detach(index), {-1});
  const int64_t lo = amin(flat_index).item().to<int64_t>(), hi = amax(flat_index).item().to<int64_t>();
  EMBER_CHECK_INDEX(lo >= -n && hi < n, op, "out of range: tried to access index ", hi >= n ? hi : lo,
                    " on a tensor of ", n, " elements.");
  Tensor flat = index_put(reshape(input, {-1}), {flat_index}, reshape(source, {-1}), accumulate);
  return reshape(flat, input.sizes());
}

Tensor& put_(Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  return copy_(self, put(autograd::needs_grad(self) ? clone(self) : self, index, source, accumulate));
}

// ---------------------------------------------------------------- small reshaping helpers
Tensor sum_to_size(const Tensor& t, const Shape& size) {
  EMBER_CHECK(is_expandable_to(size, t.sizes()), "sum_to_size", "size {", shape_str(size),
              "} is not expandable to size {", shape_str(t.sizes()), "}.");
  if (size == t.sizes()) return t;  // torch returns self
  // a reduction accumulates integers in int64, like sum
  return sum_to(is_floating(t.dtype()) ? t : to_dtype(t, Dtype::Int64), size);
}

Tensor diagflat(const Tensor& t, int64_t offset) { return diag(reshape(t, {-1}), offset); }

Tensor narrow_copy(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  // torch's narrow_copy kernel reports a dim past the end as a RuntimeError (a negative one as IndexError, like narrow)
  EMBER_CHECK(dim < t.dim(), "narrow_copy", "Dimension out of range (expected to be in range of [",
              -t.dim(), ", ", t.dim() - 1, "], but got ", dim, ")");
  if (start >= 0 && t.dim() > 0) {
    const int64_t size = t.size(wrap_dim(dim, t.dim(), "narrow_copy"));
    EMBER_CHECK(length >= 0 && start + length <= size, "narrow_copy", "start (", start, ") + length (", length,
                ") exceeds dimension size (", size, ").");
  }
  Tensor v = narrow(t, dim, start, length);
  return v.is_contiguous() ? clone(v) : contiguous(v);
}

Tensor copy_of_view(const Tensor& view) { return clone(view); }

}  // namespace ember
