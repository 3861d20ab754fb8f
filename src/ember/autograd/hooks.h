// Autograd internals shared between the engine, tensors, custom functions and
// the Python layer.
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
// Stores the creation stack in node when anomaly mode is on.
void record_creation_trace(Node& node);

// Make fn (output output_nr) the grad_fn of t; a retain_grad hook moves along.
void set_grad_fn(const Tensor& t, const std::shared_ptr<Node>& fn, uint32_t output_nr);
void register_tensor_hook(const Tensor& t, std::function<Tensor(const Tensor&)> hook);
void retain_grad(const Tensor& t);
void accumulate_into_grad(const Tensor& variable, Tensor g);
// "ember.FloatTensor" and friends, as torch spells tensor types in autograd errors.
std::string legacy_type_name(Dtype d);

// Where a view sits in its base: the base's own layout and the view's geometry,
// with the offset counted from the base's first element.
struct ViewGeometry {
  Shape base_sizes, base_strides;
  Shape sizes, strides;
  int64_t offset = 0;
};
ViewGeometry view_geometry(const Tensor& view, const Tensor& base);
// A base-shaped tensor holding g at the view's elements and zero elsewhere
// (elements the view reaches more than once get the sum). Differentiable.
Tensor view_scatter(const Tensor& g, const ViewGeometry& geo);
// The view's elements of a base-shaped tensor t. Differentiable.
Tensor view_gather(const Tensor& t, const ViewGeometry& geo);

}  // namespace ember::autograd
