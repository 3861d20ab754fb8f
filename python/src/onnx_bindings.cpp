// _C._onnx_export: a traced graph to ONNX bytes (ember.onnx wraps it).
#include <pybind11/stl.h>

#include "bind.h"
#include "ember/jit/module.h"
#include "ember/onnx/export.h"

namespace ember::py {

EMBER_BINDINGS(onnx, 92) {
  py::module_& mm = m;  // exporter controls: never recorded by the tracer
  mm.def("_onnx_export", [](const jit::Module& mod, std::vector<std::string> input_names,
                            std::vector<std::string> output_names,
                            std::map<std::string, std::map<int64_t, std::string>> dynamic_axes, int64_t opset,
                            std::string producer_version, bool export_params, bool keep_initializers_as_inputs) {
    onnx::ExportOptions opt;
    opt.input_names = std::move(input_names);
    opt.output_names = std::move(output_names);
    opt.dynamic_axes = std::move(dynamic_axes);
    opt.opset_version = opset;
    opt.producer_version = std::move(producer_version);
    opt.export_params = export_params;
    opt.keep_initializers_as_inputs = keep_initializers_as_inputs;
    std::string bytes = onnx::export_graph(mod.graph(), opt);
    return py::bytes(bytes);
  }, py::arg("module"), py::arg("input_names"), py::arg("output_names"), py::arg("dynamic_axes"), py::arg("opset"),
     py::arg("producer_version"), py::arg("export_params") = true, py::arg("keep_initializers_as_inputs") = false);
  mm.def("_onnx_supported_ops", [] { return onnx::supported_ops(); });
}

}  // namespace ember::py
