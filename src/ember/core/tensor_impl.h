// The tensor proper: a window (sizes, strides, offset) onto a Storage, with a
// dtype. Views are TensorImpls sharing one Storage. Autograd state is kept out
// of line and allocated only for tensors that take part in autograd.
#pragma once
#include <memory>
#include <vector>

#include "ember/core/dtype.h"
#include "ember/core/storage.h"

namespace ember {

using Shape = std::vector<int64_t>;

namespace autograd { struct AutogradMeta; }

class TensorImpl : public RefCounted {
 public:
  TensorImpl(Ref<Storage> storage, Shape sizes, Shape strides, int64_t offset, Dtype dtype);
  ~TensorImpl() override;

  Ref<Storage> storage;
  Shape sizes;
  Shape strides;  // in elements
  int64_t offset = 0;  // in elements
  int64_t numel = 1;
  Dtype dtype = Dtype::Float32;
  bool contiguous = true;
  bool wrapped_number = false;  // a Python number turned into a 0-d tensor (type promotion treats it as weak)
  std::unique_ptr<autograd::AutogradMeta> autograd;
  void* pyobj = nullptr;  // the Python object wrapping this impl, if one exists (borrowed)

  // Recompute numel and contiguity after sizes/strides change.
  void refresh();
  char* data() const { return static_cast<char*>(storage->data()) + offset * int64_t(itemsize(dtype)); }
};

Shape contiguous_strides(const Shape& sizes);
int64_t shape_numel(const Shape& sizes);
std::string shape_str(const Shape& s);  // "[2, 3]"

}  // namespace ember
