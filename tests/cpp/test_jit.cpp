// The JIT from C++: graphs built by hand, passes, the fused kernel, the model
// file (round trip and damaged files), .npy files, and ember_run in an
// environment without Python.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "ember/autograd/grad_mode.h"
#include "ember/jit/fused_kernel.h"
#include "ember/jit/module.h"
#include "ember/jit/npy.h"
#include "ember/jit/op_registry.h"
#include "ember/jit/passes.h"
#include "ember/ops/ops.h"

using namespace ember;
using namespace ember::jit;

namespace {

Tensor arange_f(int64_t n, Dtype d = Dtype::Float32) { return to_dtype(arange(0, n, 1, Dtype::Float64), d); }

// Largest |a - b| over all elements (both converted to float64).
double max_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  Tensor x = contiguous(to_dtype(a, Dtype::Float64)), y = contiguous(to_dtype(b, Dtype::Float64));
  double m = 0;
  for (int64_t i = 0; i < x.numel(); ++i) m = std::max(m, std::abs(x.data_ptr<double>()[i] - y.data_ptr<double>()[i]));
  return m;
}

// y = tanh(x * w + 1.5) with a parameter w and a dead branch.
std::shared_ptr<Graph> small_graph(Dtype d = Dtype::Float32) {
  auto g = std::make_shared<Graph>();
  Value* x = g->add_input("x", TensorMeta{true, d, {4, 3}});
  Value* w = g->add_parameter("lin.weight", to_dtype(full({3}, 0.5), d));
  Node* mul = g->append_node("mul", {Arg::of(x), Arg::of(w)}, 1);
  mul->outputs[0]->meta = {true, d, {4, 3}};
  Node* add = g->append_node("add", {Arg::of(mul->outputs[0]), Arg::lit(1.5)}, 1);
  add->outputs[0]->meta = {true, d, {4, 3}};
  Node* dead = g->append_node("exp", {Arg::of(x)}, 1);
  dead->outputs[0]->meta = {true, d, {4, 3}};
  Node* th = g->append_node("tanh", {Arg::of(add->outputs[0])}, 1);
  th->outputs[0]->meta = {true, d, {4, 3}};
  g->set_outputs({th->outputs[0]});
  return g;
}

Tensor small_eager(const Tensor& x) { return tanh(add(mul(x, full({3}, 0.5, x.dtype())), wrap_scalar(1.5))); }

// CRC-32 (zlib's polynomial), to damage a payload while keeping its checksum valid.
uint32_t crc32_ref(const char* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= uint8_t(p[i]);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ember_jit_" + std::to_string(getpid()) + "_" + name)).string();
}

}  // namespace

TEST(Jit, GraphPrintsAndRuns) {
  auto g = small_graph();
  std::string s = g->str();
  EXPECT_NE(s.find("graph(%x : Float(4, 3)):"), std::string::npos) << s;
  EXPECT_NE(s.find("= mul(%x, %lin.weight)"), std::string::npos) << s;
  EXPECT_NE(s.find("= add(%"), std::string::npos) << s;
  EXPECT_NE(s.find(", 1.5)"), std::string::npos) << s;
  Module m(g);
  Tensor x = reshape(arange_f(12), {4, 3});
  TensorList y = m.forward({x});
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(max_diff(y[0], small_eager(x)), 0.0);
  EXPECT_EQ(m.named_parameters().at(0).first, "lin.weight");
}

TEST(Jit, ForwardChecksInputs) {
  Module m(small_graph());
  EXPECT_THROW(m.forward({}), Error);
  EXPECT_THROW(m.forward({Tensor()}), Error);
  // shapes other than the traced ones run when the ops allow them
  Tensor x = reshape(arange_f(6), {2, 3});
  EXPECT_EQ(max_diff(m.forward({x})[0], small_eager(x)), 0.0);
}

