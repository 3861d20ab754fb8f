// copy_, dtype conversion, clone, contiguous, detach.
#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/ops.h"

namespace ember {

using autograd::record;
using autograd::needs_grad;

namespace {
bool overlaps_partially(const Tensor& a, const Tensor& b) {
  if (a.storage() != b.storage()) return false;
  if (a.numel() == 0 || b.numel() == 0) return false;
  auto range = [](const Tensor& t) {
    int64_t lo = t.storage_offset(), hi = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) {
      int64_t ext = (t.sizes()[d] - 1) * t.strides()[d];
      if (ext < 0) lo += ext; else hi += ext;
    }
    return std::pair<int64_t, int64_t>(lo, hi);
  };
  auto [alo, ahi] = range(a);
  auto [blo, bhi] = range(b);
  if (ahi < blo || bhi < alo) return false;
  return !(a.sizes() == b.sizes() && a.strides() == b.strides() && a.storage_offset() == b.storage_offset());
}
}  // namespace

Tensor& copy_(Tensor& self, const Tensor& src) {
  EMBER_CHECK(is_expandable_to(src.sizes(), self.sizes()), "copy_", "source of shape ", shape_str(src.sizes()),
              " cannot be broadcast to destination of shape ", shape_str(self.sizes()));
  autograd::check_inplace(self, "copy_");
  if (overlaps_partially(self, src)) {
    Tensor tmp = clone(detach(src));
    cpu::copy_kernel(self, tmp);
  } else {
    cpu::copy_kernel(self, src);
  }
  Shape src_shape = src.sizes();
  Dtype src_dtype = src.dtype();
  autograd::record_inplace("CopyBackwards", self, {src}, [src_shape, src_dtype](const Tensor& g) -> TensorList {
    return {zeros_like(g), g.to(src_dtype)};
  });
  return self;
}

Tensor to_dtype(const Tensor& t, Dtype dtype, bool copy) {
  if (t.dtype() == dtype && !copy) return t;
  Tensor out = empty_like(t, dtype);
  cpu::copy_kernel(out, t);
  if (needs_grad(t) && is_floating(dtype) && is_floating(t.dtype())) {
    Dtype from = t.dtype();
    record("ToCopyBackward0", {t}, out, [from](const Tensor& g) -> TensorList { return {to_dtype(g, from)}; });
  }
  return out;
}

Tensor clone(const Tensor& t) {
  Tensor out = empty_like(t);
  cpu::copy_kernel(out, t);
  if (needs_grad(t)) record("CloneBackward0", {t}, out, [](const Tensor& g) -> TensorList { return {g}; });
  return out;
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), t.dtype());
  cpu::copy_kernel(out, t);
  if (needs_grad(t)) record("CloneBackward0", {t}, out, [](const Tensor& g) -> TensorList { return {g}; });
  return out;
}

Tensor detach(const Tensor& t) { return make_view(t, t.sizes(), t.strides(), t.storage_offset()); }

// ---- Tensor methods that are thin wrappers
Tensor Tensor::contiguous() const { return ember::contiguous(*this); }
Tensor Tensor::clone() const { return ember::clone(*this); }
Tensor Tensor::to(Dtype d, bool copy) const { return to_dtype(*this, d, copy); }
Tensor& Tensor::copy_(const Tensor& src) { return ember::copy_(*this, src); }
Tensor Tensor::detach() const { return ember::detach(*this); }

}  // namespace ember
