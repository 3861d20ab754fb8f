// Custom autograd Functions written in Python (ember.autograd.Function).
//
// Function.apply runs the user's forward with grad mode off, then wraps the
// outputs into the graph with a PyNode. As in torch, the ctx object passed to
// forward/backward is also the node's Python face (y.grad_fn is ctx). The node
// owns the ctx; the ctx only points back weakly, and saved tensors live in C++
// (outputs without their grad_fn), so no reference cycle keeps a graph alive.
// The engine runs with the GIL released: the node takes it to call backward.
#include "autograd_py.h"
#include "ember/autograd/custom_function.h"
#include "ember/autograd/hooks.h"

namespace ember::py {

using autograd::Node;

namespace {

struct PyNode;

// C++ state of a ctx object (_C._FunctionBase).
struct FunctionCtx {
  std::weak_ptr<PyNode> node;
  std::vector<autograd::SavedTensor> saved;
  bool freed = false;
};

struct PyNode : Node {
  py::object ctx;  // the Python ctx (an instance of the Function's backward class)
  FunctionCtx* cdata = nullptr;
  std::string name_;
  std::vector<bool> is_tensor_input;   // per forward argument
  std::vector<bool> output_is_tensor;  // per forward output
  bool materialize = true;

  PyNode() { materialize_grads = false; }  // apply decides, per ctx.set_materialize_grads

  ~PyNode() override {
    if (!Py_IsInitialized()) {
      ctx.release();
      return;
    }
    py::gil_scoped_acquire gil;
    ctx = py::object();
  }

  std::string name() const override { return name_; }

  void release_variables() override {
    py::gil_scoped_acquire gil;
    cdata->saved.clear();
    cdata->freed = true;
  }

