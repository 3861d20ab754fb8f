// ember.jit's C++ side: what the recording wrappers (jit_record.h) do with a
// call while tracing, the t[...] decomposition into view ops, and the Python
// API over graphs and modules (_C._jit_*).
#include <pybind11/stl.h>

#include <cstring>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "bind.h"
#include "ember/autograd/grad_mode.h"
#include "ember/jit/module.h"
#include "ember/jit/op_registry.h"
#include "ember/jit/passes.h"

namespace ember::py {

namespace jit_record {

namespace {
thread_local int t_depth = 0;
PyObject* g_warning = nullptr;  // ember.jit.TracerWarning

bool traced(const jit::IValue& v) {
  if (v.is_tensor()) return jit::tracer::is_traced(v.to_tensor());
  if (v.is_tensor_list())
    for (const Tensor& t : v.to_tensor_list())
      if (jit::tracer::is_traced(t)) return true;
  return false;
}

bool py_traced(PyObject* o, int depth = 0) {
  if (depth > 8) return false;
  if (is_tensor(o)) return jit::tracer::is_traced(unwrap(o));
  if (PyTuple_Check(o) || PyList_Check(o)) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject** items = PySequence_Fast_ITEMS(o);
    for (Py_ssize_t i = 0; i < n; ++i)
      if (py_traced(items[i], depth + 1)) return true;
  } else if (PyDict_Check(o)) {
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(o, &pos, &k, &v))
      if (py_traced(v, depth + 1)) return true;
  }
  return false;
}

bool any_traced(const Call& c) {
  for (const auto& a : c.args)
    if (traced(a)) return true;
  for (const auto& o : c.py_args)
    if (py_traced(o.ptr())) return true;
  return false;
}

void warn(const std::string& msg) {
  PyObject* cls = g_warning ? g_warning : PyExc_RuntimeWarning;
  if (PyErr_WarnEx(cls, msg.c_str(), 1) < 0) throw py::error_already_set();
}

const char* value_kind(const std::string& op) {
  if (op == "__bool__" || op == "equal" || op == "any_true") return "a Python boolean";
  if (op == "__int__") return "a Python integer";
  if (op == "__index__") return "a Python index";
  if (op == "__float__") return "a Python float";
  if (op == "item") return "a Python number";
  if (op == "tolist") return "a Python list";
  if (op == "numpy" || op == "__array__") return "a NumPy array";
  return "a Python value";
}

void warn_value(const std::string& op) {
  if (op == "__len__") {
    warn("Using len to iterate over a tensor might cause the trace to be incorrect. Passing a tensor of different shape "
         "won't change the number of iterations executed (and might lead to errors or silently give incorrect results).");
    return;
  }
  warn(std::string("Converting a tensor to ") + value_kind(op) +
       " might cause the trace to be incorrect. We can't record the data flow of Python values, so this value will be "
       "treated as a constant in the future. This means that the trace might not generalize to other inputs!");
}

using Custom = void (*)(Call&);
const std::unordered_map<std::string, Custom>& customs();

}  // namespace

Depth::Depth() { ++t_depth; }
Depth::~Depth() { --t_depth; }

bool tracing_now() { return t_depth == 0 && jit::tracer::is_tracing(); }

bool transparent(const char* op) { return std::strcmp(op, "_function_apply") == 0; }

const char* intern(const char* name) {
  static std::mutex mu;
  static std::unordered_set<std::string> names;
  std::lock_guard<std::mutex> lock(mu);
  return names.insert(name).first->c_str();
}

namespace {

bool seq_to_ivalue(PyObject* o, jit::IValue& out) {
  py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(o, "sequence"));
  if (!fast) {
    PyErr_Clear();
    return false;
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
  PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
  if (n == 0) {
    out = jit::IValue(std::vector<int64_t>{});
    return true;
  }
  bool all_int = true, all_num = true, all_tensor = true, any_tensor = false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* x = items[i];
    bool t = is_tensor(x);
    any_tensor = any_tensor || t;
    all_tensor = all_tensor && (t || x == Py_None);
    bool is_int = !t && !PyBool_Check(x) && (PyLong_Check(x) || PyIndex_Check(x)) && !PyFloat_Check(x);
    all_int = all_int && is_int;
    all_num = all_num && !t && (is_int || PyFloat_Check(x));
  }
  if (all_int) {
    std::vector<int64_t> l;
    for (Py_ssize_t i = 0; i < n; ++i) {
      int64_t v;
      if (!int_from_object(items[i], v)) {
        PyErr_Clear();
        return false;
      }
      l.push_back(v);
    }
    out = jit::IValue(std::move(l));
    return true;
  }
  if (all_num) {
    std::vector<double> l;
    for (Py_ssize_t i = 0; i < n; ++i) {
      double v = PyFloat_AsDouble(items[i]);
      if (v == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
      }
      l.push_back(v);
    }
    out = jit::IValue(std::move(l));
    return true;
  }
  if (all_tensor && any_tensor) {
    TensorList l;
    for (Py_ssize_t i = 0; i < n; ++i) l.push_back(items[i] == Py_None ? Tensor() : unwrap(items[i]));
    out = jit::IValue(std::move(l));
    return true;
  }
  return false;
}

}  // namespace

