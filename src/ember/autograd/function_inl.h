// Template part of function.h: in-place recording.
#pragma once

namespace ember::autograd {

// Installs `node` as the history of in-place-modified `self` (handles views: the
// base's history is rebased through a CopySlices node).
void set_history_inplace(Tensor& self, const std::shared_ptr<Node>& node, const TensorList& others);

template <class F>
void record_inplace(const char* name, Tensor& self, const TensorList& others, F&& fn) {
  self.bump_version();
  TensorList all;
  all.reserve(others.size() + 1);
  all.push_back(self);
  for (auto& o : others) all.push_back(o);
  if (!grad_enabled() || !(any_requires_grad(all) || (meta_if(self) && meta_if(self)->is_view() && any_requires_grad(others)))) {
    detail::take_pending_saves();  // fn (and what it saved) is dropped with no node
    return;
  }
  auto node = std::make_shared<FnNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  set_history_inplace(self, node, others);
}

}  // namespace ember::autograd
