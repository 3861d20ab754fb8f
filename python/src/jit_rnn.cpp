// _C._rnn_layer: one LSTM/GRU layer as one recorded op (src/ember/jit/rnn_layer.h).
// ember.onnx routes nn.LSTM/nn.GRU through it while exporting, so that the
// graph holds one node per layer, which maps to ONNX's LSTM/GRU op.
#include <pybind11/stl.h>

#include "bind.h"
#include "ember/jit/rnn_layer.h"

namespace ember::py {

EMBER_BINDINGS(jit_rnn, 91) {
  m.def("_rnn_layer", [](const std::string& mode, const Tensor& x, std::optional<Tensor> h0, std::optional<Tensor> c0,
                         const TensorList& weights) {
    return jit::rnn_layer(mode, x, h0.value_or(Tensor()), c0.value_or(Tensor()), weights);
  }, py::arg("mode"), py::arg("input"), py::arg("h0") = py::none(), py::arg("c0") = py::none(), py::arg("weights"));
}

}  // namespace ember::py
