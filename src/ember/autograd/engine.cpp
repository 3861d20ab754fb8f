// The backward pass: dependency counting from the roots, then nodes run when
// all their incoming gradients are in, newest first (like torch's ordering),
// on the calling thread.
#include "ember/autograd/engine.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <unordered_map>

#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

namespace {

struct GraphRoot : Node {
  TensorList grads;
  TensorList apply(TensorList&&) override { return grads; }
  std::string name() const override { return "GraphRoot"; }
};

struct NodeState {
  int dependencies = 0;
  TensorList buffer;
  bool needed = true;  // run it (false: it leads to no requested input)
};

void accumulate_slot(Tensor& slot, Tensor g) {
  if (!slot.defined()) slot = std::move(g);
  else slot = add(slot, g);
}

// Make a backward output fit the forward input it belongs to.
Tensor fit_gradient(const Node& node, size_t i, Tensor g) {
  const InputMeta& im = node.input_meta[i];
  if (g.sizes() != im.shape) {
    EMBER_CHECK(is_expandable_to(im.shape, g.sizes()), "backward", "Function ", node.name(),
                " returned an invalid gradient at index ", i, " - got ", shape_str(g.sizes()),
                " but expected shape compatible with ", shape_str(im.shape));
    g = sum_to(g, im.shape);
  }
  if (g.dtype() != im.dtype) g = g.to(im.dtype);
  return g;
}

bool has_nan(const Tensor& t) {
  if (!is_floating(t.dtype()) || t.numel() == 0) return false;
  NoGradGuard no_grad;
  Tensor d = to_dtype(t.detach(), Dtype::Float64, true).contiguous();
  const double* p = d.data_ptr<double>();
  for (int64_t i = 0, n = d.numel(); i < n; ++i)
    if (std::isnan(p[i])) return true;
  return false;
}

std::string ordinal(size_t i) {
  return std::to_string(i) + "th";  // torch says "0th", "1th", ...
}

struct Capture {
  Node* node;
  uint32_t input_nr;
};

// One backward pass. With `inputs`, only the parts of the graph leading to them
// run; `accumulate` says whether their gradients go to .grad (backward) or are
// returned (grad).
TensorList run(const TensorList& roots, const TensorList& grad_roots, bool keep_graph, bool create_graph,
               const TensorList& inputs, bool accumulate) {
  EMBER_CHECK(grad_roots.empty() || grad_roots.size() == roots.size(), "backward", "got ", grad_roots.size(),
              " gradients for ", roots.size(), " tensors");
  auto root = std::make_shared<GraphRoot>();
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    EMBER_CHECK(requires_grad(r), "", "element ", i, " of tensors does not require grad and does not have a grad_fn");
    Tensor g = i < grad_roots.size() ? grad_roots[i] : Tensor();
    if (!g.defined()) {
      EMBER_CHECK(r.numel() == 1, "", "grad can be implicitly created only for scalar outputs");
      g = ones_like(r);
    } else {
      EMBER_CHECK(g.sizes() == r.sizes(), "", "Mismatch in shape: grad_output[", i, "] has a shape of ",
                  shape_str(g.sizes()), " and output[", i, "] has a shape of ", shape_str(r.sizes()), ".");
    }
    root->grads.push_back(g);
    root->next_edges.push_back(gradient_edge(r));
    root->input_meta.push_back({r.sizes(), r.dtype()});
  }
  root->num_outputs = 0;

