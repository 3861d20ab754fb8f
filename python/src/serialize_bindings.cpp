// Checkpoints from Python: the C++ reader and writer of torch's .pt files and
// of safetensors, with the conversion between Python objects and the value
// tree (serialize::Value). ember/serialization.py and ember/safetensors.py are
// the public faces.
#include <unordered_map>
#include <unordered_set>

#include "bind.h"
#include "ember/serialize/pickle.h"
#include "ember/serialize/pt_file.h"
#include "ember/serialize/safetensors.h"

namespace ember::py {

namespace {

using serialize::Value;
using serialize::ValuePtr;

py::object import_attr(const char* module, const char* name) { return py::module_::import(module).attr(name); }

// ---- Python -> Value (saving)

class ToValue {
 public:
  ToValue()
      : ordered_dict_(import_attr("collections", "OrderedDict")),
        size_(import_attr("ember._size", "Size")),
        parameter_(import_attr("ember.nn.parameter", "Parameter")),
        dtype_(import_attr("ember._C", "dtype")),
        device_(import_attr("ember._C", "device")) {}

  ValuePtr convert(py::handle o, int depth = 0) {
    PyObject* p = o.ptr();
    if (depth > serialize::kMaxNesting) throw py::value_error("ember.save: the object nests containers too deeply");
    if (p == Py_None) return Value::none();
    if (PyBool_Check(p)) return Value::boolean(p == Py_True);
    if (is_tensor(p)) {
      if (auto v = memo(p)) return v;
      return remember(p, Value::tensor(unwrap(p), PyObject_IsInstance(p, parameter_.ptr()) == 1));
    }
    if (PyLong_Check(p)) {
      int overflow = 0;
      long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
      if (overflow) throw py::value_error("ember.save: the integer " + py::repr(o).cast<std::string>() + " does not fit in 64 bits");
      return Value::integer(v);
    }
    if (PyFloat_Check(p)) return Value::floating(PyFloat_AsDouble(p));
    if (PyUnicode_Check(p)) {
      Py_ssize_t n;
      const char* s = PyUnicode_AsUTF8AndSize(p, &n);
      if (!s) throw py::error_already_set();
      return Value::string(std::string(s, size_t(n)));
    }
    if (PyBytes_Check(p)) return Value::bytes(std::string(PyBytes_AS_STRING(p), size_t(PyBytes_GET_SIZE(p))));
    if (py::isinstance(o, dtype_)) {
      Dtype d;
      dtype_from_object(p, d);
      return Value::dtype(d);
    }
    if (py::isinstance(o, device_)) {
      Device d;
      device_from_object(p, d);
      return Value::device(d);
    }
    if (py::isinstance(o, size_)) {
      Shape s;
      for (auto item : o) s.push_back(item.cast<int64_t>());
      return Value::size(std::move(s));
    }
    if (PyTuple_Check(p)) {  // namedtuples are saved as plain tuples
      if (auto v = memo(p)) return v;
      Guard g(this, p);
      std::vector<ValuePtr> items;
      for (auto item : o) items.push_back(convert(item, depth + 1));
      return remember(p, Value::tuple(std::move(items)));
    }
    if (PyList_Check(p)) {
      if (auto v = memo(p)) return v;
      Guard g(this, p);
      ValuePtr l = remember(p, Value::list());
      for (auto item : o) l->items().push_back(convert(item, depth + 1));
      return l;
    }
    if (PyDict_Check(p)) {  // dict subclasses other than OrderedDict (defaultdict, ...) are saved as dicts
      if (auto v = memo(p)) return v;
      Guard g(this, p);
      bool ordered = py::isinstance(o, ordered_dict_);
      ValuePtr d = remember(p, Value::dict(ordered));
      if (PyDict_CheckExact(p)) {
        for (auto [k, v] : o.cast<py::dict>()) d->set(convert(k, depth + 1), convert(v, depth + 1));
      } else {  // a subclass keeps its own order (OrderedDict.move_to_end): iterate it as Python does
        for (auto kv : o.attr("items")()) {
          auto pair = kv.cast<py::tuple>();
          d->set(convert(pair[0], depth + 1), convert(pair[1], depth + 1));
        }
      }
      if (ordered && py::hasattr(o, "__dict__")) {  // a state_dict's _metadata
        for (auto [k, v] : o.attr("__dict__").cast<py::dict>()) {
          if (!PyUnicode_Check(k.ptr())) continue;
          d->set_attr(k.cast<std::string>(), convert(v, depth + 1));
        }
      }
      return d;
    }
    if (PyAnySet_Check(p)) {
      if (auto v = memo(p)) return v;
      Guard g(this, p);
      std::vector<ValuePtr> items;
      for (auto item : o) items.push_back(convert(item, depth + 1));
      return remember(p, Value::set_of(std::move(items), PyFrozenSet_Check(p)));
    }
    std::string type = py::str(py::type::of(o).attr("__qualname__"));
    throw py::type_error("ember.save: cannot save an object of type '" + type +
                         "': ember writes tensors, containers (dict, OrderedDict, list, tuple, set), numbers, strings, "
                         "bytes, None, dtypes, devices and Sizes; save a module's or optimizer's state_dict() instead "
                         "of the object");
  }

