// Autograd from Python: tensor attributes, backward/grad, grad modes, graph nodes, hooks.
#include "autograd_py.h"
#include "ember/autograd/engine.h"
#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"

namespace ember::py {

using autograd::Node;

namespace {

PyObject* g_node_type = nullptr;  // _C.Node

TensorList tensors_from(py::handle seq) {
  TensorList out;
  if (seq.is_none()) return out;
  if (is_tensor(seq.ptr())) return {unwrap(seq.ptr())};
  for (auto item : py::reinterpret_borrow<py::sequence>(seq)) {
    if (item.is_none()) out.emplace_back();
    else if (is_tensor(item.ptr())) out.push_back(unwrap(item.ptr()));
    else throw py::type_error("expected a Tensor or None, but got " + std::string(py::str(item.get_type().attr("__name__"))));
  }
  return out;
}

std::string callable_name(const py::object& fn) {
  if (py::hasattr(fn, "__name__")) return py::str(fn.attr("__name__"));
  return py::str(fn.get_type().attr("__name__"));
}

py::tuple tensors_to_tuple(const TensorList& ts) {
  py::tuple t(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) t[i] = py::reinterpret_steal<py::object>(wrap(ts[i]));
  return t;
}

// A node hook's result: None keeps the gradients, else a sequence of the same length.
TensorList hook_result(const py::object& r, size_t expected, const std::string& name) {
  if (r.is_none()) return {};
  if (is_tensor(r.ptr()) || !py::isinstance<py::sequence>(r))
    throw py::type_error("expected tuple, but hook returned '" + std::string(py::str(r.get_type().attr("__name__"))) + "'");
  auto seq = py::reinterpret_borrow<py::sequence>(r);
  if (seq.size() != expected)
    throw std::runtime_error("hook '" + name + "' has returned an incorrect number of values (got " +
                             std::to_string(seq.size()) + ", but expected " + std::to_string(expected) + ")");
  return tensors_from(r);
}

// variable.data: same memory, but its own version counter, so changes made
// through it are invisible to autograd's in-place checks (torch's rule).
Tensor variable_data(const Tensor& t) {
  Ref<Storage> keep = t.storage();
  Ref<Storage> alias = Storage::wrap(keep->data(), keep->nbytes(), [keep]() {}, keep->device());
  return Tensor(make_ref<TensorImpl>(std::move(alias), t.sizes(), t.strides(), t.storage_offset(), t.dtype()));
}

void set_data(const Tensor& self, const Tensor& src) {
  TensorImpl* a = self.impl();
  TensorImpl* b = src.impl();
  bool same_meta = a->sizes == b->sizes && a->dtype == b->dtype;
  // `w.data -= u` assigns w's own memory back through a .data alias: keep w's
  // storage (and version counter) instead of chaining one alias per step.
  bool same_memory = a->storage->data() == b->storage->data() && a->storage->nbytes() == b->storage->nbytes();
  if (!same_memory) a->storage = b->storage;
  a->sizes = b->sizes;
  a->strides = b->strides;
  a->offset = b->offset;
  a->dtype = b->dtype;
  a->refresh();
  // The leaf's accumulator knows the old shape and dtype: the next graph gets a new one.
  if (!same_meta)
    if (auto* m = autograd::meta_if(self)) m->grad_accumulator.reset();
}

py::object grad_getter(const Tensor& t) {
  Tensor g = t.grad();
  if (!g.defined() && !t.is_leaf() && !t.retains_grad()) {
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                     "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                     "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
                     "Tensor by mistake, make sure you access the leaf Tensor instead.",
                     1) < 0)
      throw py::error_already_set();
  }
  return py::reinterpret_steal<py::object>(wrap(g));
}

void grad_setter(const Tensor& t, py::handle g) {
  if (g.is_none()) return t.set_grad(Tensor());
  if (!is_tensor(g.ptr()))
    throw py::type_error("assigned grad expected to be a Tensor or None but got grad of type " +
                         std::string(py::str(g.get_type().attr("__name__"))));
  t.set_grad(unwrap(g.ptr()));
}

