// ember._C._OutFunction: a function of the ember namespace that also takes `out=`.
//
// Calls without `out` go straight to the op's binding through vectorcall (no Python
// frame, no argument repacking); calls with `out` go to a Python function that runs
// the op and writes into `out` with torch's rules (python/ember/_out.py). Before this,
// a Python wrapper around every such function cost more than the op itself on small
// tensors.
#include <Python.h>

#include <cstddef>

#include "bind.h"

namespace ember::py {

namespace {

struct OutFunction {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* fn;        // the binding
  PyObject* with_out;  // fn's Python twin that handles out=
  PyObject* dict;      // __name__, __doc__, __wrapped__ ... (functools.wraps fills it)
};

PyObject* out_str() {
  static PyObject* s = PyUnicode_InternFromString("out");
  return s;
}

bool has_out(PyObject* kwnames) {
  if (!kwnames) return false;
  const Py_ssize_t n = PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* k = PyTuple_GET_ITEM(kwnames, i);
    if (k == out_str() || PyUnicode_Compare(k, out_str()) == 0) return true;
  }
  return false;
}

PyObject* call(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* f = reinterpret_cast<OutFunction*>(self);
  return PyObject_Vectorcall(has_out(kwnames) ? f->with_out : f->fn, args, nargsf, kwnames);
}

PyObject* make(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  PyObject *fn, *with_out;
  static const char* names[] = {"fn", "with_out", nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO:_OutFunction", const_cast<char**>(names), &fn, &with_out))
    return nullptr;
  if (!PyCallable_Check(fn) || !PyCallable_Check(with_out)) {
    PyErr_SetString(PyExc_TypeError, "_OutFunction(fn, with_out): both must be callable");
    return nullptr;
  }
  auto* f = reinterpret_cast<OutFunction*>(type->tp_alloc(type, 0));
  if (!f) return nullptr;
  f->vectorcall = call;
  Py_INCREF(fn);
  Py_INCREF(with_out);
  f->fn = fn;
  f->with_out = with_out;
  f->dict = nullptr;
  return reinterpret_cast<PyObject*>(f);
}

int traverse(PyObject* self, visitproc visit, void* arg) {
  auto* f = reinterpret_cast<OutFunction*>(self);
  Py_VISIT(f->fn);
  Py_VISIT(f->with_out);
  Py_VISIT(f->dict);
  return 0;
}

int clear(PyObject* self) {
  auto* f = reinterpret_cast<OutFunction*>(self);
  Py_CLEAR(f->fn);
  Py_CLEAR(f->with_out);
  Py_CLEAR(f->dict);
  return 0;
}

void dealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  clear(self);
  Py_TYPE(self)->tp_free(self);
}

PyObject* repr(PyObject* self) { return PyObject_Repr(reinterpret_cast<OutFunction*>(self)->fn); }

// Pickled by name, like a built-in function: `__module__` and `__qualname__` (set by the
// Python side to "ember" and the function's name) find this same object again.
PyObject* reduce(PyObject* self, PyObject*) { return PyObject_GetAttrString(self, "__qualname__"); }

PyMethodDef methods[] = {
    {"__reduce__", reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyTypeObject* out_function_type() {
  static PyTypeObject t = [] {
    PyTypeObject x{PyVarObject_HEAD_INIT(nullptr, 0)};
    x.tp_name = "ember._C._OutFunction";
    x.tp_basicsize = sizeof(OutFunction);
    x.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL;
    x.tp_doc = "A function of the ember namespace that also accepts out=.";
    x.tp_vectorcall_offset = offsetof(OutFunction, vectorcall);
    x.tp_dictoffset = offsetof(OutFunction, dict);
    x.tp_call = PyVectorcall_Call;
    x.tp_new = make;
    x.tp_traverse = traverse;
    x.tp_clear = clear;
    x.tp_dealloc = dealloc;
    x.tp_repr = repr;
    x.tp_getset = getset;
    x.tp_methods = methods;
    return x;
  }();
  return &t;
}

}  // namespace

EMBER_BINDINGS(out_function, 90) {
  PyTypeObject* t = out_function_type();
  if (PyType_Ready(t) < 0) throw pybind11::error_already_set();
  Py_INCREF(t);
  m.add_object("_OutFunction", pybind11::reinterpret_borrow<pybind11::object>(reinterpret_cast<PyObject*>(t)));
}

}  // namespace ember::py
