#include "pytensor.h"

#include <pybind11/pybind11.h>

#include <new>

#include "ember/core/error.h"

namespace ember::py {

namespace {
PyTypeObject* g_base = nullptr;
PyTypeObject* g_class = nullptr;

PyObject* alloc_for(PyTypeObject* cls, Tensor t) {
  PyObject* obj = cls->tp_alloc(cls, 0);
  if (!obj) return nullptr;
  new (&reinterpret_cast<TensorObject*>(obj)->tensor) Tensor(std::move(t));
  return obj;
}

void tensor_dealloc(PyObject* self) {
  PyTypeObject* tp = Py_TYPE(self);
  auto* obj = reinterpret_cast<TensorObject*>(self);
  if (obj->tensor.defined() && obj->tensor.impl()->pyobj == self) obj->tensor.impl()->pyobj = nullptr;
  obj->tensor.~Tensor();
  tp->tp_free(self);
  Py_DECREF(tp);  // heap types: instances own a reference to their type
}

PyObject* tensor_new(PyTypeObject* type, PyObject* args, PyObject* kwargs);  // legacy constructor, in bindings

}  // namespace

PyTypeObject* tensor_base_type() { return g_base; }
PyTypeObject* tensor_class() { return g_class ? g_class : g_base; }
void set_tensor_class(PyTypeObject* cls) {
  Py_XINCREF(cls);
  g_class = cls;
}

PyObject* wrap(Tensor t) {
  if (!t.defined()) Py_RETURN_NONE;
  TensorImpl* impl = t.impl();
  if (impl->pyobj) {
    PyObject* o = static_cast<PyObject*>(impl->pyobj);
    Py_INCREF(o);
    return o;
  }
  PyObject* o = alloc_for(tensor_class(), std::move(t));
  if (o) impl->pyobj = o;
  return o;
}

PyObject* wrap_as(PyTypeObject* cls, Tensor t) {
  PyObject* o = alloc_for(cls, t);
  if (o && !t.impl()->pyobj) t.impl()->pyobj = o;
  return o;
}

PyObject* linalg_error_type() {
  static PyObject* type = PyErr_NewExceptionWithDoc(
      "ember._C._LinAlgError",
      "Raised by ember.linalg when a matrix is singular or not positive-definite (a RuntimeError, as in torch).",
      PyExc_RuntimeError, nullptr);
  return type;
}

void set_python_error() {
  try {
    throw;
  } catch (const ember::Error& e) {
    PyObject* type = PyExc_RuntimeError;
    switch (e.kind()) {
      case ErrorKind::Index: type = PyExc_IndexError; break;
      case ErrorKind::Value: type = PyExc_ValueError; break;
      case ErrorKind::Type: type = PyExc_TypeError; break;
      case ErrorKind::NotImplemented: type = PyExc_NotImplementedError; break;
      case ErrorKind::LinAlg: type = linalg_error_type(); break;
      default: break;
    }
    PyErr_SetString(type, e.what());
  } catch (pybind11::error_already_set& e) {
    e.restore();
  } catch (const pybind11::builtin_exception& e) {
    e.set_error();
  } catch (const std::bad_alloc& e) {
    PyErr_SetString(PyExc_MemoryError, "out of memory");
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
  }
}

// Defined in number_protocol.cpp: fills the numeric slots.
void fill_number_slots(std::vector<PyType_Slot>& slots);
PyObject* tensor_richcompare(PyObject* a, PyObject* b, int op);
PyObject* legacy_tensor_new(PyTypeObject* type, PyObject* args, PyObject* kwargs);

void init_tensor_type(PyObject* module) {
  static std::vector<PyType_Slot> slots;
  slots = {
      {Py_tp_dealloc, reinterpret_cast<void*>(tensor_dealloc)},
      {Py_tp_new, reinterpret_cast<void*>(legacy_tensor_new)},
      {Py_tp_richcompare, reinterpret_cast<void*>(tensor_richcompare)},
      {Py_tp_hash, reinterpret_cast<void*>(PyBaseObject_Type.tp_hash)},
      {Py_tp_doc, const_cast<char*>("Base of ember.Tensor: an n-dimensional array with autograd.")},
  };
  fill_number_slots(slots);
  slots.push_back({0, nullptr});
  static PyType_Spec spec = {"ember._C._TensorBase", sizeof(TensorObject), 0,
                             Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, nullptr};
  spec.slots = slots.data();
  PyObject* type = PyType_FromSpec(&spec);
  if (!type) throw pybind11::error_already_set();
  g_base = reinterpret_cast<PyTypeObject*>(type);
  PyModule_AddObject(module, "_TensorBase", type);
}

}  // namespace ember::py
