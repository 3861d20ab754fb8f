// Autograd internals shared between the engine, tensors and the Python layer.
#pragma once
#include <functional>
#include <string>

#include "ember/autograd/node.h"

namespace ember::autograd {

struct CurrentNodeGuard {
  explicit CurrentNodeGuard(Node* n);
  ~CurrentNodeGuard();

 private:
  Node* prev_;
};

// Set by the Python layer: returns the Python stack where an op is created (anomaly mode).
std::function<std::string()>& creation_trace_hook();

void register_tensor_hook(const Tensor& t, std::function<Tensor(const Tensor&)> hook);
void retain_grad(const Tensor& t);
void accumulate_into_grad(const Tensor& variable, Tensor g);

}  // namespace ember::autograd