bool py_to_ivalue(py::handle h, jit::IValue& out, bool varargs) {
  PyObject* o = h.ptr();
  if (varargs) {  // f(2, 3), f((2, 3)), f(dtype), f(t1, t2)
    if (PyTuple_GET_SIZE(o) == 1) return py_to_ivalue(PyTuple_GET_ITEM(o, 0), out, false);
    return seq_to_ivalue(o, out);
  }
  if (o == Py_None) {
    out = jit::IValue();
    return true;
  }
  if (is_tensor(o)) {
    out = jit::IValue(unwrap(o));
    return true;
  }
  if (PyBool_Check(o)) {
    out = jit::IValue(o == Py_True);
    return true;
  }
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return false;
    }
    out = jit::IValue(int64_t(v));
    return true;
  }
  if (PyFloat_Check(o)) {
    out = jit::IValue(PyFloat_AS_DOUBLE(o));
    return true;
  }
  if (PyUnicode_Check(o)) {
    out = jit::IValue(std::string(PyUnicode_AsUTF8(o)));
    return true;
  }
  Dtype d;
  if (dtype_from_object(o, d)) {
    out = jit::IValue(d);
    return true;
  }
  if (PyDict_Check(o)) {  // **kwargs: empty, or one keyword whose value is the argument
    Py_ssize_t n = PyDict_Size(o);
    if (n == 0) {
      out = jit::IValue();
      return true;
    }
    if (n != 1) return false;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    PyDict_Next(o, &pos, &k, &v);
    return py_to_ivalue(v, out, false);
  }
  if (PyTuple_Check(o) || PyList_Check(o)) return seq_to_ivalue(o, out);
  Device dev;
  if (device_from_object(o, dev)) {
    out = jit::IValue(dev.str());
    return true;
  }
  Scalar s;
  if (scalar_from_object(o, s)) {
    out = jit::IValue::from_scalar(s);
    return true;
  }
  PyErr_Clear();
  return false;
}

void py_outputs(py::handle h, Call& c) {
  PyObject* o = h.ptr();
  if (o == Py_None) return;
  if (is_tensor(o)) {
    c.outputs.push_back(unwrap(o));
    return;
  }
  if (PyTuple_Check(o) || PyList_Check(o)) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject** items = PySequence_Fast_ITEMS(o);
    bool any = false, all = true;
    for (Py_ssize_t i = 0; i < n; ++i) {
      bool t = is_tensor(items[i]);
      any = any || t;
      all = all && t;
    }
    if (!any) return;
    if (!all) {
      c.outputs_ok = false;
      return;
    }
    for (Py_ssize_t i = 0; i < n; ++i) c.outputs.push_back(unwrap(items[i]));
    return;
  }
  if (py_traced(o)) c.outputs_ok = false;
}

void check_transparent_outputs(const char* op, py::handle result) {
  Call c;
  py_outputs(result, c);
  for (const Tensor& t : c.outputs)
    if (!jit::tracer::is_traced(t)) jit::tracer::unsupported(op, "its result was not produced by recorded ops");
}

