// A traced model as a C++ object: run it, inspect it, save it, load it.
//
//   ember::jit::Module m = ember::jit::load("model.ejit");
//   ember::TensorList y = m.forward({x});
//
// Nothing here needs Python. forward() is thread-safe (each call has its own
// value table) and runs the real ember ops, so autograd works through it when
// grad mode is on and parameters require grad.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/jit/graph.h"

namespace ember::jit {

struct Plan;

class Module {
 public:
  Module() = default;
  // Validates the graph and prepares it to run (ops resolved, fused bodies compiled).
  explicit Module(std::shared_ptr<const Graph> graph);

  TensorList forward(const TensorList& inputs) const;
  const Graph& graph() const;
  const std::shared_ptr<const Graph>& graph_ptr() const { return graph_; }
  // Parameters and buffers by qualified name, as the graph holds them (shared, not copied).
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;

  void save(const std::string& path) const;
  std::string save_to_bytes() const;

 private:
  std::shared_ptr<const Graph> graph_;
  std::shared_ptr<const Plan> plan_;
};

// Reads a model file written by Module::save (or ember.jit.save). Throws
// ember::Error with a clear message for a missing, truncated or corrupted file.
Module load(const std::string& path);
Module load_from_bytes(const std::string& bytes, const std::string& what = "model");

// The file format (module_file.cpp): graph and weights in one file.
std::string serialize(const Graph& g);
std::unique_ptr<Graph> deserialize(const std::string& bytes, const std::string& what = "model");

}  // namespace ember::jit
