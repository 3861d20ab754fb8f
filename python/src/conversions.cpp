// Python <-> ember value conversions: dtypes, devices, numbers, shapes, and
// tensors from Python data (nested lists, NumPy arrays).
#include <pybind11/numpy.h>

#include <cstring>

#include "bind.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"

namespace ember::py {

void register_exception_translator_once() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (...) {
      set_python_error();
    }
  });
}

// ---------------------------------------------------------------- dtype objects
namespace {
struct DtypeObj {
  Dtype d;
};
PyObject* g_dtypes[kNumDtypes] = {};
PyObject* g_size_class = nullptr;
PyObject* g_device_type = nullptr;
}  // namespace

PyObject* dtype_object(Dtype d) { return g_dtypes[int(d)]; }

bool dtype_from_object(PyObject* o, Dtype& out) {
  for (int i = 0; i < kNumDtypes; ++i)
    if (g_dtypes[i] == o) { out = Dtype(i); return true; }
  if (o == reinterpret_cast<PyObject*>(&PyFloat_Type)) { out = Dtype::Float64; return true; }
  if (o == reinterpret_cast<PyObject*>(&PyLong_Type)) { out = Dtype::Int64; return true; }
  if (o == reinterpret_cast<PyObject*>(&PyBool_Type)) { out = Dtype::Bool; return true; }
  return false;
}

// ---------------------------------------------------------------- devices
struct DeviceObj {
  Device d;
};

PyObject* device_object(const Device& d) { return py::cast(DeviceObj{d}).release().ptr(); }

bool device_from_object(PyObject* o, Device& out) {
  if (PyUnicode_Check(o)) {
    out = Device(std::string(PyUnicode_AsUTF8(o)));
    return true;
  }
  if (PyLong_Check(o)) {  // torch: an int means a CUDA ordinal
    out = Device(DeviceType::CUDA, int(PyLong_AsLong(o)));
    return true;
  }
  if (g_device_type && PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(g_device_type))) {
    out = py::handle(o).cast<DeviceObj&>().d;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- numbers
bool int_from_object(PyObject* o, int64_t& out) {
  if (PyBool_Check(o)) return false;
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw py::value_error("integer out of range for int64");
    out = v;
    return true;
  }
  if (is_tensor(o)) {
    const Tensor& t = unwrap(o);
    if (t.numel() != 1 || t.dim() != 0 || is_floating(t.dtype()) || t.dtype() == Dtype::Bool) return false;
    out = t.item().to_int();
    return true;
  }
  if (PyFloat_Check(o) || PyUnicode_Check(o) || PySequence_Check(o)) return false;
  // NumPy integers and other objects implementing __index__
  if (PyIndex_Check(o)) {
    PyObject* i = PyNumber_Index(o);
    if (!i) { PyErr_Clear(); return false; }
    out = PyLong_AsLongLong(i);
    Py_DECREF(i);
    return true;
  }
  return false;
}

bool scalar_from_object(PyObject* o, Scalar& out) {
  if (PyBool_Check(o)) { out = Scalar(o == Py_True); return true; }
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) {
      // torch accepts uint64-range Python ints in some places; keep the value as a double otherwise.
      out = Scalar(PyLong_AsDouble(o));
      return true;
    }
    out = Scalar(int64_t(v));
    return true;
  }
  if (PyFloat_Check(o)) { out = Scalar(PyFloat_AsDouble(o)); return true; }
  if (is_tensor(o)) {
    const Tensor& t = unwrap(o);
    if (t.numel() != 1) return false;
    out = t.item();
    return true;
  }
  // NumPy scalars
  static PyObject* np_generic = [] {
    try {
      return py::object(py::module_::import("numpy").attr("generic")).release().ptr();
    } catch (...) {
      PyErr_Clear();
      return static_cast<PyObject*>(nullptr);
    }
  }();
  if (np_generic && PyObject_IsInstance(o, np_generic) == 1) {
    py::object item = py::reinterpret_borrow<py::object>(o).attr("item")();
    if (PyBool_Check(item.ptr()) || PyLong_Check(item.ptr()) || PyFloat_Check(item.ptr()))
      return scalar_from_object(item.ptr(), out);
  }
  return false;
}

PyObject* scalar_to_object(const Scalar& s) {
  if (s.is_bool()) return PyBool_FromLong(s.to_bool());
  if (s.is_integral()) return PyLong_FromLongLong(s.to_int());
  return PyFloat_FromDouble(s.to_double());
}

