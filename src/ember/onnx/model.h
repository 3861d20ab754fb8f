// An ONNX model as plain C++ structs, and its serialisation (onnx.proto's
// field numbers, written with protobuf.h). Only what ember's exporter emits
// is modelled: nodes with int/float/string/ints/floats attributes, tensor
// initializers (raw data), and tensor-typed graph inputs and outputs whose
// dims are fixed or named (dim_param).
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::onnx {

// onnx.TensorProto.DataType for an ember dtype.
int32_t onnx_dtype(Dtype d);

struct Attribute {
  std::string name;
  std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>> value;
};

struct NodeProto {
  std::string op_type, name;
  std::vector<std::string> inputs, outputs;  // "" stands for an omitted optional input
  std::vector<Attribute> attrs;
};

struct Initializer {
  std::string name;
  Tensor data;  // written contiguous, little-endian raw bytes
};

struct Dim {
  int64_t value = -1;  // used when param is empty
  std::string param;
};

struct ValueInfo {
  std::string name;
  Dtype dtype = Dtype::Float32;
  std::vector<Dim> dims;
};

struct ModelProto {
  int64_t ir_version = 8;
  int64_t opset = 17;
  std::string producer_name = "ember", producer_version, graph_name = "main_graph";
  std::vector<NodeProto> nodes;
  std::vector<Initializer> initializers;
  std::vector<ValueInfo> inputs, outputs;

  std::string serialize() const;
};

}  // namespace ember::onnx