py::object tensor_register_hook(const Tensor& t, py::function fn) {
  auto cell = make_hook_cell(fn);
  std::string name = callable_name(fn);
  t.register_hook([cell, name](const Tensor& g) -> Tensor {
    py::gil_scoped_acquire gil;
    if (!cell->fn) return Tensor();
    py::object r = cell->fn(py::reinterpret_steal<py::object>(wrap(g)));
    if (r.is_none()) return Tensor();
    if (!is_tensor(r.ptr()))
      throw py::type_error("expected Variable, but hook returned '" + std::string(py::str(r.get_type().attr("__name__"))) + "'");
    Tensor out = unwrap(r.ptr());
    if (out.sizes() != g.sizes()) throw std::runtime_error("hook '" + name + "' has changed the size of value");
    if (out.dtype() != g.dtype())
      throw std::runtime_error("hook '" + name + "' has changed the type of value (was " +
                               autograd::legacy_type_name(g.dtype()) + " got " + autograd::legacy_type_name(out.dtype()) + ")");
    return out;
  });
  return removable_handle(cell);
}

struct RemovableHandle {
  std::shared_ptr<HookCell> cell;
  void remove() {
    if (cell) cell->fn = py::object();
  }
};

}  // namespace

std::shared_ptr<HookCell> make_hook_cell(py::object fn) {
  auto cell = std::make_shared<HookCell>();
  cell->fn = std::move(fn);
  return cell;
}

py::object removable_handle(const std::shared_ptr<HookCell>& cell) { return py::cast(RemovableHandle{cell}); }

py::object next_functions(const Node& n) {
  py::tuple t(n.next_edges.size());
  for (size_t i = 0; i < n.next_edges.size(); ++i) {
    const auto& e = n.next_edges[i];
    t[i] = py::make_tuple(node_to_py(e.fn), e.input_nr);
  }
  return std::move(t);
}

py::object add_node_post_hook(Node& n, py::object fn) {
  auto cell = make_hook_cell(fn);
  std::string name = callable_name(fn);
  n.post_hooks.push_back([cell, name](const TensorList& grad_inputs, const TensorList& grad_outputs) -> TensorList {
    py::gil_scoped_acquire gil;
    if (!cell->fn) return {};
    py::object r = cell->fn(tensors_to_tuple(grad_inputs), tensors_to_tuple(grad_outputs));
    return hook_result(r, grad_inputs.size(), name);
  });
  return removable_handle(cell);
}

py::object add_node_pre_hook(Node& n, py::object fn) {
  auto cell = make_hook_cell(fn);
  std::string name = callable_name(fn);
  n.pre_hooks.push_back([cell, name](const TensorList& grad_outputs) -> TensorList {
    py::gil_scoped_acquire gil;
    if (!cell->fn) return {};
    py::object r = cell->fn(tensors_to_tuple(grad_outputs));
    return hook_result(r, grad_outputs.size(), name);
  });
  return removable_handle(cell);
}

// Built-in nodes: each gets a Python subclass of Node named after it, created
// once per name; the instance wraps the node's shared_ptr (pybind then finds
// that instance again for the same node, so y.grad_fn is y.grad_fn).
py::object builtin_node_to_py(const std::shared_ptr<Node>& n) {
  static const py::detail::type_info* tinfo = py::detail::get_type_info(typeid(Node));
  if (py::handle existing = py::detail::find_registered_python_instance(n.get(), tinfo))
    return py::reinterpret_steal<py::object>(existing);
  static py::dict* classes = new py::dict();  // lives as long as the interpreter
  py::str key(n->name());
  py::object cls;
  if (classes->contains(key)) {
    cls = (*classes)[key];
  } else {
    py::dict ns;
    ns["__slots__"] = py::tuple();
    ns["__module__"] = "ember.autograd.graph";
    cls = py::type::of(py::handle(g_node_type))(key, py::make_tuple(py::handle(g_node_type)), ns);
    (*classes)[key] = cls;
  }
  std::shared_ptr<Node> copy = n;
  return cls(py::capsule(&copy));
}

