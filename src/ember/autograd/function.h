// How an op joins the graph. After computing its outputs, an op calls
//
//   if (autograd::needs_grad(a, b))
//     autograd::record("MulBackward0", {a, b}, out,
//         [sa = autograd::save(a), sb = autograd::save(b)](const Tensor& g) -> TensorList {
//           return {mul(g, sb.unpack()), mul(g, sa.unpack())};
//         });
//
// The lambda returns one gradient per input (undefined where there is none).
// It may also take (const Tensor& g, const Node& n) to ask n.needs_input_grad(i).
// Gradients need not match the inputs' shapes or dtypes: the engine sums
// broadcast dimensions away and casts, so formulas stay short.
// Never capture an output Tensor directly (a reference cycle): use save_output.
#pragma once
#include <initializer_list>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/meta.h"
#include "ember/autograd/node.h"
#include "ember/autograd/saved.h"

namespace ember::autograd {

bool view_requires_grad_slow(const Tensor& view);

inline bool requires_grad(const Tensor& t) {
  if (!t.defined()) return false;
  auto* m = t.impl()->autograd.get();
  if (!m) return false;
  if (m->requires_grad || m->grad_fn) return true;
  // A view taken before its base got a history requires grad once the base was modified in place.
  return m->base.defined() && view_requires_grad_slow(t);
}

// True when grad mode is on and any argument requires grad.
template <class... T> bool needs_grad(const T&... ts) {
  return grad_enabled() && (requires_grad(ts) || ...);
}
bool any_requires_grad(const TensorList& ts);
inline bool needs_grad_list(const TensorList& ts) { return grad_enabled() && any_requires_grad(ts); }

// Wire a created node: edges to inputs, outputs pointing at the node.
void connect(const std::shared_ptr<Node>& node, const TensorList& inputs, const std::vector<Tensor*>& outputs);

template <class F>
std::shared_ptr<Node> record(const char* name, const TensorList& inputs, Tensor& out, F&& fn) {
  auto node = std::make_shared<FnNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  connect(node, inputs, {&out});
  return node;
}

// Several outputs: fn receives one gradient per output (zero-filled when an output got none).
template <class F>
std::shared_ptr<Node> record_multi(const char* name, const TensorList& inputs, const std::vector<Tensor*>& outs, F&& fn) {
  auto node = std::make_shared<FnNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  connect(node, inputs, outs);
  return node;
}

// For in-place ops on `self`: checks torch's rules (no in-place on a leaf that
// requires grad) and must be called before the data is written.
void check_inplace(const Tensor& self, const char* op);
// After an in-place op wrote into self: bump its version and, when grad is needed,
// make `self` the output of a new node (its old history becomes an input).
// `others` are the op's other inputs; fn gets the gradient of the new self and
// returns gradients for {old self, others...}.
template <class F>
void record_inplace(const char* name, Tensor& self, const TensorList& others, F&& fn);

// Marks `view` as a view of `base` for autograd, whatever the grad mode: an
// in-place op on the view then rebases the base's history (CopySlices), and other
// views of the base pick up the new history. A view op records its own backward
// as usual (record(...) on the view; autograd::view_scatter in hooks.h computes
// the gradient of any strided view) and calls mark_view, in either order.
void mark_view(Tensor& view, const Tensor& base);

}  // namespace ember::autograd

#include "ember/autograd/function_inl.h"