void record_call(Call& c) {
  const std::string op = c.op;
  auto cu = customs().find(op);
  if (cu != customs().end()) {
    cu->second(c);
    return;
  }
  bool traced_in = any_traced(c);
  if (op.rfind("set_", 0) == 0) {  // property setters: x.data = y rebinds a traced tensor
    if (traced_in && op != "set_requires_grad") jit::tracer::unsupported("assigning Tensor." + op.substr(4));
    return;
  }
  const jit::OpSchema* s = jit::find_op(op);
  // A random op the graph cannot replay (factories like randn) would freeze one
  // sample into the model as a constant: refuse it, whatever its arguments.
  if (s && s->nondeterministic() && !s->fn)
    jit::tracer::unsupported(op, "random ops cannot be traced (their result would be frozen into the model); "
                                 "pass the random tensor as an input instead");
  if (!c.args_ok || !c.outputs_ok) {
    if (traced_in || (s && s->nondeterministic())) jit::tracer::unsupported(op, "its arguments or results cannot be recorded");
    return;
  }
  if (s && (s->flags & jit::kReadsValue)) {
    if (traced_in) warn_value(op);
    return;
  }
  if (s && (s->flags & jit::kPassthrough)) {
    if (!c.outputs.empty() && !c.args.empty() && c.args[0].is_tensor() && traced(c.args[0]) &&
        !c.outputs[0].is_same(c.args[0].to_tensor()))
      jit::tracer::alias(c.outputs[0], c.args[0].to_tensor());
    return;
  }
  if (c.outputs.empty()) return;  // queries (size, dim, ...): nothing to record
  if (!s || !s->fn) {
    if (traced_in) jit::tracer::unsupported(op);
    return;  // not in the graph: its result is a constant
  }
  jit::tracer::record(op, c.args, c.outputs);
}

void record_operator(const char* op, const TensorList& in, const Tensor& out) {
  if (!tracing_now()) return;
  Call c;
  c.op = op;
  for (const Tensor& t : in) c.args.push_back(from_tensor_like(t));
  c.outputs.push_back(out);
  record_call(c);
}

void value_read(const char* op, const Tensor& t) {
  if (!tracing_now() || !jit::tracer::is_traced(t)) return;
  warn_value(op);
}

// ---------------------------------------------------------------- t[...] as view ops

namespace {

struct Item {
  enum Kind { Int, Slice, None, Ellipsis, Bool, Tensor_ } kind;
  int64_t i = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  Tensor t;
};

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

Item to_item(PyObject* o) {
  Item it{Item::Int};
  if (PyLong_CheckExact(o)) {
    it.i = PyLong_AsLongLong(o);
    return it;
  }
  if (o == Py_None) return Item{Item::None};
  if (o == Py_Ellipsis) return Item{Item::Ellipsis};
  if (PyBool_Check(o)) {
    it.kind = Item::Bool;
    it.i = o == Py_True;
    return it;
  }
  if (PySlice_Check(o)) {
    Py_ssize_t start, stop, step;
    if (PySlice_Unpack(o, &start, &stop, &step) < 0) throw py::error_already_set();
    auto* so = reinterpret_cast<PySliceObject*>(o);
    it.kind = Item::Slice;
    if (so->start != Py_None) it.start = int64_t(start);
    if (so->stop != Py_None) it.stop = int64_t(stop);
    it.step = int64_t(step);
    return it;
  }
  if (is_tensor(o)) {
    it.kind = Item::Tensor_;
    it.t = unwrap(o);
    return it;
  }
  if (is_numpy_array(o) || (PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o))) {
    Tensor t = tensor_from_data(o, std::nullopt);
    if (t.dtype() != Dtype::Bool && t.dtype() != Dtype::UInt8 && t.dtype() != Dtype::Int64) t = to_dtype(t, Dtype::Int64);
    it.kind = Item::Tensor_;
    it.t = t;
    return it;
  }
  int64_t v;
  if (!PyFloat_Check(o) && int_from_object(o, v)) {
    it.i = v;
    return it;
  }
  jit::tracer::unsupported("__getitem__", std::string("index of type ") + Py_TYPE(o)->tp_name);
}

// NumPy's rule, as torch applies it: a short non-tuple sequence holding a
// slice, None, Ellipsis, a sequence or a tensor is read as a tuple of indices.
bool sequence_as_tuple(PyObject* o) {
  if (PyTuple_Check(o)) return true;
  if (is_tensor(o) || !PySequence_Check(o) || PyUnicode_Check(o) || PyBytes_Check(o)) return false;
  Py_ssize_t n = PySequence_Size(o);
  if (n < 0) {
    PyErr_Clear();
    return false;
  }
  if (n >= 32) return false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    py::object item = py::reinterpret_steal<py::object>(PySequence_GetItem(o, i));
    if (!item) {
      PyErr_Clear();
      return false;
    }
    PyObject* p = item.ptr();
    if (is_tensor(p) || PySequence_Check(p) || PySlice_Check(p) || p == Py_Ellipsis || p == Py_None) return true;
  }
  return false;
}

