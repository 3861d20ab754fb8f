// The Python Tensor type. _C._TensorBase is a hand-written heap type whose
// objects hold an ember::Tensor; ember/_tensor.py subclasses it as
// ember.Tensor and registers that class, so every tensor coming out of C++ is
// an ember.Tensor. Each TensorImpl remembers its Python object, so the same
// tensor is always the same Python object (x.grad is x.grad).
#pragma once
#include <Python.h>

#include "ember/core/tensor.h"

namespace ember::py {

struct TensorObject {
  PyObject_HEAD
  Tensor tensor;
};

PyTypeObject* tensor_base_type();   // _C._TensorBase
PyTypeObject* tensor_class();       // ember.Tensor (or _TensorBase before registration)
void set_tensor_class(PyTypeObject* cls);

inline bool is_tensor(PyObject* o) { return PyObject_TypeCheck(o, tensor_base_type()); }
inline const Tensor& unwrap(PyObject* o) { return reinterpret_cast<TensorObject*>(o)->tensor; }
// New reference to the Python object for t (reusing the cached one). Undefined -> None.
PyObject* wrap(Tensor t);
// New object of `cls` (a subclass) holding t; used by Parameter and Tensor subclasses.
PyObject* wrap_as(PyTypeObject* cls, Tensor t);

// Raise the Python exception matching an ember/C++ exception in flight.
void set_python_error();
PyObject* linalg_error_type();  // _C._LinAlgError, a RuntimeError subclass (torch.linalg.LinAlgError)

// Create the type and add it to the module (before anything else is bound).
void init_tensor_type(PyObject* module);

}  // namespace ember::py

// Convert C++ exceptions to Python ones in raw CPython entry points.
#define EMBER_PY_TRY try {
#define EMBER_PY_CATCH(retval)                                   \
  }                                                              \
  catch (...) {                                                  \
    ::ember::py::set_python_error();                             \
    return retval;                                               \
  }
