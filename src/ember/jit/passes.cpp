// Dead-code elimination, constant folding and elementwise fusion.
#include "ember/jit/passes.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "ember/autograd/grad_mode.h"
#include "ember/jit/fused_kernel.h"
#include "ember/jit/op_registry.h"

namespace ember::jit {

namespace {

bool impure(const Node& n) {
  if (n.body) return false;
  const OpSchema* s = find_op(n.op);
  return !s || s->impure();
}

// Values an in-place node writes into, and everything they may alias or be
// computed from (conservatively: every ancestor). Folding any of them would
// freeze a tensor that each run must create afresh before writing into it.
std::unordered_set<const Value*> written_values(const Graph& g) {
  std::unordered_set<const Value*> out;
  std::vector<const Value*> work;
  for (const auto& n : g.nodes()) {
    if (!impure(*n)) continue;
    for (const Value* v : n->inputs()) work.push_back(v);  // side-effect ops may write any argument
  }
  while (!work.empty()) {
    const Value* v = work.back();
    work.pop_back();
    if (!out.insert(v).second) continue;
    if (v->node)
      for (const Value* in : v->node->inputs()) work.push_back(in);
  }
  return out;
}

int64_t numel_of(const Tensor& t) { return t.defined() ? t.numel() : 0; }

}  // namespace

void eliminate_dead_code(Graph& g) {
  std::unordered_set<const Value*> live(g.outputs().begin(), g.outputs().end());
  auto& nodes = g.mutable_nodes();
  std::vector<bool> keep(nodes.size(), false);
  for (size_t i = nodes.size(); i-- > 0;) {
    const Node& n = *nodes[i];
    bool k = impure(n);
    for (const Value* v : n.outputs) k = k || live.count(v);
    if (!k) continue;
    keep[i] = true;
    for (const Value* v : n.inputs()) live.insert(v);
  }
  std::vector<std::unique_ptr<Node>> kept;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (keep[i]) kept.push_back(std::move(nodes[i]));
  nodes = std::move(kept);
}

void fold_constants(Graph& g) {
  autograd::NoGradGuard no_grad;
  auto written = written_values(g);
  auto& nodes = g.mutable_nodes();
  std::vector<std::unique_ptr<Node>> kept;
  for (auto& np : nodes) {
    Node& n = *np;
    const OpSchema* s = n.body ? nullptr : find_op(n.op);
    bool foldable = s && s->fn && !s->impure() && !s->nondeterministic() && !n.outputs.empty();
    int64_t in_numel = 0;
    IValueList args;
    for (const Arg& a : n.args) {
      if (!foldable) break;
      if (a.kind == Arg::Kind::Literal) {
        args.push_back(a.literal);
        continue;
      }
      auto constant = [&](const Value* v) { return v && v->kind == ValueKind::Constant && !v->fresh_per_run; };
      if (a.kind == Arg::Kind::Value) {
        foldable = constant(a.value);
        if (foldable) {
          args.emplace_back(a.value->data);
          in_numel += numel_of(a.value->data);
        }
      } else {
        TensorList l;
        for (const Value* v : a.list) {
          if (v && !constant(v)) foldable = false;
          l.push_back(v ? v->data : Tensor());
          if (v) in_numel += numel_of(v->data);
        }
        args.emplace_back(std::move(l));
      }
    }
    for (const Value* v : n.outputs) foldable = foldable && !written.count(v);
    if (!foldable) {
      kept.push_back(std::move(np));
      continue;
    }
    TensorList outs;
    try {
      outs = call_op(*s, args);
    } catch (const Error&) {  // fails on these constants: leave it to fail at run time, as eager would
      kept.push_back(std::move(np));
      continue;
    }
    int64_t out_numel = 0;
    for (const Tensor& t : outs) out_numel += numel_of(t);
    if (outs.size() != n.outputs.size() || out_numel > std::max<int64_t>(in_numel, 4096)) {
      kept.push_back(std::move(np));
      continue;
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      Value* c = g.add_constant(outs[i]);
      c->meta = n.outputs[i]->meta;
      g.replace_all_uses(n.outputs[i], c);
    }
  }
  nodes = std::move(kept);
}

// ---------------------------------------------------------------- fusion

namespace {

bool fusible_here(const Node& n) {
  if (!is_fusible(n)) return false;
  const TensorMeta& m = n.outputs[0]->meta;
  if (!m.known || (m.dtype != Dtype::Float32 && m.dtype != Dtype::Float64)) return false;
  for (const Value* v : n.inputs())
    if (!v->meta.known || v->meta.dtype != m.dtype) return false;
  return true;
}

struct Group {
  std::vector<size_t> members;  // node indices, ascending
  bool closed = false;
};

}  // namespace

void fuse_elementwise(Graph& g) {
  auto& nodes = g.mutable_nodes();
  // users of each value (node indices); graph outputs count as a user outside every group
  constexpr size_t kOutside = std::numeric_limits<size_t>::max();
  std::unordered_map<const Value*, std::vector<size_t>> users;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const Value* v : nodes[i]->inputs()) users[v].push_back(i);
  for (const Value* v : g.outputs()) users[v].push_back(kOutside);