  // Discover the graph and count dependencies.
  std::unordered_map<Node*, NodeState> state;
  std::vector<Node*> nodes;
  {
    std::vector<Node*> stack{root.get()};
    state[root.get()];
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      nodes.push_back(n);
      for (auto& e : n->next_edges) {
        if (!e.valid()) continue;
        auto [it, fresh] = state.try_emplace(e.fn.get());
        it->second.dependencies++;
        if (fresh) stack.push_back(e.fn.get());
      }
    }
  }

  // With explicit inputs, a node runs only if it leads to one of them. grad()
  // captures the gradient flowing into each input's node (before its hooks, as
  // torch does); backward(inputs=...) runs those nodes so their .grad fills in.
  std::vector<Capture> captures;
  std::unordered_map<Node*, std::vector<size_t>> capture_at;
  if (!inputs.empty()) {
    for (auto& [n, s] : state) s.needed = false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& t = inputs[i];
      EMBER_CHECK(requires_grad(t), "", "One of the differentiated Tensors does not require grad");
      Edge e = gradient_edge(t);
      if (accumulate) {
        if (auto it = state.find(e.fn.get()); it != state.end()) it->second.needed = true;
      } else {
        captures.push_back({e.fn.get(), e.input_nr});
        capture_at[e.fn.get()].push_back(i);
      }
    }
    // A node is needed when an edge leads to a needed or captured node. Inputs of
    // a node are older than it (except leaves, which have no edges), so a pass in
    // creation order usually settles it; repeat until nothing changes.
    std::vector<Node*> by_age = nodes;
    std::sort(by_age.begin(), by_age.end(), [](Node* a, Node* b) { return a->sequence_nr < b->sequence_nr; });
    for (bool changed = true; changed;) {
      changed = false;
      for (Node* n : by_age) {
        auto& s = state[n];
        if (s.needed) continue;
        for (auto& e : n->next_edges) {
          if (!e.valid()) continue;
          if (state[e.fn.get()].needed || capture_at.count(e.fn.get())) {
            s.needed = changed = true;
            break;
          }
        }
      }
    }
  }
  TensorList captured(inputs.size());

  auto newest_first = [](Node* a, Node* b) { return a->sequence_nr < b->sequence_nr; };
  std::priority_queue<Node*, std::vector<Node*>, decltype(newest_first)> ready(newest_first);
  ready.push(root.get());
  GradModeGuard mode(create_graph);

  while (!ready.empty()) {
    Node* n = ready.top();
    ready.pop();
    NodeState& st = state[n];
    TensorList grads = std::move(st.buffer);
    grads.resize(n->num_outputs);

    if (auto it = capture_at.find(n); it != capture_at.end())
      for (size_t ci : it->second) captured[ci] = grads[captures[ci].input_nr];

    bool any = n == root.get();
    for (auto& g : grads) any = any || g.defined();
    bool execute = any && st.needed;

    TensorList outs;
    if (execute) {
      // Tensor hooks (register_hook, retain_grad) then node pre-hooks, in registration order.
      for (auto& hook : n->tensor_pre_hooks) {
        if (hook.output_nr >= grads.size() || !grads[hook.output_nr].defined()) continue;
        Tensor r = hook.fn(grads[hook.output_nr]);
        if (r.defined()) grads[hook.output_nr] = r;
      }
      for (auto& hook : n->pre_hooks) {
        TensorList r = hook(grads);
        if (!r.empty()) grads = std::move(r);
      }
      if (n->materialize_grads)
        for (size_t i = 0; i < grads.size(); ++i)
          if (!grads[i].defined() && i < n->output_shapes.size()) grads[i] = zeros(n->output_shapes[i], n->output_dtypes[i]);
      TensorList grads_in = n->post_hooks.empty() ? TensorList() : grads;
      {
        CurrentNodeGuard cg(n);
        outs = n->apply(std::move(grads));
      }
      bool is_acc = dynamic_cast<AccumulateGrad*>(n) != nullptr;
      EMBER_CHECK(outs.size() == n->next_edges.size() || is_acc, "backward", "function ", n->name(), " returned ",
                  outs.size(), " gradients, expected ", n->next_edges.size());
      for (auto& hook : n->post_hooks) {
        TensorList r = hook(outs, grads_in);
        if (!r.empty()) outs = std::move(r);
      }
      if (anomaly_enabled() && anomaly_check_nan()) {
        for (size_t i = 0; i < outs.size(); ++i) {
          if (outs[i].defined() && has_nan(outs[i])) {
            EMBER_FAIL("", "Function '", n->name(), "' returned nan values in its ", ordinal(i), " output.",
                       n->creation_trace.empty()
                           ? ""
                           : "\nTraceback of forward call that caused the error:\n" + n->creation_trace);
          }
        }
      }
    }
    // Free what this node saved if it ran (or would have, with a gradient): nodes
    // that lead to no requested input keep theirs, as in torch.
    if (!keep_graph && st.needed && n != root.get()) n->release_variables();

    for (size_t i = 0; i < n->next_edges.size(); ++i) {
      auto& e = n->next_edges[i];
      if (!e.valid()) continue;
      NodeState& cs = state[e.fn.get()];
      if (execute && i < outs.size() && outs[i].defined() && (cs.needed || capture_at.count(e.fn.get()))) {
        Tensor g = n == root.get() ? outs[i] : fit_gradient(*n, i, std::move(outs[i]));
        if (cs.buffer.size() < e.fn->num_outputs) cs.buffer.resize(e.fn->num_outputs);
        accumulate_slot(cs.buffer[e.input_nr], std::move(g));
      }
      if (--cs.dependencies == 0) ready.push(e.fn.get());
    }
  }
  return captured;
}

}  // namespace

void backward(const TensorList& roots, const TensorList& grad_roots, std::optional<bool> retain_graph,
              bool create_graph, const TensorList& inputs) {
  // Non-leaf inputs get their .grad the way torch does it: through retain_grad.
  for (auto& t : inputs)
    if (requires_grad(t) && !t.is_leaf()) retain_grad(t);
  run(roots, grad_roots, retain_graph.value_or(create_graph), create_graph, inputs, true);
}

TensorList grad(const TensorList& roots, const TensorList& inputs, const TensorList& grad_roots,
                std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  EMBER_CHECK(!inputs.empty(), "grad", "grad requires non-empty inputs.");
  TensorList out = run(roots, grad_roots, retain_graph.value_or(create_graph), create_graph, inputs, false);
  for (size_t i = 0; i < out.size(); ++i) {
    EMBER_CHECK(out[i].defined() || allow_unused, "",
                "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True "
                "if this is the desired behavior.");
    if (out[i].defined() && !create_graph) out[i] = out[i].detach();
  }
  return out;
}

}  // namespace ember::autograd
