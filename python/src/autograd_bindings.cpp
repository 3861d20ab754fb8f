// Autograd from Python: tensor attributes, backward/grad, grad modes, graph nodes.
#include "bind.h"
#include "ember/autograd/engine.h"
#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"

namespace ember::py {

using autograd::Node;

namespace {

TensorList tensors_from(py::handle seq) {
  TensorList out;
  if (seq.is_none()) return out;
  if (is_tensor(seq.ptr())) return {unwrap(seq.ptr())};
  for (auto item : py::reinterpret_borrow<py::sequence>(seq)) {
    if (item.is_none()) out.emplace_back();
    else if (is_tensor(item.ptr())) out.push_back(unwrap(item.ptr()));
    else {
      Scalar s;
      if (!scalar_from_object(item.ptr(), s)) throw py::type_error("expected a sequence of Tensors");
      out.push_back(scalar_tensor(s, default_dtype()));
    }
  }
  return out;
}

py::object next_functions(const Node& n) {
  py::tuple t(n.next_edges.size());
  for (size_t i = 0; i < n.next_edges.size(); ++i) {
    const auto& e = n.next_edges[i];
    t[i] = py::make_tuple(e.fn ? py::cast(e.fn) : py::none(), e.input_nr);
  }
  return std::move(t);
}

void set_data(const Tensor& self, const Tensor& src) {
  TensorImpl* a = self.impl();
  TensorImpl* b = src.impl();
  a->storage = b->storage;
  a->sizes = b->sizes;
  a->strides = b->strides;
  a->offset = b->offset;
  a->dtype = b->dtype;
  a->refresh();
}

}  // namespace

EMBER_BINDINGS(autograd, 2) {
  py::class_<Node, std::shared_ptr<Node>>(m, "Node")
      .def("name", &Node::name)
      .def_property_readonly("next_functions", &next_functions)
      .def_property_readonly("_sequence_nr", [](const Node& n) { return n.sequence_nr; })
      .def("register_hook", [](Node& n, py::function fn) {
        n.post_hooks.push_back([fn](const TensorList& grad_inputs, const TensorList& grad_outputs) -> TensorList {
          py::gil_scoped_acquire gil;
          py::object r = fn(py::cast(grad_inputs), py::cast(grad_outputs));
          if (r.is_none()) return {};
          return tensors_from(r);
        });
      }, py::arg("fn"))
      .def("register_prehook", [](Node& n, py::function fn) {
        n.pre_hooks.push_back([fn](const TensorList& grad_outputs) -> TensorList {
          py::gil_scoped_acquire gil;
          py::object r = fn(py::cast(grad_outputs));
          if (r.is_none()) return {};
          return tensors_from(r);
        });
      }, py::arg("fn"))
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        if (auto* acc = dynamic_cast<const autograd::AccumulateGrad*>(&n)) return py::cast(acc->variable);
        throw py::attribute_error("'" + n.name() + "' object has no attribute 'variable'");
      })
      .def("__repr__", [](const Node& n) { return "<" + n.name() + " object>"; });

  def_property("requires_grad", [](const Tensor& t) { return t.requires_grad(); },
               [](Tensor& t, bool r) { t.requires_grad_(r); });
  def_property("grad", [](const Tensor& t) { return t.grad(); },
               [](const Tensor& t, std::optional<Tensor> g) { t.set_grad(g ? *g : Tensor()); });
  def_property("grad_fn", [](const Tensor& t) { return t.grad_fn(); });
  def_property("is_leaf", [](const Tensor& t) { return t.is_leaf(); });
  def_property("output_nr", [](const Tensor& t) { return t.output_nr(); });
  def_property("retains_grad", [](const Tensor& t) { return t.retains_grad(); });
  def_property("data", [](const Tensor& t) { return t.detach(); }, [](const Tensor& t, const Tensor& src) { set_data(t, src); });
  def_method("requires_grad_", [](Tensor& t, bool r) { return t.requires_grad_(r); }, py::arg("requires_grad") = true);
  def_both(m, "detach", [](const Tensor& t) { return t.detach(); });
  def_method("detach_", [](Tensor& t) { return t.detach_(); });
  def_method("retain_grad", [](const Tensor& t) { t.retain_grad(); });
  def_method("register_hook", [](const Tensor& t, py::function fn) {
    t.register_hook([fn](const Tensor& g) -> Tensor {
      py::gil_scoped_acquire gil;
      py::object r = fn(g);
      if (r.is_none()) return Tensor();
      return r.cast<Tensor>();
    });
    return py::none();
  }, py::arg("hook"));
  def_method("_set_data", &set_data);

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
        py::tuple t(r.size());
        for (size_t i = 0; i < r.size(); ++i) t[i] = py::cast(r[i]);
        return t;
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
    if (fn.is_none()) {
      autograd::creation_trace_hook() = nullptr;
      return;
    }
    autograd::creation_trace_hook() = [fn]() -> std::string {
      py::gil_scoped_acquire gil;
      return fn().cast<std::string>();
    };
  });

  // A context manager usable from C++-side tests of the bindings: `with _C._no_grad(): ...`
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