std::vector<Item> to_items(PyObject* index) {
  std::vector<Item> r;
  if (!sequence_as_tuple(index)) {
    r.push_back(to_item(index));
    return r;
  }
  py::tuple items = py::reinterpret_steal<py::tuple>(PySequence_Tuple(index));
  if (!items) throw py::error_already_set();
  for (auto item : items) r.push_back(to_item(item.ptr()));
  return r;
}

Tensor rec(const char* op, jit::IValueList args, Tensor out) {
  jit::tracer::record(op, args, {out});
  return out;
}

// The basic indices applied as recorded views; the advanced ones collected by dim.
Tensor apply_basic(const Tensor& self, const std::vector<Item>& items, TensorList& adv) {
  int64_t specified = 0;
  for (const Item& it : items) {
    if (it.kind == Item::Int || it.kind == Item::Slice) specified++;
    else if (it.kind == Item::Tensor_) specified += (it.t.dtype() == Dtype::Bool || it.t.dtype() == Dtype::UInt8) ? std::max<int64_t>(it.t.dim(), 1) : 1;
  }
  Tensor cur = self;
  int64_t dim = 0;
  for (const Item& it : items) {
    switch (it.kind) {
      case Item::Int:
        cur = rec("select", {cur, dim, it.i}, select(cur, dim, it.i));
        break;
      case Item::Slice: {
        jit::IValue s = it.start ? jit::IValue(*it.start) : jit::IValue();
        jit::IValue e = it.stop ? jit::IValue(*it.stop) : jit::IValue();
        cur = rec("slice", {cur, dim, s, e, it.step}, slice(cur, dim, it.start, it.stop, it.step));
        dim++;
        break;
      }
      case Item::None:
        cur = rec("unsqueeze", {cur, dim}, unsqueeze(cur, dim));
        dim++;
        break;
      case Item::Ellipsis:
        dim += self.dim() - specified;
        break;
      case Item::Bool:
        jit::tracer::unsupported("__getitem__", "indexing with a Python bool");
      case Item::Tensor_:
        if (int64_t(adv.size()) <= dim) adv.resize(size_t(dim + 1));
        adv[size_t(dim)] = it.t;
        dim++;
        break;
    }
  }
  return cur;
}

void record_getitem(Call& c) {
  if (c.outputs.size() != 1 || c.py_args.empty() || !c.args[0].is_tensor()) jit::tracer::unsupported("__getitem__");
  const Tensor& self = c.args[0].to_tensor();
  PyObject* idx = c.py_args[0].ptr();
  if (!jit::tracer::is_traced(self) && !py_traced(idx)) return;  // a constant
  std::vector<Item> items = to_items(idx);
  TensorList adv;
  Tensor cur = apply_basic(self, items, adv);
  if (!adv.empty()) cur = rec("index", {cur, adv}, index(cur, [&] {
                                std::vector<std::optional<Tensor>> l;
                                for (auto& t : adv) l.push_back(t.defined() ? std::optional<Tensor>(t) : std::nullopt);
                                return l;
                              }()));
  const Tensor& out = c.outputs[0];
  if (cur.sizes() != out.sizes() || cur.dtype() != out.dtype())
    jit::tracer::unsupported("__getitem__", "this index could not be expressed as recorded ops");
  jit::tracer::alias(out, cur);
}

void record_setitem(Call& c) {
  if (c.py_args.size() != 2 || !c.args[0].is_tensor()) jit::tracer::unsupported("__setitem__");
  const Tensor& self = c.args[0].to_tensor();
  PyObject* idx = c.py_args[0].ptr();
  PyObject* value = c.py_args[1].ptr();
  if (!jit::tracer::is_traced(self) && !py_traced(idx) && !py_traced(value)) return;
  autograd::NoGradGuard no_grad;
  std::vector<Item> items = to_items(idx);
  TensorList adv;
  Tensor view = apply_basic(self, items, adv);  // already written by the eager call: views only, no second write
  jit::IValue v;
  Tensor vt;
  Scalar s;
  if (is_tensor(value)) vt = unwrap(value);
  else if (!(PyLong_Check(value) || PyFloat_Check(value) || PyBool_Check(value)) || !scalar_from_object(value, s)) {
    PyErr_Clear();
    vt = tensor_from_data(value, self.dtype());
  }
  if (adv.empty()) {
    if (vt.defined()) jit::tracer::record("copy_", {view, vt}, {view});
    else jit::tracer::record("fill_", {view, jit::IValue::from_scalar(s)}, {view});
    return;
  }
  if (!vt.defined()) vt = full({}, s, self.dtype());
  jit::tracer::record("index_put_", {view, adv, vt, false}, {view});
}