TEST(Jit, DeadCodeElimination) {
  auto g = small_graph();
  eliminate_dead_code(*g);
  for (const auto& n : g->nodes()) EXPECT_NE(n->op, "exp");
  EXPECT_EQ(g->nodes().size(), 3u);
  // in-place nodes stay even when nothing reads their result
  auto h = std::make_shared<Graph>();
  Value* x = h->add_input("x", {});
  h->append_node("relu_", {Arg::of(x)}, 1);
  h->set_outputs({x});
  eliminate_dead_code(*h);
  EXPECT_EQ(h->nodes().size(), 1u);
}

TEST(Jit, ConstantFolding) {
  auto g = std::make_shared<Graph>();
  Value* x = g->add_input("x", {true, Dtype::Float32, {3}});
  Value* c = g->add_constant(arange_f(3));
  Node* e = g->append_node("exp", {Arg::of(c)}, 1);
  Node* m = g->append_node("mul", {Arg::of(x), Arg::of(e->outputs[0])}, 1);
  g->set_outputs({m->outputs[0]});
  fold_constants(*g);
  eliminate_dead_code(*g);
  g->compact();
  ASSERT_EQ(g->nodes().size(), 1u);
  EXPECT_EQ(g->nodes()[0]->op, "mul");
  ASSERT_EQ(g->constants().size(), 1u);
  EXPECT_EQ(max_diff(g->constants()[0]->data, exp(arange_f(3))), 0.0);
  Tensor xv = full({3}, 2.0);
  EXPECT_EQ(max_diff(Module(g).forward({xv})[0], mul(xv, exp(arange_f(3)))), 0.0);
}

