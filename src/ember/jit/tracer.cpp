// Thread-local tracing state: tensor identity -> graph value.
#include "ember/jit/tracer.h"

#include <unordered_map>

#include "ember/jit/op_registry.h"

namespace ember::jit {

std::atomic<int> g_tracing_threads{0};

namespace tracer {

namespace {

struct Known {
  Tensor tensor;  // keeps the TensorImpl alive so its address is not reused during the trace
  Value* value;
};

struct State {
  std::unique_ptr<Graph> graph = std::make_unique<Graph>();
  std::unordered_map<const TensorImpl*, Known> values;
  std::unordered_map<const TensorImpl*, std::pair<std::string, Tensor>> params;
  std::unordered_map<std::string, int> names;  // value names in use (inputs, parameters)
};

thread_local std::unique_ptr<State> tls_state;

State& state() {
  EMBER_CHECK(tls_state, "ember.jit.trace", "no trace is in progress on this thread");
  return *tls_state;
}

std::string unique_name(State& s, std::string name) {
  if (name.empty()) name = "input";
  int& n = s.names[name];
  if (n++ == 0) return name;
  std::string alt;
  do alt = name + "." + std::to_string(n++);
  while (s.names.count(alt));
  s.names[alt] = 1;
  return alt;
}

void end_state() {
  if (!tls_state) return;
  tls_state.reset();
  g_tracing_threads.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

bool is_tracing() { return bool(tls_state); }

void unsupported(const std::string& op, const std::string& detail) {
  EMBER_NOT_SUPPORTED("ember.jit.trace", op, " is not supported by the tracer", detail.empty() ? "" : ": ", detail);
}

void start(std::vector<std::pair<std::string, Tensor>> params) {
  EMBER_CHECK(!tls_state, "ember.jit.trace", "a trace is already in progress on this thread (nested tracing is not supported)");
  auto s = std::make_unique<State>();
  for (auto& [name, t] : params) {
    if (!t.defined() || s->params.count(t.impl())) continue;  // tied weights keep their first name
    s->params[t.impl()] = {name, t};
    s->names[name] = 1;
  }
  tls_state = std::move(s);
  g_tracing_threads.fetch_add(1, std::memory_order_relaxed);
}

Value* add_input(const Tensor& t, const std::string& name) {
  State& s = state();
  EMBER_CHECK(t.defined(), "ember.jit.trace", "example inputs must be tensors");
  EMBER_CHECK(!s.values.count(t.impl()), "ember.jit.trace", "the same tensor is passed as two inputs");
  Value* v = s.graph->add_input(unique_name(s, name), TensorMeta::of(t));
  s.values[t.impl()] = {t, v};
  return v;
}

bool is_traced(const Tensor& t) {
  if (!tls_state || !t.defined()) return false;
  return tls_state->values.count(t.impl()) || tls_state->params.count(t.impl());
}

Value* value_for(const Tensor& t) {
  State& s = state();
  auto it = s.values.find(t.impl());
  if (it != s.values.end()) return it->second.value;
  Value* v;
  auto p = s.params.find(t.impl());
  if (p != s.params.end()) v = s.graph->add_parameter(p->second.first, t);
  else v = s.graph->add_constant(t);
  s.values[t.impl()] = {t, v};
  return v;
}

void record(const std::string& op, const IValueList& args, const TensorList& outputs) {
  State& s = state();
  const OpSchema* schema = find_op(op);
  if (!schema || !schema->fn) unsupported(op);
  std::vector<Arg> node_args;
  node_args.reserve(args.size());
  for (const IValue& a : args) {
    if (a.is_tensor()) {
      if (a.to_tensor().defined()) node_args.push_back(Arg::of(value_for(a.to_tensor())));
      else node_args.push_back(Arg::lit(IValue()));
    } else if (a.is_tensor_list()) {
      std::vector<Value*> list;
      for (const Tensor& t : a.to_tensor_list()) list.push_back(t.defined() ? value_for(t) : nullptr);
      node_args.push_back(Arg::of(std::move(list)));
    } else {
      node_args.push_back(Arg::lit(a));
    }
  }
  if (schema->inplace() && !args.empty() && args[0].is_tensor() && args[0].to_tensor().defined()) {
    // A constant the graph writes into must start fresh on every run, as the
    // tensor it came from was created anew by each eager call.
    const Storage* target = args[0].to_tensor().storage().get();
    for (Value* c : s.graph->constants())
      if (c->data.storage().get() == target) c->fresh_per_run = true;
  }
  Node* n = s.graph->append_node(schema->name, std::move(node_args), outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    EMBER_CHECK(outputs[i].defined(), "ember.jit.trace", op, ": undefined output");
    n->outputs[i]->meta = TensorMeta::of(outputs[i]);
    s.values[outputs[i].impl()] = {outputs[i], n->outputs[i]};
  }
}

void alias(const Tensor& t, const Tensor& source) {
  State& s = state();
  Value* v = value_for(source);
  s.values[t.impl()] = {t, v};
}

std::unique_ptr<Graph> finish(const TensorList& outputs) {
  State& s = state();
  std::vector<Value*> outs;
  for (const Tensor& t : outputs) {
    EMBER_CHECK(t.defined(), "ember.jit.trace", "the traced function returned an undefined tensor");
    outs.push_back(value_for(t));
  }
  s.graph->set_outputs(std::move(outs));
  std::unique_ptr<Graph> g = std::move(s.graph);
  end_state();
  g->validate();
  return g;
}

void abort() { end_state(); }

}  // namespace tracer
}  // namespace ember::jit