void record_einsum(Call& c) {
  py::handle args = c.py_args.at(0);
  py::tuple t = py::reinterpret_borrow<py::tuple>(args);
  if (t.size() < 2 || !py::isinstance<py::str>(t[0])) jit::tracer::unsupported("einsum", "only the equation-string form is recorded");
  TensorList ops;
  if (t.size() == 2 && (PyList_Check(t[1].ptr()) || PyTuple_Check(t[1].ptr()))) {
    for (auto item : t[1]) ops.push_back(item.cast<Tensor>());
  } else {
    for (size_t i = 1; i < t.size(); ++i) ops.push_back(t[i].cast<Tensor>());
  }
  jit::tracer::record("einsum", {t[0].cast<std::string>(), ops}, c.outputs);
}

void record_tensordot(Call& c) {
  const Tensor& a = c.args.at(0).to_tensor();
  const Tensor& b = c.args.at(1).to_tensor();
  PyObject* dims = c.py_args.at(0).ptr();
  Dims da, db;
  int64_t n;
  if (int_from_object(dims, n)) {
    for (int64_t i = 0; i < n; ++i) da.push_back(a.dim() - n + i), db.push_back(i);
  } else {
    py::object seq = py::reinterpret_borrow<py::object>(dims);
    if (is_tensor(dims)) seq = seq.attr("tolist")();
    auto side = [](py::handle h) -> Dims {
      int64_t v;
      if (int_from_object(h.ptr(), v)) return {v};
      return h.cast<Dims>();
    };
    da = side(seq[py::int_(0)]);
    db = side(seq[py::int_(1)]);
  }
  jit::tracer::record("tensordot", {a, b, da, db}, c.outputs);
}

// adaptive pools: None in output_size keeps the input's size there (fixed at the traced size).
void record_adaptive(Call& c) {
  const std::string op = c.op;
  int nd = op[op.size() - 2] - '0';
  const Tensor& x = c.args.at(0).to_tensor();
  py::handle o = c.py_args.at(0);
  Shape s;
  int64_t v;
  if (int_from_object(o.ptr(), v)) s.assign(size_t(nd), v);
  else {
    py::sequence seq = o.cast<py::sequence>();
    for (size_t i = 0; i < seq.size(); ++i) {
      py::object item = seq[i];
      if (item.is_none()) s.push_back(x.size(x.dim() - int64_t(seq.size()) + int64_t(i)));
      else s.push_back(item.cast<int64_t>());
    }
  }
  jit::IValueList args{x, s};
  for (size_t i = 2; i < c.args.size(); ++i) args.push_back(c.args[i]);
  jit::tracer::record(op, args, c.outputs);
}

const std::unordered_map<std::string, Custom>& customs() {
  static const std::unordered_map<std::string, Custom> m = {
      {"__getitem__", record_getitem},          {"__setitem__", record_setitem},
      {"einsum", record_einsum},                {"tensordot", record_tensordot},
      {"adaptive_avg_pool1d", record_adaptive}, {"adaptive_avg_pool2d", record_adaptive},
      {"adaptive_avg_pool3d", record_adaptive}, {"adaptive_max_pool1d", record_adaptive},
      {"adaptive_max_pool2d", record_adaptive}, {"adaptive_max_pool3d", record_adaptive},
  };
  return m;
}

}  // namespace
}  // namespace jit_record

// ---------------------------------------------------------------- Python API