 private:
  // Marks a container as being converted, to refuse self-reference (the loader refuses it too).
  struct Guard {
    Guard(ToValue* t, PyObject* p) : t_(t), p_(p) {
      if (!t_->open_.insert(p).second) throw py::value_error("ember.save: cannot save a self-referencing container");
    }
    ~Guard() { t_->open_.erase(p_); }
    ToValue* t_;
    PyObject* p_;
  };
  ValuePtr memo(PyObject* p) {
    if (open_.count(p)) throw py::value_error("ember.save: cannot save a self-referencing container");
    auto it = memo_.find(p);
    return it == memo_.end() ? nullptr : it->second;
  }
  ValuePtr remember(PyObject* p, ValuePtr v) {
    memo_[p] = v;
    return v;
  }

  py::object ordered_dict_, size_, parameter_, dtype_, device_;
  std::unordered_map<PyObject*, ValuePtr> memo_;  // shared objects stay shared in the file
  std::unordered_set<PyObject*> open_;
};

// ---- Value -> Python (loading)

class ToPython {
 public:
  py::object convert(const ValuePtr& v) {
    using K = Value::Kind;
    switch (v->kind()) {
      case K::None: return py::none();
      case K::Bool: return py::bool_(v->as_bool());
      case K::Int: return py::int_(v->as_int());
      case K::Float: return py::float_(v->as_double());
      case K::String: {
        const std::string& s = v->as_string();
        PyObject* u = PyUnicode_DecodeUTF8(s.data(), Py_ssize_t(s.size()), "surrogatepass");
        if (!u) {
          PyErr_Clear();
          EMBER_FAIL("ember.load", "the file holds a string that is not valid UTF-8");
        }
        return py::reinterpret_steal<py::object>(u);
      }
      case K::Bytes: return py::bytes(v->as_string());
      case K::Dtype: return py::reinterpret_borrow<py::object>(dtype_object(v->as_dtype()));
      case K::Device: return py::reinterpret_steal<py::object>(device_object(v->as_device()));
      case K::Size: return py::reinterpret_steal<py::object>(size_object(v->as_size()));
      case K::Storage:
        EMBER_NOT_SUPPORTED("ember.load", "the file holds a bare storage (torch.save(tensor.storage())); ember has no "
                            "storage type yet: save the tensor instead");
      case K::Global:
        EMBER_FAIL("ember.load", "the file holds '", v->as_string(), "' itself, not data ember can represent");
      default: break;
    }
    auto it = memo_.find(v.get());
    if (it != memo_.end()) return it->second;
    switch (v->kind()) {
      case K::Tensor: {
        py::object t = py::reinterpret_steal<py::object>(wrap(v->as_tensor()));
        if (v->parameter()) {
          if (!parameter_) parameter_ = import_attr("ember.nn.parameter", "Parameter");
          t = parameter_(t, v->as_tensor().requires_grad());
          for (auto& [k, a] : v->attrs()) py::setattr(t, k.c_str(), convert(a));
        }
        return memo_[v.get()] = t;
      }
      case K::List: {
        py::list l;
        memo_[v.get()] = l;
        for (auto& i : v->items()) l.append(convert(i));
        return l;
      }
      case K::Tuple: {
        py::tuple t(v->items().size());
        for (size_t i = 0; i < v->items().size(); ++i) t[i] = convert(v->items()[i]);
        return memo_[v.get()] = t;
      }
      case K::Set:
      case K::FrozenSet: {
        py::list items;
        for (auto& i : v->items()) items.append(convert(i));
        py::object s = v->kind() == K::Set ? py::object(py::set(items)) : py::reinterpret_steal<py::object>(PyFrozenSet_New(items.ptr()));
        if (!s) throw py::error_already_set();
        return memo_[v.get()] = s;
      }
      case K::Dict: {
        py::object d;
        if (v->ordered()) {
          if (!ordered_dict_) ordered_dict_ = import_attr("collections", "OrderedDict");
          d = ordered_dict_();
        } else {
          d = py::dict();
        }
        memo_[v.get()] = d;
        for (auto& [k, val] : v->entries()) {
          py::object key = convert(k), value = convert(val);
          if (PyObject_SetItem(d.ptr(), key.ptr(), value.ptr()) != 0) throw py::error_already_set();
        }
        for (auto& [k, a] : v->attrs()) py::setattr(d, k.c_str(), convert(a));
        return d;
      }
      default: EMBER_FAIL("ember.load", "unexpected value of kind ", v->kind_name());
    }
  }

