// rnn_layer: one LSTM/GRU layer over a whole sequence, in both directions.
#include "ember/jit/rnn_layer.h"

#include "ember/jit/op_registry.h"

namespace ember::jit {

namespace {
constexpr const char* kOp = "rnn_layer";
}

TensorList rnn_layer(const std::string& mode, const Tensor& x, const Tensor& h0, const Tensor& c0, const TensorList& w) {
  const bool lstm = mode == "LSTM";
  EMBER_CHECK_VALUE(lstm || mode == "GRU", kOp, "mode must be 'LSTM' or 'GRU', got '", mode, "'");
  EMBER_CHECK_VALUE(x.dim() == 3, kOp, "expected a (T, B, F) input, got ", x.dim(), " dims");
  EMBER_CHECK_VALUE(w.size() == 4 || w.size() == 8, kOp, "expected 4 weights per direction (1 or 2 directions), got ",
                    w.size());
  const int64_t dirs = int64_t(w.size() / 4), gates = lstm ? 4 : 3;
  const int64_t T = x.size(0), B = x.size(1);
  EMBER_CHECK_VALUE(w[1].dim() == 2 && w[1].size(0) % gates == 0, kOp, "bad weight_hh shape");
  const int64_t H = w[1].size(1);
  EMBER_CHECK_VALUE(w[1].size(0) == gates * H, kOp, "weight_hh must be (", gates, " * H, H)");
  if (h0.defined())
    EMBER_CHECK_VALUE(h0.dim() == 3 && h0.size(0) == dirs && h0.size(1) == B && h0.size(2) == H, kOp,
                      "h0 must be (", dirs, ", ", B, ", ", H, ")");
  if (lstm && c0.defined())
    EMBER_CHECK_VALUE(c0.dim() == 3 && c0.size(0) == dirs && c0.size(1) == B && c0.size(2) == H, kOp,
                      "c0 must be (", dirs, ", ", B, ", ", H, ")");
  TensorList ys, hs, cs;
  for (int64_t d = 0; d < dirs; ++d) {
    const Tensor& w_ih = w[size_t(4 * d)];
    const Tensor& w_hh = w[size_t(4 * d + 1)];
    const Tensor& b_ih = w[size_t(4 * d + 2)];
    const Tensor& b_hh = w[size_t(4 * d + 3)];
    Tensor h = h0.defined() ? select(h0, 0, d) : zeros({B, H}, x.dtype());
    Tensor c = lstm ? (c0.defined() ? select(c0, 0, d) : zeros({B, H}, x.dtype())) : Tensor();
    Tensor xp = linear(x, w_ih, b_ih);  // every step's input projection at once
    TensorList out(static_cast<size_t>(T));
    for (int64_t k = 0; k < T; ++k) {
      int64_t t = d == 0 ? k : T - 1 - k;
      Tensor gx = select(xp, 0, t), gh = linear(h, w_hh, b_hh);
      if (lstm) {
        TensorList g = chunk(add(gx, gh), 4, 1);
        Tensor i = sigmoid(g[0]), f = sigmoid(g[1]), n = tanh(g[2]), o = sigmoid(g[3]);
        c = add(mul(f, c), mul(i, n));
        h = mul(o, tanh(c));
      } else {
        TensorList a = chunk(gx, 3, 1), b = chunk(gh, 3, 1);
        Tensor r = sigmoid(add(a[0], b[0])), z = sigmoid(add(a[1], b[1]));
        Tensor n = tanh(add(a[2], mul(r, b[2])));
        h = add(mul(rsub(z, wrap_scalar(1.0)), n), mul(z, h));
      }
      out[size_t(t)] = h;
    }
    ys.push_back(T > 0 ? stack(out, 0) : zeros({0, B, H}, x.dtype()));
    hs.push_back(h);
    if (lstm) cs.push_back(c);
  }
  TensorList r{dirs == 1 ? ys[0] : cat(ys, 2), stack(hs, 0)};
  if (lstm) r.push_back(stack(cs, 0));
  return r;
}

void register_rnn_ops(Registry& r) {
  r.add("_rnn_layer", [](const Args& a) -> TensorList {
    return rnn_layer(a.s(0), a.tensor(1), a.opt_tensor(2), a.opt_tensor(3), a.tensors(4));
  });
}

}  // namespace ember::jit
