// The exporter's driver: names, initializers, graph inputs and outputs, the
// walk over the nodes (fused bodies inlined), and symbolic-dim propagation.
#include "ember/onnx/export.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "ember/onnx/convert.h"
#include "ember/ops/ops.h"

namespace ember::onnx {

namespace {
constexpr const char* kWhere = "ember.onnx.export";

// A graph input (fixed shape) for a tensor given by value.
ValueInfo value_info(const std::string& name, const Tensor& t) {
  ValueInfo vi{name, t.dtype(), {}};
  for (int64_t s : t.sizes()) vi.dims.push_back(Dim{s, ""});
  return vi;
}
}  // namespace

// ---------------------------------------------------------------- Ctx

std::string Ctx::fresh(const std::string& hint) {
  for (;;) {
    std::string n = hint + "_" + std::to_string(counters_[hint]++);
    if (!used_.count(n)) {
      used_.insert(n);
      return n;
    }
  }
}

void Ctx::reserve(const std::string& n) { used_.insert(n); }

std::string Ctx::name(const jit::Value* v) {
  auto it = names_.find(v);
  if (it != names_.end()) return it->second;
  std::string n;
  if (v->kind == jit::ValueKind::Parameter) {
    n = used_.count(v->name) ? fresh(v->name) : v->name;
    used_.insert(n);
    if (params_as_inputs) model.inputs.push_back(value_info(n, v->data));
    else model.initializers.push_back({n, v->data});
  } else if (v->kind == jit::ValueKind::Constant) {
    n = tensor(v->data, "const");
  } else if (v->kind == jit::ValueKind::Input) {
    EMBER_FAIL(kWhere, "graph input ", v->display(), " has no name");
  } else {
    n = fresh(v->node ? v->node->op : std::string("value"));
  }
  names_[v] = n;
  return n;
}

void Ctx::alias(const jit::Value* out, const std::string& src) {
  auto it = names_.find(out);
  if (it != names_.end()) {
    if (it->second != src) op("Identity", {src}, {}, {it->second});
    return;
  }
  names_[out] = src;
}

std::string Ctx::op(const std::string& type, std::vector<std::string> inputs, std::vector<Attribute> attrs,
                    std::vector<std::string> outputs, size_t n_outputs) {
  if (outputs.empty())
    for (size_t k = 0; k < n_outputs; ++k) outputs.push_back(fresh(type));
  NodeProto n;
  n.op_type = type;
  n.name = fresh("/" + type);
  n.inputs = std::move(inputs);
  n.outputs = outputs;
  n.attrs = std::move(attrs);
  model.nodes.push_back(std::move(n));
  return outputs.at(0);
}

std::vector<std::string> Ctx::op_n(const std::string& type, std::vector<std::string> inputs, size_t n_outputs,
                                   std::vector<Attribute> attrs) {
  std::vector<std::string> outs;
  for (size_t k = 0; k < n_outputs; ++k) outs.push_back(fresh(type));
  op(type, std::move(inputs), std::move(attrs), outs);
  return outs;
}

std::string Ctx::tensor(const Tensor& t, const std::string& hint) {
  std::string n = fresh(hint);
  model.initializers.push_back({n, t});
  return n;
}

std::string Ctx::ints(const std::vector<int64_t>& v) {
  std::string key = "i:";
  for (int64_t x : v) key += std::to_string(x) + ",";
  auto it = shared_consts_.find(key);
  if (it != shared_consts_.end()) return it->second;
  Tensor t = empty({int64_t(v.size())}, Dtype::Int64);
  for (size_t k = 0; k < v.size(); ++k) t.data_ptr<int64_t>()[k] = v[k];
  return shared_consts_[key] = tensor(t, "ints");
}

std::string Ctx::scalar(double v, Dtype d) {
  std::string key = std::string("s:") + dtype_name(d) + ":" + std::to_string(v);
  auto it = shared_consts_.find(key);
  if (it != shared_consts_.end()) return it->second;
  Tensor t = full({}, Scalar(v), Dtype::Float64);
  if (!is_floating(d)) t = full({}, d == Dtype::Bool ? Scalar(v != 0) : Scalar(int64_t(v)), Dtype::Int64);
  return shared_consts_[key] = tensor(to_dtype(t, d), "scalar");
}

std::string Ctx::cast(const std::string& x, Dtype from, Dtype to) {
  if (from == to) return x;
  return op("Cast", {x}, {{"to", int64_t(onnx_dtype(to))}});
}

std::vector<DimSym>& Ctx::dyn(const jit::Value* v) {
  auto it = dyn_.find(v);
  if (it != dyn_.end()) return it->second;
  return dyn_[v] = std::vector<DimSym>(v->meta.sizes.size());
}

bool Ctx::has_dyn(const jit::Value* v) const { return dyn_.count(v) != 0; }

int64_t Ctx::add_symbol(const std::string& input, int64_t dim) {
  symbols_.push_back({input, dim});
  return int64_t(symbols_.size()) - 1;
}

std::string Ctx::symbol_size(int64_t id) {
  auto it = symbol_sizes_.find(id);
  if (it != symbol_sizes_.end()) return it->second;
  const auto& [input, dim] = symbols_.at(size_t(id));
  std::string s = op("Gather", {op("Shape", {input}), ints({dim})}, {attr("axis", int64_t(0))});
  return symbol_sizes_[id] = s;
}

// ---------------------------------------------------------------- NodeIn

bool NodeIn::has(size_t i) const {
  if (i >= n.args.size()) return false;
  const jit::Arg& a = n.args[i];
  if (a.kind == jit::Arg::Kind::Literal) return !a.literal.is_none();
  if (a.kind == jit::Arg::Kind::Value) return a.value != nullptr;
  return true;
}

const jit::IValue& NodeIn::lit(size_t i) const {
  static const jit::IValue none;
  if (i >= n.args.size()) return none;
  if (n.args[i].kind != jit::Arg::Kind::Literal) fail("argument " + std::to_string(i) + " must be a constant, not a tensor");
  return n.args[i].literal;
}

const jit::Value* NodeIn::value(size_t i) const {
  if (!is_value(i)) fail("argument " + std::to_string(i) + " must be a tensor");
  return n.args[i].value;
}

const jit::TensorMeta& NodeIn::meta(size_t i) const {
  const jit::Value* v = value(i);
  if (!v->meta.known) fail("the shape of argument " + std::to_string(i) + " is unknown");
  return v->meta;
}

const jit::TensorMeta& NodeIn::out_meta(size_t k) const {
  const jit::Value* v = n.outputs.at(k);
  if (!v->meta.known) fail("the shape of its result is unknown");
  return v->meta;
}

std::string NodeIn::in(size_t i, std::optional<Dtype> want) const {
  if (is_value(i)) {
    std::string x = c.name(value(i));
    return want ? c.cast(x, meta(i).dtype, *want) : x;
  }
  const jit::IValue& v = lit(i);
  if (!v.is_number()) fail("argument " + std::to_string(i) + " must be a tensor or a number");
  return c.scalar(v.to_double(), want.value_or(v.is_double() ? Dtype::Float32 : v.is_bool() ? Dtype::Bool : Dtype::Int64));
}

std::vector<const jit::Value*> NodeIn::list(size_t i) const {
  if (i >= n.args.size() || n.args[i].kind != jit::Arg::Kind::ValueList) fail("argument " + std::to_string(i) + " must be a list of tensors");
  std::vector<const jit::Value*> out(n.args[i].list.begin(), n.args[i].list.end());
  return out;
}

void NodeIn::fail(const std::string& why) const {
  EMBER_NOT_SUPPORTED(kWhere, "op '", n.op, "': ", why);
}

// ---------------------------------------------------------------- the walk

namespace {

// A dim of an output is symbolic where a tensor input has a symbolic dim of the
// same size at the same position (elementwise ops, the batch dim of linear,
// conv, pools and norms). Converters that move dims set their outputs' flags.
void propagate(Ctx& c, const jit::Node& n) {
  std::vector<jit::Value*> ins = n.inputs();
  for (const jit::Value* o : n.outputs) {
    if (c.has_dyn(o) || !o->meta.known) continue;
    std::vector<DimSym>& d = c.dyn(o);
    for (const jit::Value* in : ins) {
      if (!c.has_dyn(in) || !in->meta.known) continue;
      const std::vector<DimSym>& di = c.dyn(in);
      for (size_t k = 0; k < d.size() && k < di.size(); ++k)
        if (!di[k].empty() && d[k].empty() && in->meta.sizes[k] == o->meta.sizes[k]) d[k] = di[k];
    }
  }
}

void convert_nodes(Ctx& c, const jit::Graph& g);

void convert_fused(Ctx& c, const jit::Node& n) {
  const jit::Graph& body = *n.body;
  std::vector<jit::Value*> outer = n.inputs();
  EMBER_CHECK(outer.size() == body.inputs().size(), kWhere, "malformed fused node");
  for (size_t k = 0; k < outer.size(); ++k) {
    c.set_name(body.inputs()[k], c.name(outer[k]));
    c.dyn(body.inputs()[k]) = c.dyn(outer[k]);
  }
  convert_nodes(c, body);
  EMBER_CHECK(body.outputs().size() == n.outputs.size(), kWhere, "malformed fused node");
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    c.alias(n.outputs[k], c.name(body.outputs()[k]));
    if (c.has_dyn(body.outputs()[k])) c.dyn(n.outputs[k]) = c.dyn(body.outputs()[k]);
  }
}

void convert_nodes(Ctx& c, const jit::Graph& g) {
  const auto& table = converters();
  const jit::Graph* outer = c.graph;
  c.graph = &g;
  for (const auto& np : g.nodes()) {
    const jit::Node& n = *np;
    if (n.is_fused()) {
      convert_fused(c, n);
      continue;
    }
    auto it = table.find(n.op);
    if (it == table.end())
      EMBER_NOT_SUPPORTED(kWhere, "op '", n.op, "' has no ONNX mapping (", n.outputs.empty() ? "" : n.outputs[0]->display(),
                          " in the traced graph)");
    NodeIn in{c, n};
    it->second(in);
    propagate(c, n);
  }
  c.graph = outer;
}

std::string default_output_name(size_t k, size_t n) { return n == 1 ? "output" : "output_" + std::to_string(k); }

}  // namespace