namespace {

using jit::Graph;

struct PyGraph {
  std::shared_ptr<const Graph> g;
};
struct PyValue {
  std::shared_ptr<const Graph> owner;
  const jit::Value* v;
};
struct PyNode {
  std::shared_ptr<const Graph> owner;
  const jit::Node* n;
};

py::object literal_to_py(const jit::IValue& v) {
  switch (v.tag()) {
    case jit::IValue::Tag::None: return py::none();
    case jit::IValue::Tag::Double: return py::float_(v.to_double());
    case jit::IValue::Tag::Int: return py::int_(v.to_int());
    case jit::IValue::Tag::Bool: return py::bool_(v.to_bool());
    case jit::IValue::Tag::String: return py::str(v.to_string());
    case jit::IValue::Tag::IntList: return py::cast(v.to_int_list());
    case jit::IValue::Tag::DoubleList: return py::cast(v.to_double_list());
    case jit::IValue::Tag::Dtype: return py::cast(v.to_dtype());
    case jit::IValue::Tag::Tensor: return py::cast(v.to_tensor());
    case jit::IValue::Tag::TensorList: return py::cast(v.to_tensor_list());
  }
  return py::none();
}

std::vector<PyValue> values(const std::shared_ptr<const Graph>& g, const std::vector<jit::Value*>& vs) {
  std::vector<PyValue> out;
  for (const jit::Value* v : vs) out.push_back({g, v});
  return out;
}

std::vector<std::pair<std::string, Tensor>> params_of(const py::list& l) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto item : l) {
    py::tuple t = item.cast<py::tuple>();
    out.push_back({t[0].cast<std::string>(), t[1].cast<Tensor>()});
  }
  return out;
}

}  // namespace