  std::vector<std::shared_ptr<Group>> group_of(nodes.size());
  std::unordered_map<const Value*, size_t> producer;
  std::vector<std::shared_ptr<Group>> open;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = *nodes[i];
    for (const Value* v : n.outputs) producer[v] = i;
    if (impure(n)) {  // nothing moves across a write
      for (auto& grp : open) grp->closed = true;
      open.clear();
      continue;
    }
    if (!fusible_here(n)) continue;
    auto grp = std::make_shared<Group>();
    grp->members.push_back(i);
    group_of[i] = grp;
    std::unordered_set<size_t> in_group{i};
    // Pull in the groups computing this group's inputs when nothing outside
    // the group reads those values (so they need not be materialised).
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t k = 0; k < grp->members.size() && !changed; ++k) {
        for (const Value* v : nodes[grp->members[k]]->inputs()) {
          auto p = producer.find(v);
          if (p == producer.end()) continue;
          auto other = group_of[p->second];
          if (!other || other == grp || other->closed) continue;
          bool inside = true;
          for (size_t u : users[v]) inside = inside && in_group.count(u);
          if (!inside) continue;
          for (size_t m : other->members) {
            group_of[m] = grp;
            in_group.insert(m);
          }
          grp->members.insert(grp->members.end(), other->members.begin(), other->members.end());
          other->members.clear();
          changed = true;
          break;
        }
      }
    }
    std::sort(grp->members.begin(), grp->members.end());
    open.push_back(grp);
  }

  // Build one fused node per group of two or more, at the position of its last node.
  std::unordered_set<const Group*> done;
  std::vector<std::unique_ptr<Node>> out;
  std::vector<bool> removed(nodes.size(), false);
  std::map<size_t, std::unique_ptr<Node>> fused_at;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto& grp = group_of[i];
    if (!grp || grp->members.size() < 2 || done.count(grp.get())) continue;
    done.insert(grp.get());
    std::unordered_set<const Value*> inside;
    for (size_t m : grp->members)
      for (const Value* v : nodes[m]->outputs) inside.insert(v);
    auto body = std::make_unique<Graph>();
    std::unordered_map<const Value*, Value*> map;
    std::vector<Arg> args;
    for (size_t m : grp->members)
      for (const Value* v : nodes[m]->inputs())
        if (!inside.count(v) && !map.count(v)) {
          map[v] = body->add_input("in" + std::to_string(args.size()), v->meta);
          args.push_back(Arg::of(const_cast<Value*>(v)));
        }
    int64_t k = 0;
    for (size_t m : grp->members) {
      const Node& src = *nodes[m];
      std::vector<Arg> bargs;
      for (const Arg& a : src.args) {
        Arg b = a;
        if (a.kind == Arg::Kind::Value) b.value = map.at(a.value);
        bargs.push_back(std::move(b));
      }
      Node* bn = body->append_node(src.op, std::move(bargs), 1);
      bn->outputs[0]->meta = src.outputs[0]->meta;
      bn->outputs[0]->name = "t" + std::to_string(k++);
      map[src.outputs[0]] = bn->outputs[0];
      removed[m] = true;
    }
    size_t root = grp->members.back();
    Value* result = nodes[root]->outputs[0];
    body->set_outputs({map.at(result)});
    auto fused = std::make_unique<Node>();
    fused->op = kFusedOp;
    fused->args = std::move(args);
    fused->outputs = {result};
    result->node = fused.get();
    result->offset = 0;
    fused->body = std::move(body);
    compile_fused(*fused->body);  // checks the body compiles
    fused_at[root] = std::move(fused);
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!removed[i]) out.push_back(std::move(nodes[i]));
    auto f = fused_at.find(i);
    if (f != fused_at.end()) out.push_back(std::move(f->second));
  }
  nodes = std::move(out);
}

void optimize(Graph& g) {
  eliminate_dead_code(g);
  fold_constants(g);
  eliminate_dead_code(g);
  fuse_elementwise(g);
  g.compact();
  g.validate();
}

}  // namespace ember::jit