std::string export_graph(const jit::Graph& g, const ExportOptions& opt) {
  EMBER_CHECK_VALUE(opt.opset_version >= kMinOpset && opt.opset_version <= kMaxOpset, kWhere, "opset_version ",
              opt.opset_version, " is not supported (", kMinOpset, " to ", kMaxOpset, ")");
  ModelProto m;
  m.opset = opt.opset_version;
  m.ir_version = 8;
  m.producer_version = opt.producer_version;
  Ctx c(m, opt.opset_version);
  c.params_as_inputs = !opt.export_params;

  EMBER_CHECK_VALUE(opt.input_names.size() <= g.inputs().size(), kWhere, "got ", opt.input_names.size(),
              " input names for a model with ", g.inputs().size(), " inputs");
  EMBER_CHECK_VALUE(opt.output_names.size() <= g.outputs().size(), kWhere, "got ", opt.output_names.size(),
              " output names for a model with ", g.outputs().size(), " outputs");
  std::set<std::string> io_names;
  auto symbolic = [&](const std::string& name, size_t d) -> std::string {
    auto it = opt.dynamic_axes.find(name);
    if (it == opt.dynamic_axes.end()) return "";
    auto jt = it->second.find(int64_t(d));
    return jt == it->second.end() ? "" : jt->second;
  };

  for (size_t k = 0; k < g.inputs().size(); ++k) {
    const jit::Value* v = g.inputs()[k];
    std::string name = k < opt.input_names.size() ? opt.input_names[k] : (v->name.empty() ? "input_" + std::to_string(k) : v->name);
    EMBER_CHECK_VALUE(io_names.insert(name).second, kWhere, "the name '", name, "' is used twice");
    c.reserve(name);
    c.set_name(v, name);
    ValueInfo vi{name, v->meta.dtype, {}};
    std::vector<DimSym>& d = c.dyn(v);
    for (size_t i = 0; i < v->meta.sizes.size(); ++i) {
      std::string p = symbolic(name, i);
      if (!p.empty()) d[i] = {Factor{v->meta.sizes[i], 1, c.add_symbol(name, int64_t(i))}};
      vi.dims.push_back(Dim{v->meta.sizes[i], p});
    }
    m.inputs.push_back(vi);
  }
  std::vector<std::string> out_names;
  for (size_t k = 0; k < g.outputs().size(); ++k) {
    std::string name = k < opt.output_names.size() ? opt.output_names[k] : default_output_name(k, g.outputs().size());
    EMBER_CHECK_VALUE(io_names.insert(name).second, kWhere, "the name '", name, "' is used twice");
    c.reserve(name);
    out_names.push_back(name);
    const jit::Value* v = g.outputs()[k];
    if (v->kind == jit::ValueKind::Output && !c.named(v)) c.set_name(v, name);
  }
  for (const auto& [name, dims] : opt.dynamic_axes) {
    EMBER_CHECK_VALUE(io_names.count(name), kWhere, "dynamic_axes names '", name, "', which is not an input or output name");
    for (const auto& [d, p] : dims) {
      (void)p;
      EMBER_CHECK_VALUE(d >= 0, kWhere, "dynamic_axes of '", name, "': dim ", d, " must be non-negative");
    }
  }

  convert_nodes(c, g);

  for (size_t k = 0; k < g.outputs().size(); ++k) {
    const jit::Value* v = g.outputs()[k];
    const std::string& name = out_names[k];
    std::string have = c.name(v);
    if (have != name) c.op("Identity", {have}, {}, {name});
    ValueInfo vi{name, v->meta.dtype, {}};
    const std::vector<DimSym>& d = c.dyn(v);
    for (size_t i = 0; i < v->meta.sizes.size(); ++i) {
      std::string p = symbolic(name, i);
      if (p.empty() && i < d.size() && !d[i].empty()) p = name + "_dim_" + std::to_string(i);
      vi.dims.push_back(Dim{v->meta.sizes[i], p});
    }
    m.outputs.push_back(vi);
  }
  if (opt.keep_initializers_as_inputs)
    for (const Initializer& i : m.initializers) m.inputs.push_back(value_info(i.name, i.data));
  return m.serialize();
}

void export_graph_to_file(const jit::Graph& g, const std::string& path, const ExportOptions& opt) {
  std::string bytes = export_graph(g, opt);
  std::ofstream f(path, std::ios::binary);
  EMBER_CHECK(f.good(), kWhere, "cannot open '", path, "' for writing");
  f.write(bytes.data(), std::streamsize(bytes.size()));
  EMBER_CHECK(f.good(), kWhere, "writing '", path, "' failed");
}

std::vector<std::string> supported_ops() {
  std::vector<std::string> out;
  for (const auto& [name, fn] : converters()) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ember::onnx
