// Graph construction, compaction, validation and printing.
#include "ember/jit/graph.h"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace ember::jit {

const char* value_kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::Input: return "input";
    case ValueKind::Parameter: return "parameter";
    case ValueKind::Constant: return "constant";
    case ValueKind::Output: return "output";
  }
  return "?";
}

std::string meta_str(const TensorMeta& m) {
  if (!m.known) return "Tensor";
  std::ostringstream os;
  os << scalar_type_name(m.dtype) << "(";
  for (size_t i = 0; i < m.sizes.size(); ++i) os << (i ? ", " : "") << m.sizes[i];
  os << ")";
  return os.str();
}

std::string Value::display() const {
  if (!name.empty()) return "%" + name;
  return "%" + std::to_string(id);
}

// ---------------------------------------------------------------- IValue printing and equality

namespace {
std::string double_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << std::setprecision(std::numeric_limits<double>::max_digits10) << d;
  std::string s = os.str();
  // shortest form that reads back to the same double
  for (int p = 1; p < std::numeric_limits<double>::max_digits10; ++p) {
    std::ostringstream o2;
    o2 << std::setprecision(p) << d;
    if (std::stod(o2.str()) == d) { s = o2.str(); break; }
  }
  if (s.find_first_of(".eE") == std::string::npos) s += ".";
  return s;
}
}  // namespace

std::string IValue::repr() const {
  std::ostringstream os;
  switch (tag()) {
    case Tag::None: return "None";
    case Tag::Tensor: {
      const Tensor& t = std::get<Tensor>(v_);
      return t.defined() ? "<tensor " + meta_str(TensorMeta::of(t)) + ">" : "None";
    }
    case Tag::Double: return double_repr(std::get<double>(v_));
    case Tag::Int: return std::to_string(std::get<int64_t>(v_));
    case Tag::Bool: return std::get<bool>(v_) ? "True" : "False";
    case Tag::String: return "\"" + std::get<std::string>(v_) + "\"";
    case Tag::IntList: {
      os << "[";
      const auto& l = std::get<std::vector<int64_t>>(v_);
      for (size_t i = 0; i < l.size(); ++i) os << (i ? ", " : "") << l[i];
      os << "]";
      return os.str();
    }
    case Tag::DoubleList: {
      os << "[";
      const auto& l = std::get<std::vector<double>>(v_);
      for (size_t i = 0; i < l.size(); ++i) os << (i ? ", " : "") << double_repr(l[i]);
      os << "]";
      return os.str();
    }
    case Tag::TensorList: return "<tensor list of " + std::to_string(std::get<TensorList>(v_).size()) + ">";
    case Tag::Dtype: return dtype_name(std::get<Dtype>(v_));
  }
  return "?";
}

bool IValue::operator==(const IValue& o) const {
  if (tag() != o.tag()) return false;
  switch (tag()) {
    case Tag::Tensor: return std::get<Tensor>(v_).impl() == std::get<Tensor>(o.v_).impl();
    case Tag::TensorList: {
      const auto& a = std::get<TensorList>(v_);
      const auto& b = std::get<TensorList>(o.v_);
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (a[i].impl() != b[i].impl()) return false;
      return true;
    }
    case Tag::None: return true;
    case Tag::Double: return std::get<double>(v_) == std::get<double>(o.v_);
    case Tag::Int: return std::get<int64_t>(v_) == std::get<int64_t>(o.v_);
    case Tag::Bool: return std::get<bool>(v_) == std::get<bool>(o.v_);
    case Tag::String: return std::get<std::string>(v_) == std::get<std::string>(o.v_);
    case Tag::IntList: return std::get<std::vector<int64_t>>(v_) == std::get<std::vector<int64_t>>(o.v_);
    case Tag::DoubleList: return std::get<std::vector<double>>(v_) == std::get<std::vector<double>>(o.v_);
    case Tag::Dtype: return std::get<Dtype>(v_) == std::get<Dtype>(o.v_);
  }
  return false;
}

// ---------------------------------------------------------------- nodes and graphs

std::vector<Value*> Node::inputs() const {
  std::vector<Value*> out;
  for (const Arg& a : args) {
    if (a.kind == Arg::Kind::Value) out.push_back(a.value);
    else if (a.kind == Arg::Kind::ValueList)
      for (Value* v : a.list)
        if (v) out.push_back(v);
  }
  return out;
}

