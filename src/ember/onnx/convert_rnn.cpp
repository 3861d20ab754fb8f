// The ONNX converter of _rnn_layer (one LSTM/GRU layer, src/ember/jit/rnn_layer.h):
// ONNX's LSTM/GRU op with the weights regrouped into its layout.
//
// Gate order: torch stacks LSTM gates as (i, f, g, o) and GRU gates as (r, z, n);
// ONNX wants (i, o, f, c) and (z, r, h). torch's GRU applies the reset gate
// after the hidden projection: ONNX's linear_before_reset=1.
#include "ember/onnx/convert.h"
#include "ember/ops/ops.h"

namespace ember::onnx {

namespace {

using N = NodeIn&;

// The rows of a (G*H, ...) weight or (G*H) bias, gate blocks taken in `order`.
Tensor regroup(const Tensor& t, const std::vector<int64_t>& order) {
  int64_t h = t.size(0) / int64_t(order.size());
  TensorList blocks;
  for (int64_t g : order) blocks.push_back(narrow(t, 0, g * h, h));
  return contiguous(cat(blocks, 0));
}

Tensor weight_data(N a, const jit::Value* v) {
  if (!v || !v->data.defined())
    a.fail("the recurrent weights must be parameters or constants of the model, not computed tensors");
  return v->data.detach();
}

void rnn_layer(N a) {
  const std::string mode = a.lit(0).to_string();
  const bool lstm = mode == "LSTM";
  if (!lstm && mode != "GRU") a.fail("unknown mode '" + mode + "'");
  std::vector<const jit::Value*> w = a.list(4);
  if (w.size() != 4 && w.size() != 8) a.fail("expected 4 weights per direction");
  const int64_t dirs = int64_t(w.size() / 4);
  const std::vector<int64_t> order = lstm ? std::vector<int64_t>{0, 3, 1, 2} : std::vector<int64_t>{1, 0, 2};
  Dtype d = a.out_dtype();
  TensorList W, R, B;
  for (int64_t k = 0; k < dirs; ++k) {
    W.push_back(regroup(weight_data(a, w[size_t(4 * k)]), order));
    R.push_back(regroup(weight_data(a, w[size_t(4 * k + 1)]), order));
    B.push_back(cat({regroup(weight_data(a, w[size_t(4 * k + 2)]), order), regroup(weight_data(a, w[size_t(4 * k + 3)]), order)}, 0));
  }
  Ctx& c = a.c;
  const int64_t hidden = W[0].size(0) / (lstm ? 4 : 3);
  std::vector<std::string> ins{a.in(1, d), c.tensor(to_dtype(stack(W, 0), d), "W"), c.tensor(to_dtype(stack(R, 0), d), "R"),
                               c.tensor(to_dtype(stack(B, 0), d), "B"), "", a.has(2) ? a.in(2, d) : ""};
  if (lstm) ins.push_back(a.has(3) ? a.in(3, d) : "");
  while (!ins.empty() && ins.back().empty()) ins.pop_back();
  std::vector<Attribute> attrs{attr("hidden_size", hidden),
                               attr("direction", std::string(dirs == 2 ? "bidirectional" : "forward"))};
  if (!lstm) attrs.push_back(attr("linear_before_reset", int64_t(1)));
  std::vector<std::string> outs{c.fresh(mode + "_Y"), a.out(1)};
  if (lstm) outs.push_back(a.out(2));
  c.op(mode, ins, attrs, outs);
  // Y is (T, D, B, H): to torch's (T, B, D*H)
  std::string y = c.op("Transpose", {outs[0]}, {attr("perm", std::vector<int64_t>{0, 2, 1, 3})});
  c.op("Reshape", {y, c.ints({0, 0, -1})}, {}, {a.out(0)});
  const std::vector<DimSym> dx = c.dyn(a.value(1));
  c.dyn(a.n.outputs[0]) = {dx[0], dx[1], {}};
  for (size_t k = 1; k < a.n.outputs.size(); ++k) c.dyn(a.n.outputs[k]) = {{}, dx[1], {}};
}

}  // namespace

void add_rnn_converters(ConverterTable& t) { t["_rnn_layer"] = rnn_layer; }

}  // namespace ember::onnx
