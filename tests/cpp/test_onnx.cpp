// ONNX export from C++: the protobuf wire encoder, and a hand-built graph
// exported and read back with a small wire-format reader (the Python tests
// check exported models with onnx.checker and ONNX Runtime).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "ember/jit/graph.h"
#include "ember/onnx/export.h"
#include "ember/onnx/protobuf.h"
#include "ember/ops/ops.h"

using namespace ember;
using namespace ember::jit;

namespace {

// One decoded field: varints and fixed32 as numbers, length-delimited as bytes.
struct Field {
  int number = 0;
  int wire = 0;
  uint64_t num = 0;
  std::string bytes;
};

std::vector<Field> decode(const std::string& s) {
  std::vector<Field> out;
  size_t i = 0;
  auto varint = [&]() {
    uint64_t v = 0;
    for (int shift = 0; i < s.size(); shift += 7) {
      uint8_t b = uint8_t(s[i++]);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ADD_FAILURE() << "truncated varint";
    return v;
  };
  while (i < s.size()) {
    uint64_t tag = varint();
    Field f;
    f.number = int(tag >> 3);
    f.wire = int(tag & 7);
    if (f.wire == 0) f.num = varint();
    else if (f.wire == 2) {
      uint64_t n = varint();
      f.bytes = s.substr(i, n);
      i += n;
    } else if (f.wire == 5) {
      uint32_t v;
      std::memcpy(&v, s.data() + i, 4);
      f.num = v;
      i += 4;
    } else {
      ADD_FAILURE() << "unexpected wire type " << f.wire;
      break;
    }
    out.push_back(f);
  }
  return out;
}

std::vector<Field> fields(const std::string& msg, int number) {
  std::vector<Field> out;
  for (auto& f : decode(msg))
    if (f.number == number) out.push_back(f);
  return out;
}

// x -> linear(x, fc.weight, fc.bias) -> relu -> softmax(dim=-1)
std::unique_ptr<Graph> mlp_graph() {
  auto g = std::make_unique<Graph>();
  Value* x = g->add_input("x", TensorMeta{true, Dtype::Float32, {2, 3}});
  Value* w = g->add_parameter("fc.weight", full({4, 3}, 0.5));
  Value* b = g->add_parameter("fc.bias", full({4}, 0.1));
  Node* lin = g->append_node("linear", {Arg::of(x), Arg::of(w), Arg::of(b)}, 1);
  lin->outputs[0]->meta = {true, Dtype::Float32, {2, 4}};
  Node* relu = g->append_node("relu", {Arg::of(lin->outputs[0])}, 1);
  relu->outputs[0]->meta = {true, Dtype::Float32, {2, 4}};
  Node* sm = g->append_node("softmax", {Arg::of(relu->outputs[0]), Arg::lit(int64_t(-1)), Arg::lit(IValue())}, 1);
  sm->outputs[0]->meta = {true, Dtype::Float32, {2, 4}};
  g->set_outputs({sm->outputs[0]});
  return g;
}

}  // namespace

TEST(Onnx, WireEncoding) {
  onnx::pb::Writer w;
  w.varint_field(1, 150);      // the protobuf documentation's example: 08 96 01
  w.bytes_field(2, "testing");
  w.int_field(3, -1);          // negative int64: ten bytes
  w.float_field(4, 1.0f);
  const std::string& s = w.bytes();
  ASSERT_GE(s.size(), 3u);
  EXPECT_EQ(uint8_t(s[0]), 0x08);
  EXPECT_EQ(uint8_t(s[1]), 0x96);
  EXPECT_EQ(uint8_t(s[2]), 0x01);
  auto f = decode(s);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].num, 150u);
  EXPECT_EQ(f[1].bytes, "testing");
  EXPECT_EQ(f[2].num, ~uint64_t(0));
  EXPECT_EQ(f[3].wire, 5);
  EXPECT_EQ(f[3].num, 0x3f800000u);
}

TEST(Onnx, ExportsAHandBuiltGraph) {
  auto g = mlp_graph();
  onnx::ExportOptions opt;
  opt.output_names = {"probs"};
  opt.dynamic_axes["x"] = {{0, "batch"}};
  opt.opset_version = 13;
  std::string model = onnx::export_graph(*g, opt);
  auto ir = fields(model, 1);
  ASSERT_EQ(ir.size(), 1u);
  EXPECT_EQ(ir[0].num, 8u);
  auto opset = fields(model, 8);
  ASSERT_EQ(opset.size(), 1u);
  EXPECT_EQ(fields(opset[0].bytes, 2).at(0).num, 13u);
  std::string graph = fields(model, 7).at(0).bytes;
  std::vector<std::string> ops;
  for (auto& n : fields(graph, 1)) ops.push_back(fields(n.bytes, 4).at(0).bytes);
  EXPECT_EQ(ops, (std::vector<std::string>{"Gemm", "Relu", "Softmax"}));
  std::vector<std::string> inits;
  for (auto& t : fields(graph, 5)) inits.push_back(fields(t.bytes, 8).at(0).bytes);
  EXPECT_EQ(inits, (std::vector<std::string>{"fc.weight", "fc.bias"}));
  // the weight's raw data: 12 floats of 0.5
  std::string raw = fields(fields(graph, 5).at(0).bytes, 9).at(0).bytes;
  ASSERT_EQ(raw.size(), 12u * 4u);
  float v;
  std::memcpy(&v, raw.data(), 4);
  EXPECT_EQ(v, 0.5f);
  // input x: dim 0 symbolic ("batch"), dim 1 fixed (3); output named probs with a symbolic batch too
  std::string in = fields(graph, 11).at(0).bytes;
  EXPECT_EQ(fields(in, 1).at(0).bytes, "x");
  std::string shape = fields(fields(fields(in, 2).at(0).bytes, 1).at(0).bytes, 2).at(0).bytes;
  auto dims = fields(shape, 1);
  ASSERT_EQ(dims.size(), 2u);
  EXPECT_EQ(fields(dims[0].bytes, 2).at(0).bytes, "batch");
  EXPECT_EQ(fields(dims[1].bytes, 1).at(0).num, 3u);
  std::string out = fields(graph, 12).at(0).bytes;
  EXPECT_EQ(fields(out, 1).at(0).bytes, "probs");
}

TEST(Onnx, ClearErrors) {
  auto g = mlp_graph();
  onnx::ExportOptions opt;
  opt.opset_version = 12;
  EXPECT_THROW(onnx::export_graph(*g, opt), Error);
  opt.opset_version = 18;
  EXPECT_THROW(onnx::export_graph(*g, opt), Error);
  opt = {};
  opt.dynamic_axes["nope"] = {{0, "b"}};
  EXPECT_THROW(onnx::export_graph(*g, opt), Error);

  auto h = std::make_unique<Graph>();
  Value* x = h->add_input("x", TensorMeta{true, Dtype::Float32, {3}});
  Node* n = h->append_node("cummax", {Arg::of(x), Arg::lit(int64_t(0))}, 2);
  for (Value* o : n->outputs) o->meta = {true, Dtype::Float32, {3}};
  h->set_outputs({n->outputs[0]});
  try {
    onnx::export_graph(*h, onnx::ExportOptions{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("op 'cummax' has no ONNX mapping"), std::string::npos) << e.what();
  }
  auto ops = onnx::supported_ops();
  EXPECT_TRUE(std::find(ops.begin(), ops.end(), "conv2d") != ops.end());
}