Value* Graph::new_value(ValueKind kind) {
  auto v = std::make_unique<Value>();
  v->id = int64_t(values_.size());
  v->kind = kind;
  values_.push_back(std::move(v));
  return values_.back().get();
}

Value* Graph::add_input(std::string name, TensorMeta meta) {
  Value* v = new_value(ValueKind::Input);
  v->name = std::move(name);
  v->meta = std::move(meta);
  inputs_.push_back(v);
  return v;
}

Value* Graph::add_parameter(std::string name, Tensor data) {
  Value* v = new_value(ValueKind::Parameter);
  v->name = std::move(name);
  v->meta = TensorMeta::of(data);
  v->data = std::move(data);
  params_.push_back(v);
  return v;
}

Value* Graph::add_constant(Tensor data) {
  Value* v = new_value(ValueKind::Constant);
  v->name = "c" + std::to_string(next_constant_++);
  v->meta = TensorMeta::of(data);
  v->data = std::move(data);
  constants_.push_back(v);
  return v;
}

Node* Graph::append_node(std::string op, std::vector<Arg> args, size_t n_outputs) {
  auto n = std::make_unique<Node>();
  n->op = std::move(op);
  n->args = std::move(args);
  for (size_t i = 0; i < n_outputs; ++i) {
    Value* v = new_value(ValueKind::Output);
    v->node = n.get();
    v->offset = int64_t(i);
    n->outputs.push_back(v);
  }
  nodes_.push_back(std::move(n));
  return nodes_.back().get();
}

Value* Graph::find_parameter(const std::string& name) const {
  for (Value* v : params_)
    if (v->name == name) return v;
  return nullptr;
}

void Graph::replace_all_uses(Value* from, Value* to) {
  for (auto& n : nodes_) {
    if (!n) continue;  // a pass may have taken the node out already
    for (Arg& a : n->args) {
      if (a.kind == Arg::Kind::Value && a.value == from) a.value = to;
      if (a.kind == Arg::Kind::ValueList)
        for (Value*& v : a.list)
          if (v == from) v = to;
    }
  }
  for (Value*& v : outputs_)
    if (v == from) v = to;
}

void Graph::compact() {
  std::unordered_set<const Value*> used;
  for (auto& n : nodes_)
    for (Value* v : n->inputs()) used.insert(v);
  for (Value* v : outputs_) used.insert(v);
  std::unordered_set<const Value*> keep;
  std::vector<Value*> order;
  for (Value* v : inputs_) { keep.insert(v); order.push_back(v); }  // inputs stay even if unused: forward's arity
  std::vector<Value*> params, consts;
  for (Value* v : params_)
    if (used.count(v)) { keep.insert(v); order.push_back(v); params.push_back(v); }
  int64_t c = 0;
  for (Value* v : constants_)
    if (used.count(v)) {
      keep.insert(v);
      order.push_back(v);
      consts.push_back(v);
      v->name = "c" + std::to_string(c++);
    }
  next_constant_ = c;
  for (auto& n : nodes_)
    for (Value* v : n->outputs) { keep.insert(v); order.push_back(v); }
  std::unordered_map<const Value*, std::unique_ptr<Value>> owned;
  for (auto& v : values_) owned[v.get()] = std::move(v);
  values_.clear();
  for (Value* v : order) {
    v->id = int64_t(values_.size());
    values_.push_back(std::move(owned[v]));
  }
  params_ = std::move(params);
  constants_ = std::move(consts);
}

void Graph::validate() const {
  std::unordered_set<const Value*> defined;
  auto define = [&](const Value* v, const char* what) {
    EMBER_CHECK(v, "jit", "graph: missing ", what);
    EMBER_CHECK(defined.insert(v).second, "jit", "graph: value ", v->display(), " is defined twice");
  };
  for (const Value* v : inputs_) define(v, "input");
  for (const Value* v : params_) {
    define(v, "parameter");
    EMBER_CHECK(v->data.defined(), "jit", "graph: parameter ", v->display(), " has no data");
  }
  for (const Value* v : constants_) {
    define(v, "constant");
    EMBER_CHECK(v->data.defined(), "jit", "graph: constant ", v->display(), " has no data");
  }
  for (const auto& n : nodes_) {
    for (const Value* v : n->inputs())
      EMBER_CHECK(defined.count(v), "jit", "graph: node ", n->op, " reads ", v->display(), " before it is defined");
    for (const Value* v : n->outputs) define(v, "node output");
    if (n->body) {
      EMBER_CHECK(n->body->params_.empty() && n->body->constants_.empty(), "jit",
                  "graph: a fused body holds only inputs and nodes");
      EMBER_CHECK(n->body->inputs_.size() == n->inputs().size(), "jit", "graph: fused node has ", n->inputs().size(),
                  " inputs but its body takes ", n->body->inputs_.size());
      EMBER_CHECK(n->body->outputs_.size() == n->outputs.size(), "jit", "graph: fused node has ", n->outputs.size(),
                  " outputs but its body returns ", n->body->outputs_.size());
      n->body->validate();
    }
  }
  for (const Value* v : outputs_)
    EMBER_CHECK(defined.count(v), "jit", "graph: output ", v ? v->display() : "<null>", " is not defined");
}

