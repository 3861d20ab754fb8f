// Per-tensor autograd state, allocated only for tensors that take part in autograd.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

struct Node;

struct AutogradMeta {
  bool requires_grad = false;  // set on leaves by the user; non-leaves require grad through grad_fn
  bool retains_grad = false;
  Tensor grad;                             // leaves
  std::shared_ptr<Tensor> retained_grad;   // non-leaves after retain_grad()
  std::shared_ptr<Node> grad_fn;
  std::weak_ptr<Node> grad_accumulator;  // leaves: the node that accumulates into .grad
  uint32_t output_nr = 0;
  // Hooks on the gradient of this tensor; for non-leaves they are attached to grad_fn at this output.
  std::vector<std::function<Tensor(const Tensor&)>> hooks;
  // Differentiable views: the tensor whose storage this views, and the geometry relative to it.
  Tensor base;
  // The version of the storage when grad_fn was last set: a view whose version
  // moved on since sees its base's newer history (see grad_fn_of).
  uint32_t attr_version = 0;
  bool is_view() const { return base.defined(); }
  // A view that is one of several outputs of one node (split, unbind): like torch,
  // in-place ops on it are refused while its graph is recorded.
  bool multi_output_view = false;
};

// The meta of t, created on first use.
AutogradMeta& meta(const Tensor& t);
inline AutogradMeta* meta_if(const Tensor& t) { return t.impl()->autograd.get(); }

}  // namespace ember::autograd
