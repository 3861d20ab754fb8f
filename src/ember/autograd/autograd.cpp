// Autograd bookkeeping shared by all ops: modes, metadata, edges, saved
// tensors, leaves' gradient accumulation and tensor hooks. Views and in-place
// ops on them are in views.cpp.
#include <atomic>

#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"
#include "ember/core/storage.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_inference = false;
thread_local uint32_t t_pending_saves = 0;
std::atomic<bool> g_anomaly{false};
std::atomic<bool> g_anomaly_nan{true};
thread_local Node* t_current_node = nullptr;
std::atomic<uint64_t> g_sequence{0};
}  // namespace

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool on) { t_grad_enabled = on; }
bool inference_mode_enabled() { return t_inference; }
void set_inference_mode(bool on) {
  t_inference = on;
  set_inference_allocation(on);  // tensors made from now on are inference tensors
}
bool anomaly_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void set_anomaly_enabled(bool on, bool check_nan) {
  g_anomaly = on;
  g_anomaly_nan = check_nan;
}
bool anomaly_check_nan() { return g_anomaly_nan; }

namespace detail {
uint32_t take_pending_saves() { return std::exchange(t_pending_saves, 0); }
void count_pending_save() { ++t_pending_saves; }
}  // namespace detail

uint64_t next_sequence_nr() { return g_sequence.fetch_add(1, std::memory_order_relaxed); }
Node* current_node() { return t_current_node; }
CurrentNodeGuard::CurrentNodeGuard(Node* n) : prev_(t_current_node) { t_current_node = n; }
CurrentNodeGuard::~CurrentNodeGuard() { t_current_node = prev_; }

std::function<std::string()>& creation_trace_hook() {
  static std::function<std::string()> hook;
  return hook;
}

AutogradMeta& meta(const Tensor& t) {
  auto& m = t.impl()->autograd;
  if (!m) m = std::make_unique<AutogradMeta>();
  return *m;
}

bool any_requires_grad(const TensorList& ts) {
  for (auto& t : ts)
    if (requires_grad(t)) return true;
  return false;
}

[[noreturn]] void throw_freed_graph(const std::string& name) {
  EMBER_FAIL("backward",
             "Trying to backward through the graph a second time (or directly access saved tensors after they have "
             "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
             "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
             "if you need to access saved tensors after calling backward. (node: ",
             name, ")");
}

std::string legacy_type_name(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "ember.FloatTensor";
    case Dtype::Float64: return "ember.DoubleTensor";
    case Dtype::Float16: return "ember.HalfTensor";
    case Dtype::BFloat16: return "ember.BFloat16Tensor";
    case Dtype::Int8: return "ember.CharTensor";
    case Dtype::Int16: return "ember.ShortTensor";
    case Dtype::Int32: return "ember.IntTensor";
    case Dtype::Int64: return "ember.LongTensor";
    case Dtype::UInt8: return "ember.ByteTensor";
    case Dtype::Bool: return "ember.BoolTensor";
  }
  return "ember.Tensor";
}

// ---------------------------------------------------------------- edges
void set_grad_fn(const Tensor& t, const std::shared_ptr<Node>& fn, uint32_t output_nr) {
  auto& m = meta(t);
  if (m.retains_grad && m.grad_fn && m.grad_fn != fn) {
    // retain_grad keeps reporting the gradient of the tensor's current value.
    auto& old = m.grad_fn->tensor_pre_hooks;
    for (auto it = old.begin(); it != old.end();) {
      if (it->retains_grad && it->output_nr == m.output_nr) {
        if (fn) fn->tensor_pre_hooks.push_back({output_nr, std::move(it->fn), true});
        it = old.erase(it);
      } else {
        ++it;
      }
    }
  }
  m.grad_fn = fn;
  m.output_nr = output_nr;
  m.attr_version = t.version();
}

