// Custom functions: what C++ (custom_function.h) and Python
// (python/src/function_bindings.cpp) custom Functions share: wrapping forward's
// outputs into the graph, saving tensors, and checking backward's results.
#include "ember/autograd/custom_function.h"

#include "ember/autograd/hooks.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

// ---------------------------------------------------------------- AutogradContext
TensorList AutogradContext::get_saved_variables() const {
  if (freed_) throw_freed_graph(node_.expired() ? std::string("custom Function") : node_.lock()->name());
  auto node = node_.lock();
  TensorList out;
  out.reserve(saved_.size());
  for (auto& s : saved_) out.push_back(s.unpack(node));
  return out;
}

void AutogradContext::mark_dirty(const TensorList& inputs) {
  for (auto& t : inputs) dirty_.insert(t.impl());
}

void AutogradContext::mark_non_differentiable(const TensorList& outputs) {
  for (auto& t : outputs) non_differentiable_.insert(t.impl());
}

bool AutogradContext::needs_input_grad(size_t i) const {
  auto node = node_.lock();
  return node && node->needs_input_grad(i);
}

// ---------------------------------------------------------------- CppNodeBase
void CppNodeBase::release_variables() {
  ctx.saved_.clear();
  ctx.freed_ = true;
}

TensorList CppNodeBase::prepare_grads(TensorList&& grads) const {
  if (ctx.materialize_grads_)
    for (size_t i = 0; i < grads.size(); ++i)
      if (!grads[i].defined() && i < output_shapes.size()) grads[i] = zeros(output_shapes[i], output_dtypes[i]);
  return std::move(grads);
}

TensorList CppNodeBase::collect_results(TensorList&& results) const {
  size_t expected = is_variable_input.size();
  // Extra results are fine when they are all undefined (torch allows trailing Nones).
  size_t got = results.size();
  if (got > expected) {
    bool all_undefined = true;
    for (size_t i = expected; i < got; ++i) all_undefined = all_undefined && !results[i].defined();
    if (all_undefined) got = expected;
  }
  EMBER_CHECK(got == expected, "", "function ", name(), " returned an incorrect number of gradients (expected ",
              expected, ", got ", got, ")");
  TensorList out;
  out.reserve(next_edges.size());
  for (size_t i = 0; i < expected; ++i) {
    if (is_variable_input[i]) {
      out.push_back(std::move(results[i]));
    } else {
      EMBER_CHECK(!results[i].defined(), "", "function ", name(), " returned a gradient different than None at position ",
                  i + 1, ", but the corresponding forward input was not a Variable");
    }
  }
  return out;
}

namespace detail {

std::string demangle(const char* name) {
  int status = 0;
  char* s = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && s ? s : name;
  std::free(s);
  // Keep the class name only: "ns::MyFunction" -> "MyFunction".
  if (auto p = out.rfind("::"); p != std::string::npos && out.find('<') == std::string::npos) out = out.substr(p + 2);
  return out;
}

void init_custom_node(Node& node, const TensorList& inputs) {
  for (auto& t : inputs) {
    bool rg = requires_grad(t);
    node.next_edges.push_back(rg ? gradient_edge(t) : Edge{});
    node.input_meta.push_back(rg ? InputMeta{t.sizes(), t.dtype()} : InputMeta{});
  }
  record_creation_trace(node);
}

namespace {
// An alias of t sharing its storage and version, as a view of it (torch's _view_as_self_with_no_grad).
Tensor alias_of(const Tensor& t) {
  Tensor a = make_view(t, t.sizes(), t.strides(), t.storage_offset());
  mark_view(a, t);
  return a;
}

void set_output_history(Tensor& t, const std::shared_ptr<Node>& node, uint32_t nr) { set_grad_fn(t, node, nr); }
}  // namespace

void wrap_custom_outputs(const std::shared_ptr<Node>& node, const TensorList& inputs, TensorList& outputs,
                         const std::unordered_set<const TensorImpl*>& dirty,
                         const std::unordered_set<const TensorImpl*>& non_differentiable) {
  std::unordered_set<const TensorImpl*> input_set;
  for (auto& t : inputs) input_set.insert(t.impl());
  for (auto* d : dirty)
    EMBER_CHECK(input_set.count(d), "mark_dirty", "only input Tensors should be given to ctx.mark_dirty()");

  if (node) {
    node->num_outputs = uint32_t(outputs.size());
    node->output_shapes.clear();
    node->output_dtypes.clear();
    for (auto& t : outputs) {
      node->output_shapes.push_back(t.defined() ? t.sizes() : Shape{});
      node->output_dtypes.push_back(t.defined() ? t.dtype() : Dtype::Float32);
    }
  }
  for (uint32_t i = 0; i < outputs.size(); ++i) {
    Tensor& t = outputs[i];
    if (!t.defined()) continue;
    bool is_input = input_set.count(t.impl()) > 0;
    bool is_modified = dirty.count(t.impl()) > 0;
    bool differentiable = node && !non_differentiable.count(t.impl()) && is_floating(t.dtype());
    if (!differentiable) {
      if (!requires_grad(t)) {
        if (is_input && !is_modified) t = alias_of(t);
      } else if (is_input) {
        t = t.detach();
      } else if (!(meta_if(t) && meta_if(t)->is_view())) {
        t.detach_();
      }
    } else if (is_modified) {
      EMBER_CHECK(!(t.is_leaf() && requires_grad(t)), "",
                  "a leaf Variable that requires grad has been used in an in-place operation.");
      auto* m = meta_if(t);
      if (m && m->is_view())
        EMBER_NOT_SUPPORTED("mark_dirty",
                            "a custom Function modifying a view of another tensor in place is not supported yet; "
                            "clone() the input first");
      t.bump_version();  // saved copies of the old value must not pass for the new one
      if (m) {
        m->hooks.clear();
        if (m->retained_grad) *m->retained_grad = Tensor();
        m->grad = Tensor();
      }
      set_output_history(t, node, i);
    } else {
      if (is_input) t = alias_of(t);
      set_output_history(t, node, i);
    }
  }
}

std::vector<SavedTensor> save_custom(const std::shared_ptr<Node>& node, const TensorList& to_save) {
  std::vector<SavedTensor> saved;
  saved.reserve(to_save.size());
  for (auto& t : to_save) {
    if (!t.defined()) {
      saved.emplace_back();
      continue;
    }
    auto* m = meta_if(t);
    bool is_output = m && m->grad_fn == node;
    saved.emplace_back(t, is_output, is_output ? m->output_nr : 0);
  }
  detail::take_pending_saves();  // these belong to node, not to the next op's node
  return saved;
}

}  // namespace detail

}  // namespace ember::autograd