// ---------------------------------------------------------------- Size
void set_size_class(PyObject* cls) {
  Py_XINCREF(cls);
  g_size_class = cls;
}

PyObject* size_object(const Shape& s) {
  PyObject* tup = PyTuple_New(Py_ssize_t(s.size()));
  for (size_t i = 0; i < s.size(); ++i) PyTuple_SET_ITEM(tup, i, PyLong_FromLongLong(s[i]));
  if (!g_size_class) return tup;
  PyObject* r = PyObject_CallOneArg(g_size_class, tup);
  Py_DECREF(tup);
  if (!r) throw py::error_already_set();
  return r;
}

Shape shape_from_args(const py::args& args, const char* op) {
  Shape s;
  if (args.size() == 1 && !PyLong_Check(args[0].ptr()) && PySequence_Check(args[0].ptr())) {
    for (auto item : py::reinterpret_borrow<py::sequence>(args[0])) {
      int64_t v;
      if (!int_from_object(item.ptr(), v))
        throw py::type_error(std::string(op) + "(): argument 'size' must be a sequence of ints, but found element of type " +
                             std::string(Py_TYPE(item.ptr())->tp_name));
      s.push_back(v);
    }
    return s;
  }
  for (auto item : args) {
    int64_t v;
    if (!int_from_object(item.ptr(), v))
      throw py::type_error(std::string(op) + "(): argument 'size' must be a tuple of ints, but found element of type " +
                           std::string(Py_TYPE(item.ptr())->tp_name));
    s.push_back(v);
  }
  return s;
}

// ---------------------------------------------------------------- NumPy
namespace {

bool numpy_dtype_to_ember(const py::dtype& dt, Dtype& out) {
  char kind = dt.kind();
  size_t size = dt.itemsize();
  if (kind == 'f') {
    if (size == 4) { out = Dtype::Float32; return true; }
    if (size == 8) { out = Dtype::Float64; return true; }
    if (size == 2) { out = Dtype::Float16; return true; }
  } else if (kind == 'i') {
    if (size == 1) { out = Dtype::Int8; return true; }
    if (size == 2) { out = Dtype::Int16; return true; }
    if (size == 4) { out = Dtype::Int32; return true; }
    if (size == 8) { out = Dtype::Int64; return true; }
  } else if (kind == 'u' && size == 1) {
    out = Dtype::UInt8;
    return true;
  } else if (kind == 'b') {
    out = Dtype::Bool;
    return true;
  }
  return false;
}

}  // namespace

py::dtype ember_to_numpy_dtype(Dtype d) {
  switch (d) {
    case Dtype::Float32: return py::dtype("float32");
    case Dtype::Float64: return py::dtype("float64");
    case Dtype::Float16: return py::dtype("float16");
    case Dtype::Int8: return py::dtype("int8");
    case Dtype::Int16: return py::dtype("int16");
    case Dtype::Int32: return py::dtype("int32");
    case Dtype::Int64: return py::dtype("int64");
    case Dtype::UInt8: return py::dtype("uint8");
    case Dtype::Bool: return py::dtype("bool");
    case Dtype::BFloat16: break;
  }
  throw py::type_error("Got unsupported ScalarType BFloat16 (NumPy has no bfloat16)");
}

Tensor from_numpy(py::handle obj) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error(std::string("expected np.ndarray (got ") + Py_TYPE(obj.ptr())->tp_name + ")");
  py::array arr = py::reinterpret_borrow<py::array>(obj);
  if (arr.dtype().attr("byteorder").cast<std::string>() == ">")  // '=' native, '|' not applicable
    throw py::value_error("given numpy array has byte order different from the native byte order. Conversion "
                          "between byte orders is currently not supported.");
  Dtype d;
  if (!numpy_dtype_to_ember(arr.dtype(), d))
    throw py::type_error("can't convert np.ndarray of type " + std::string(py::str(arr.dtype())) +
                         ". The only supported types are: float64, float32, float16, int64, int32, int16, int8, "
                         "uint8, and bool.");
  int64_t isz = int64_t(itemsize(d));
  Shape sizes(arr.ndim()), strides(arr.ndim());
  int64_t min_off = 0, max_off = 0;
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    sizes[i] = arr.shape(i);
    if (arr.strides(i) < 0)
      throw py::value_error("At least one stride in the given numpy array is negative, and tensors with negative "
                            "strides are not currently supported. (You can probably work around this by making a "
                            "copy of your array  with array.copy().) ");
    if (arr.strides(i) % isz != 0)
      throw py::value_error("given numpy array strides not a multiple of the element byte size. Copy the numpy "
                            "array to reallocate the memory.");
    strides[i] = arr.strides(i) / isz;
    if (sizes[i] > 0) max_off += (sizes[i] - 1) * strides[i];
  }
  (void)min_off;
  int64_t numel = shape_numel(sizes);
  size_t nbytes = numel == 0 ? 0 : size_t(max_off + 1) * size_t(isz);
  PyObject* owner = arr.ptr();
  Py_INCREF(owner);
  auto storage = Storage::wrap(const_cast<void*>(arr.data()), nbytes, [owner] {
    py::gil_scoped_acquire gil;
    Py_DECREF(owner);
  });
  return Tensor(make_ref<TensorImpl>(std::move(storage), sizes, strides, 0, d));
}