std::shared_ptr<Node> grad_accumulator(const Tensor& t) {
  auto& m = meta(t);
  if (auto acc = m.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<AccumulateGrad>(t);
  m.grad_accumulator = acc;
  return acc;
}

Edge gradient_edge(const Tensor& t) {
  auto* m = meta_if(t);
  if (!m) return {};
  if (auto& fn = grad_fn_of(t)) return {fn, m->output_nr};
  if (m->requires_grad) return {grad_accumulator(t), 0};
  return {};
}

void connect(const std::shared_ptr<Node>& node, const TensorList& inputs, const std::vector<Tensor*>& outputs) {
  node->next_edges.reserve(inputs.size());
  node->input_meta.reserve(inputs.size());
  for (auto& t : inputs) {
    if (requires_grad(t)) {
      node->next_edges.push_back(gradient_edge(t));
      node->input_meta.push_back({t.sizes(), t.dtype()});
    } else {
      node->next_edges.emplace_back();
      node->input_meta.emplace_back();
    }
  }
  node->num_outputs = uint32_t(outputs.size());
  node->output_shapes.reserve(outputs.size());
  node->output_dtypes.reserve(outputs.size());
  for (uint32_t i = 0; i < outputs.size(); ++i) {
    set_grad_fn(*outputs[i], node, i);
    node->output_shapes.push_back(outputs[i]->sizes());
    node->output_dtypes.push_back(outputs[i]->dtype());
  }
  record_creation_trace(*node);
}

void record_creation_trace(Node& node) {
  if (anomaly_enabled() && creation_trace_hook()) node.creation_trace = creation_trace_hook()();
}

void check_inplace(const Tensor& self, const char* op) {
  if (!grad_enabled()) return;
  auto* m = meta_if(self);
  if (!m) return;
  if (m->is_view()) {
    EMBER_CHECK(!(m->multi_output_view && m->grad_fn), op, "Output ", m->output_nr, " of ", m->grad_fn ? m->grad_fn->name() : "",
                " is a view and is being modified inplace. This view is the output of a function that returns multiple "
                "views. Such functions do not allow the output views to be modified inplace. You should replace the "
                "inplace operation by an out-of-place one.");
    auto* bm = meta_if(m->base);
    EMBER_CHECK(!(bm && bm->requires_grad && !bm->grad_fn), op,
                "a view of a leaf Variable that requires grad is being used in an in-place operation.");
    return;
  }
  EMBER_CHECK(!(m->requires_grad && !m->grad_fn), op,
              "a leaf Variable that requires grad is being used in an in-place operation.");
}

// ---------------------------------------------------------------- saved tensors
SavedTensor::SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr)
    : version_(t.defined() ? t.version() : 0), output_nr_(output_nr), is_output_(is_output) {
  if (!t.defined()) return;
  detail::count_pending_save();
  // An output is kept without its autograd state: holding it whole would make a
  // cycle output -> grad_fn -> saved output.
  data_ = is_output ? make_view(t, t.sizes(), t.strides(), t.storage_offset()) : t;
}

Tensor SavedTensor::unpack() const {
  Node* n = current_node();
  return unpack(n ? n->shared_from_this() : nullptr);
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner) const {
  if (!data_.defined()) return data_;
  if (data_.version() != version_) {
    // torch names the node that produced the modified tensor: the owner for a
    // saved output, the tensor's own grad_fn for a saved input.
    std::shared_ptr<Node> producer = is_output_ ? owner : grad_fn_of(data_);
    std::string which = producer ? ", which is output " + std::to_string(is_output_ ? output_nr_ : data_.output_nr()) +
                                       " of " + producer->name() + ","
                                 : "";
    EMBER_FAIL("", "one of the variables needed for gradient computation has been modified by an inplace operation: [",
               legacy_type_name(data_.dtype()), " ", shape_str(data_.sizes()), "]", which, " is at version ",
               data_.version(), "; expected version ", version_,
               " instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
               "with ember.autograd.set_detect_anomaly(True).");
  }
  if (is_output_ && owner && grad_enabled()) {
    // Double backward: the output must carry its grad_fn so gradients reach through it.
    Tensor t = make_view(data_, data_.sizes(), data_.strides(), data_.storage_offset());
    auto& m = meta(t);
    m.grad_fn = owner;
    m.output_nr = output_nr_;
    m.attr_version = t.version();
    return t;
  }
  return data_;
}

