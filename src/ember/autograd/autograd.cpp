// Autograd bookkeeping shared by all ops: metadata, edges, saved tensors,
// in-place rebasing and the Tensor methods that touch autograd state.
#include <atomic>

#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_inference = false;
std::atomic<bool> g_anomaly{false};
std::atomic<bool> g_anomaly_nan{true};
thread_local Node* t_current_node = nullptr;
std::atomic<uint64_t> g_sequence{0};
}  // namespace

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool on) { t_grad_enabled = on; }
bool inference_mode_enabled() { return t_inference; }
void set_inference_mode(bool on) { t_inference = on; }
bool anomaly_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void set_anomaly_enabled(bool on, bool check_nan) {
  g_anomaly = on;
  g_anomaly_nan = check_nan;
}
bool anomaly_check_nan() { return g_anomaly_nan; }

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

// ---------------------------------------------------------------- views
namespace {

// Gradient of `view = base.as_strided(geometry)`: scatter into zeros of base's shape.
struct AsStridedBackward : Node {
  Shape sizes, strides, base_sizes, base_strides;
  int64_t offset, base_offset;
  TensorList apply(TensorList&& grads) override {
    Tensor g = grads[0];
    // A buffer in base's memory layout: the view's strides, with its offset taken
    // relative to base's, address it as they address base.
    Tensor out = empty_strided(base_sizes, base_strides, g.dtype());
    out.zero_();
    Tensor region = as_strided(out, sizes, strides, offset - base_offset);
    region.copy_(add(region, g));  // overlapping views accumulate
    return {out};
  }
  std::string name() const override { return "AsStridedBackward0"; }
};

// History of an in-place op applied to a view: base_new = base_old with the
// view's region replaced by op(view_old, others).
struct CopySlices : Node {
  Shape sizes, strides, base_sizes, base_strides;
  int64_t rel_offset;  // view offset minus base offset, in elements
  std::shared_ptr<Node> inner;
  TensorList apply(TensorList&& grads) override {
    // in base's memory layout, so the view's strides and offset address it as they address base
    Tensor result = empty_strided(base_sizes, base_strides, grads[0].dtype());
    result.copy_(grads[0]);
    Tensor region = as_strided(result, sizes, strides, rel_offset);
    TensorList inner_grads;
    {
      CurrentNodeGuard g(inner.get());
      inner_grads = inner->apply({region.clone()});
    }
    TensorList out(next_edges.size());
    if (inner_grads[0].defined()) region.copy_(inner_grads[0]);
    else region.zero_();
    out[0] = result;
    for (size_t i = 1; i < inner_grads.size() && i < out.size(); ++i) out[i] = inner_grads[i];
    return out;
  }
  void release_variables() override { inner->release_variables(); }
  std::string name() const override { return "CopySlices"; }
};

// The rebasing nodes address the gradient of base through the view's strides, in a
// buffer laid out like base: that needs base to cover its memory densely (every
// tensor an op allocates does).
bool base_is_dense(const Tensor& base) { return detail::is_non_overlapping_and_dense(base); }

}  // namespace

void mark_view(Tensor& view, const Tensor& base) {
  auto* bm = meta_if(base);
  Tensor root = bm && bm->is_view() ? bm->base : base;
  meta(view).base = root;
}

void set_history_inplace(Tensor& self, const std::shared_ptr<Node>& node, const TensorList& others) {
  auto* sm = meta_if(self);
  if (sm && sm->is_view() && base_is_dense(sm->base)) {
    Tensor base = sm->base;
    // Inner node: the op on the view, inputs {view_old, others...}
    TensorList inner_inputs{self};
    for (auto& o : others) inner_inputs.push_back(o);
    for (auto& t : inner_inputs) {
      node->next_edges.push_back(requires_grad(t) ? gradient_edge(t) : Edge{});
      node->input_meta.push_back({t.sizes(), t.dtype()});
    }
    auto cs = std::make_shared<CopySlices>();
    cs->sizes = self.sizes();
    cs->strides = self.strides();
    cs->base_sizes = base.sizes();
    cs->base_strides = base.strides();
    cs->rel_offset = self.storage_offset() - base.storage_offset();
    cs->inner = node;
    TensorList cs_inputs{base};
    for (auto& o : others) cs_inputs.push_back(o);
    Tensor base_ref = base;
    connect(cs, cs_inputs, {&base_ref});
    // The view now reads from the rebased base.
    auto vs = std::make_shared<AsStridedBackward>();
    vs->sizes = self.sizes();
    vs->strides = self.strides();
    vs->offset = self.storage_offset();
    vs->base_sizes = base.sizes();
    vs->base_strides = base.strides();
    vs->base_offset = base.storage_offset();
    vs->next_edges.push_back(Edge{cs, 0});
    vs->input_meta.push_back({base.sizes(), base.dtype()});
    vs->output_shapes = {self.sizes()};
    vs->output_dtypes = {self.dtype()};
    sm->grad_fn = vs;
    sm->output_nr = 0;
    return;
  }
  TensorList inputs{self};
  for (auto& o : others) inputs.push_back(o);
  connect(node, inputs, {&self});
}