py::array to_numpy(const Tensor& t, py::handle base) {
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end()), strides(t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) strides[i] = t.strides()[i] * py::ssize_t(t.element_size());
  return py::array(ember_to_numpy_dtype(t.dtype()), shape, strides, t.raw_data(), base);
}

// ---------------------------------------------------------------- tensor(data)
namespace {

struct Inferred {
  Shape shape;
  Dtype dtype = Dtype::Bool;
  bool any = false;
  void see(Dtype d) {
    dtype = any ? promote_types(dtype, d) : d;
    any = true;
  }
};

bool is_sequence_data(PyObject* o) {
  return !is_tensor(o) && !PyUnicode_Check(o) && !PyBytes_Check(o) && PySequence_Check(o);
}

void infer(PyObject* o, Inferred& inf, size_t depth) {
  if (is_tensor(o)) {
    const Tensor& t = unwrap(o);
    if (depth == inf.shape.size()) for (auto s : t.sizes()) inf.shape.push_back(s);
    inf.see(t.dtype());
    return;
  }
  if (py::isinstance<py::array>(o)) {
    py::array a = py::reinterpret_borrow<py::array>(o);
    Dtype d;
    if (!numpy_dtype_to_ember(a.dtype(), d)) throw py::type_error("can't convert np.ndarray of type " + std::string(py::str(a.dtype())));
    if (depth == inf.shape.size()) for (py::ssize_t i = 0; i < a.ndim(); ++i) inf.shape.push_back(a.shape(i));
    inf.see(d);
    return;
  }
  if (is_sequence_data(o)) {
    Py_ssize_t n = PySequence_Size(o);
    if (n < 0) throw py::error_already_set();
    if (depth == inf.shape.size()) inf.shape.push_back(n);
    for (Py_ssize_t i = 0; i < n; ++i) {
      py::object item = py::reinterpret_steal<py::object>(PySequence_GetItem(o, i));
      if (!item) throw py::error_already_set();
      infer(item.ptr(), inf, depth + 1);
    }
    return;
  }
  // NumPy scalars keep their own dtype (np.int32(1) -> int32, np.float64 -> float64), as arrays do;
  // checked first because np.float64 is also a Python float.
  static PyObject* np_generic = py::object(py::module_::import("numpy").attr("generic")).release().ptr();
  if (PyObject_IsInstance(o, np_generic) == 1) {
    Dtype d;
    if (numpy_dtype_to_ember(py::reinterpret_borrow<py::object>(o).attr("dtype").cast<py::dtype>(), d)) {
      inf.see(d);
      return;
    }
  }
  if (PyBool_Check(o)) {
    inf.see(Dtype::Bool);
  } else if (PyLong_Check(o)) {
    int overflow = 0;
    PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw Error(ErrorKind::Runtime, "Overflow when unpacking long");
    inf.see(Dtype::Int64);
  } else if (PyFloat_Check(o)) {
    inf.see(default_dtype());
  } else if (PyUnicode_Check(o) || PyBytes_Check(o)) {
    throw py::value_error(std::string("too many dimensions '") + Py_TYPE(o)->tp_name + "'");
  } else if (PyComplex_Check(o)) {
    throw py::type_error("complex numbers are not supported: ember has no complex dtypes");
  } else {
    Scalar s;
    if (!scalar_from_object(o, s))
      throw Error(ErrorKind::Runtime, std::string("Could not infer dtype of ") + Py_TYPE(o)->tp_name);
    inf.see(s.is_floating() ? default_dtype() : s.natural_dtype());
  }
}

// Write o (shape `shape[depth:]`) into dst (contiguous) as dtype d.
void fill(PyObject* o, const Shape& shape, size_t depth, char*& dst, Dtype d) {
  size_t isz = itemsize(d);
  if (is_tensor(o) || py::isinstance<py::array>(o)) {
    Tensor src = is_tensor(o) ? unwrap(o) : from_numpy(o);
    Shape expect(shape.begin() + depth, shape.end());
    if (src.sizes() != expect)
      throw py::value_error("expected sequence of length " + std::to_string(expect.empty() ? 0 : expect[0]) +
                            " at dim " + std::to_string(depth) + " (got shape " + shape_str(src.sizes()) + ")");
    Tensor out(make_ref<TensorImpl>(Storage::wrap(dst, size_t(src.numel()) * isz, nullptr), expect, contiguous_strides(expect), 0, d));
    cpu::copy_kernel(out, src);
    dst += size_t(src.numel()) * isz;
    return;
  }
  if (depth < shape.size()) {
    if (!is_sequence_data(o))  // a number where a list was expected: torch raises TypeError here
      throw py::type_error(std::string("not a sequence: expected a sequence of length ") + std::to_string(shape[depth]) +
                           " at dim " + std::to_string(depth) + " (got " + Py_TYPE(o)->tp_name + ")");
    Py_ssize_t n = PySequence_Size(o);
    if (n != shape[depth])
      throw py::value_error("expected sequence of length " + std::to_string(shape[depth]) + " at dim " +
                            std::to_string(depth) + " (got " + std::to_string(n) + ")");
    for (Py_ssize_t i = 0; i < n; ++i) {
      py::object item = py::reinterpret_steal<py::object>(PySequence_GetItem(o, i));
      fill(item.ptr(), shape, depth + 1, dst, d);
    }
    return;
  }
  if (is_sequence_data(o))  // a list where a number was expected
    throw py::type_error(std::string("'") + Py_TYPE(o)->tp_name + "' object cannot be interpreted as a number at dim " +
                         std::to_string(depth));
  Scalar s;
  if (!scalar_from_object(o, s)) throw Error(ErrorKind::Runtime, std::string("Could not infer dtype of ") + Py_TYPE(o)->tp_name);
  if (!is_floating(d)) check_scalar_fits(s, d, "tensor");  // floats overflow to inf, integers raise (as torch)
  visit_dtype(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *reinterpret_cast<T*>(dst) = s.to<T>();
  });
  dst += isz;
}

}  // namespace