TEST(Jit, ConstantWrittenInPlaceIsNotFolded) {
  // z = zeros(3); z.add_(x); return z * 2: folding zeros would accumulate across runs
  auto g = std::make_shared<Graph>();
  Value* x = g->add_input("x", {true, Dtype::Float32, {3}});
  Node* z = g->append_node("zeros", {Arg::lit(std::vector<int64_t>{3}), Arg::lit(IValue())}, 1);
  Node* a = g->append_node("add_", {Arg::of(z->outputs[0]), Arg::of(x)}, 1);
  Node* m = g->append_node("mul", {Arg::of(a->outputs[0]), Arg::lit(2.0)}, 1);
  g->set_outputs({m->outputs[0]});
  optimize(*g);
  Module mod(g);
  Tensor xv = full({3}, 1.0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(max_diff(mod.forward({xv})[0], full({3}, 2.0)), 0.0);
}

TEST(Jit, FusionMakesOneNode) {
  auto g = small_graph();
  optimize(*g);
  ASSERT_EQ(g->nodes().size(), 1u) << g->str();
  const Node& f = *g->nodes()[0];
  EXPECT_EQ(f.op, kFusedOp);
  ASSERT_TRUE(f.body);
  EXPECT_EQ(f.body->nodes().size(), 3u);
  EXPECT_NE(g->str().find("block("), std::string::npos);
  Module m(g);
  for (Dtype d : {Dtype::Float32, Dtype::Float64}) {
    Tensor x = reshape(arange_f(12, d), {4, 3});
    Tensor got = m.forward({x})[0];
    EXPECT_EQ(got.dtype(), d);
    EXPECT_LT(max_diff(got, small_eager(x)), d == Dtype::Float32 ? 1e-6 : 1e-12);
  }
}

TEST(Jit, FusedKernelBroadcastsAndStrides) {
  // sigmoid(a * b - c) / 3 with a transposed, b broadcast along rows, c a scalar tensor
  auto g = std::make_shared<Graph>();
  TensorMeta m{true, Dtype::Float64, {5, 7}};
  Value* a = g->add_input("a", m);
  Value* b = g->add_input("b", {true, Dtype::Float64, {7}});
  Value* c = g->add_input("c", {true, Dtype::Float64, {}});
  Node* n1 = g->append_node("mul", {Arg::of(a), Arg::of(b)}, 1);
  n1->outputs[0]->meta = m;
  Node* n2 = g->append_node("sub", {Arg::of(n1->outputs[0]), Arg::of(c), Arg::lit(int64_t(2))}, 1);
  n2->outputs[0]->meta = m;
  Node* n3 = g->append_node("sigmoid", {Arg::of(n2->outputs[0])}, 1);
  n3->outputs[0]->meta = m;
  Node* n4 = g->append_node("div", {Arg::of(n3->outputs[0]), Arg::lit(3.0)}, 1);
  n4->outputs[0]->meta = m;
  g->set_outputs({n4->outputs[0]});
  optimize(*g);
  ASSERT_EQ(g->nodes().size(), 1u);
  Module mod(g);
  Tensor av = transpose(reshape(arange_f(35, Dtype::Float64), {7, 5}), 0, 1);
  Tensor bv = mul(arange_f(7, Dtype::Float64), wrap_scalar(0.1));
  Tensor cv = full({}, 0.25, Dtype::Float64);
  Tensor want = div(sigmoid(sub(mul(av, bv), cv, 2)), wrap_scalar(3.0));
  EXPECT_LT(max_diff(mod.forward({av, bv, cv})[0], want), 1e-15);
  // a large input goes over several blocks and threads
  Tensor big_a = reshape(mul(arange_f(300 * 257, Dtype::Float64), wrap_scalar(1e-3)), {300, 257});
  Tensor big_b = mul(arange_f(257, Dtype::Float64), wrap_scalar(-1e-2));
  EXPECT_EQ(max_diff(mod.forward({big_a, big_b, cv})[0], div(sigmoid(sub(mul(big_a, big_b), cv, 2)), wrap_scalar(3.0))), 0.0);
  // other dtypes and empty tensors run op by op with eager semantics
  Tensor ai = reshape(arange(0, 35, 1, Dtype::Float32), {5, 7});
  Tensor got = mod.forward({ai, to_dtype(bv, Dtype::Float32), to_dtype(cv, Dtype::Float32)})[0];
  EXPECT_EQ(got.dtype(), Dtype::Float32);
  EXPECT_LT(max_diff(got, div(sigmoid(sub(mul(ai, to_dtype(bv, Dtype::Float32)), to_dtype(cv, Dtype::Float32), 2)), wrap_scalar(3.0))), 1e-6);
  EXPECT_EQ(mod.forward({zeros({0, 7}, Dtype::Float64), bv, cv})[0].sizes(), (Shape{0, 7}));
}

TEST(Jit, FusedNodeKeepsAutograd) {
  auto g = small_graph(Dtype::Float64);
  optimize(*g);
  Module m(g);
  Tensor x = reshape(arange_f(12, Dtype::Float64), {4, 3});
  x = mul(x, wrap_scalar(0.1));
  x.requires_grad_(true);
  Tensor y = m.forward({x})[0];
  ASSERT_TRUE(y.requires_grad());
  // d/dx tanh(0.5 x + 1.5) = 0.5 (1 - tanh^2)
  y.backward(ones_like(y));
  Tensor t = tanh(add(mul(x.detach(), wrap_scalar(0.5)), wrap_scalar(1.5)));
  Tensor want = mul(sub(wrap_scalar(1.0), mul(t, t)), wrap_scalar(0.5));
  EXPECT_LT(max_diff(x.grad(), want), 1e-12);
}

TEST(Jit, NothingMovesAcrossInPlaceWrites) {
  // y = x * 2; x.add_(1); return y + x  -- the product must read x before the write
  auto g = std::make_shared<Graph>();
  TensorMeta m{true, Dtype::Float32, {4}};
  Value* x = g->add_input("x", m);
  Node* y = g->append_node("mul", {Arg::of(x), Arg::lit(2.0)}, 1);
  y->outputs[0]->meta = m;
  Node* w = g->append_node("add_", {Arg::of(x), Arg::lit(1.0)}, 1);
  w->outputs[0]->meta = m;
  Node* r = g->append_node("add", {Arg::of(y->outputs[0]), Arg::of(w->outputs[0])}, 1);
  r->outputs[0]->meta = m;
  g->set_outputs({r->outputs[0]});
  optimize(*g);
  Tensor xv = arange_f(4);
  Tensor got = Module(g).forward({xv})[0];
  EXPECT_EQ(max_diff(got, add(mul(arange_f(4), wrap_scalar(2.0)), add(arange_f(4), wrap_scalar(1.0)))), 0.0);
}

TEST(Jit, SaveLoadRoundTrip) {
  auto g = small_graph();
  optimize(*g);
  g->input_spec = "{\"args\": 1}";
  Module m(g);
  std::string path = temp_path("roundtrip.ejit");
  m.save(path);
  Module back = load(path);
  std::remove(path.c_str());
  EXPECT_EQ(back.graph().str(), m.graph().str());
  EXPECT_EQ(back.graph().input_spec, "{\"args\": 1}");
  Tensor x = reshape(arange_f(12), {4, 3});
  EXPECT_EQ(max_diff(back.forward({x})[0], m.forward({x})[0]), 0.0);
  EXPECT_EQ(back.save_to_bytes(), m.save_to_bytes());
}

TEST(Jit, DamagedFilesAreClearErrors) {
  auto g = small_graph();
  optimize(*g);
  std::string good = Module(g).save_to_bytes();
  auto expect_error = [](const std::string& bytes, const char* what) {
    try {
      load_from_bytes(bytes, "model");
      ADD_FAILURE() << "no error for " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("model"), std::string::npos) << e.what();
    }
  };
  expect_error("", "empty");
  expect_error("not a model at all", "bad magic");
  for (size_t n : {size_t(8), size_t(20), size_t(27), good.size() / 2, good.size() - 1}) expect_error(good.substr(0, n), "truncated");
  for (size_t pos = 8; pos < good.size(); pos += std::max<size_t>(1, good.size() / 97)) {
    std::string bad = good;
    bad[pos] = char(bad[pos] ^ 0x5a);
    expect_error(bad, "flipped byte");
  }
  expect_error(good + "x", "trailing byte");
}

