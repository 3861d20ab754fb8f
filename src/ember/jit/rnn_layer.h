// One layer of an LSTM or GRU (both directions) as a single op, so that a
// recurrent layer can appear in a graph as one node (ONNX export maps it to
// ONNX's LSTM/GRU op) instead of its unrolled steps.
//
//   rnn_layer("LSTM", x, h0, c0, {w_ih, w_hh, b_ih, b_hh [, the same for the reverse direction]})
//
// x is (T, B, F); h0 and c0 are (D, B, H) or undefined (zeros); D = 1 or 2
// directions, told by the number of weights. Returns {y (T, B, D*H), h_n (D,
// B, H)} and, for LSTM, c_n (D, B, H). Gates in torch's order (LSTM: i, f, g,
// o; GRU: r, z, n) with torch's formulas, computed with ember ops.
#pragma once
#include <string>

#include "ember/ops/ops.h"

namespace ember::jit {

TensorList rnn_layer(const std::string& mode, const Tensor& x, const Tensor& h0, const Tensor& c0, const TensorList& weights);

}  // namespace ember::jit
