// The interpreter: runs a graph's nodes in order over a table of values.
//
// A Plan is made once per Module: each node's op is resolved in the registry,
// fused bodies are compiled, and for every value the step after which nothing
// reads it is known, so intermediate tensors are freed as early as possible.
#include <unordered_map>

#include "ember/jit/fused_kernel.h"
#include "ember/jit/module.h"
#include "ember/jit/op_registry.h"

namespace ember::jit {

struct Plan {
  struct ArgSlot {
    Arg::Kind kind;
    int64_t slot = -1;              // Value
    std::vector<int64_t> slots;     // ValueList (-1 = None)
    const IValue* literal = nullptr;
  };
  struct Step {
    const Node* node;
    const OpSchema* schema = nullptr;
    std::shared_ptr<const FusedProgram> fused;
    std::vector<ArgSlot> args;
    std::vector<int64_t> outs;
    std::vector<int64_t> release;  // slots nothing reads after this step
  };
  int64_t n_values = 0;
  std::vector<int64_t> inputs, outputs;
  std::vector<std::pair<int64_t, const Value*>> preset;  // parameters and constants
  std::vector<Step> steps;
};

namespace {

std::shared_ptr<const Plan> make_plan(const Graph& g) {
  auto p = std::make_shared<Plan>();
  p->n_values = int64_t(g.values().size());
  auto slot = [&](const Value* v) {
    EMBER_CHECK(v && v->id >= 0 && v->id < p->n_values && g.value(v->id) == v, "jit", "graph value table is inconsistent");
    return v->id;
  };
  for (const Value* v : g.inputs()) p->inputs.push_back(slot(v));
  for (const Value* v : g.parameters()) p->preset.push_back({slot(v), v});
  for (const Value* v : g.constants()) p->preset.push_back({slot(v), v});
  for (const Value* v : g.outputs()) p->outputs.push_back(slot(v));
  std::unordered_map<int64_t, size_t> last_use;
  for (const auto& np : g.nodes()) {
    const Node& n = *np;
    Plan::Step s;
    s.node = &n;
    if (n.body) {
      EMBER_CHECK(n.op == kFusedOp, "jit", "node ", n.op, " has a body but is not ", kFusedOp);
      s.fused = compile_fused(*n.body);
    } else {
      s.schema = find_op(n.op);
      EMBER_CHECK(s.schema, "jit", "the model uses op '", n.op, "', which this build of ember does not know");
      EMBER_CHECK(s.schema->fn, "jit", "op '", n.op, "' cannot run in a graph");
    }
    for (const Arg& a : n.args) {
      Plan::ArgSlot as;
      as.kind = a.kind;
      if (a.kind == Arg::Kind::Value) {
        as.slot = slot(a.value);
        last_use[as.slot] = p->steps.size();
      } else if (a.kind == Arg::Kind::ValueList) {
        for (const Value* v : a.list) {
          as.slots.push_back(v ? slot(v) : -1);
          if (v) last_use[slot(v)] = p->steps.size();
        }
      } else {
        as.literal = &a.literal;
      }
      s.args.push_back(std::move(as));
    }
    for (const Value* v : n.outputs) s.outs.push_back(slot(v));
    p->steps.push_back(std::move(s));
  }
  std::unordered_map<int64_t, bool> keep;
  for (int64_t o : p->outputs) keep[o] = true;
  for (auto& [s, step] : last_use)
    if (!keep.count(s)) p->steps[step].release.push_back(s);
  return p;
}

}  // namespace

Module::Module(std::shared_ptr<const Graph> graph) : graph_(std::move(graph)) {
  EMBER_CHECK(graph_, "jit", "Module needs a graph");
  graph_->validate();
  plan_ = make_plan(*graph_);
}

const Graph& Module::graph() const {
  EMBER_CHECK(graph_, "jit", "empty Module");
  return *graph_;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const Value* v : graph().parameters()) out.push_back({v->name, v->data});
  return out;
}

TensorList Module::forward(const TensorList& inputs) const {
  EMBER_CHECK(plan_, "forward", "empty Module");
  const Plan& p = *plan_;
  EMBER_CHECK(inputs.size() == p.inputs.size(), "forward", "the model takes ", p.inputs.size(), " input tensor(s) but got ",
              inputs.size());
  std::vector<Tensor> env(size_t(p.n_values));
  for (size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK(inputs[i].defined(), "forward", "input ", i, " is undefined");
    env[size_t(p.inputs[i])] = inputs[i];
  }
  for (auto& [s, v] : p.preset) env[size_t(s)] = v->fresh_per_run ? clone(v->data) : v->data;
  IValueList args;
  TensorList fused_in;
  for (const Plan::Step& s : p.steps) {
    TensorList outs;
    if (s.fused) {
      fused_in.clear();
      for (const auto& a : s.args) fused_in.push_back(env[size_t(a.slot)]);
      outs = {run_fused(*s.fused, *s.node->body, fused_in)};
    } else {
      args.clear();
      for (const auto& a : s.args) {
        switch (a.kind) {
          case Arg::Kind::Value: args.emplace_back(env[size_t(a.slot)]); break;
          case Arg::Kind::Literal: args.push_back(*a.literal); break;
          case Arg::Kind::ValueList: {
            TensorList l;
            l.reserve(a.slots.size());
            for (int64_t k : a.slots) l.push_back(k < 0 ? Tensor() : env[size_t(k)]);
            args.emplace_back(std::move(l));
            break;
          }
        }
      }
      outs = call_op(*s.schema, args);
    }
    EMBER_CHECK(outs.size() == s.outs.size(), s.node->op.c_str(), "returned ", outs.size(), " outputs where the traced graph has ",
                s.outs.size(), " (the input shapes may differ from the traced ones in a way this op's output count depends on)");
    for (size_t i = 0; i < outs.size(); ++i) env[size_t(s.outs[i])] = std::move(outs[i]);
    for (int64_t r : s.release) env[size_t(r)] = Tensor();
  }
  TensorList result;
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    const Value* v = graph_->outputs()[i];
    Tensor t = env[size_t(p.outputs[i])];
    // a constant handed out must not be changed through the caller's tensor
    result.push_back(v->kind == ValueKind::Constant ? clone(t) : t);
  }
  return result;
}

}  // namespace ember::jit
