// Tensor.__getitem__ / __setitem__: Python index objects become
// ember::indexing::TensorIndex lists (torch's rules for what is a tuple, a
// basic index or an advanced one), then ember::getitem / setitem_ do the work.
// The common single-object indices (an int, a slice, a tensor) skip the
// general parsing.
#include <limits>

#include "bind.h"
#include "ember/ops/tensor_index.h"

namespace ember::py {

namespace {

using indexing::TensorIndex;
using Indices = std::vector<TensorIndex>;

[[noreturn]] void invalid_index(PyObject* o) {
  detail::fail(ErrorKind::Index, "",
               "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got ",
               Py_TYPE(o)->tp_name, ")");
}

// A list or array used as an index becomes a tensor: bool/uint8 stay masks,
// everything else becomes int64 (torch converts [1.7, 0.2] to [1, 0]).
Tensor sequence_index(PyObject* o) {
  Tensor t = tensor_from_data(o, std::nullopt);
  if (t.dtype() == Dtype::Bool || t.dtype() == Dtype::UInt8 || t.dtype() == Dtype::Int64) return t;
  return to_dtype(t, Dtype::Int64);
}

bool is_numpy_array(PyObject* o) {
  static PyObject* ndarray = [] {
    try {
      return py::object(py::module_::import("numpy").attr("ndarray")).release().ptr();
    } catch (...) {
      PyErr_Clear();
      return static_cast<PyObject*>(nullptr);
    }
  }();
  return ndarray && PyObject_IsInstance(o, ndarray) == 1;
}

TensorIndex slice_index(PyObject* o) {
  Py_ssize_t start, stop, step;
  if (PySlice_Unpack(o, &start, &stop, &step) < 0) throw py::error_already_set();
  indexing::Slice s;
  PySliceObject* so = reinterpret_cast<PySliceObject*>(o);
  if (so->start != Py_None) s.start = int64_t(start);
  if (so->stop != Py_None) s.stop = int64_t(stop);
  s.step = int64_t(step);
  return s;
}

TensorIndex to_index(PyObject* o) {
  if (PyLong_CheckExact(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) detail::fail(ErrorKind::Index, "", "index ", std::string(py::str(o)), " is out of range for int64");
    return int64_t(v);
  }
  if (o == Py_None) return indexing::None;
  if (o == Py_Ellipsis) return indexing::Ellipsis;
  if (PyBool_Check(o)) return o == Py_True;
  if (PySlice_Check(o)) return slice_index(o);
  if (is_tensor(o)) return unwrap(o);
  if (PyUnicode_Check(o) || PyBytes_Check(o))
    throw py::type_error(std::string("new(): invalid data type '") + Py_TYPE(o)->tp_name + "'");
  if (is_numpy_array(o) || PySequence_Check(o)) return sequence_index(o);
  int64_t v;
  if (!PyFloat_Check(o) && int_from_object(o, v)) return v;  // NumPy integers, __index__
  invalid_index(o);
}

// NumPy's rule, as torch applies it: a short non-tuple sequence holding a
// slice, None, Ellipsis, a sequence or a tensor is read as a tuple of indices.
bool sequence_as_tuple(PyObject* o) {
  if (PyTuple_Check(o)) return true;
  if (is_tensor(o) || !PySequence_Check(o) || PyUnicode_Check(o) || PyBytes_Check(o)) return false;
  Py_ssize_t n = PySequence_Size(o);
  if (n < 0) { PyErr_Clear(); return false; }
  if (n >= 32) return false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    py::object item = py::reinterpret_steal<py::object>(PySequence_GetItem(o, i));
    if (!item) { PyErr_Clear(); return false; }
    PyObject* p = item.ptr();
    if (is_tensor(p) || PySequence_Check(p) || PySlice_Check(p) || p == Py_Ellipsis || p == Py_None) return true;
  }
  return false;
}

Indices to_indices(PyObject* index) {
  Indices r;
  if (!sequence_as_tuple(index)) {
    r.push_back(to_index(index));
    return r;
  }
  py::tuple items = py::reinterpret_steal<py::tuple>(PySequence_Tuple(index));
  if (!items) throw py::error_already_set();
  r.reserve(items.size());
  for (auto item : items) r.push_back(to_index(item.ptr()));
  return r;
}

const char* legacy_type_name(Dtype d) {
  static const char* names[] = {"ember.FloatTensor", "ember.DoubleTensor", "ember.HalfTensor", "ember.BFloat16Tensor",
                                "ember.CharTensor",  "ember.ShortTensor",  "ember.IntTensor",  "ember.LongTensor",
                                "ember.ByteTensor",  "ember.BoolTensor"};
  return names[int(d)];
}

void setitem(Tensor& self, PyObject* index, PyObject* value) {
  Indices idx = to_indices(index);
  if (is_tensor(value)) {
    setitem_(self, idx, unwrap(value));
    return;
  }
  if (PyLong_Check(value) && !PyBool_Check(value)) {
    int overflow = 0;
    PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow) EMBER_FAIL("setitem", "Overflow when unpacking long");
  }
  Scalar s;
  if (scalar_from_object(value, s)) {
    setitem_(self, idx, s);
    return;
  }
  PyErr_Clear();
  // Lists and arrays of numbers are accepted as values (converted to self's dtype).
  if (is_numpy_array(value) || (PySequence_Check(value) && !PyUnicode_Check(value) && !PyBytes_Check(value))) {
    setitem_(self, idx, tensor_from_data(value, self.dtype()));
    return;
  }
  throw py::type_error(std::string("can't assign a ") + Py_TYPE(value)->tp_name + " to a " + legacy_type_name(self.dtype()));
}

}  // namespace

EMBER_BINDINGS(indexing, 20) {
  def_method("__getitem__", [](const Tensor& self, py::handle index) -> Tensor {
    PyObject* o = index.ptr();
    if (PyLong_CheckExact(o) || PySlice_Check(o) || is_tensor(o)) return getitem(self, {to_index(o)});
    return getitem(self, to_indices(o));
  });
  def_method("__setitem__", [](Tensor& self, py::handle index, py::handle value) { setitem(self, index.ptr(), value.ptr()); });
}

}  // namespace ember::py
