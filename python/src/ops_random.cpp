// Bindings of random sampling: ember.Generator, the default generator and its
// seeding/state functions, the random factories (rand, randn, randint,
// randperm, normal, ...) and the in-place samplers as Tensor methods. Every
// sampler takes `generator=`; None means the default generator.
#include <cstring>

#include "bind.h"
#include "ember/autograd/grad_mode.h"

namespace ember::py {

namespace {

using GenPtr = std::shared_ptr<Generator>;

// torch accepts seeds in [-2^63, 2^64): negative ones wrap to uint64.
uint64_t seed_from_object(py::handle o) {
  if (!PyLong_Check(o.ptr()))
    throw Error(ErrorKind::Runtime, std::string("manual_seed expected a long, but got ") + Py_TYPE(o.ptr())->tp_name);
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o.ptr(), &overflow);
  if (!overflow) return uint64_t(v);
  unsigned long long u = PyLong_AsUnsignedLongLong(o.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    throw Error(ErrorKind::Runtime, "Overflow when unpacking long");
  }
  return uint64_t(u);
}

Tensor state_tensor(const std::vector<uint8_t>& bytes) {
  Tensor t = empty({int64_t(bytes.size())}, Dtype::UInt8);
  std::memcpy(t.raw_data(), bytes.data(), bytes.size());
  return t;
}

std::vector<uint8_t> state_bytes(py::handle o) {
  if (!is_tensor(o.ptr()) || unwrap(o.ptr()).dtype() != Dtype::UInt8)
    throw py::type_error("RNG state must be a torch.ByteTensor");
  Tensor t = contiguous(unwrap(o.ptr()));
  const uint8_t* p = static_cast<const uint8_t*>(t.raw_data());
  return std::vector<uint8_t>(p, p + t.numel());
}

// The Python object of the default generator (one object, so identity holds).
py::object& default_generator_object() {
  static py::object* o = new py::object();
  return *o;
}

// `generator=` of an overload whose only other argument is self: pybind11 never
// retries such an overload with conversions, so None would not load as a
// Generator*; these take the object and convert it here.
Generator* gen_arg(const py::object& o) {
  if (o.is_none()) return nullptr;
  if (!py::isinstance<Generator>(o))
    throw py::type_error(std::string("generator must be an ember.Generator, not ") + Py_TYPE(o.ptr())->tp_name);
  return o.cast<Generator*>();
}

Shape size_arg(const py::args& args, const py::object& size, const char* op) {
  if (!size.is_none()) {
    if (args.size() != 0) throw py::type_error(std::string(op) + "() got multiple values for argument 'size'");
    return shape_from_args(py::make_tuple(size), op);
  }
  return shape_from_args(args, op);
}

// The options every factory accepts; `out` (when given) is filled in place instead.
struct Opts {
  std::optional<Dtype> dtype;
  std::optional<Device> device;
  bool requires_grad = false;
};

Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.requires_grad_(true);
  return t;
}

// out= support: the result must already have the requested shape (no resizing yet).
std::optional<Tensor> out_tensor(const py::object& out, const Shape& shape, const char* op) {
  if (out.is_none()) return std::nullopt;
  if (!is_tensor(out.ptr())) throw py::type_error(std::string(op) + "(): argument 'out' must be Tensor");
  Tensor t = unwrap(out.ptr());
  if (t.sizes() != shape)
    EMBER_NOT_SUPPORTED(op, "out= with a tensor of shape ", shape_str(t.sizes()), " for a result of shape ",
                        shape_str(shape), " (resizing out is not supported yet)");
  return t;
}

// out= for samplers that compute a fresh result: it is copied into out (same shape required).
Tensor into_out(const Tensor& result, const py::object& out, const char* op) {
  auto o = out_tensor(out, result.sizes(), op);
  if (!o) return result;
  EMBER_CHECK(o->dtype() == result.dtype(), op, "expected out to have dtype ", dtype_name(result.dtype()), " but got ",
              dtype_name(o->dtype()));
  autograd::NoGradGuard ng;
  copy_(*o, result);
  return *o;
}

