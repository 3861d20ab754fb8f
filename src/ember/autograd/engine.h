// Reverse-mode execution of the graph.
#pragma once
#include <optional>

#include "ember/core/tensor.h"

namespace ember::autograd {

// Tensor.backward / autograd.backward: accumulate d(roots)/d(leaf) into leaves'
// .grad (or only into `inputs` when given).
void backward(const TensorList& roots, const TensorList& grad_roots, std::optional<bool> retain_graph,
              bool create_graph, const TensorList& inputs = {});

// autograd.grad: return d(roots)/d(inputs) without touching any .grad.
TensorList grad(const TensorList& roots, const TensorList& inputs, const TensorList& grad_roots,
                std::optional<bool> retain_graph, bool create_graph, bool allow_unused);

}  // namespace ember::autograd