EMBER_BINDINGS(autograd, 2) {
  auto node_cls = py::class_<Node, std::shared_ptr<Node>>(m, "Node");
  g_node_type = node_cls.ptr();
  // Only builtin_node_to_py constructs Nodes (from a capsule holding the shared_ptr).
  node_cls.def(py::init([](py::capsule c) { return *static_cast<std::shared_ptr<Node>*>(c.get_pointer()); }))
      .def("name", &Node::name)
      .def_property_readonly("next_functions", &next_functions)
      .def_property_readonly("_sequence_nr", [](const Node& n) { return n.sequence_nr; })
      .def("register_hook", &add_node_post_hook, py::arg("fn"))
      .def("register_prehook", &add_node_pre_hook, py::arg("fn"))
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        if (auto* acc = dynamic_cast<const autograd::AccumulateGrad*>(&n)) return py::cast(acc->variable);
        throw py::attribute_error("'" + n.name() + "' object has no attribute 'variable'");
      })
      .def("__repr__", [](const Node& n) { return "<" + n.name() + " object>"; });

  py::class_<RemovableHandle>(m, "_RemovableHandle")
      .def("remove", &RemovableHandle::remove)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](RemovableHandle& h, py::args) { h.remove(); });

  def_property("requires_grad", [](const Tensor& t) { return t.requires_grad(); },
               [](Tensor& t, bool r) { t.requires_grad_(r); });
  def_property("grad", &grad_getter, &grad_setter);
  def_property("grad_fn", [](const Tensor& t) { return node_to_py(t.grad_fn()); });
  def_property("is_leaf", [](const Tensor& t) { return t.is_leaf(); });
  def_property("output_nr", [](const Tensor& t) { return t.output_nr(); });
  def_property("retains_grad", [](const Tensor& t) { return t.retains_grad(); });
  def_property("data", &variable_data, [](const Tensor& t, const Tensor& src) { set_data(t, src); });
  def_method("requires_grad_", [](Tensor& t, bool r) { return t.requires_grad_(r); }, py::arg("requires_grad") = true);
  def_both(m, "detach", [](const Tensor& t) { return t.detach(); });
  def_method("detach_", [](Tensor& t) { return t.detach_(); });
  def_method("retain_grad", [](const Tensor& t) { t.retain_grad(); });
  def_method("register_hook", &tensor_register_hook, py::arg("hook"));
  def_method("_set_data", &set_data);
  // The version counter autograd checks saved tensors against (a property, as in torch).
  def_property("_version", [](const Tensor& t) { return t.version(); });

  m.def("_run_backward", [](py::handle tensors, py::handle grads, std::optional<bool> retain_graph, bool create_graph,
                            py::handle inputs) {
        TensorList ts = tensors_from(tensors), gs = tensors_from(grads), in = tensors_from(inputs);
        py::gil_scoped_release nogil;
        autograd::backward(ts, gs, retain_graph, create_graph, in);
      }, py::arg("tensors"), py::arg("grad_tensors") = py::none(), py::arg("retain_graph") = py::none(),
      py::arg("create_graph") = false, py::arg("inputs") = py::none());
  m.def("_run_grad", [](py::handle outputs, py::handle inputs, py::handle grads, std::optional<bool> retain_graph,
                        bool create_graph, bool allow_unused) {
        TensorList os = tensors_from(outputs), in = tensors_from(inputs), gs = tensors_from(grads);
        TensorList r;
        {
          py::gil_scoped_release nogil;
          r = autograd::grad(os, in, gs, retain_graph, create_graph, allow_unused);
        }
        return tensors_to_tuple(r);
      }, py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs") = py::none(), py::arg("retain_graph") = py::none(),
      py::arg("create_graph") = false, py::arg("allow_unused") = false);

  m.def("is_grad_enabled", [] { return autograd::grad_enabled(); });
  m.def("_set_grad_enabled", [](bool on) { autograd::set_grad_enabled(on); }, py::arg("mode"));
  m.def("is_inference_mode_enabled", [] { return autograd::inference_mode_enabled(); });
  m.def("_set_inference_mode", [](bool on) { autograd::set_inference_mode(on); });
  m.def("is_anomaly_enabled", [] { return autograd::anomaly_enabled(); });
  m.def("is_anomaly_check_nan_enabled", [] { return autograd::anomaly_check_nan(); });
  m.def("set_anomaly_enabled", [](bool on, bool check_nan) { autograd::set_anomaly_enabled(on, check_nan); },
        py::arg("enabled"), py::arg("check_nan") = true);
  m.def("_set_creation_trace_hook", [](py::object fn) {
    // Kept for the life of the process: the hook may run while the interpreter shuts down.
    static py::object* current = nullptr;
    if (fn.is_none()) {
      autograd::creation_trace_hook() = nullptr;
      return;
    }
    delete current;
    current = new py::object(fn);
    py::object* holder = current;
    autograd::creation_trace_hook() = [holder]() -> std::string {
      py::gil_scoped_acquire gil;
      return (*holder)().cast<std::string>();
    };
  });

  // `with _C._no_grad(): ...` for Python code below ember.autograd (e.g. Tensor.__deepcopy__).
  struct NoGradCtx {
    bool prev = true;
  };
  py::class_<NoGradCtx>(m, "_no_grad")
      .def(py::init<>())
      .def("__enter__", [](NoGradCtx& c) {
        c.prev = autograd::grad_enabled();
        autograd::set_grad_enabled(false);
      })
      .def("__exit__", [](NoGradCtx& c, py::args) { autograd::set_grad_enabled(c.prev); });
}

}  // namespace ember::py
