// Custom differentiable functions for C++ users, in torch's C++ shape:
//
//   struct MulConst : ember::autograd::Function<MulConst> {
//     static Tensor forward(AutogradContext* ctx, const Tensor& x, double k) {
//       ctx->saved_data["k"] = k;
//       ctx->save_for_backward({x});
//       return mul(x, wrap_scalar(k));
//     }
//     static TensorList backward(AutogradContext* ctx, TensorList grads) {
//       return {mul(grads[0], wrap_scalar(ctx->saved_data["k"].toDouble())), Tensor()};
//     }
//   };
//   Tensor y = MulConst::apply(x, 2.0);
//
// forward runs with grad mode off and returns a Tensor or a TensorList.
// backward gets one gradient per output and returns one per forward argument
// (undefined for arguments that are not tensors or need no gradient). Tensor
// and TensorList arguments are the differentiable inputs; anything else is a
// plain value.
#pragma once
#include <cxxabi.h>

#include <cstdlib>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "ember/autograd/function.h"

namespace ember::autograd {

// A value kept on the context between forward and backward (ctx->saved_data).
class SavedValue {
 public:
  SavedValue() = default;
  SavedValue(bool v) : v_(v) {}
  SavedValue(int v) : v_(int64_t(v)) {}
  SavedValue(int64_t v) : v_(v) {}
  SavedValue(double v) : v_(v) {}
  SavedValue(std::string v) : v_(std::move(v)) {}
  SavedValue(const char* v) : v_(std::string(v)) {}
  SavedValue(Tensor v) : v_(std::move(v)) {}
  SavedValue(std::vector<int64_t> v) : v_(std::move(v)) {}

  bool isNone() const { return v_.index() == 0; }
  bool isBool() const { return std::holds_alternative<bool>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isDouble() const { return std::holds_alternative<double>(v_); }
  bool isString() const { return std::holds_alternative<std::string>(v_); }
  bool isTensor() const { return std::holds_alternative<Tensor>(v_); }
  bool isIntList() const { return std::holds_alternative<std::vector<int64_t>>(v_); }

  bool toBool() const { return get<bool>("bool"); }
  int64_t toInt() const { return get<int64_t>("int"); }
  double toDouble() const { return isInt() ? double(toInt()) : get<double>("double"); }
  const std::string& toStringRef() const { return get<std::string>("string"); }
  const Tensor& toTensor() const { return get<Tensor>("Tensor"); }
  const std::vector<int64_t>& toIntVector() const { return get<std::vector<int64_t>>("int list"); }

 private:
  template <class T> const T& get(const char* what) const {
    const T* p = std::get_if<T>(&v_);
    EMBER_CHECK(p, "saved_data", "the saved value is not a ", what);
    return *p;
  }
  std::variant<std::monostate, bool, int64_t, double, std::string, Tensor, std::vector<int64_t>> v_;
};

class AutogradContext {
 public:
  // Tensors for backward; inputs and outputs of forward are checked for
  // in-place changes when unpacked, outputs are kept without a reference cycle.
  void save_for_backward(TensorList to_save) { to_save_ = std::move(to_save); }
  TensorList get_saved_variables() const;
  // Inputs that forward modified in place (they become outputs of this node).
  void mark_dirty(const TensorList& inputs);
  // Outputs that get no gradient (backward receives zeros for them).
  void mark_non_differentiable(const TensorList& outputs);
  // false: backward receives undefined tensors, not zeros, for outputs that got no gradient.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  // Whether the i-th tensor input needs a gradient.
  bool needs_input_grad(size_t i) const;

  std::unordered_map<std::string, SavedValue> saved_data;