// ---------------------------------------------------------------- AccumulateGrad
AccumulateGrad::AccumulateGrad(Tensor v) : variable(std::move(v)) {
  input_meta.push_back({variable.sizes(), variable.dtype()});
  output_shapes = {variable.sizes()};
  output_dtypes = {variable.dtype()};
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  auto& m = meta(variable);
  // The leaf may have stopped requiring grad (requires_grad_(False), detach_()) since the graph was built.
  if (!m.requires_grad || m.grad_fn) return {};
  for (auto& h : m.hooks) {
    Tensor r = h(g);
    if (r.defined()) g = r;
  }
  accumulate_into_grad(variable, std::move(g));
  return {};
}

namespace {
// A copy of g laid out like `like` when that is a dense layout (torch's
// gradient layout contract), else contiguous. No autograd.
Tensor copy_like(const Tensor& g, const Tensor& like) {
  bool dense = !like.is_contiguous() && ember::detail::is_non_overlapping_and_dense(like);
  Tensor out = dense ? empty_strided(like.sizes(), like.strides(), like.dtype()) : empty(like.sizes(), like.dtype());
  copy_(out, g);
  return out;
}
}  // namespace

// torch's AccumulateGrad rules: without grad mode the first gradient is stolen
// when nothing else refers to it (else copied) and later ones are added in place,
// so `x.grad` stays the same tensor; with grad mode (create_graph) the sum is a
// new, differentiable tensor.
void accumulate_into_grad(const Tensor& variable, Tensor g) {
  if (!g.defined()) return;
  auto& m = meta(variable);
  if (!grad_enabled()) {
    if (g.dtype() != variable.dtype()) g = g.to(variable.dtype());
    if (!m.grad.defined()) {
      bool owned = g.impl()->use_count() == 1 && g.storage()->use_count() == 1 && !meta_if(g);
      // g may be stolen only if it is dense and laid out as the contract wants (like a dense
      // variable, else contiguous): an expanded gradient must never become .grad.
      bool variable_dense = ember::detail::is_non_overlapping_and_dense(variable);
      bool same_layout = g.is_contiguous() ? (variable.is_contiguous() || !variable_dense)
                                           : (variable_dense && g.strides() == variable.strides() &&
                                              ember::detail::is_non_overlapping_and_dense(g));
      m.grad = owned && same_layout ? g : copy_like(g, variable);
    } else {
      add_(m.grad, g);
    }
  } else if (!m.grad.defined()) {
    m.grad = clone(g);
  } else {
    m.grad = add(m.grad, g);
  }
}

// ---------------------------------------------------------------- hooks on tensors
void register_tensor_hook(const Tensor& t, std::function<Tensor(const Tensor&)> hook) {
  EMBER_CHECK(requires_grad(t), "register_hook", "cannot register a hook on a tensor that doesn't require gradient");
  auto& m = meta(t);
  if (auto& fn = grad_fn_of(t)) fn->tensor_pre_hooks.push_back({m.output_nr, std::move(hook)});
  else m.hooks.push_back(std::move(hook));
}

void retain_grad(const Tensor& t) {
  EMBER_CHECK(requires_grad(t), "retain_grad", "can't retain_grad on Tensor that has requires_grad=False");
  auto& m = meta(t);
  auto& fn = grad_fn_of(t);
  if (!fn || m.retains_grad) return;  // leaves keep .grad anyway
  m.retains_grad = true;
  // The hook shares a cell with the tensor instead of holding the tensor: no cycle through grad_fn.
  if (!m.retained_grad) m.retained_grad = std::make_shared<Tensor>();
  std::weak_ptr<Tensor> cell = m.retained_grad;
  auto hook = [cell](const Tensor& g) -> Tensor {
    // torch's retain_grad: a copy of the first gradient, a new sum after that.
    if (auto c = cell.lock()) *c = c->defined() ? add(*c, g) : clone(g);
    return Tensor();
  };
  fn->tensor_pre_hooks.push_back({m.output_nr, hook, true});
}

}  // namespace ember::autograd