  TensorList apply(TensorList&& grads) override {
    py::gil_scoped_acquire gil;
    py::tuple args(output_is_tensor.size());
    for (size_t i = 0; i < output_is_tensor.size(); ++i) {
      Tensor g = i < grads.size() ? grads[i] : Tensor();
      if (output_is_tensor[i] && !g.defined() && materialize) g = zeros(output_shapes[i], output_dtypes[i]);
      args[i] = output_is_tensor[i] ? py::reinterpret_steal<py::object>(wrap(g)) : py::none();
    }
    py::object r = ctx.attr("apply")(*args);
    py::tuple res = PyTuple_Check(r.ptr()) ? py::reinterpret_borrow<py::tuple>(r) : py::make_tuple(r);
    size_t expected = is_tensor_input.size(), got = res.size();
    if (got > expected) {  // extra results are fine when they are all None
      bool all_none = true;
      for (size_t i = expected; i < got; ++i) all_none = all_none && res[i].is_none();
      if (all_none) got = expected;
    }
    EMBER_CHECK(got == expected, "", "function ", name_, " returned an incorrect number of gradients (expected ",
                expected, ", got ", got, ")");
    TensorList out;
    out.reserve(next_edges.size());
    for (size_t i = 0; i < expected; ++i) {
      py::object o = res[i];
      if (!is_tensor_input[i]) {
        EMBER_CHECK(o.is_none(), "", "function ", name_, " returned a gradient different than None at position ", i + 1,
                    ", but the corresponding forward input was not a Variable");
        continue;
      }
      if (o.is_none()) {
        out.emplace_back();
      } else {
        EMBER_CHECK(is_tensor(o.ptr()), "", "expected Variable or None (got ",
                         std::string(py::str(o.get_type().attr("__name__"))), ")");
        out.push_back(unwrap(o.ptr()));
      }
    }
    return out;
  }
};

std::shared_ptr<PyNode> lock_node(const FunctionCtx& c, const char* what) {
  auto n = c.node.lock();
  if (!n)
    throw py::attribute_error(std::string("Attribute '") + what +
                              "' is invalid for this instance of _C._FunctionBase: it is not (or no longer) part of a graph");
  return n;
}

std::unordered_set<const TensorImpl*> impl_set(py::object ctx, const char* attr, const char* what) {
  std::unordered_set<const TensorImpl*> out;
  if (!py::hasattr(ctx, attr)) return out;
  py::object v = ctx.attr(attr);
  if (v.is_none()) return out;
  for (auto item : py::reinterpret_borrow<py::iterable>(v)) {
    if (!is_tensor(item.ptr()))
      throw py::type_error(std::string(what) + " only accepts Tensors, but got " +
                           std::string(py::str(item.get_type().attr("__name__"))));
    out.insert(unwrap(item.ptr()).impl());
  }
  return out;
}

void del_attr(py::object& o, const char* name) {
  if (py::hasattr(o, name)) py::delattr(o, name);
}

// Function.apply(*args).
py::object function_apply(py::object cls, py::args args) {
  py::object backward_cls = cls.attr("_backward_cls");
  py::object ctx = backward_cls();
  FunctionCtx* cdata = ctx.cast<FunctionCtx*>();

  TensorList inputs;
  std::vector<bool> is_tensor_input;
  for (auto a : args) {
    bool t = is_tensor(a.ptr());
    is_tensor_input.push_back(t);
    if (t) inputs.push_back(unwrap(a.ptr()));
  }
  bool executable = autograd::grad_enabled() && autograd::any_requires_grad(inputs);
  std::shared_ptr<PyNode> node;
  if (executable) {
    node = std::make_shared<PyNode>();
    node->name_ = py::str(backward_cls.attr("__name__"));
    node->is_tensor_input = is_tensor_input;
    autograd::detail::init_custom_node(*node, inputs);
    cdata->node = node;
  }
  py::tuple needs(args.size());
  for (size_t i = 0, k = 0; i < args.size(); ++i)
    needs[i] = py::bool_(is_tensor_input[i] && executable && node->needs_input_grad(k++));
  ctx.attr("needs_input_grad") = needs;

  py::object raw;
  {
    autograd::GradModeGuard no_grad(false);
    raw = cls.attr("forward")(ctx, *args);
  }
  bool single = !PyTuple_Check(raw.ptr());
  py::tuple outs_py = single ? py::make_tuple(raw) : py::reinterpret_borrow<py::tuple>(raw);

  TensorList outputs(outs_py.size());
  for (size_t i = 0; i < outs_py.size(); ++i)
    if (is_tensor(py::handle(outs_py[i]).ptr())) outputs[i] = unwrap(py::handle(outs_py[i]).ptr());
  auto dirty = impl_set(ctx, "dirty_tensors", "mark_dirty");
  auto non_diff = impl_set(ctx, "non_differentiable", "mark_non_differentiable");
  autograd::detail::wrap_custom_outputs(node, inputs, outputs, dirty, non_diff);

  if (executable) {
    node->ctx = ctx;
    node->cdata = cdata;
    for (auto& t : outputs) node->output_is_tensor.push_back(t.defined());
    if (py::hasattr(ctx, "materialize_grads")) node->materialize = py::bool_(ctx.attr("materialize_grads"));
    TensorList to_save;
    if (py::hasattr(ctx, "to_save") && !ctx.attr("to_save").is_none()) {
      size_t i = 0;
      for (auto item : py::reinterpret_borrow<py::iterable>(ctx.attr("to_save"))) {
        if (item.is_none()) to_save.emplace_back();
        else if (is_tensor(item.ptr())) to_save.push_back(unwrap(item.ptr()));
        else
          throw py::type_error("save_for_backward can only save variables, but argument " + std::to_string(i) +
                               " is of type " + std::string(py::str(item.get_type().attr("__name__"))));
        ++i;
      }
    }
    cdata->saved = autograd::detail::save_custom(node, to_save);
  }
  // These refer to inputs and outputs: dropping them keeps ctx free of cycles.
  del_attr(ctx, "to_save");
  del_attr(ctx, "dirty_tensors");
  del_attr(ctx, "non_differentiable");

  py::tuple result(outs_py.size());
  for (size_t i = 0; i < outs_py.size(); ++i)
    result[i] = outputs[i].defined() ? py::reinterpret_steal<py::object>(wrap(outputs[i])) : py::object(outs_py[i]);
  return single ? py::object(result[0]) : py::object(result);
}

}  // namespace

py::object node_to_py(const std::shared_ptr<Node>& n) {
  if (!n) return py::none();
  if (auto* pn = dynamic_cast<PyNode*>(n.get()))
    if (pn->ctx) return pn->ctx;
  return builtin_node_to_py(n);
}

EMBER_BINDINGS(function, 3) {
  py::class_<FunctionCtx>(m, "_FunctionBase", py::dynamic_attr())
      .def(py::init<>())
      .def_property_readonly("saved_tensors", [](const FunctionCtx& c) {
        auto node = c.node.lock();
        if (c.freed) autograd::throw_freed_graph(node ? node->name() : std::string("custom Function"));
        py::tuple t(c.saved.size());
        for (size_t i = 0; i < c.saved.size(); ++i) t[i] = py::reinterpret_steal<py::object>(wrap(c.saved[i].unpack(node)));
        return t;
      })
      .def("name", [](const FunctionCtx& c) { return lock_node(c, "name")->name(); })
      .def_property_readonly("next_functions", [](const FunctionCtx& c) { return next_functions(*lock_node(c, "next_functions")); })
      .def_property_readonly("_sequence_nr", [](const FunctionCtx& c) { return lock_node(c, "_sequence_nr")->sequence_nr; })
      .def("register_hook", [](FunctionCtx& c, py::object fn) { return add_node_post_hook(*lock_node(c, "register_hook"), fn); },
           py::arg("fn"))
      .def("register_prehook",
           [](FunctionCtx& c, py::object fn) { return add_node_pre_hook(*lock_node(c, "register_prehook"), fn); },
           py::arg("fn"));
  m.def("_function_apply", &function_apply, py::arg("cls"));
}

}  // namespace ember::py
