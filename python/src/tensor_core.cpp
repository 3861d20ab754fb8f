// Tensor attributes, conversions and creation functions.
#include <pybind11/numpy.h>

#include "bind.h"
#include "ember/autograd/function.h"
#include "ember/core/allocator.h"
#include "ember/core/parallel.h"

namespace ember::py {

py::array to_numpy(const Tensor& t, py::handle base);

namespace {

// Nested lists read straight from strided memory (no per-element tensors).
py::object tolist_rec(const Tensor& t, int64_t dim, const char* p) {
  if (dim == t.dim()) {
    return visit_dtype(t.dtype(), [&](auto tag) -> py::object {
      using T = typename decltype(tag)::type;
      return py::reinterpret_steal<py::object>(scalar_to_object(Scalar(*reinterpret_cast<const T*>(p))));
    });
  }
  int64_t n = t.sizes()[dim], step = t.strides()[dim] * int64_t(t.element_size());
  py::list l(n);
  for (int64_t i = 0; i < n; ++i) l[i] = tolist_rec(t, dim + 1, p + i * step);
  return std::move(l);
}
py::object tolist_rec(const Tensor& t) { return tolist_rec(t, 0, static_cast<const char*>(t.raw_data())); }

Tensor to_impl(const Tensor& t, std::optional<Device> device, std::optional<Dtype> dtype, bool copy) {
  if (device) check_device_available(*device, "to");
  Dtype d = dtype.value_or(t.dtype());
  if (d == t.dtype()) return copy ? clone(t) : t;
  return to_dtype(t, d, copy);
}

// Creation functions accept `size` as varargs or one sequence, plus torch's keyword options.
// `f(2, 3)`, `f((2, 3))` or `f(size=(2, 3))`.
Shape size_from(const py::args& args, const py::object& size, const char* op) {
  if (size.is_none()) return shape_from_args(args, op);
  if (args.size() != 0) throw py::type_error(std::string(op) + "() got multiple values for argument 'size'");
  return shape_from_args(py::make_tuple(size), op);
}

template <class F> void def_creation(py::module_& m, const char* name, F make) {
  def_fn(m, name, [name, make](py::args args, py::object size, std::optional<Dtype> dtype, std::optional<Device> device,
                               bool requires_grad, py::object, py::object, py::object) {
        if (device) check_device_available(*device, name);
        Tensor t = make(size_from(args, size, name), dtype.value_or(default_dtype()));
        if (requires_grad) t.requires_grad_(true);
        return t;
      },
      py::kw_only(), py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false, py::arg("layout") = py::none(), py::arg("pin_memory") = false,
      py::arg("out") = py::none());
}

template <class F> void def_like(py::module_& m, const char* name, F make) {
  def_fn(m, name, [name, make](const Tensor& t, std::optional<Dtype> dtype, std::optional<Device> device, bool requires_grad,
                           py::object, py::object) {
        if (device) check_device_available(*device, name);
        Tensor r = make(t, dtype.value_or(t.dtype()));
        if (requires_grad) r.requires_grad_(true);
        return r;
      },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false, py::arg("layout") = py::none(), py::arg("memory_format") = py::none());
}

}  // namespace

EMBER_BINDINGS(tensor_core, 1) {
  // ---- geometry
  def_property("shape", [](const Tensor& t) { return py::reinterpret_steal<py::object>(size_object(t.sizes())); });
  def_method("size", [](const Tensor& t, std::optional<int64_t> dim) -> py::object {
    if (dim) return py::int_(t.size(*dim));
    return py::reinterpret_steal<py::object>(size_object(t.sizes()));
  }, py::arg("dim") = py::none());
  def_method("stride", [](const Tensor& t, std::optional<int64_t> dim) -> py::object {
    if (dim) return py::int_(t.stride(*dim));
    py::tuple r(t.dim());
    for (int64_t i = 0; i < t.dim(); ++i) r[i] = t.strides()[i];
    return std::move(r);
  }, py::arg("dim") = py::none());
  def_property("dtype", [](const Tensor& t) { return t.dtype(); });
  def_property("device", [](const Tensor& t) { return t.device(); });
  def_property("ndim", [](const Tensor& t) { return t.dim(); });
  def_property("is_cuda", [](const Tensor& t) { return t.device().is_cuda(); });
  def_property("is_cpu", [](const Tensor& t) { return t.device().is_cpu(); });
  def_property("is_sparse", [](const Tensor&) { return false; });
  def_property("is_quantized", [](const Tensor&) { return false; });
  def_property("is_meta", [](const Tensor&) { return false; });
  def_property("layout", [](const Tensor&) { return py::module_::import("ember").attr("strided"); });
  def_property("itemsize", [](const Tensor& t) { return t.element_size(); });
  def_property("nbytes", [](const Tensor& t) { return t.nbytes(); });
  def_method("dim", [](const Tensor& t) { return t.dim(); });
  def_method("ndimension", [](const Tensor& t) { return t.dim(); });
  def_method("numel", [](const Tensor& t) { return t.numel(); });
  def_method("nelement", [](const Tensor& t) { return t.numel(); });
  m.def("numel", [](const Tensor& t) { return t.numel(); }, py::arg("input"));
  def_method("element_size", [](const Tensor& t) { return t.element_size(); });
  def_method("storage_offset", [](const Tensor& t) { return t.storage_offset(); });
  def_method("is_contiguous", [](const Tensor& t, py::object) { return t.is_contiguous(); }, py::arg("memory_format") = py::none());
  def_method("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); });
  m.def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); }, py::arg("input"));
  def_method("is_complex", [](const Tensor&) { return false; });
  m.def("is_complex", [](const Tensor&) { return false; }, py::arg("input"));
  def_method("is_signed", [](const Tensor& t) { return is_signed(t.dtype()); });
  m.def("is_tensor", [](py::handle o) { return is_tensor(o.ptr()); }, py::arg("obj"));
  def_method("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw_data()); });
  def_method("get_device", [](const Tensor& t) { return t.device().is_cpu() ? -1 : int(t.device().index); });
  def_method("__len__", [](const Tensor& t) {
    if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
    return t.size(0);
  });
  def_method("_version", [](const Tensor& t) { return t.version(); });
  def_method("_is_view", [](const Tensor& t) {
    auto* m = autograd::meta_if(t);
    return m && m->is_view();
  });
  def_property("_base", [](const Tensor& t) {
    auto* m = autograd::meta_if(t);
    return m && m->is_view() ? m->base : Tensor();
  });

  // ---- values
  def_method("item", [](const Tensor& t) {
    EMBER_CHECK_VALUE(t.numel() == 1, "item", "only one element tensors can be converted to Python scalars (got ",
                      t.numel(), " elements)");
    return t.item();
  });
  def_method("tolist", [](const Tensor& t) { return tolist_rec(t); });
  def_method("__bool__", [](const Tensor& t) {
    EMBER_CHECK(t.numel() == 1, "bool", "Boolean value of Tensor with more than one value is ambiguous");
    return t.item().to_bool();
  });
  def_method("__float__", [](const Tensor& t) {
    EMBER_CHECK(t.numel() == 1, "float", "only one element tensors can be converted to Python scalars");
    return t.item().to_double();
  });
  def_method("__int__", [](const Tensor& t) {
    EMBER_CHECK(t.numel() == 1, "int", "only one element tensors can be converted to Python scalars");
    return t.item().to_int();
  });
  def_method("__index__", [](const Tensor& t) {
    EMBER_CHECK_TYPE(t.numel() == 1 && !is_floating(t.dtype()) && t.dtype() != Dtype::Bool, "__index__",
                     "only integer tensors of a single element can be converted to an index");
    return t.item().to_int();
  });
  def_method("__array__", [](py::handle self, py::object dtype) {
    const Tensor& t = unwrap(self.ptr());
    py::array a = to_numpy(t.detach(), self);
    if (!dtype.is_none()) return py::array(a.attr("astype")(dtype));
    return a;
  }, py::arg("dtype") = py::none());

  // ---- conversion
  def_method("contiguous", [](const Tensor& t, py::object) { return contiguous(t); }, py::arg("memory_format") = py::none());
  def_both(m, "clone", [](const Tensor& t, py::object) { return clone(t); }, py::kw_only(), py::arg("memory_format") = py::none());
  def_method("copy_", [](Tensor& t, const Tensor& src, bool) { return copy_(t, src); }, py::arg("src"), py::arg("non_blocking") = false);
  def_method("to", [](const Tensor& t, std::optional<Dtype> dtype, bool, bool copy, py::object) {
    return to_impl(t, std::nullopt, dtype, copy);
  }, py::arg("dtype"), py::arg("non_blocking") = false, py::arg("copy") = false, py::arg("memory_format") = py::none());
  def_method("to", [](const Tensor& t, std::optional<Device> device, std::optional<Dtype> dtype, bool, bool copy, py::object) {
    return to_impl(t, device, dtype, copy);
  }, py::arg("device") = py::none(), py::arg("dtype") = py::none(), py::arg("non_blocking") = false,
     py::arg("copy") = false, py::arg("memory_format") = py::none());
  def_method("to", [](const Tensor& t, const Tensor& other, bool, bool copy) {
    return to_impl(t, other.device(), other.dtype(), copy);
  }, py::arg("other"), py::arg("non_blocking") = false, py::arg("copy") = false);
  def_method("type", [](const Tensor& t, py::object dtype, bool) -> py::object {
    if (dtype.is_none()) {
      static const char* names[] = {"ember.FloatTensor", "ember.DoubleTensor", "ember.HalfTensor", "ember.BFloat16Tensor",
                                    "ember.CharTensor",  "ember.ShortTensor",  "ember.IntTensor",  "ember.LongTensor",
                                    "ember.ByteTensor",  "ember.BoolTensor"};
      return py::str(names[int(t.dtype())]);
    }
    Dtype d;
    if (!dtype_from_object(dtype.ptr(), d)) throw py::type_error("type(): invalid dtype");
    return py::cast(to_dtype(t, d));
  }, py::arg("dtype") = py::none(), py::arg("non_blocking") = false);
  def_method("type_as", [](const Tensor& t, const Tensor& o) { return to_dtype(t, o.dtype()); }, py::arg("other"));
  def_method("cpu", [](const Tensor& t, py::object) { return t; }, py::arg("memory_format") = py::none());
  def_method("cuda", [](const Tensor&, py::object, bool, py::object) -> Tensor {
    check_device_available(Device(DeviceType::CUDA), "cuda");
    return Tensor();
  }, py::arg("device") = py::none(), py::arg("non_blocking") = false, py::arg("memory_format") = py::none());
  def_method("pin_memory", [](const Tensor& t) { return t; });
  def_method("is_pinned", [](const Tensor&) { return false; });
  def_method("share_memory_", [](const Tensor& t) { return t; });
  def_method("is_shared", [](const Tensor&) { return false; });
  struct Conv { const char* name; Dtype d; };
  for (Conv c : {Conv{"float", Dtype::Float32}, Conv{"double", Dtype::Float64}, Conv{"half", Dtype::Float16},
                 Conv{"bfloat16", Dtype::BFloat16}, Conv{"char", Dtype::Int8}, Conv{"short", Dtype::Int16},
                 Conv{"int", Dtype::Int32}, Conv{"long", Dtype::Int64}, Conv{"byte", Dtype::UInt8}, Conv{"bool", Dtype::Bool}}) {
    Dtype d = c.d;
    def_method(c.name, [d](const Tensor& t, py::object) { return to_dtype(t, d); }, py::arg("memory_format") = py::none());
  }

  // ---- creation
  def_creation(m, "zeros", [](const Shape& s, Dtype d) { return zeros(s, d); });
  def_creation(m, "ones", [](const Shape& s, Dtype d) { return ones(s, d); });
  def_creation(m, "empty", [](const Shape& s, Dtype d) { return empty(s, d); });
  m.def("full", [](py::object size, const Scalar& value, std::optional<Dtype> dtype, std::optional<Device> device,
                   bool requires_grad, py::object, py::object, py::object) {
        if (device) check_device_available(*device, "full");
        // torch.full wants a sequence: full(2, 3) is a TypeError, full((2,), 3) is not.
        if (!PySequence_Check(size.ptr()) || is_tensor(size.ptr()))
          throw py::type_error(std::string("full(): argument 'size' (position 1) must be tuple of ints, not ") +
                               Py_TYPE(size.ptr())->tp_name);
        Tensor t = full(shape_from_args(py::make_tuple(size), "full"), value, dtype);
        if (requires_grad) t.requires_grad_(true);
        return t;
      }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false, py::arg("layout") = py::none(),
      py::arg("pin_memory") = false, py::arg("out") = py::none());
  def_like(m, "zeros_like", [](const Tensor& t, Dtype d) { return zeros_like(t, d); });
  def_like(m, "ones_like", [](const Tensor& t, Dtype d) { return ones_like(t, d); });
  def_like(m, "empty_like", [](const Tensor& t, Dtype d) { return empty_like(t, d); });
  m.def("full_like", [](const Tensor& t, const Scalar& v, std::optional<Dtype> dtype, std::optional<Device> device,
                        bool requires_grad, py::object, py::object) {
        if (device) check_device_available(*device, "full_like");
        Tensor r = full_like(t, v, dtype);
        if (requires_grad) r.requires_grad_(true);
        return r;
      }, py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false, py::arg("layout") = py::none(),
      py::arg("memory_format") = py::none());
  def_method("new_zeros", [](const Tensor& t, py::args args, py::object size, std::optional<Dtype> dtype, std::optional<Device>, bool rg) {
    Tensor r = zeros(size_from(args, size, "new_zeros"), dtype.value_or(t.dtype()));
    if (rg) r.requires_grad_(true);
    return r;
  }, py::kw_only(), py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false);
  def_method("new_ones", [](const Tensor& t, py::args args, py::object size, std::optional<Dtype> dtype, std::optional<Device>, bool rg) {
    Tensor r = ones(size_from(args, size, "new_ones"), dtype.value_or(t.dtype()));
    if (rg) r.requires_grad_(true);
    return r;
  }, py::kw_only(), py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false);
  def_method("new_empty", [](const Tensor& t, py::args args, py::object size, std::optional<Dtype> dtype, std::optional<Device>, bool rg) {
    Tensor r = empty(size_from(args, size, "new_empty"), dtype.value_or(t.dtype()));
    if (rg) r.requires_grad_(true);
    return r;
  }, py::kw_only(), py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false);
  def_method("new_full", [](const Tensor& t, IntList size, const Scalar& v, std::optional<Dtype> dtype, std::optional<Device>, bool rg) {
    Tensor r = full(Shape(size.begin(), size.end()), v, dtype.value_or(t.dtype()));
    if (rg) r.requires_grad_(true);
    return r;
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false);
  def_method("new_tensor", [](const Tensor& t, py::handle data, std::optional<Dtype> dtype, std::optional<Device>, bool rg) {
    Tensor r = tensor_from_data(data.ptr(), dtype.value_or(t.dtype()));
    if (rg) r.requires_grad_(true);
    return r;
  }, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);

  // arange(end), arange(start, end, step=1); start and end may also come as keywords.
  auto arange_impl = [](const Scalar& start, const Scalar& end, const Scalar& step, std::optional<Dtype> dtype,
                        std::optional<Device> device, bool requires_grad) {
    if (device) check_device_available(*device, "arange");
    Tensor t = arange(start, end, step, dtype);
    if (requires_grad) t.requires_grad_(true);
    return t;
  };
  m.def("arange", [arange_impl](const Scalar& end, std::optional<Dtype> dtype, std::optional<Device> device,
                                bool requires_grad, py::object, py::object) {
        return arange_impl(Scalar(int64_t(0)), end, Scalar(int64_t(1)), dtype, device, requires_grad);
      }, py::arg("end"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false, py::arg("layout") = py::none(), py::arg("out") = py::none());
  m.def("arange", [arange_impl](const Scalar& start, const Scalar& end, const Scalar& step, std::optional<Dtype> dtype,
                                std::optional<Device> device, bool requires_grad, py::object, py::object) {
        return arange_impl(start, end, step, dtype, device, requires_grad);
      }, py::arg("start"), py::arg("end"), py::arg("step") = 1, py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false, py::arg("layout") = py::none(),
      py::arg("out") = py::none());
  m.def("linspace", [](const Scalar& start, const Scalar& end, int64_t steps, std::optional<Dtype> dtype,
                       std::optional<Device> device, bool requires_grad) {
        if (device) check_device_available(*device, "linspace");
        Tensor t = linspace(start, end, steps, dtype);
        if (requires_grad) t.requires_grad_(true);
        return t;
      }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("logspace", [](const Scalar& start, const Scalar& end, int64_t steps, double base, std::optional<Dtype> dtype,
                       std::optional<Device> device, bool requires_grad) {
        if (device) check_device_available(*device, "logspace");
        Tensor t = logspace(start, end, steps, base, dtype);
        if (requires_grad) t.requires_grad_(true);
        return t;
      }, py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("base") = 10.0, py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("eye", [](int64_t n, std::optional<int64_t> mm, std::optional<Dtype> dtype, std::optional<Device> device, bool requires_grad) {
        if (device) check_device_available(*device, "eye");
        Tensor t = eye(n, mm, dtype.value_or(default_dtype()));
        if (requires_grad) t.requires_grad_(true);
        return t;
      }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("scalar_tensor", [](const Scalar& s, std::optional<Dtype> dtype, std::optional<Device>, bool rg) {
        check_scalar_fits(s, dtype.value_or(default_dtype()), "scalar_tensor");
        Tensor t = scalar_tensor(s, dtype.value_or(default_dtype()));
        if (rg) t.requires_grad_(true);
        return t;
      }, py::arg("s"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
  def_method("fill_", [](Tensor& t, TensorLike v) {
    if (is_wrapped_number(v.t)) return fill_(t, v.t.item());
    return fill_(t, v.t);
  }, py::arg("value"));
  def_method("zero_", [](Tensor& t) { return zero_(t); });

  // ---- threads and memory
  m.def("set_num_threads", [](int n) { set_num_threads(n); }, py::arg("int"));
  m.def("get_num_threads", [] { return get_num_threads(); });
  m.def("set_num_interop_threads", [](int) {});
  m.def("get_num_interop_threads", [] { return 1; });
  m.def("_allocator_stats", [] {
    auto s = cpu_allocator::stats();
    py::dict d;
    d["allocated_bytes"] = s.allocated_bytes;
    d["cached_bytes"] = s.cached_bytes;
    d["peak_allocated_bytes"] = s.peak_allocated_bytes;
    d["num_allocs"] = s.num_allocs;
    d["num_cache_hits"] = s.num_cache_hits;
    return d;
  });
  m.def("_empty_cache", [] { cpu_allocator::empty_cache(); });
  // torch's ScalarType name ("Float", "Long"), for messages written in Python.
  m.def("_scalar_type_name", [](Dtype d) { return std::string(scalar_type_name(d)); });
  m.def("_cuda_is_available", [] { return cuda_is_available(); });
}

}  // namespace ember::py