TEST(Jit, DamagedPayloadWithValidChecksumNeverCrashes) {
  auto g = small_graph();
  optimize(*g);
  std::string good = Module(g).save_to_bytes();
  const size_t header = 28;
  int errors = 0, loaded = 0;
  for (size_t pos = header; pos < good.size(); ++pos) {
    for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
      std::string bad = good;
      bad[pos] = char(bad[pos] ^ flip);
      uint32_t crc = crc32_ref(bad.data() + header, bad.size() - header);
      std::memcpy(bad.data() + 24, &crc, 4);
      try {
        Module m = load_from_bytes(bad);
        ++loaded;
        try {
          m.forward({reshape(arange_f(12), {4, 3})});
        } catch (const Error&) {
        }
      } catch (const Error&) {
        ++errors;
      }
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_GT(loaded, 0);  // damaged weights still make a well-formed model
}

TEST(Jit, UnknownOpInFileIsAnError) {
  auto g = std::make_shared<Graph>();
  Value* x = g->add_input("x", {});
  Node* n = g->append_node("no_such_op", {Arg::of(x)}, 1);
  g->set_outputs({n->outputs[0]});
  std::string bytes = serialize(*g);
  try {
    load_from_bytes(bytes);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_op"), std::string::npos);
  }
}

TEST(Jit, RegistryArguments) {
  const OpSchema* add_op = find_op("add");
  ASSERT_TRUE(add_op);
  EXPECT_EQ(find_op("subtract"), find_op("sub"));
  EXPECT_TRUE(find_op("add_")->inplace());
  EXPECT_TRUE(find_op("dropout")->nondeterministic());
  EXPECT_EQ(find_op("definitely_not_an_op"), nullptr);
  EXPECT_THROW(call_op(*add_op, {}), Error);
  EXPECT_THROW(call_op(*add_op, {IValue("a"), IValue(1)}), Error);
  TensorList r = call_op(*add_op, {arange_f(3), IValue(2), IValue(int64_t(3))});
  EXPECT_EQ(max_diff(r[0], add(arange_f(3), wrap_scalar(int64_t(2)), 3)), 0.0);
  for (const char* op : {"view", "reshape", "permute", "transpose", "cat", "stack", "split", "chunk", "select", "slice",
                         "linear", "matmul", "softmax", "layer_norm", "batch_norm", "embedding", "dropout", "gelu"})
    EXPECT_TRUE(find_op(op)) << op;
}

TEST(Jit, NpyRoundTrip) {
  std::string path = temp_path("t.npy");
  for (Dtype d : {Dtype::Float32, Dtype::Float64, Dtype::Float16, Dtype::Int8, Dtype::Int16, Dtype::Int32, Dtype::Int64,
                  Dtype::UInt8, Dtype::Bool}) {
    Tensor t = to_dtype(reshape(arange_f(24, Dtype::Float64), {2, 3, 4}), d);
    write_npy(path, t);
    Tensor back = read_npy(path);
    EXPECT_EQ(back.dtype(), d);
    EXPECT_EQ(back.sizes(), t.sizes());
    EXPECT_EQ(max_diff(back, t), 0.0);
  }
  write_npy(path, full({}, 3.5));
  EXPECT_EQ(read_npy(path).dim(), 0);
  write_npy(path, transpose(reshape(arange_f(6), {2, 3}), 0, 1));  // non-contiguous: written in logical order
  EXPECT_EQ(max_diff(read_npy(path), transpose(reshape(arange_f(6), {2, 3}), 0, 1)), 0.0);
  std::remove(path.c_str());
}

TEST(Jit, NpyFortranBigEndianAndErrors) {
  auto make = [](const std::string& header, const std::string& data) {
    std::string h = header;
    size_t total = 10 + h.size() + 1;
    h.append((64 - total % 64) % 64, ' ');
    h += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += char(h.size() & 0xff);
    out += char(h.size() >> 8);
    return out + h + data;
  };
  // big-endian int16 [1, 2, 3, 4] in Fortran order as a 2x2 matrix: [[1, 3], [2, 4]]
  std::string data("\x00\x01\x00\x02\x00\x03\x00\x04", 8);
  Tensor t = parse_npy(make("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }", data));
  ASSERT_EQ(t.dtype(), Dtype::Int16);
  Tensor want = to_dtype(reshape(arange_f(4, Dtype::Float64), {2, 2}), Dtype::Int16);  // [[0,1],[2,3]]
  want = add(transpose(want, 0, 1), wrap_scalar(int64_t(1)));                          // [[1,3],[2,4]]
  EXPECT_EQ(max_diff(t, want), 0.0);
  EXPECT_THROW(parse_npy(make("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", std::string(8, '\0'))), Error);
  EXPECT_THROW(parse_npy(make("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'))), Error);
  EXPECT_THROW(parse_npy("garbage"), Error);
}

#if defined(EMBER_RUN_PATH) && defined(EMBER_LIB_DIR)
// ember_run links libember only and runs with nothing of Python in its environment.
TEST(Jit, EmberRunWithoutPython) {
  std::string ldd;
  {
    FILE* p = popen((std::string("ldd ") + EMBER_RUN_PATH + " 2>&1").c_str(), "r");
    ASSERT_TRUE(p);
    char buf[512];
    while (fgets(buf, sizeof buf, p)) ldd += buf;
    pclose(p);
  }
  EXPECT_NE(ldd.find("libember"), std::string::npos) << ldd;
  EXPECT_EQ(ldd.find("libpython"), std::string::npos) << ldd;
  auto g = small_graph();
  optimize(*g);
  std::string model = temp_path("run.ejit"), in = temp_path("in.npy"), out = temp_path("out");
  Module(g).save(model);
  Tensor x = reshape(arange_f(12), {4, 3});
  write_npy(in, x);
  std::string cmd = std::string("env -i LD_LIBRARY_PATH=") + EMBER_LIB_DIR + " " + EMBER_RUN_PATH + " " + model + " " + in +
                    " -o " + out + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Tensor y = read_npy(out + "0.npy");
  EXPECT_LT(max_diff(y, small_eager(x)), 1e-6);
  // a damaged model is an error message and exit status 1, not a crash
  {
    std::ofstream f(model, std::ios::binary | std::ios::trunc);
    f << "EMBERJIT";
  }
  int rc = std::system((std::string("env -i ") + EMBER_RUN_PATH + " " + model + " " + in + " > /dev/null 2>&1").c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 1) << rc;
  for (const auto& p : {model, in, out + "0.npy"}) std::remove(p.c_str());
}
#endif
