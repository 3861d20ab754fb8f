// The exporter's working state and the per-op converters (internal to
// src/ember/onnx). A converter reads one jit node and appends ONNX nodes.
#pragma once
#include <functional>
#include <string>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ember/jit/graph.h"
#include "ember/onnx/model.h"

namespace ember::onnx {

// A symbolic (dynamic_axes) size inside one dim: `size` is its traced value and
// `inner` the product of the fixed sizes inside the same dim below it (a
// reshape may merge a symbolic dim with fixed ones: (T, B*H) holds B with inner H).
struct Factor {
  int64_t size = 1, inner = 1;
  int64_t sym = 0;  // which symbol (Ctx::symbol_size)
  bool operator==(const Factor& o) const { return size == o.size && inner == o.inner && sym == o.sym; }
};
using DimSym = std::vector<Factor>;  // empty: a fixed dim

class Ctx {
 public:
  Ctx(ModelProto& m, int64_t opset) : model(m), opset(opset) {}
  ModelProto& model;
  int64_t opset;
  const jit::Graph* graph = nullptr;  // the graph (or fused body) being converted
  bool params_as_inputs = false;       // export_params=False: parameters are graph inputs

  std::string fresh(const std::string& hint);
  void reserve(const std::string& n);  // a name the graph's inputs or outputs use
  // The ONNX name of a jit value; parameters and constants become initializers on first use.
  std::string name(const jit::Value* v);
  void set_name(const jit::Value* v, const std::string& n) { names_[v] = n; }
  bool named(const jit::Value* v) const { return names_.count(v) != 0; }
  // `out` denotes the ONNX value `src` (no node), unless `out` already has a
  // name of its own (a graph output): then an Identity.
  void alias(const jit::Value* out, const std::string& src);

  // Appends a node; returns its first output (fresh names unless given).
  std::string op(const std::string& type, std::vector<std::string> inputs, std::vector<Attribute> attrs = {},
                 std::vector<std::string> outputs = {}, size_t n_outputs = 1);
  std::vector<std::string> op_n(const std::string& type, std::vector<std::string> inputs, size_t n_outputs,
                                std::vector<Attribute> attrs = {});

  std::string ints(const std::vector<int64_t>& v);             // 1-D int64 initializer
  std::string scalar(double v, Dtype d);                        // 0-d initializer
  std::string tensor(const Tensor& t, const std::string& hint = "const");
  std::string cast(const std::string& x, Dtype from, Dtype to);

  // A symbol: dim `dim` of graph input `input`. symbol_size(id) is its run-time
  // size as a 1-D int64 tensor of one element (Gather(Shape(input), [dim])).
  int64_t add_symbol(const std::string& input, int64_t dim);
  std::string symbol_size(int64_t id);
  // The symbolic factors of each dim, by value (propagated along the graph).
  std::vector<DimSym>& dyn(const jit::Value* v);
  bool has_dyn(const jit::Value* v) const;

 private:
  std::unordered_map<const jit::Value*, std::string> names_;
  std::unordered_map<const jit::Value*, std::vector<DimSym>> dyn_;
  std::unordered_map<std::string, int64_t> counters_;
  std::unordered_map<std::string, std::string> shared_consts_;
  std::unordered_set<std::string> used_;
  std::vector<std::pair<std::string, int64_t>> symbols_;
  std::unordered_map<int64_t, std::string> symbol_sizes_;
};

// One node being converted.
struct NodeIn {
  Ctx& c;
  const jit::Node& n;

  size_t size() const { return n.args.size(); }
  bool has(size_t i) const;  // present and not None
  bool is_value(size_t i) const { return i < n.args.size() && n.args[i].kind == jit::Arg::Kind::Value; }
  const jit::IValue& lit(size_t i) const;
  const jit::Value* value(size_t i) const;
  const jit::TensorMeta& meta(size_t i) const;  // of a value argument
  const jit::TensorMeta& out_meta(size_t k = 0) const;
  Dtype out_dtype(size_t k = 0) const { return out_meta(k).dtype; }
  int64_t rank(size_t i) const { return int64_t(meta(i).sizes.size()); }
  // Argument i as an ONNX value of dtype `want` (numbers become constants, tensors are cast).
  std::string in(size_t i, std::optional<Dtype> want = std::nullopt) const;
  std::vector<const jit::Value*> list(size_t i) const;
  int64_t i64(size_t i, int64_t dflt) const { return has(i) ? lit(i).to_int() : dflt; }
  int64_t i64(size_t i) const { return lit(i).to_int(); }
  double f64(size_t i, double dflt) const { return has(i) ? lit(i).to_double() : dflt; }
  bool b(size_t i, bool dflt) const { return has(i) ? lit(i).to_bool() : dflt; }
  std::vector<int64_t> ints(size_t i) const { return has(i) ? lit(i).to_int_list() : std::vector<int64_t>{}; }
  std::string out(size_t k = 0) const { return c.name(n.outputs.at(k)); }
  [[noreturn]] void fail(const std::string& why) const;
};

using Converter = std::function<void(NodeIn&)>;
using ConverterTable = std::unordered_map<std::string, Converter>;
const ConverterTable& converters();
void add_elementwise_converters(ConverterTable& t);  // convert_elementwise.cpp
void add_layer_converters(ConverterTable& t);        // convert_layers.cpp
void add_shape_converters(ConverterTable& t);        // convert_shape.cpp
void add_rnn_converters(ConverterTable& t);          // convert_rnn.cpp

// The promoted dtype of two operands (enough for exporting: bool < ints < floats).
Dtype promote_dtypes(Dtype a, Dtype b);
// Attribute list helpers.
inline Attribute attr(std::string n, int64_t v) { return {std::move(n), v}; }
inline Attribute attr(std::string n, double v) { return {std::move(n), v}; }
inline Attribute attr(std::string n, std::string v) { return {std::move(n), std::move(v)}; }
inline Attribute attr(std::string n, std::vector<int64_t> v) { return {std::move(n), std::move(v)}; }

// Normalises a possibly negative dim.
inline int64_t wrap_dim(int64_t d, int64_t rank) { return d < 0 ? d + rank : d; }

}  // namespace ember::onnx
