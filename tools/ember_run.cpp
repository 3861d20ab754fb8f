// ember_run: run a saved ember model on inputs from .npy files, without Python.
//
//   ember_run model.ejit in0.npy [in1.npy ...] -o out_prefix
//
// writes out_prefix0.npy, out_prefix1.npy, ... (one per model output).
// Options: -o PREFIX (default "out"), --threads N, --print-graph, -h/--help.
//
//   ember_run model.ejit --export-onnx model.onnx [--opset N]
//
// writes the model as ONNX instead (shapes as traced; no inputs needed).
// Exit status: 0 on success, 1 when the model or an input cannot be used, 2 for bad usage.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/jit/module.h"
#include "ember/jit/npy.h"
#include "ember/onnx/export.h"

namespace {

void usage(FILE* f) {
  std::fprintf(f,
               "usage: ember_run MODEL INPUT.npy [INPUT.npy ...] [-o PREFIX] [--threads N] [--print-graph]\n"
               "       ember_run MODEL --export-onnx OUT.onnx [--opset N]\n"
               "Runs a model saved by ember.jit (traced.save) on the inputs and writes PREFIX0.npy, PREFIX1.npy, ...,\n"
               "or writes it as an ONNX model (opset 13 to 17, default 17).\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, prefix = "out", onnx_path;
  long opset = ember::onnx::kDefaultOpset;
  std::vector<std::string> inputs;
  bool print_graph = false;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (a == "-o" || a == "--threads" || a == "--export-onnx" || a == "--opset") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ember_run: %s needs a value\n", a.c_str());
        return 2;
      }
      std::string v = argv[++i];
      if (a == "-o") prefix = v;
      else if (a == "--export-onnx") onnx_path = v;
      else if (a == "--opset") {
        char* end = nullptr;
        opset = std::strtol(v.c_str(), &end, 10);
        if (!end || *end || opset < ember::onnx::kMinOpset || opset > ember::onnx::kMaxOpset) {
          std::fprintf(stderr, "ember_run: --opset needs an integer from %lld to %lld, got '%s'\n",
                       (long long)ember::onnx::kMinOpset, (long long)ember::onnx::kMaxOpset, v.c_str());
          return 2;
        }
      } else {
        char* end = nullptr;
        long n = std::strtol(v.c_str(), &end, 10);
        if (!end || *end || n <= 0) {
          std::fprintf(stderr, "ember_run: --threads needs a positive integer, got '%s'\n", v.c_str());
          return 2;
        }
        threads = int(n);
      }
    } else if (a == "--print-graph") {
      print_graph = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "ember_run: unknown option %s\n", a.c_str());
      usage(stderr);
      return 2;
    } else if (model.empty()) {
      model = a;
    } else {
      inputs.push_back(a);
    }
  }
  if (model.empty()) {
    usage(stderr);
    return 2;
  }
  try {
    if (threads > 0) ember::set_num_threads(threads);
    ember::jit::Module m = ember::jit::load(model);
    if (print_graph) std::fputs(m.graph().str().c_str(), stdout);
    if (!onnx_path.empty()) {
      ember::onnx::ExportOptions opt;
      opt.opset_version = opset;
      ember::onnx::export_graph_to_file(m.graph(), onnx_path, opt);
      return 0;
    }
    ember::TensorList xs;
    for (const auto& path : inputs) xs.push_back(ember::jit::read_npy(path));
    if (print_graph && inputs.empty()) return 0;
    ember::TensorList ys = m.forward(xs);
    for (size_t i = 0; i < ys.size(); ++i) ember::jit::write_npy(prefix + std::to_string(i) + ".npy", ys[i]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ember_run: %s\n", e.what());
    return 1;
  }
  return 0;
}
