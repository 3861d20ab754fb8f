// Support for ember.nn written in C++: Parameter construction.
#include "bind.h"
#include "ember/autograd/function.h"

namespace ember::py {

EMBER_BINDINGS(nn_support, 20) {
  // Parameter(data): a new leaf sharing data's storage, as an instance of `cls`.
  m.def("_make_subclass", [](py::handle cls, const Tensor& data, bool requires_grad) {
    if (!PyType_Check(cls.ptr()) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls.ptr()), tensor_base_type()))
      throw py::type_error("_make_subclass: cls must be a Tensor subclass");
    Tensor t = data.detach();
    if (requires_grad) t.requires_grad_(true);
    PyObject* o = wrap_as(reinterpret_cast<PyTypeObject*>(cls.ptr()), t);
    if (!o) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(o);
  }, py::arg("cls"), py::arg("data"), py::arg("requires_grad") = false);
}

}  // namespace ember::py
