// torch's in-place metadata ops (squeeze_, unsqueeze_, transpose_, t_): the tensor
// takes the geometry of the matching view of itself and keeps its storage. And
// resize_, which may also grow the storage.
#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/meta.h"
#include "ember/ops/ops.h"
#include "ember/ops/tensorapi.h"

namespace ember {

namespace {

// `view` is a view of `self`. Under autograd, self's history becomes the view's,
// so the gradient flows back through the view op's own derivative.
Tensor& take_geometry(Tensor& self, const Tensor& view, const char* op) {
  autograd::check_inplace(self, op);
  TensorImpl* s = self.impl();
  const TensorImpl* v = view.impl();
  s->sizes = v->sizes;
  s->strides = v->strides;
  s->offset = v->offset;
  s->refresh();
  self.bump_version();
  // Not autograd::set_grad_fn: that moves a retain_grad hook to the new node, while torch
  // leaves it where it was (y.retain_grad(); y.squeeze_() reports the gradient of y as it was
  // before the squeeze). tests/python/test_shape.py pins this.
  if (auto* vm = autograd::meta_if(view); vm && vm->grad_fn) {
    auto& m = autograd::meta(self);
    m.grad_fn = vm->grad_fn;
    m.output_nr = vm->output_nr;
    m.attr_version = self.version();
  }
  return self;
}

}  // namespace

Tensor& squeeze_(Tensor& t) { return take_geometry(t, squeeze(t), "squeeze_"); }
Tensor& squeeze_(Tensor& t, const Dims& dims) { return take_geometry(t, squeeze(t, dims), "squeeze_"); }
Tensor& unsqueeze_(Tensor& t, int64_t dim) { return take_geometry(t, unsqueeze(t, dim), "unsqueeze_"); }
Tensor& transpose_(Tensor& t, int64_t d0, int64_t d1) { return take_geometry(t, transpose(t, d0, d1), "transpose_"); }
Tensor& t_(Tensor& x) { return take_geometry(x, t(x), "t_"); }
Tensor& as_strided_(Tensor& t, const Shape& size, const Shape& stride, std::optional<int64_t> storage_offset) {
  return take_geometry(t, as_strided(t, size, stride, storage_offset), "as_strided_");
}

Tensor& resize_(Tensor& self, const Shape& size) {
  for (int64_t s : size)
    EMBER_CHECK(s >= 0, "resize_", "Trying to create tensor with negative dimension ", s, ": ", shape_str(size));
  EMBER_CHECK(!self.requires_grad() || !autograd::grad_enabled(), "resize_", "cannot resize variables that require grad");
  TensorImpl* impl = self.impl();
  const size_t need = size_t(impl->offset + shape_numel(size)) * itemsize(impl->dtype);
  impl->storage->grow(need);
  if (impl->sizes != size) {  // torch keeps the strides when the shape does not change
    impl->sizes = size;
    impl->strides = contiguous_strides(size);
  }
  impl->refresh();
  return self;
}

}  // namespace ember