 private:
  std::unordered_map<const Value*, py::object> memo_;
  py::object ordered_dict_, parameter_;
};

// Bytes written to a Python file object's write(), in pieces of at most 64 MiB. Called without the GIL.
class PyWriteSink : public serialize::ByteSink {
 public:
  explicit PyWriteSink(py::object write) : write_(std::move(write)) {}
  ~PyWriteSink() override {
    py::gil_scoped_acquire gil;
    write_ = py::object();
  }
  void write(const void* data, size_t n) override {
    if (n == 0) return;
    py::gil_scoped_acquire gil;
    auto p = static_cast<const char*>(data);
    while (n > 0) {
      size_t chunk = std::min<size_t>(n, size_t(64) << 20);
      py::object r = write_(py::memoryview::from_memory(p, Py_ssize_t(chunk)));
      // raw (unbuffered) files may write less than asked and say how much
      size_t done = PyLong_Check(r.ptr()) ? r.cast<size_t>() : chunk;
      if (done == 0 || done > chunk) throw py::value_error("ember.save: the file object's write() did not accept the data");
      p += done;
      n -= done;
      pos_ += done;
    }
  }

 private:
  py::object write_;
};

// A path (str) or a bytes-like object, for the loaders.
template <class F> auto with_source(py::handle source, const char* op, F&& f) {
  if (PyUnicode_Check(source.ptr())) {
    auto src = serialize::ByteSource::open_file(source.cast<std::string>(), op);
    py::gil_scoped_release nogil;
    return f(*src);
  }
  py::buffer buf = py::reinterpret_borrow<py::buffer>(source);
  py::buffer_info info = buf.request();
  auto src = serialize::ByteSource::memory(info.ptr, size_t(info.size * info.itemsize));
  py::gil_scoped_release nogil;
  return f(*src);
}

nn::NamedTensors named_tensors_from(py::handle tensors, const char* op) {
  if (!PyDict_Check(tensors.ptr())) throw py::type_error(std::string(op) + ": expected a dict of name -> tensor");
  nn::NamedTensors out;
  for (auto [k, v] : tensors.cast<py::dict>()) {
    if (!PyUnicode_Check(k.ptr())) throw py::type_error(std::string(op) + ": tensor names must be str");
    if (!is_tensor(v.ptr()))
      throw py::type_error(std::string(op) + ": the value for '" + k.cast<std::string>() + "' is not a tensor");
    out.emplace_back(k.cast<std::string>(), unwrap(v.ptr()));
  }
  return out;
}

serialize::safetensors::Metadata metadata_from(py::handle m, const char* op) {
  serialize::safetensors::Metadata out;
  if (m.is_none()) return out;
  if (!PyDict_Check(m.ptr())) throw py::type_error(std::string(op) + ": metadata must be a dict of str -> str");
  for (auto [k, v] : m.cast<py::dict>()) {
    if (!PyUnicode_Check(k.ptr()) || !PyUnicode_Check(v.ptr()))
      throw py::type_error(std::string(op) + ": metadata must be a dict of str -> str");
    out[k.cast<std::string>()] = v.cast<std::string>();
  }
  return out;
}

}  // namespace

EMBER_BINDINGS(serialize, 40) {
  // _pt_save(obj, dest, protocol, zip, force_zip64): dest is a path (str), a binary file object, or None
  // for the bytes to be returned.
  m.def("_pt_save", [](py::handle obj, py::object dest, int protocol, bool zip, bool force_zip64) -> py::object {
    ValuePtr v = ToValue().convert(obj);
    serialize::SaveOptions opts;
    opts.protocol = protocol;
    opts.zip = zip;
    opts.force_zip64 = force_zip64;
    if (PyUnicode_Check(dest.ptr())) {
      std::string path = dest.cast<std::string>();
      py::gil_scoped_release nogil;
      serialize::save(*v, path, opts);
      return py::none();
    }
    if (!dest.is_none()) {  // streamed into the file object: storages go out without an extra copy
      PyWriteSink sink(dest.attr("write"));
      py::gil_scoped_release nogil;
      serialize::save(*v, sink, opts);
      return py::none();
    }
    std::string bytes;
    {
      py::gil_scoped_release nogil;
      bytes = serialize::save_bytes(*v, opts);
    }
    return py::bytes(bytes);
  }, py::arg("obj"), py::arg("dest"), py::arg("protocol") = 2, py::arg("zip") = true, py::arg("force_zip64") = false);

  // _pt_load(path or bytes-like, resolver) where resolver(location, storage_bytes) -> ember.device
  m.def("_pt_load", [](py::handle source, py::object resolver) -> py::object {
    serialize::LoadOptions opts;
    if (!resolver.is_none()) {
      opts.map_location = [resolver](const std::string& location, const Tensor& bytes) {
        py::gil_scoped_acquire gil;
        py::object r = resolver(location, bytes);
        Device d;
        if (!device_from_object(r.ptr(), d))
          throw py::type_error("ember.load: map_location must give a device (or a storage on one), got " +
                               py::repr(r).cast<std::string>());
        return d;
      };
    }
    ValuePtr v = with_source(source, "ember.load", [&](const serialize::ByteSource& src) { return serialize::load(src, opts); });
    return ToPython().convert(v);
  }, py::arg("source"), py::arg("resolver") = py::none());

  m.def("_check_device_available", [](Device d, const std::string& op) { check_device_available(d, op.c_str()); },
        py::arg("device"), py::arg("op"));

  m.def("_safetensors_save", [](py::handle tensors, py::handle metadata, std::optional<std::string> path) -> py::object {
    auto named = named_tensors_from(tensors, "safetensors.save");
    auto meta = metadata_from(metadata, "safetensors.save");
    if (path) {
      py::gil_scoped_release nogil;
      serialize::safetensors::save_file(named, *path, meta);
      return py::none();
    }
    std::string bytes;
    {
      py::gil_scoped_release nogil;
      bytes = serialize::safetensors::save(named, meta);
    }
    return py::bytes(bytes);
  }, py::arg("tensors"), py::arg("metadata") = py::none(), py::arg("path") = py::none());

  // _safetensors_load(path or bytes-like) -> (dict name -> tensor, metadata dict)
  m.def("_safetensors_load", [](py::handle source) {
    auto contents = with_source(source, "safetensors.load",
                                [](const serialize::ByteSource& src) { return serialize::safetensors::load(src); });
    py::dict tensors, metadata;
    for (auto& [name, t] : contents.tensors) tensors[py::str(name)] = py::reinterpret_steal<py::object>(wrap(t));
    for (auto& [k, v] : contents.metadata) metadata[py::str(k)] = py::str(v);
    return py::make_tuple(tensors, metadata);
  }, py::arg("source"));
}

}  // namespace ember::py