 private:
  friend struct CppNodeBase;
  template <class T> friend struct Function;
  std::weak_ptr<Node> node_;
  TensorList to_save_;
  std::vector<SavedTensor> saved_;
  std::unordered_set<const TensorImpl*> dirty_, non_differentiable_;
  bool materialize_grads_ = true;
  bool freed_ = false;
};

// The graph node of a C++ custom function (its non-template part).
struct CppNodeBase : Node {
  CppNodeBase() { materialize_grads = false; }  // the context decides
  AutogradContext ctx;
  std::vector<bool> is_variable_input;  // per forward argument (list elements counted one by one)
  std::string name_;
  std::string name() const override { return name_; }
  void release_variables() override;
  // Gradients as backward sees them, then its results mapped to the tensor inputs.
  TensorList prepare_grads(TensorList&& grads) const;
  TensorList collect_results(TensorList&& results) const;
};

namespace detail {

// torch's wrapping of a custom forward's outputs: differentiable outputs get
// `node` as grad_fn, inputs returned as-is become aliases, dirty inputs are
// rebased onto node. outputs[i] undefined = not a tensor. node null = no graph.
void wrap_custom_outputs(const std::shared_ptr<Node>& node, const TensorList& inputs, TensorList& outputs,
                         const std::unordered_set<const TensorImpl*>& dirty,
                         const std::unordered_set<const TensorImpl*>& non_differentiable);
// Edges and input metadata for the tensor inputs of a custom function.
void init_custom_node(Node& node, const TensorList& inputs);
// Saves tensors for a custom node (outputs of node are saved as outputs).
std::vector<SavedTensor> save_custom(const std::shared_ptr<Node>& node, const TensorList& to_save);

std::string demangle(const char* name);

inline void extract_args(TensorList&, std::vector<bool>&) {}
template <class A, class... R> void extract_args(TensorList& ts, std::vector<bool>& is_var, const A& a, const R&... r) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same_v<D, Tensor>) {
    ts.push_back(a);
    is_var.push_back(true);
  } else if constexpr (std::is_same_v<D, TensorList>) {
    for (auto& t : a) {
      ts.push_back(t);
      is_var.push_back(true);
    }
  } else {
    is_var.push_back(false);
  }
  extract_args(ts, is_var, r...);
}

}  // namespace detail

template <class T> struct CppNode : CppNodeBase {
  TensorList apply(TensorList&& grads) override {
    TensorList results = T::backward(&ctx, prepare_grads(std::move(grads)));
    return collect_results(std::move(results));
  }
};

template <class T> struct Function {
  template <class... Args> static auto apply(Args&&... args) {
    using Out = decltype(T::forward(static_cast<AutogradContext*>(nullptr), std::forward<Args>(args)...));
    static_assert(std::is_same_v<Out, Tensor> || std::is_same_v<Out, TensorList>,
                  "forward must return a Tensor or a TensorList");
    auto node = std::make_shared<CppNode<T>>();
    TensorList inputs;
    detail::extract_args(inputs, node->is_variable_input, args...);
    bool executable = grad_enabled() && any_requires_grad(inputs);
    node->name_ = detail::demangle(typeid(T).name()) + "Backward";
    node->ctx.node_ = node;
    if (executable) detail::init_custom_node(*node, inputs);
    Out raw;
    {
      GradModeGuard no_grad(false);
      raw = T::forward(&node->ctx, std::forward<Args>(args)...);
    }
    TensorList outs;
    if constexpr (std::is_same_v<Out, Tensor>) outs = {raw};
    else outs = std::move(raw);
    std::shared_ptr<Node> graph_node = executable ? std::static_pointer_cast<Node>(node) : nullptr;
    detail::wrap_custom_outputs(graph_node, inputs, outs, node->ctx.dirty_, node->ctx.non_differentiable_);
    if (executable) node->ctx.saved_ = detail::save_custom(node, node->ctx.to_save_);
    node->ctx.to_save_.clear();
    node->ctx.dirty_.clear();
    node->ctx.non_differentiable_.clear();
    if constexpr (std::is_same_v<Out, Tensor>) return outs[0];
    else return outs;
  }
};

}  // namespace ember::autograd
