#include "ember/core/tensor.h"

#include "ember/core/allocator.h"

namespace ember {

namespace {
Dtype g_default_dtype = Dtype::Float32;
}

Dtype default_dtype() { return g_default_dtype; }
void set_default_dtype(Dtype d) {
  EMBER_CHECK_TYPE(d == Dtype::Float32 || d == Dtype::Float64, "set_default_dtype",
                   "only floating-point types are supported as the default type");
  g_default_dtype = d;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = ndim > 0 ? ndim : 1;
  EMBER_CHECK_INDEX(dim >= -n && dim < n, op, "Dimension out of range (expected to be in range of [", -n, ", ",
                    n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

int64_t Tensor::size(int64_t d) const { return sizes()[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim(d, dim(), "stride")]; }

Scalar Tensor::item() const {
  EMBER_CHECK(numel() == 1, "item", "a Tensor with ", numel(), " elements cannot be converted to Scalar");
  return visit_dtype(dtype(), [&](auto tag) -> Scalar {
    using T = typename decltype(tag)::type;
    return Scalar(*reinterpret_cast<const T*>(impl_->data()));
  });
}

Tensor empty(const Shape& sizes, Dtype dtype, Device device) {
  for (auto s : sizes) EMBER_CHECK(s >= 0, "empty", "Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes));
  int64_t n = shape_numel(sizes);
  auto storage = Storage::allocate(size_t(n) * itemsize(dtype), device);
  return Tensor(make_ref<TensorImpl>(std::move(storage), sizes, contiguous_strides(sizes), 0, dtype));
}

Tensor empty_strided(const Shape& sizes, const Shape& strides, Dtype dtype, Device device) {
  EMBER_CHECK(sizes.size() == strides.size(), "empty_strided", "mismatch in length of strides and shape");
  int64_t extent = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0, "empty_strided", "negative dimension ", sizes[i]);
    if (sizes[i] == 0) { extent = 0; break; }
    extent += (sizes[i] - 1) * strides[i];
  }
  auto storage = Storage::allocate(size_t(extent) * itemsize(dtype), device);
  return Tensor(make_ref<TensorImpl>(std::move(storage), sizes, strides, 0, dtype));
}

Tensor make_view(const Tensor& t, Shape sizes, Shape strides, int64_t offset) {
  return Tensor(make_ref<TensorImpl>(t.storage(), std::move(sizes), std::move(strides), offset, t.dtype()));
}

Tensor scalar_tensor(const Scalar& s, Dtype dtype) {
  Tensor t = empty({}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *reinterpret_cast<T*>(t.raw_data()) = s.to<T>();
  });
  return t;
}

}  // namespace ember
