// The graph IR of ember's tracing JIT.
//
// How a graph is made, and why this way
// -------------------------------------
// `ember.jit.trace(model, inputs)` runs the model once in Python. Every op enters
// ember through a binding (python/src/bind.h, number_protocol.cpp); while a
// thread traces, each binding also hands the tracer (tracer.h) the op's name,
// its arguments as IValues and its output tensors. Recording at the binding
// boundary, rather than inside the C++ ops, means the graph holds exactly the
// calls the user's Python made (`linear`, `softmax`, not their internals), the
// argument convention of a node is the binding's own positional parameter list,
// and the op registry (op_registry.h) can replay a node by calling the same C++
// op. The cost when not tracing is one load of a global counter per call.
//
// A graph is a straight-line program (tracing unrolls Python control flow):
//
//   graph(%x : Float(2, 4)):
//     params: %fc1.weight : Float(8, 4), %fc1.bias : Float(8)
//     %0 : Float(2, 8) = linear(%x, %fc1.weight, %fc1.bias)
//     %1 : Float(2, 8) = relu(%0)
//     return (%1)
//
// Values (all tensors) are of four kinds:
//   Input      a tensor the caller passes to forward (in order);
//   Parameter  a tensor of the traced module (parameter or buffer), named by its
//              qualified name ("fc1.weight"); recognised by tensor identity;
//   Constant   any other tensor an op read that the trace did not produce
//              (a tensor created from Python data, a folded result);
//   Output     an output of a node.
// A Node is one op call: `op` (the registry name), `args` (the positional
// arguments: a Value, a list of Values for tensor-list parameters such as
// cat's, or a literal IValue -- the non-tensor "attributes" such as dims,
// scalars, strings, dtypes), and its output Values. A node named
// "fused_elementwise" carries a `body`: a small graph of elementwise nodes that
// one kernel runs in a single pass (passes.cpp, fused_kernel.cpp); its inputs
// are the node's Value args in order.
//
// Nodes are kept in execution order. In-place ops (names ending in '_', like
// torch) appear as nodes whose output is the mutated tensor; later uses refer to
// that output, and since the interpreter runs the real ops on real tensors,
// views and aliasing behave exactly as they did in eager mode. Passes never
// move work across an in-place node and never delete one.
//
// What a trace cannot see (like torch.jit.trace): Python control flow, and
// Python numbers computed from tensors (x.size(0), t.item()) are frozen at
// their traced values; ember.jit.trace warns where a tensor's value turns into
// a Python value.
#pragma once
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "ember/jit/ivalue.h"

namespace ember::jit {

struct Node;
class Graph;

enum class ValueKind : uint8_t { Input, Parameter, Constant, Output };
const char* value_kind_name(ValueKind k);

// The dtype and shape a value had while tracing (printing, fusion decisions).
struct TensorMeta {
  bool known = false;
  Dtype dtype = Dtype::Float32;
  Shape sizes;
  static TensorMeta of(const Tensor& t) { return t.defined() ? TensorMeta{true, t.dtype(), t.sizes()} : TensorMeta{}; }
};

struct Value {
  int64_t id = 0;                 // index in its graph's value table
  ValueKind kind = ValueKind::Output;
  std::string name;               // inputs: argument name; parameters: qualified name; else empty
  Node* node = nullptr;           // the producing node (kind Output)
  int64_t offset = 0;             // which of the node's outputs
  Tensor data;                    // kind Parameter and Constant
  bool fresh_per_run = false;     // a constant the graph mutates in place: every run starts from a copy
  TensorMeta meta;
  // "%x", "%fc1.weight", "%c0", "%3"
  std::string display() const;
};

struct Arg {
  enum class Kind : uint8_t { Value, ValueList, Literal };
  Kind kind = Kind::Literal;
  Value* value = nullptr;          // Kind::Value
  std::vector<Value*> list;        // Kind::ValueList; nullptr entries stand for None
  IValue literal;                  // Kind::Literal

  static Arg of(Value* v) { Arg a; a.kind = Kind::Value; a.value = v; return a; }
  static Arg of(std::vector<Value*> l) { Arg a; a.kind = Kind::ValueList; a.list = std::move(l); return a; }
  static Arg lit(IValue v) { Arg a; a.kind = Kind::Literal; a.literal = std::move(v); return a; }
};

struct Node {
  std::string op;
  std::vector<Arg> args;
  std::vector<Value*> outputs;
  std::unique_ptr<Graph> body;     // fused_elementwise only

  // Every Value this node reads, in argument order (lists flattened, None skipped).
  std::vector<Value*> inputs() const;
  bool is_fused() const { return bool(body); }
};

inline constexpr const char* kFusedOp = "fused_elementwise";

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  Value* add_input(std::string name, TensorMeta meta);
  Value* add_parameter(std::string name, Tensor data);
  Value* add_constant(Tensor data);
  // Appends a node with `n_outputs` new output values (metas unknown until set).
  Node* append_node(std::string op, std::vector<Arg> args, size_t n_outputs);
  void set_outputs(std::vector<Value*> outs) { outputs_ = std::move(outs); }

  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& parameters() const { return params_; }
  const std::vector<Value*>& constants() const { return constants_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  std::vector<std::unique_ptr<Node>>& mutable_nodes() { return nodes_; }
  const std::vector<std::unique_ptr<Value>>& values() const { return values_; }
  Value* value(int64_t id) const { return values_.at(size_t(id)).get(); }
  Value* find_parameter(const std::string& name) const;

  // Every use of `from` (node args, graph outputs) reads `to` instead.
  void replace_all_uses(Value* from, Value* to);
  // Drops values nothing defines or uses any more (dead node outputs, unused
  // parameters and constants) and renumbers the rest: inputs, parameters,
  // constants, then node outputs in order. Passes call it when they are done.
  void compact();
  // Checks the graph is well formed (each value defined once, before its uses;
  // fused bodies well formed); throws ember::Error naming what is wrong.
  void validate() const;
  // Deep copy (shares parameter and constant tensors).
  std::unique_ptr<Graph> clone() const;

  std::string str() const;
  void print(std::ostream& os, int indent = 0) const;

  // Opaque descriptions of how Python packs the flat inputs/outputs (JSON written
  // by ember.jit); C++ callers see flat tensor lists and may ignore them.
  std::string input_spec, output_spec;

 private:
  Value* new_value(ValueKind kind);
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<Value*> inputs_, params_, constants_, outputs_;
  std::vector<std::unique_ptr<Node>> nodes_;
  int64_t next_constant_ = 0;
};

// "Float(2, 8)" or "Tensor" when unknown.
std::string meta_str(const TensorMeta& m);

}  // namespace ember::jit