std::unique_ptr<Graph> Graph::clone() const {
  auto g = std::make_unique<Graph>();
  std::unordered_map<const Value*, Value*> map;
  for (const Value* v : inputs_) map[v] = g->add_input(v->name, v->meta);
  for (const Value* v : params_) map[v] = g->add_parameter(v->name, v->data);
  for (const Value* v : constants_) {
    Value* c = g->add_constant(v->data);
    c->name = v->name;
    c->fresh_per_run = v->fresh_per_run;
    map[v] = c;
  }
  g->next_constant_ = next_constant_;
  for (const auto& n : nodes_) {
    std::vector<Arg> args;
    for (const Arg& a : n->args) {
      Arg b = a;
      if (a.kind == Arg::Kind::Value) b.value = map.at(a.value);
      if (a.kind == Arg::Kind::ValueList)
        for (Value*& v : b.list)
          if (v) v = map.at(v);
      args.push_back(std::move(b));
    }
    Node* m = g->append_node(n->op, std::move(args), n->outputs.size());
    for (size_t i = 0; i < n->outputs.size(); ++i) {
      m->outputs[i]->meta = n->outputs[i]->meta;
      m->outputs[i]->name = n->outputs[i]->name;
      map[n->outputs[i]] = m->outputs[i];
    }
    if (n->body) m->body = n->body->clone();
  }
  for (const Value* v : outputs_) g->outputs_.push_back(map.at(v));
  g->input_spec = input_spec;
  g->output_spec = output_spec;
  return g;
}

void Graph::print(std::ostream& os, int indent) const {
  std::string pad(size_t(indent), ' ');
  os << pad << (indent ? "block(" : "graph(");
  for (size_t i = 0; i < inputs_.size(); ++i)
    os << (i ? ",\n" + pad + (indent ? "      " : "      ") : "") << inputs_[i]->display() << " : " << meta_str(inputs_[i]->meta);
  os << "):\n";
  auto list = [&](const char* title, const std::vector<Value*>& vs) {
    if (vs.empty()) return;
    os << pad << "  # " << title << ": ";
    for (size_t i = 0; i < vs.size(); ++i) os << (i ? ", " : "") << vs[i]->display() << " : " << meta_str(vs[i]->meta);
    os << "\n";
  };
  list("parameters", params_);
  list("constants", constants_);
  for (const auto& n : nodes_) {
    os << pad << "  ";
    for (size_t i = 0; i < n->outputs.size(); ++i)
      os << (i ? ", " : "") << n->outputs[i]->display() << " : " << meta_str(n->outputs[i]->meta);
    if (n->outputs.empty()) os << "()";
    os << " = " << n->op << "(";
    for (size_t i = 0; i < n->args.size(); ++i) {
      const Arg& a = n->args[i];
      os << (i ? ", " : "");
      if (a.kind == Arg::Kind::Value) os << a.value->display();
      else if (a.kind == Arg::Kind::Literal) os << a.literal.repr();
      else {
        os << "[";
        for (size_t j = 0; j < a.list.size(); ++j) os << (j ? ", " : "") << (a.list[j] ? a.list[j]->display() : "None");
        os << "]";
      }
    }
    os << ")\n";
    if (n->body) n->body->print(os, indent + 4);
  }
  os << pad << "  return (";
  for (size_t i = 0; i < outputs_.size(); ++i) os << (i ? ", " : "") << outputs_[i]->display();
  os << ")\n";
}

std::string Graph::str() const {
  std::ostringstream os;
  print(os);
  return os.str();
}

}  // namespace ember::jit
