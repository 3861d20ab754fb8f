// ember::Tensor: a cheap handle (one refcounted pointer) to a TensorImpl.
// Copying a Tensor aliases; use clone() for a deep copy. The op surface lives
// in ember/ops/ops.h as free functions; the methods here are the core
// accessors plus the methods C++ users reach for most.
#pragma once
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/error.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor_impl.h"

namespace ember {

namespace autograd { struct Node; }

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Ref<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return bool(impl_); }
  TensorImpl* impl() const { return impl_.get(); }
  const Ref<TensorImpl>& impl_ref() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- geometry
  const Shape& sizes() const { return impl_->sizes; }
  const Shape& shape() const { return impl_->sizes; }
  const Shape& strides() const { return impl_->strides; }
  int64_t size(int64_t dim) const;    // negative dims count from the end
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return int64_t(impl_->sizes.size()); }
  int64_t ndim() const { return dim(); }
  int64_t numel() const { return impl_->numel; }
  int64_t storage_offset() const { return impl_->offset; }
  bool is_contiguous() const { return impl_->contiguous; }
  Dtype dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device(); }
  size_t element_size() const { return itemsize(impl_->dtype); }
  size_t nbytes() const { return size_t(numel()) * element_size(); }
  bool is_floating_point() const { return is_floating(dtype()); }
  const Ref<Storage>& storage() const { return impl_->storage; }

  // ---- data
  void* raw_data() const { return impl_->data(); }
  template <class T> T* data_ptr() const {
    EMBER_CHECK(dtype_of<T> == dtype(), "data_ptr", "expected dtype ", dtype_name(dtype_of<T>), " but tensor has ", dtype_name(dtype()));
    return reinterpret_cast<T*>(impl_->data());
  }
  Scalar item() const;
  template <class T> T item() const { return item().to<T>(); }
  uint32_t version() const { return impl_->storage->version(); }
  void bump_version() const { impl_->storage->bump_version(); }

  // ---- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool r = true);
  bool is_leaf() const;
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  std::shared_ptr<autograd::Node> grad_fn() const;
  uint32_t output_nr() const;
  void retain_grad() const;
  bool retains_grad() const;
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, const std::vector<Tensor>& inputs = {}) const;
  Tensor detach() const;
  Tensor& detach_();
  // Register a hook run on this tensor's gradient; it may return a replacement (or an undefined Tensor to keep it).
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;

  // ---- common ops as methods (defined with the ops)
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(Dtype dtype, bool copy = false) const;
  Tensor& copy_(const Tensor& src);
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor permute(const Shape& dims) const;
  Tensor t() const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor expand(const Shape& shape) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor sum() const;
  Tensor mean() const;
  Tensor matmul(const Tensor& other) const;
  Tensor& zero_();
  Tensor& fill_(const Scalar& value);

 private:
  Ref<TensorImpl> impl_;
};

using TensorList = std::vector<Tensor>;

// Wrap dim into [0, ndim); ndim 0 accepts -1 and 0 like torch.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op = "");

// A new uninitialised tensor (contiguous unless strides are given).
Tensor empty(const Shape& sizes, Dtype dtype = Dtype::Float32, Device device = Device());
Tensor empty_strided(const Shape& sizes, const Shape& strides, Dtype dtype = Dtype::Float32, Device device = Device());
// A view of t's storage with the given geometry (no autograd; see ops::as_strided).
Tensor make_view(const Tensor& t, Shape sizes, Shape strides, int64_t offset);
// A tensor holding one number.
Tensor scalar_tensor(const Scalar& s, Dtype dtype);

Dtype default_dtype();
void set_default_dtype(Dtype d);

}  // namespace ember
