// pybind11 conversions for ember's value types, so bindings are plain lambdas:
//   Tensor      <- ember.Tensor only
//   TensorLike  <- ember.Tensor, or a Python/NumPy number (a "wrapped number" 0-d tensor)
//   Scalar      <- bool/int/float, NumPy scalars, 1-element tensors
//   IntList     <- an int or a sequence of ints (dim=1 or dim=(0, 1)); ints may be 0-d int tensors
//   Dtype       <- ember.float32 ..., or Python's float/int/bool types
//   Device      <- ember.device or a string like "cpu"
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/functional.h>

#include <vector>

#include "ember/core/generator.h"
#include "ember/ops/ops.h"
#include "pytensor.h"

namespace ember::py {

namespace pyb = pybind11;

struct TensorLike {
  Tensor t;
  operator const Tensor&() const { return t; }
};

struct IntList : std::vector<int64_t> {
  using std::vector<int64_t>::vector;
};

// Python objects of the dtypes, one per Dtype (identity comparable: x.dtype is ember.float32).
PyObject* dtype_object(Dtype d);
bool dtype_from_object(PyObject* o, Dtype& out);
PyObject* device_object(const Device& d);
bool device_from_object(PyObject* o, Device& out);
// A Python number -> Scalar (bool, int, float, NumPy scalars, one-element tensors).
bool scalar_from_object(PyObject* o, Scalar& out);
// int-like: Python int, NumPy integer, integer 0-d tensor (not bool, not float)
bool int_from_object(PyObject* o, int64_t& out);
PyObject* scalar_to_object(const Scalar& s);
// ember.Size(sizes)
PyObject* size_object(const Shape& s);
void set_size_class(PyObject* cls);

// Tensor from arbitrary data (ember.tensor semantics): nested sequences, numbers, NumPy arrays, tensors.
Tensor tensor_from_data(PyObject* data, std::optional<Dtype> dtype);
// Shape from `view(2, 3)` or `view((2, 3))` style arguments.
Shape shape_from_args(const pyb::args& args, const char* op);

}  // namespace ember::py

namespace pybind11::detail {

template <> struct type_caster<ember::Tensor> {
  PYBIND11_TYPE_CASTER(ember::Tensor, const_name("Tensor"));
  bool load(handle src, bool) {
    if (!ember::py::is_tensor(src.ptr())) return false;
    value = ember::py::unwrap(src.ptr());
    return true;
  }
  static handle cast(const ember::Tensor& t, return_value_policy, handle) { return ember::py::wrap(t); }
};

template <> struct type_caster<ember::py::TensorLike> {
  PYBIND11_TYPE_CASTER(ember::py::TensorLike, const_name("Tensor | Number"));
  bool load(handle src, bool) {
    if (ember::py::is_tensor(src.ptr())) {
      value.t = ember::py::unwrap(src.ptr());
      return true;
    }
    ember::Scalar s;
    if (!ember::py::scalar_from_object(src.ptr(), s)) return false;
    value.t = ember::wrap_scalar(s);
    return true;
  }
  static handle cast(const ember::py::TensorLike& t, return_value_policy, handle) { return ember::py::wrap(t.t); }
};

template <> struct type_caster<ember::Scalar> {
  PYBIND11_TYPE_CASTER(ember::Scalar, const_name("Number"));
  bool load(handle src, bool) { return ember::py::scalar_from_object(src.ptr(), value); }
  static handle cast(const ember::Scalar& s, return_value_policy, handle) { return ember::py::scalar_to_object(s); }
};

template <> struct type_caster<ember::py::IntList> {
  PYBIND11_TYPE_CASTER(ember::py::IntList, const_name("int | Sequence[int]"));
  bool load(handle src, bool) {
    int64_t v;
    if (ember::py::int_from_object(src.ptr(), v)) {
      value = {v};
      return true;
    }
    if (!PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr()) || ember::py::is_tensor(src.ptr())) return false;
    Py_ssize_t n = PySequence_Size(src.ptr());
    if (n < 0) { PyErr_Clear(); return false; }
    value.clear();
    for (Py_ssize_t i = 0; i < n; ++i) {
      object item = reinterpret_steal<object>(PySequence_GetItem(src.ptr(), i));
      if (!item || !ember::py::int_from_object(item.ptr(), v)) { PyErr_Clear(); return false; }
      value.push_back(v);
    }
    return true;
  }
  static handle cast(const ember::py::IntList& l, return_value_policy, handle) {
    return ember::py::size_object(ember::Shape(l.begin(), l.end()));
  }
};

template <> struct type_caster<ember::Dtype> {
  PYBIND11_TYPE_CASTER(ember::Dtype, const_name("dtype"));
  bool load(handle src, bool) { return ember::py::dtype_from_object(src.ptr(), value); }
  static handle cast(ember::Dtype d, return_value_policy, handle) {
    PyObject* o = ember::py::dtype_object(d);
    Py_INCREF(o);
    return o;
  }
};

template <> struct type_caster<ember::Device> {
  PYBIND11_TYPE_CASTER(ember::Device, const_name("device"));
  bool load(handle src, bool) { return ember::py::device_from_object(src.ptr(), value); }
  static handle cast(const ember::Device& d, return_value_policy, handle) { return ember::py::device_object(d); }
};

}  // namespace pybind11::detail