// ---------------------------------------------------------------- edges
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
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
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
    auto& m = meta(*outputs[i]);
    m.grad_fn = node;
    m.output_nr = i;
    node->output_shapes.push_back(outputs[i]->sizes());
    node->output_dtypes.push_back(outputs[i]->dtype());
  }
  if (anomaly_enabled() && creation_trace_hook()) node->creation_trace = creation_trace_hook()();
}

void check_inplace(const Tensor& self, const char* op) {
  if (!grad_enabled()) return;
  auto* m = meta_if(self);
  if (!m) return;
  EMBER_CHECK(!(m->requires_grad && !m->grad_fn && !m->is_view()), op,
              "a leaf Variable that requires grad is being used in an in-place operation.");
  if (m->is_view()) {
    EMBER_CHECK(!(m->multi_output_view && m->grad_fn), op, "Output ", m->output_nr, " of ", m->grad_fn ? m->grad_fn->name() : "",
                " is a view and is being modified inplace. This view is the output of a function that returns multiple "
                "views. Such functions do not allow the output views to be modified inplace. You should replace the "
                "inplace operation by an out-of-place one.");
    auto* bm = meta_if(m->base);
    EMBER_CHECK(!(bm && bm->requires_grad && !bm->grad_fn), op,
                "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

// ---------------------------------------------------------------- saved tensors
SavedTensor::SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr)
    : version_(t.defined() ? t.version() : 0), output_nr_(output_nr), is_output_(is_output) {
  if (!t.defined()) return;
  if (is_output) {
    data_ = make_view(t, t.sizes(), t.strides(), t.storage_offset());
  } else {
    data_ = t;
  }
}

Tensor SavedTensor::unpack() const {
  if (!data_.defined()) return data_;
  if (data_.version() != version_) {
    Node* n = current_node();
    EMBER_FAIL("backward",
               "one of the variables needed for gradient computation has been modified by an inplace operation: [",
               dtype_name(data_.dtype()), " ", shape_str(data_.sizes()), "]", (n ? ", which is used by " + n->name() : ""),
               ", is at version ", data_.version(), "; expected version ", version_,
               " instead. Hint: the operation that saved it must see the value it saw in forward; clone it before "
               "modifying it in place.");
  }
  if (is_output_ && grad_enabled()) {
    // create_graph: the output must carry its grad_fn so higher-order gradients reach through it.
    Node* n = current_node();
    if (n) {
      Tensor t = make_view(data_, data_.sizes(), data_.strides(), data_.storage_offset());
      auto& m = meta(t);
      m.grad_fn = n->shared_from_this();
      m.output_nr = output_nr_;
      return t;
    }
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
  auto& m = meta(variable);
  for (auto& h : m.hooks) {
    Tensor r = h(g);
    if (r.defined()) g = r;
  }
  accumulate_into_grad(variable, std::move(g));
  return {};
}

void accumulate_into_grad(const Tensor& variable, Tensor g) {
  if (!g.defined()) return;
  auto& m = meta(variable);
  if (!grad_enabled()) {
    if (g.dtype() != variable.dtype()) g = g.to(variable.dtype());
    if (!m.grad.defined()) {
      bool owned = g.impl()->use_count() == 1 && g.storage()->use_count() == 1 && !requires_grad(g);
      bool same_layout = g.strides() == variable.strides() || (g.is_contiguous() && variable.is_contiguous());
      m.grad = owned && same_layout && !meta_if(g) ? g : g.detach().clone();
      if (meta_if(m.grad)) m.grad = m.grad.detach();
    } else if (requires_grad(m.grad)) {
      m.grad = add(m.grad, g).detach();
    } else {
      add_(m.grad, g);
    }
  } else {
    m.grad = m.grad.defined() ? add(m.grad, g) : g;
  }
}

// ---------------------------------------------------------------- hooks on tensors
void register_tensor_hook(const Tensor& t, std::function<Tensor(const Tensor&)> hook) {
  EMBER_CHECK(requires_grad(t), "register_hook", "cannot register a hook on a tensor that doesn't require gradient");
  auto& m = meta(t);
  if (m.grad_fn) m.grad_fn->tensor_pre_hooks.emplace_back(m.output_nr, std::move(hook));
  else m.hooks.push_back(std::move(hook));
}

void retain_grad(const Tensor& t) {
  EMBER_CHECK(requires_grad(t), "retain_grad", "can't retain_grad on Tensor that has requires_grad=False");
  auto& m = meta(t);
  if (!m.grad_fn || m.retains_grad) return;  // leaves keep .grad anyway
  m.retains_grad = true;
  // The hook shares a cell with the tensor instead of holding the tensor: no cycle through grad_fn.
  if (!m.retained_grad) m.retained_grad = std::make_shared<Tensor>();
  std::weak_ptr<Tensor> cell = m.retained_grad;
  m.grad_fn->tensor_pre_hooks.emplace_back(m.output_nr, [cell](const Tensor& g) -> Tensor {
    if (auto c = cell.lock()) *c = c->defined() ? add(*c, g.detach()) : g.detach().clone();
    return Tensor();
  });
}

}  // namespace ember::autograd