#define EMBER_FACTORY_KW                                                                                     \
  py::kw_only(), py::arg("generator") = py::none(), py::arg("out") = py::none(), py::arg("dtype") = py::none(), \
      py::arg("layout") = py::none(), py::arg("device") = py::none(), py::arg("pin_memory") = false,             \
      py::arg("requires_grad") = false

// rand(*size, ...), randn(*size, ...): a floating fill of a fresh tensor (or of out=).
template <class Fill> void def_float_factory(py::module_& m, const char* name, Fill fill) {
  def_fn(m, name, [name, fill](py::args args, py::object size, Generator* gen, py::object out, std::optional<Dtype> dtype,
                           py::object, std::optional<Device> device, bool, bool requires_grad) {
        if (device) check_device_available(*device, name);
        Shape shape = size_arg(args, size, name);
        if (auto o = out_tensor(out, shape, name)) {
          autograd::NoGradGuard ng;
          fill(*o, gen);
          return finish(*o, requires_grad);
        }
        Tensor t = empty(shape, dtype.value_or(default_dtype()));
        {
          autograd::NoGradGuard ng;
          fill(t, gen);
        }
        return finish(t, requires_grad);
      },
      py::kw_only(), py::arg("size") = py::none(), py::arg("generator") = py::none(), py::arg("out") = py::none(),
      py::arg("dtype") = py::none(), py::arg("layout") = py::none(), py::arg("device") = py::none(),
      py::arg("pin_memory") = false, py::arg("requires_grad") = false);
}

template <class Fill> void def_like_factory(py::module_& m, const char* name, Fill fill) {
  def_fn(m, name, [name, fill](const Tensor& t, std::optional<Dtype> dtype, py::object, std::optional<Device> device,
                           bool requires_grad, py::object, Generator* gen) {
        if (device) check_device_available(*device, name);
        Tensor r = empty_like(t, dtype);
        {
          autograd::NoGradGuard ng;
          fill(r, gen);
        }
        return finish(r, requires_grad);
      },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("layout") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false, py::arg("memory_format") = py::none(),
      py::arg("generator") = py::none());
}

Tensor randint_impl(int64_t low, int64_t high, const Shape& size, Generator* gen, const py::object& out,
                    std::optional<Dtype> dtype, std::optional<Device> device, bool requires_grad) {
  if (device) check_device_available(*device, "randint");
  if (auto o = out_tensor(out, size, "randint")) {
    autograd::NoGradGuard ng;
    random_(*o, low, high, gen);
    return finish(*o, requires_grad);
  }
  return finish(randint(low, high, size, dtype.value_or(Dtype::Int64), gen), requires_grad);
}

}  // namespace