Tensor tensor_from_data(PyObject* data, std::optional<Dtype> dtype) {
  if (is_tensor(data)) {
    Tensor t = unwrap(data).detach();
    Tensor out = empty_like(t, dtype.value_or(t.dtype()));
    cpu::copy_kernel(out, t);
    return contiguous(out);
  }
  if (py::isinstance<py::array>(data)) {
    Tensor t = from_numpy(data);
    Tensor out = empty(t.sizes(), dtype.value_or(t.dtype()));
    cpu::copy_kernel(out, t);
    return out;
  }
  if (PyUnicode_Check(data) || PyBytes_Check(data))
    throw py::type_error(std::string("new(): invalid data type '") + Py_TYPE(data)->tp_name + "'");
  Inferred inf;
  infer(data, inf, 0);
  Dtype d = dtype.value_or(inf.any ? inf.dtype : default_dtype());
  Tensor out = empty(inf.shape, d);
  char* dst = static_cast<char*>(out.raw_data());
  fill(data, inf.shape, 0, dst, d);
  return out;
}

// ---------------------------------------------------------------- bindings of the value types
EMBER_BINDINGS(values, 0) {
  // dtypes
  py::class_<DtypeObj> dt(m, "dtype");
  dt.def_property_readonly("is_floating_point", [](const DtypeObj& o) { return is_floating(o.d); })
      .def_property_readonly("is_signed", [](const DtypeObj& o) { return is_signed(o.d); })
      .def_property_readonly("is_complex", [](const DtypeObj&) { return false; })
      .def_property_readonly("itemsize", [](const DtypeObj& o) { return itemsize(o.d); })
      .def("__repr__", [](const DtypeObj& o) { return std::string("ember.") + dtype_name(o.d); })
      .def("__reduce__", [](const DtypeObj& o) { return std::string(dtype_name(o.d)); });
  for (int i = 0; i < kNumDtypes; ++i) {
    py::object o = py::cast(DtypeObj{Dtype(i)});
    g_dtypes[i] = o.inc_ref().ptr();
    m.attr(dtype_name(Dtype(i))) = o;
  }

  // devices
  py::class_<DeviceObj> dev(m, "device");
  g_device_type = dev.ptr();
  dev.def(py::init([](const std::string& spec) { return DeviceObj{Device(spec)}; }), py::arg("type"))
      .def(py::init([](const std::string& type, int index) {
             Device d(type);
             EMBER_CHECK(d.index < 0, "device", "type (string) must not include an index because index was passed explicitly: ", type);
             return DeviceObj{Device(d.type, index)};
           }),
           py::arg("type"), py::arg("index"))
      .def(py::init([](const DeviceObj& o) { return o; }))
      .def_property_readonly("type", [](const DeviceObj& o) { return o.d.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index", [](const DeviceObj& o) -> py::object {
        if (o.d.index < 0) return py::none();
        return py::int_(o.d.index);
      })
      .def("__eq__", [](const DeviceObj& a, py::object b) {
        Device d;
        return device_from_object(b.ptr(), d) && d == a.d;
      })
      .def("__hash__", [](const DeviceObj& o) { return int(o.d.type) * 1000 + o.d.index; })
      .def("__str__", [](const DeviceObj& o) { return o.d.str(); })
      .def("__repr__", [](const DeviceObj& o) {
        std::string s = std::string("device(type='") + (o.d.is_cpu() ? "cpu" : "cuda") + "'";
        if (o.d.index >= 0) s += ", index=" + std::to_string(o.d.index);
        return s + ")";
      })
      .def("__reduce__", [](const DeviceObj& o) { return py::make_tuple(py::type::of<DeviceObj>(), py::make_tuple(o.d.str())); });
  py::implicitly_convertible<std::string, DeviceObj>();

  m.def("_set_size_class", [](py::object cls) { set_size_class(cls.ptr()); });
  m.def("_set_tensor_class", [](py::object cls) {
    if (!PyType_Check(cls.ptr()) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls.ptr()), tensor_base_type()))
      throw py::type_error("_set_tensor_class expects a subclass of _TensorBase");
    set_tensor_class(reinterpret_cast<PyTypeObject*>(cls.ptr()));
  });
  m.def("get_default_dtype", [] { return default_dtype(); });
  m.def("set_default_dtype", [](Dtype d) { set_default_dtype(d); }, py::arg("d"));
  m.def("promote_types", [](Dtype a, Dtype b) { return promote_types(a, b); }, py::arg("type1"), py::arg("type2"));
  m.def("can_cast", [](Dtype from, Dtype to) { return ember::detail::can_cast(from, to); }, py::arg("from_"), py::arg("to"));
  m.def("result_type", [](TensorLike a, TensorLike b) { return result_type(a.t, b.t); }, py::arg("tensor1"), py::arg("tensor2"));

  m.def("tensor", [](py::handle data, std::optional<Dtype> dtype, std::optional<Device> device, bool requires_grad, bool) {
        if (device) check_device_available(*device, "tensor");
        Tensor t = tensor_from_data(data.ptr(), dtype);
        if (requires_grad) t.requires_grad_(true);
        return t;
      }, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false, py::arg("pin_memory") = false);
  m.def("as_tensor", [](py::handle data, std::optional<Dtype> dtype, std::optional<Device> device) {
        if (device) check_device_available(*device, "as_tensor");
        if (is_tensor(data.ptr())) {
          Tensor t = unwrap(data.ptr());
          return dtype && *dtype != t.dtype() ? to_dtype(t, *dtype) : t;
        }
        if (py::isinstance<py::array>(data)) {
          Tensor t = from_numpy(data);
          return dtype && *dtype != t.dtype() ? to_dtype(t, *dtype) : t;
        }
        return tensor_from_data(data.ptr(), dtype);
      }, py::arg("data"), py::arg("dtype") = py::none(), py::arg("device") = py::none());
  m.def("from_numpy", [](py::handle arr) { return from_numpy(arr); }, py::arg("ndarray"));
  def_method("numpy", [](py::handle self) {
    const Tensor& t = unwrap(self.ptr());
    EMBER_CHECK(!t.requires_grad(), "numpy",
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
    return to_numpy(t, self);
  });
}

}  // namespace ember::py
