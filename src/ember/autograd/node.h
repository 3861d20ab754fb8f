// A node of the backward graph: a function from the gradients of an op's
// outputs to the gradients of its inputs, with edges to the nodes that
// produced those inputs.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

struct Node;

struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;  // which of fn's gradient inputs this edge feeds
  bool valid() const { return bool(fn); }
};

// What the engine needs to shape a gradient for one input of the op.
struct InputMeta {
  Shape shape;
  Dtype dtype = Dtype::Float32;
};

uint64_t next_sequence_nr();

// A hook on the gradient of one output of a node (Tensor.register_hook on a
// non-leaf, retain_grad); it may return a replacement gradient.
struct TensorPreHook {
  uint32_t output_nr;
  std::function<Tensor(const Tensor&)> fn;
  bool retains_grad = false;  // follows the tensor to its new grad_fn after an in-place op, as in torch
};

struct Node : std::enable_shared_from_this<Node> {
  Node() : sequence_nr(next_sequence_nr()) {}
  virtual ~Node() = default;

  // grads: one per forward output (undefined ones are zero-filled by the engine
  // unless materialize_grads is false). Returns one gradient per next edge
  // (undefined = no gradient).
  virtual TensorList apply(TensorList&& grads) = 0;
  virtual std::string name() const = 0;
  // Drop saved tensors after a backward that does not retain the graph.
  virtual void release_variables() {}

  bool needs_input_grad(size_t i) const { return i < next_edges.size() && next_edges[i].valid(); }

  uint64_t sequence_nr;
  uint32_t num_outputs = 1;             // forward outputs, i.e. gradient inputs of apply
  bool materialize_grads = true;        // zero-fill gradients of outputs that got none
  std::vector<Shape> output_shapes;     // to zero-fill gradients of unused outputs
  std::vector<Dtype> output_dtypes;
  std::vector<Edge> next_edges;         // one per forward input
  std::vector<InputMeta> input_meta;    // one per forward input

  // Hooks, run in registration order: tensor hooks first, then node pre-hooks.
  std::vector<TensorPreHook> tensor_pre_hooks;
  // Node hooks (grad_fn.register_prehook / register_hook); an empty result keeps the gradients.
  std::vector<std::function<TensorList(const TensorList&)>> pre_hooks;
  std::vector<std::function<TensorList(const TensorList&, const TensorList&)>> post_hooks;
  // Where the forward op was created (filled in anomaly mode).
  std::string creation_trace;
};

// Leaves: adds incoming gradients into tensor.grad.
struct AccumulateGrad : Node {
  explicit AccumulateGrad(Tensor v);
  TensorList apply(TensorList&& grads) override;
  std::string name() const override { return "AccumulateGrad"; }
  Tensor variable;  // leaves keep this node alive weakly, the node keeps the leaf alive
};

namespace detail {
// How many tensors were saved (save/save_output) on this thread since the last
// node was built, and reset. A node that saved nothing can run again after its
// graph was "freed", like torch's nodes without saved variables.
uint32_t take_pending_saves();
void count_pending_save();
}  // namespace detail

// A node built from a lambda; what ops use through record().
template <class F> struct FnNode : Node {
  FnNode(const char* n, F&& f)
      : name_(n), fn_(std::move(f)), alive_(true), has_saved_(detail::take_pending_saves() > 0) {}
  TensorList apply(TensorList&& grads) override;
  std::string name() const override { return name_; }
  void release_variables() override {
    if (alive_ && has_saved_) {
      alive_ = false;
      fn_.~F();
    }
  }
  ~FnNode() override {
    if (alive_) fn_.~F();
  }

 private:
  const char* name_;
  union { F fn_; };
  bool alive_;
  bool has_saved_;
};

[[noreturn]] void throw_freed_graph(const std::string& node_name);

template <class F> TensorList FnNode<F>::apply(TensorList&& grads) {
  if (!alive_) throw_freed_graph(name_);
  if constexpr (std::is_invocable_v<F&, TensorList&&, const Node&>) return fn_(std::move(grads), *this);
  else if constexpr (std::is_invocable_v<F&, TensorList&&>) return fn_(std::move(grads));
  else if constexpr (std::is_invocable_v<F&, const Tensor&, const Node&>) return fn_(grads[0], *this);
  else return fn_(grads[0]);
}

// The node that made a tensor (grad_fn, or the leaf's accumulator), with the output index.
Edge gradient_edge(const Tensor& t);
std::shared_ptr<Node> grad_accumulator(const Tensor& t);
// t's grad_fn; for a view whose base was modified in place since, a fresh
// AsStridedBackward0 onto the base's current history (torch's regeneration rule).
const std::shared_ptr<Node>& grad_fn_of(const Tensor& t);

// The node currently running backward on this thread (saved outputs re-attach to it).
Node* current_node();

}  // namespace ember::autograd
