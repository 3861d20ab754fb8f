// Autograd pieces shared by autograd_bindings.cpp and function_bindings.cpp:
// graph nodes as Python objects, and Python callables kept by C++ hooks.
#pragma once
#include <memory>

#include "bind.h"
#include "ember/autograd/node.h"

namespace ember::py {

// The Python object for a graph node: a custom Function's node is its ctx
// object; other nodes are `Node`s whose class is named after them, so
// type(y.grad_fn).__name__ == "MulBackward0" as in torch. None for null.
pybind11::object node_to_py(const std::shared_ptr<autograd::Node>& node);
pybind11::object builtin_node_to_py(const std::shared_ptr<autograd::Node>& node);

// A Python callable held by a C++ hook. The hook may be copied or destroyed by
// the engine without the GIL; this takes the GIL to drop the callable, and
// remove() (from a handle) turns the hook into a no-op.
struct HookCell {
  pybind11::object fn;
  ~HookCell() {
    if (!Py_IsInitialized()) {
      fn.release();
      return;
    }
    pybind11::gil_scoped_acquire gil;
    fn = pybind11::object();
  }
};
std::shared_ptr<HookCell> make_hook_cell(pybind11::object fn);
// What register_hook returns: handle.remove() detaches the hook.
pybind11::object removable_handle(const std::shared_ptr<HookCell>& cell);

// Node hooks from Python callables (torch's grad_fn.register_hook / register_prehook).
pybind11::object add_node_post_hook(autograd::Node& node, pybind11::object fn);
pybind11::object add_node_pre_hook(autograd::Node& node, pybind11::object fn);
pybind11::object next_functions(const autograd::Node& node);

}  // namespace ember::py
