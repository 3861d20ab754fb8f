// ONNX export of traced graphs.
//
//   ember::jit::Module m = ember::jit::load("model.ejit");
//   ember::onnx::ExportOptions opt;
//   opt.input_names = {"x"};
//   opt.dynamic_axes["x"] = {{0, "batch"}};
//   ember::onnx::export_graph_to_file(m.graph(), "model.onnx", opt);
//
// Each node of the graph (the calls the traced Python made: linear, conv2d,
// softmax, view ...) becomes one or a few ONNX nodes; parameters and constants
// become initializers (parameters keep their qualified names). Fused
// elementwise nodes are exported as the ops of their bodies. An op with no
// ONNX mapping is an error naming the op.
//
// Shapes are those seen while tracing, except the dims named in dynamic_axes:
// they become symbolic (dim_param) and are followed through the graph (a
// reshape that merges a symbolic dim with fixed ones, as attention's
// (T, B*H, d) views do, gets its target computed from the inputs' shapes at
// run time). A reshape that would split a symbolic size is an error.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ember/jit/graph.h"

namespace ember::onnx {

inline constexpr int64_t kDefaultOpset = 17;
inline constexpr int64_t kMinOpset = 13;
inline constexpr int64_t kMaxOpset = 17;

struct ExportOptions {
  std::vector<std::string> input_names;   // default: the traced argument names
  std::vector<std::string> output_names;  // default: output, or output_0, output_1 ...
  // {input or output name: {dim: symbolic name}}
  std::map<std::string, std::map<int64_t, std::string>> dynamic_axes;
  int64_t opset_version = kDefaultOpset;  // kMinOpset..kMaxOpset
  std::string producer_version;
  // false: parameters become graph inputs (after the model's own) with no stored values.
  bool export_params = true;
  // true: every initializer is also listed as a graph input (older runtimes want that).
  bool keep_initializers_as_inputs = false;
};

// The serialised ONNX ModelProto.
std::string export_graph(const jit::Graph& g, const ExportOptions& opt = {});
void export_graph_to_file(const jit::Graph& g, const std::string& path, const ExportOptions& opt = {});

// Every graph op the exporter maps to ONNX, sorted.
std::vector<std::string> supported_ops();

}  // namespace ember::onnx