EMBER_BINDINGS(random, 20) {
  // ---- Generator
  py::class_<Generator, GenPtr> gen_cls(m, "Generator");
  gen_cls
      .def(py::init([](std::optional<Device> device) {
             if (device) check_device_available(*device, "Generator");
             return std::make_shared<Generator>();
           }),
           py::arg("device") = py::none())
      .def("manual_seed", [](py::object self, py::handle seed) {
             self.cast<Generator&>().manual_seed(seed_from_object(seed));
             return self;
           }, py::arg("seed"))
      .def("seed", [](Generator& g) { return g.seed(); })
      .def("initial_seed", [](const Generator& g) { return g.initial_seed(); })
      .def("get_state", [](const Generator& g) { return state_tensor(g.get_state()); })
      .def("set_state", [](py::object self, py::handle state) {
             self.cast<Generator&>().set_state(state_bytes(state));
             return self;
           }, py::arg("new_state"))
      .def_property_readonly("device", [](const Generator&) { return Device(); })
      .def("__repr__", [](const Generator& g) { return "<ember.Generator object at " + std::to_string(uintptr_t(&g)) + ">"; });

  auto& dflt = default_generator_object();
  dflt = py::cast(GenPtr(&default_generator(), [](Generator*) {}));  // never freed: a process-wide singleton
  m.attr("default_generator") = dflt;

  // ---- default generator (torch.manual_seed and friends)
  m.def("manual_seed", [](py::handle seed) {
    // like torch: anything int() accepts ("3", 1.5) becomes an int first
    py::object as_int = py::reinterpret_steal<py::object>(PyNumber_Long(seed.ptr()));
    if (!as_int) throw py::error_already_set();
    default_generator().manual_seed(seed_from_object(as_int));
    return default_generator_object();
  }, py::arg("seed"));
  m.def("seed", [] { return default_generator().seed(); });
  m.def("initial_seed", [] { return default_generator().initial_seed(); });
  m.def("get_rng_state", [] { return state_tensor(default_generator().get_state()); });
  m.def("set_rng_state", [](py::handle state) { default_generator().set_state(state_bytes(state)); },
        py::arg("new_state"));

  // ---- factories
  def_float_factory(m, "rand", [](Tensor& t, Generator* g) { uniform_(t, 0, 1, g); });
  def_float_factory(m, "randn", [](Tensor& t, Generator* g) { normal_(t, 0, 1, g); });
  def_like_factory(m, "rand_like", [](Tensor& t, Generator* g) { uniform_(t, 0, 1, g); });
  def_like_factory(m, "randn_like", [](Tensor& t, Generator* g) { normal_(t, 0, 1, g); });

  m.def("randint", [](int64_t high, IntList size, Generator* gen, py::object out, std::optional<Dtype> dtype, py::object,
                      std::optional<Device> device, bool, bool requires_grad) {
        return randint_impl(0, high, Shape(size.begin(), size.end()), gen, out, dtype, device, requires_grad);
      }, py::arg("high"), py::arg("size"), EMBER_FACTORY_KW);
  m.def("randint", [](int64_t low, int64_t high, IntList size, Generator* gen, py::object out, std::optional<Dtype> dtype,
                      py::object, std::optional<Device> device, bool, bool requires_grad) {
        return randint_impl(low, high, Shape(size.begin(), size.end()), gen, out, dtype, device, requires_grad);
      }, py::arg("low"), py::arg("high"), py::arg("size"), EMBER_FACTORY_KW);
  auto randint_like_impl = [](const Tensor& t, int64_t low, int64_t high, std::optional<Dtype> dtype,
                              std::optional<Device> device, bool requires_grad, Generator* gen) {
    if (device) check_device_available(*device, "randint_like");
    autograd::NoGradGuard ng;
    return finish(randint_like(t, low, high, dtype, gen), requires_grad);
  };
  m.def("randint_like", [randint_like_impl](const Tensor& t, int64_t high, std::optional<Dtype> dtype, py::object,
                                            std::optional<Device> device, bool requires_grad, py::object, Generator* gen) {
        return randint_like_impl(t, 0, high, dtype, device, requires_grad, gen);
      }, py::arg("input"), py::arg("high"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("layout") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false, py::arg("memory_format") = py::none(),
      py::arg("generator") = py::none());
  m.def("randint_like", [randint_like_impl](const Tensor& t, int64_t low, int64_t high, std::optional<Dtype> dtype,
                                            py::object, std::optional<Device> device, bool requires_grad, py::object,
                                            Generator* gen) {
        return randint_like_impl(t, low, high, dtype, device, requires_grad, gen);
      }, py::arg("input"), py::arg("low"), py::arg("high"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("layout") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false,
      py::arg("memory_format") = py::none(), py::arg("generator") = py::none());

  m.def("randperm", [](int64_t n, Generator* gen, py::object out, std::optional<Dtype> dtype, py::object,
                       std::optional<Device> device, bool, bool requires_grad) {
        if (device) check_device_available(*device, "randperm");
        Tensor r = randperm(n, dtype.value_or(Dtype::Int64), gen);
        if (auto o = out_tensor(out, {n}, "randperm")) {
          copy_(*o, r);
          return finish(*o, requires_grad);
        }
        return finish(r, requires_grad);
      }, py::arg("n"), EMBER_FACTORY_KW);

  // normal: tensor/number mean and std in every combination; numbers need a size.
  m.def("normal", [](const Tensor& mean, const Tensor& std, Generator* gen, py::object out) {
          return into_out(normal(mean, std, gen), out, "normal");
        },
        py::arg("mean"), py::arg("std"), py::kw_only(), py::arg("generator") = py::none(), py::arg("out") = py::none());
  m.def("normal", [](const Tensor& mean, double std, Generator* gen, py::object out) {
          return into_out(normal(mean, std, gen), out, "normal");
        },
        py::arg("mean"), py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none(),
        py::arg("out") = py::none());
  m.def("normal", [](double mean, const Tensor& std, Generator* gen, py::object out) {
          return into_out(normal(mean, std, gen), out, "normal");
        },
        py::arg("mean"), py::arg("std"), py::kw_only(), py::arg("generator") = py::none(), py::arg("out") = py::none());
  m.def("normal", [](double mean, double std, IntList size, Generator* gen, py::object out, std::optional<Dtype> dtype,
                     py::object, std::optional<Device> device, bool, bool requires_grad) {
        if (device) check_device_available(*device, "normal");
        Shape shape(size.begin(), size.end());
        if (auto o = out_tensor(out, shape, "normal")) {
          autograd::NoGradGuard ng;
          normal_(*o, mean, std, gen);
          return finish(*o, requires_grad);
        }
        return finish(normal(mean, std, shape, dtype.value_or(default_dtype()), gen), requires_grad);
      }, py::arg("mean"), py::arg("std"), py::arg("size"), EMBER_FACTORY_KW);

  def_both(m, "bernoulli", [](const Tensor& t, py::object gen, py::object out) {
    return into_out(bernoulli(t, gen_arg(gen)), out, "bernoulli");
  }, py::kw_only(),
           py::arg("generator") = py::none(), py::arg("out") = py::none());
  def_both(m, "bernoulli", [](const Tensor& t, double p, Generator* gen) { return bernoulli(t, p, gen); }, py::arg("p"),
           py::kw_only(), py::arg("generator") = py::none());
  def_both(m, "multinomial", [](const Tensor& t, int64_t n, bool replacement, Generator* gen, py::object out) {
    return into_out(multinomial(t, n, replacement, gen), out, "multinomial");
  }, py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(), py::arg("generator") = py::none(),
     py::arg("out") = py::none());
  m.def("poisson", [](const Tensor& t, Generator* gen) { return poisson(t, gen); }, py::arg("input"),
        py::arg("generator") = py::none());

  // ---- in-place samplers (Tensor methods)
  def_method("uniform_", [](Tensor& t, double from, double to, Generator* gen) { return uniform_(t, from, to, gen); },
             py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  def_method("normal_", [](Tensor& t, double mean, double std, Generator* gen) { return normal_(t, mean, std, gen); },
             py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  def_method("bernoulli_", [](Tensor& t, const Tensor& p, Generator* gen) { return bernoulli_(t, p, gen); },
             py::arg("p"), py::kw_only(), py::arg("generator") = py::none());
  def_method("bernoulli_", [](Tensor& t, double p, Generator* gen) { return bernoulli_(t, p, gen); },
             py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none());
  // random_(), random_(from, to), random_(to): three signatures as in torch.
  def_method("random_", [](Tensor& t, py::object gen) { return random_(t, gen_arg(gen)); }, py::kw_only(),
             py::arg("generator") = py::none());
  def_method("random_", [](Tensor& t, int64_t from, std::optional<int64_t> to, Generator* gen) {
    return random_(t, from, to, gen);
  }, py::arg("from"), py::arg("to"), py::kw_only(), py::arg("generator") = py::none());
  def_method("random_", [](Tensor& t, int64_t to, Generator* gen) { return random_(t, 0, to, gen); }, py::arg("to"),
             py::kw_only(), py::arg("generator") = py::none());
  def_method("exponential_", [](Tensor& t, double lambd, Generator* gen) { return exponential_(t, lambd, gen); },
             py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  def_method("cauchy_", [](Tensor& t, double median, double sigma, Generator* gen) {
    return cauchy_(t, median, sigma, gen);
  }, py::arg("median") = 0.0, py::arg("sigma") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  def_method("log_normal_", [](Tensor& t, double mean, double std, Generator* gen) {
    return log_normal_(t, mean, std, gen);
  }, py::arg("mean") = 1.0, py::arg("std") = 2.0, py::kw_only(), py::arg("generator") = py::none());
  def_method("geometric_", [](Tensor& t, double p, Generator* gen) { return geometric_(t, p, gen); }, py::arg("p"),
             py::kw_only(), py::arg("generator") = py::none());
}

}  // namespace ember::py
