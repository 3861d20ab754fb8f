// Tensors kept for backward. The version seen at save time is checked when the
// tensor is used, so an in-place change in between raises instead of giving a
// wrong gradient. An op's own output is kept without its grad_fn (that would be
// a reference cycle) and re-attached to the node that saved it when unpacked.
#pragma once
#include "ember/autograd/node.h"

namespace ember::autograd {

class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr = 0);
  // The saved tensor, checking its version. Saved outputs get the running node
  // (or `owner`) back as their grad_fn while grad mode is on (double backward).
  Tensor unpack() const;
  Tensor unpack(const std::shared_ptr<Node>& owner) const;
  bool defined() const { return data_.defined(); }
  void reset() { data_ = Tensor(); }

 private:
  Tensor data_;
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
};

inline SavedTensor save(const Tensor& t) { return SavedTensor(t, false); }
inline SavedTensor save_output(const Tensor& t, uint32_t output_nr = 0) { return SavedTensor(t, true, output_nr); }

}  // namespace ember::autograd