EMBER_BINDINGS(jit, 90) {
  py::module_& mm = m;  // these are the tracer's own controls: not recorded
  // ---- tracing
  mm.def("_jit_set_warning_class", [](py::object cls) { jit_record::g_warning = cls.inc_ref().ptr(); });
  mm.def("_jit_trace_start", [](py::list params) { jit::tracer::start(params_of(params)); });
  mm.def("_jit_trace_add_input", [](const Tensor& t, const std::string& name) { jit::tracer::add_input(t, name); });
  mm.def("_jit_trace_finish", [](const TensorList& outs, const std::string& in_spec, const std::string& out_spec) {
    std::unique_ptr<Graph> g = jit::tracer::finish(outs);
    g->input_spec = in_spec;
    g->output_spec = out_spec;
    return PyGraph{std::shared_ptr<const Graph>(std::move(g))};
  });
  mm.def("_jit_trace_abort", [] { jit::tracer::abort(); });
  mm.def("_jit_is_tracing", [] { return jit::tracer::is_tracing(); });
  mm.def("_jit_is_traced", [](const Tensor& t) { return jit::tracer::is_traced(t); });
  mm.def("_jit_registered_ops", [] { return jit::registered_ops(); });
  mm.def("_jit_op_info", [](const std::string& name) -> py::object {
    const jit::OpSchema* s = jit::find_op(name);
    if (!s) return py::none();
    py::dict d;
    d["name"] = s->name;
    d["runnable"] = s->fn != nullptr;
    d["inplace"] = s->inplace();
    d["nondeterministic"] = s->nondeterministic();
    d["impure"] = s->impure();
    return d;
  });

  // ---- graphs (immutable from Python: passes return a new graph)
  py::class_<PyGraph>(mm, "_JitGraph")
      .def("__str__", [](const PyGraph& g) { return g.g->str(); })
      .def("__repr__", [](const PyGraph& g) { return g.g->str(); })
      .def("inputs", [](const PyGraph& g) { return values(g.g, g.g->inputs()); })
      .def("parameters", [](const PyGraph& g) { return values(g.g, g.g->parameters()); })
      .def("constants", [](const PyGraph& g) { return values(g.g, g.g->constants()); })
      .def("outputs", [](const PyGraph& g) { return values(g.g, g.g->outputs()); })
      .def("nodes", [](const PyGraph& g) {
        std::vector<PyNode> out;
        for (const auto& n : g.g->nodes()) out.push_back({g.g, n.get()});
        return out;
      })
      .def_property_readonly("input_spec", [](const PyGraph& g) { return g.g->input_spec; })
      .def_property_readonly("output_spec", [](const PyGraph& g) { return g.g->output_spec; })
      .def("run_passes", [](const PyGraph& g, const std::vector<std::string>& passes) {
        std::unique_ptr<Graph> c = g.g->clone();
        for (const auto& p : passes) {
          if (p == "dce") jit::eliminate_dead_code(*c);
          else if (p == "fold") jit::fold_constants(*c);
          else if (p == "fuse") jit::fuse_elementwise(*c);
          else if (p == "optimize") jit::optimize(*c);
          else throw py::value_error("unknown pass '" + p + "' (dce, fold, fuse, optimize)");
        }
        c->compact();
        c->validate();
        return PyGraph{std::shared_ptr<const Graph>(std::move(c))};
      }, py::arg("passes"));

  py::class_<PyValue>(mm, "_JitValue")
      .def_property_readonly("name", [](const PyValue& v) { return v.v->name; })
      .def_property_readonly("debug_name", [](const PyValue& v) { return v.v->display(); })
      .def_property_readonly("id", [](const PyValue& v) { return v.v->id; })
      .def_property_readonly("kind", [](const PyValue& v) { return std::string(jit::value_kind_name(v.v->kind)); })
      .def_property_readonly("dtype", [](const PyValue& v) -> py::object {
        return v.v->meta.known ? py::cast(v.v->meta.dtype) : py::none();
      })
      .def_property_readonly("shape", [](const PyValue& v) -> py::object {
        return v.v->meta.known ? py::cast(std::vector<int64_t>(v.v->meta.sizes)) : py::none();
      })
      .def_property_readonly("data", [](const PyValue& v) -> py::object {
        return v.v->data.defined() ? py::cast(v.v->data) : py::none();
      })
      .def_property_readonly("node", [](const PyValue& v) -> py::object {
        return v.v->node ? py::cast(PyNode{v.owner, v.v->node}) : py::none();
      })
      .def_property_readonly("offset", [](const PyValue& v) { return v.v->offset; })
      .def("__repr__", [](const PyValue& v) { return v.v->display() + " : " + jit::meta_str(v.v->meta); })
      .def("__eq__", [](const PyValue& a, const PyValue& b) { return a.v == b.v; })
      .def("__hash__", [](const PyValue& v) { return std::hash<const void*>()(v.v); });

  py::class_<PyNode>(mm, "_JitNode")
      .def_property_readonly("op", [](const PyNode& n) { return n.n->op; })
      .def("args", [](const PyNode& n) {
        py::list out;
        for (const jit::Arg& a : n.n->args) {
          if (a.kind == jit::Arg::Kind::Value) out.append(py::cast(PyValue{n.owner, a.value}));
          else if (a.kind == jit::Arg::Kind::Literal) out.append(literal_to_py(a.literal));
          else {
            py::list l;
            for (const jit::Value* v : a.list) l.append(v ? py::cast(PyValue{n.owner, v}) : py::none());
            out.append(l);
          }
        }
        return out;
      })
      .def("arg_kinds", [](const PyNode& n) {
        std::vector<std::string> out;
        for (const jit::Arg& a : n.n->args)
          out.push_back(a.kind == jit::Arg::Kind::Value ? "value" : a.kind == jit::Arg::Kind::ValueList ? "list" : "literal");
        return out;
      })
      .def("inputs", [](const PyNode& n) { return values(n.owner, n.n->inputs()); })
      .def("outputs", [](const PyNode& n) { return values(n.owner, n.n->outputs); })
      .def_property_readonly("body", [](const PyNode& n) -> py::object {
        if (!n.n->body) return py::none();
        // the body lives as long as its owner: share ownership through an aliasing pointer
        return py::cast(PyGraph{std::shared_ptr<const Graph>(n.owner, n.n->body.get())});
      })
      .def("__repr__", [](const PyNode& n) { return "<node " + n.n->op + ">"; });

  // ---- modules
  py::class_<jit::Module>(mm, "_JitModule")
      .def(py::init([](const PyGraph& g) { return jit::Module(std::shared_ptr<const Graph>(g.g->clone())); }))
      .def("forward", [](const jit::Module& mod, const TensorList& inputs) {
        py::gil_scoped_release nogil;
        return mod.forward(inputs);
      })
      .def_property_readonly("graph", [](const jit::Module& mod) { return PyGraph{mod.graph_ptr()}; })
      .def("named_parameters", [](const jit::Module& mod) { return mod.named_parameters(); })
      .def("save", [](const jit::Module& mod, const std::string& path) { mod.save(path); })
      .def("save_to_bytes", [](const jit::Module& mod) { return py::bytes(mod.save_to_bytes()); });
  mm.def("_jit_load", [](const std::string& path) { return jit::load(path); });
  mm.def("_jit_load_bytes", [](py::bytes b) { return jit::load_from_bytes(std::string(b), "model bytes"); });
}

}  // namespace ember::py
