// How a file of bindings adds itself to the module, and the helpers that
// attach a function to both `ember.<name>` and `Tensor.<name>`.
//
//   EMBER_BINDINGS(reduce, 10) {          // name, order (core types first)
//     def_both(m, "sum", [](const Tensor& t, ...) {...}, py::arg("dim") = py::none(), ...);
//   }
//
// While a thread runs ember.jit.trace, every function bound here is recorded
// (jit_record.h); `m` in an EMBER_BINDINGS block is a BindModule whose def()
// records too, so module functions need nothing special.
#pragma once
#include <string_view>

#include "casters.h"
#include "jit_record.h"

namespace ember::py {

namespace py = pybind11;

using InitFn = void (*)(py::module_&);
struct BindingRegistrar {
  BindingRegistrar(const char* name, int order, InitFn fn);
};
void run_bindings(py::module_& m);
void register_exception_translator_once();

// The one-line summary of binding `name` (docs.cpp), or nullptr. The helpers below attach it to
// the first overload of a name only, so help() shows it once after the signatures.
const char* doc_for(std::string_view name);
inline py::doc first_doc(py::handle scope, const char* name) {
  PyObject* dict = PyType_Check(scope.ptr()) ? reinterpret_cast<PyTypeObject*>(scope.ptr())->tp_dict
                                             : PyModule_GetDict(scope.ptr());
  return py::doc(PyDict_GetItemString(dict, name) ? nullptr : doc_for(name));
}

// Tensor methods: attached to _C._TensorBase (so subclasses inherit them).
template <class F, class... Extra> void def_method_untraced(const char* name, F&& f, const Extra&... extra) {
  py::handle cls(reinterpret_cast<PyObject*>(tensor_base_type()));
  py::cpp_function cf(std::forward<F>(f), py::name(name), py::is_method(cls),
                      py::sibling(py::getattr(cls, name, py::none())), first_doc(cls, name), extra...);
  py::setattr(cls, name, cf);
}
template <class F, class... Extra> void def_method(const char* name, F&& f, const Extra&... extra) {
  def_method_untraced(name, traced(name, std::forward<F>(f)), extra...);
}

// The module an EMBER_BINDINGS block fills: m.def(...) records calls while tracing.
struct BindModule : py::module_ {
  explicit BindModule(const py::module_& m) : py::module_(m) {}
  template <class F, class... Extra> BindModule& def(const char* name, F&& f, const Extra&... extra) {
    py::module_::def(name, traced(name, std::forward<F>(f)), first_doc(*this, name), extra...);
    return *this;
  }
};
// `ember.name(...)`, recorded while tracing (for helpers that receive a plain py::module_).
template <class F, class... Extra> void def_fn(py::module_& m, const char* name, F&& f, const Extra&... extra) {
  m.def(name, traced(name, std::forward<F>(f)), first_doc(m, name), extra...);
}

// A property's docstring: its summary, or None (property then falls back to the getter's).
inline py::object prop_doc(const char* name) {
  const char* d = doc_for(name);
  return d ? py::object(py::str(d)) : py::object(py::none());
}

// A read-only (or read-write) property on the Tensor type.
template <class G> void def_property(const char* name, G&& getter) {
  py::handle cls(reinterpret_cast<PyObject*>(tensor_base_type()));
  py::cpp_function fget(traced(name, std::forward<G>(getter)), py::is_method(cls));
  py::object prop = py::module_::import("builtins").attr("property")(fget, py::none(), py::none(), prop_doc(name));
  py::setattr(cls, name, prop);
}
template <class G, class S> void def_property(const char* name, G&& getter, S&& setter) {
  py::handle cls(reinterpret_cast<PyObject*>(tensor_base_type()));
  py::cpp_function fget(traced(name, std::forward<G>(getter)), py::is_method(cls));
  py::cpp_function fset(traced((std::string("set_") + name).c_str(), std::forward<S>(setter)), py::is_method(cls));
  py::object prop = py::module_::import("builtins").attr("property")(fget, fset, py::none(), prop_doc(name));
  py::setattr(cls, name, prop);
}

// `ember.name(input, ...)` and `input.name(...)`.
template <class F, class... Extra> void def_both(py::module_& m, const char* name, F&& f, const Extra&... extra) {
  auto g = traced(name, std::forward<F>(f));
  m.def(name, g, first_doc(m, name), py::arg("input"), extra...);
  def_method_untraced(name, std::move(g), extra...);
}

// Releases the GIL around heavy kernels so Python threads can run beside them.
using nogil = py::call_guard<py::gil_scoped_release>;

}  // namespace ember::py

#define EMBER_BINDINGS(name, order)                                                                   \
  static void ember_bind_##name(::ember::py::BindModule& m);                                          \
  static void ember_bind_thunk_##name(::pybind11::module_& mod) {                                     \
    ::ember::py::BindModule m(mod);                                                                   \
    ember_bind_##name(m);                                                                             \
  }                                                                                                   \
  static ::ember::py::BindingRegistrar ember_registrar_##name(#name, order, ember_bind_thunk_##name); \
  static void ember_bind_##name(::ember::py::BindModule& m)
