// Serialising ModelProto with onnx.proto's field numbers.
#include "ember/onnx/model.h"

#include "ember/onnx/protobuf.h"
#include "ember/ops/ops.h"

namespace ember::onnx {

int32_t onnx_dtype(Dtype d) {
  switch (d) {
    case Dtype::Float32: return 1;
    case Dtype::UInt8: return 2;
    case Dtype::Int8: return 3;
    case Dtype::Int16: return 5;
    case Dtype::Int32: return 6;
    case Dtype::Int64: return 7;
    case Dtype::Bool: return 9;
    case Dtype::Float16: return 10;
    case Dtype::Float64: return 11;
    case Dtype::BFloat16: return 16;
  }
  EMBER_FAIL("ember.onnx.export", "dtype ", dtype_name(d), " has no ONNX equivalent");
}

namespace {

// AttributeProto: name=1 f=2 i=3 s=4 floats=7 ints=8 type=20
pb::Writer attribute(const Attribute& a) {
  pb::Writer w;
  w.bytes_field(1, a.name);
  if (auto* i = std::get_if<int64_t>(&a.value)) {
    w.int_field(3, *i);
    w.int_field(20, 2);
  } else if (auto* f = std::get_if<double>(&a.value)) {
    w.float_field(2, float(*f));
    w.int_field(20, 1);
  } else if (auto* s = std::get_if<std::string>(&a.value)) {
    w.bytes_field(4, *s);
    w.int_field(20, 3);
  } else if (auto* is = std::get_if<std::vector<int64_t>>(&a.value)) {
    for (int64_t v : *is) w.int_field(8, v);
    w.int_field(20, 7);
  } else if (auto* fs = std::get_if<std::vector<double>>(&a.value)) {
    for (double v : *fs) w.float_field(7, float(v));
    w.int_field(20, 6);
  }
  return w;
}

// NodeProto: input=1 output=2 name=3 op_type=4 attribute=5
pb::Writer node(const NodeProto& n) {
  pb::Writer w;
  for (const auto& i : n.inputs) w.bytes_field(1, i);
  for (const auto& o : n.outputs) w.bytes_field(2, o);
  if (!n.name.empty()) w.bytes_field(3, n.name);
  w.bytes_field(4, n.op_type);
  for (const auto& a : n.attrs) w.message_field(5, attribute(a));
  return w;
}

// TensorProto: dims=1 data_type=2 name=8 raw_data=9
pb::Writer tensor(const Initializer& init) {
  pb::Writer w;
  Tensor t = contiguous(init.data.detach());
  for (int64_t d : t.sizes()) w.int_field(1, d);
  w.int_field(2, onnx_dtype(t.dtype()));
  w.bytes_field(8, init.name);
  w.bytes_field(9, t.raw_data(), size_t(t.numel()) * itemsize(t.dtype()));
  return w;
}

// ValueInfoProto: name=1 type=2; TypeProto: tensor_type=1; Tensor: elem_type=1 shape=2;
// TensorShapeProto: dim=1; Dimension: dim_value=1 dim_param=2
pb::Writer value_info(const ValueInfo& v) {
  pb::Writer shape;
  for (const Dim& d : v.dims) {
    pb::Writer dim;
    if (d.param.empty()) dim.int_field(1, d.value);
    else dim.bytes_field(2, d.param);
    shape.message_field(1, dim);
  }
  pb::Writer tt;
  tt.int_field(1, onnx_dtype(v.dtype));
  tt.message_field(2, shape);
  pb::Writer type;
  type.message_field(1, tt);
  pb::Writer w;
  w.bytes_field(1, v.name);
  w.message_field(2, type);
  return w;
}

}  // namespace

// ModelProto: ir_version=1 producer_name=2 producer_version=3 graph=7 opset_import=8
// GraphProto: node=1 name=2 initializer=5 input=11 output=12
std::string ModelProto::serialize() const {
  pb::Writer g;
  for (const auto& n : nodes) g.message_field(1, node(n));
  g.bytes_field(2, graph_name);
  for (const auto& i : initializers) g.message_field(5, tensor(i));
  for (const auto& i : inputs) g.message_field(11, value_info(i));
  for (const auto& o : outputs) g.message_field(12, value_info(o));
  pb::Writer opset_id;
  opset_id.bytes_field(1, "");
  opset_id.int_field(2, opset);
  pb::Writer m;
  m.int_field(1, ir_version);
  m.bytes_field(2, producer_name);
  if (!producer_version.empty()) m.bytes_field(3, producer_version);
  m.message_field(7, g);
  m.message_field(8, opset_id);
  return m.bytes();
}

}  // namespace ember::onnx
