// Bindings of statistics, distances and small constructors (ops/stats_api.cpp, ops/window_api.cpp).
#include "bind.h"
#include "ember/ops/tensorapi.h"

namespace ember::py {

namespace {

// Creation options torch's factories take: dtype (the default when None), device, requires_grad.
Tensor finish(Tensor t, std::optional<Device> device, bool requires_grad, const char* op) {
  if (device) check_device_available(*device, op);
  if (requires_grad) t.requires_grad_(true);
  return t;
}

TensorList tensor_args(const py::args& args) {
  // torch accepts f(a, b, ...) and f([a, b, ...])
  if (args.size() == 1 && (py::isinstance<py::list>(args[0]) || py::isinstance<py::tuple>(args[0])))
    return args[0].cast<TensorList>();
  return args.cast<TensorList>();
}

// torch's UserWarning when cov (or corrcoef) has no degrees of freedom left: it then divides by zero
void warn_degrees_of_freedom(const Tensor& t, int64_t correction, const std::optional<Tensor>& fw,
                             const std::optional<Tensor>& aw) {
  if (cov_degrees_of_freedom(t, correction, fw, aw) > 0) return;
  if (PyErr_WarnEx(PyExc_UserWarning, "cov(): degrees of freedom is <= 0", 1) < 0) throw py::error_already_set();
}

py::object named_pair(const char* type, const std::pair<Tensor, Tensor>& p) {
  return py::module_::import("ember.return_types").attr(type)(p.first, p.second);
}

}  // namespace

EMBER_BINDINGS(tensorapi_stats, 50) {
  def_both(m, "dist", [](const Tensor& a, const Tensor& b, const Scalar& p) { return dist(a, b, p); }, py::arg("other"),
           py::arg("p") = 2);
  def_both(m, "cov", [](const Tensor& t, int64_t correction, std::optional<Tensor> fw, std::optional<Tensor> aw) {
    warn_degrees_of_freedom(t, correction, fw, aw);
    return cov(t, correction, fw, aw);
  }, py::kw_only(), py::arg("correction") = 1, py::arg("fweights") = py::none(), py::arg("aweights") = py::none());
  def_both(m, "corrcoef", [](const Tensor& t) {
    if (t.dim() <= 2 && t.dtype() != Dtype::Bool) warn_degrees_of_freedom(t, 1, std::nullopt, std::nullopt);
    return corrcoef(t);
  });
  def_both(m, "renorm", [](const Tensor& t, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
    return renorm(t, p, dim, maxnorm);
  }, py::arg("p"), py::arg("dim"), py::arg("maxnorm"));
  def_method("renorm_", [](Tensor& t, const Scalar& p, int64_t dim, const Scalar& maxnorm) {
    return renorm_(t, p, dim, maxnorm);
  }, py::arg("p"), py::arg("dim"), py::arg("maxnorm"));

  m.def("cdist", [](const Tensor& x1, const Tensor& x2, double p, const std::string& mode) { return cdist(x1, x2, p, mode); },
        py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0, py::arg("compute_mode") = "use_mm_for_euclid_dist_if_necessary",
        nogil());
  m.def("pdist", [](const Tensor& t, double p) { return pdist(t, p); }, py::arg("input"), py::arg("p") = 2.0, nogil());
  m.def("cosine_similarity", [](const Tensor& a, const Tensor& b, int64_t dim, double eps) {
    return cosine_similarity(a, b, dim, eps);
  }, py::arg("x1"), py::arg("x2"), py::arg("dim") = 1, py::arg("eps") = 1e-8);
  m.def("pairwise_distance", [](const Tensor& a, const Tensor& b, double p, double eps, bool keepdim) {
    return pairwise_distance(a, b, p, eps, keepdim);
  }, py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0, py::arg("eps") = 1e-6, py::arg("keepdim") = false);

  m.def("cartesian_prod", [](py::args args) { return cartesian_prod(tensor_args(args)); });
  m.def("block_diag", [](py::args args) { return block_diag(tensor_args(args)); });
  m.def("combinations", [](const Tensor& t, int64_t r, bool with_replacement) { return combinations(t, r, with_replacement); },
        py::arg("input"), py::arg("r") = 2, py::arg("with_replacement") = false);
  for (bool lower : {true, false}) {
    m.def(lower ? "tril_indices" : "triu_indices", [lower](int64_t row, int64_t col, int64_t offset, std::optional<Dtype> dtype,
                                                          std::optional<Device> device, py::object) {
      Dtype d = dtype.value_or(Dtype::Int64);
      return finish(lower ? tril_indices(row, col, offset, d) : triu_indices(row, col, offset, d), device, false,
                    "tril_indices");
    }, py::arg("row"), py::arg("col"), py::arg("offset") = 0, py::kw_only(), py::arg("dtype") = py::none(),
       py::arg("device") = py::none(), py::arg("layout") = py::none());
  }
  m.def("vander", [](const Tensor& x, std::optional<int64_t> n, bool increasing) { return vander(x, n, increasing); },
        py::arg("x"), py::arg("N") = py::none(), py::arg("increasing") = false);

  // trapezoid(y, x, *, dim) and trapezoid(y, *, dx=None, dim); trapz(y, x, *, dim) and trapz(y, *, dx=1, dim)
  for (const char* name : {"trapezoid", "trapz"}) {
    m.def(name, [](const Tensor& y, const Tensor& x, int64_t dim) { return trapezoid(y, x, dim); }, py::arg("y"),
          py::arg("x"), py::kw_only(), py::arg("dim") = -1);
    m.def(name, [](const Tensor& y, std::optional<Scalar> dx, int64_t dim) { return trapezoid(y, dx.value_or(1), dim); },
          py::arg("y"), py::kw_only(), py::arg("dx") = py::none(), py::arg("dim") = -1);
  }
  m.def("cumulative_trapezoid", [](const Tensor& y, const Tensor& x, int64_t dim) { return cumulative_trapezoid(y, x, dim); },
        py::arg("y"), py::arg("x"), py::kw_only(), py::arg("dim") = -1);
  m.def("cumulative_trapezoid", [](const Tensor& y, std::optional<Scalar> dx, int64_t dim) {
    return cumulative_trapezoid(y, dx.value_or(1), dim);
  }, py::arg("y"), py::kw_only(), py::arg("dx") = py::none(), py::arg("dim") = -1);

  m.def("range", [](const Scalar& start, const Scalar& end, const Scalar& step, std::optional<Dtype> dtype,
                    std::optional<Device> device, bool requires_grad, py::object, py::object) {
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "torch.range is deprecated and will be removed in a future release because its behavior is "
                     "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                     "[start, end).", 1) < 0)
      throw py::error_already_set();
    return finish(range(start, end, step, dtype), device, requires_grad, "range");
  }, py::arg("start"), py::arg("end"), py::arg("step") = 1, py::kw_only(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false, py::arg("layout") = py::none(),
     py::arg("out") = py::none());
  m.def("empty_strided", [](IntList size, IntList stride, std::optional<Dtype> dtype, std::optional<Device> device,
                            bool requires_grad, py::object, py::object) {
    EMBER_CHECK(size.size() == stride.size(), "", "dimensionality of sizes (", size.size(),
                ") must match dimensionality of strides (", stride.size(), ")");
    Shape sz(size.begin(), size.end());
    for (int64_t s : sz)
      EMBER_CHECK(s >= 0, "", "Trying to create tensor with negative dimension ", s, ": ", shape_str(sz));
    return finish(empty_strided(sz, Shape(stride.begin(), stride.end()), dtype.value_or(default_dtype())), device,
                  requires_grad, "empty_strided");
  }, py::arg("size"), py::arg("stride"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false, py::arg("layout") = py::none(), py::arg("pin_memory") = py::none());

  def_both(m, "addr", [](const Tensor& t, const Tensor& v1, const Tensor& v2, const Scalar& beta, const Scalar& alpha) {
    return addr(t, v1, v2, beta, alpha);
  }, py::arg("vec1"), py::arg("vec2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  def_method("addr_", [](Tensor& t, const Tensor& v1, const Tensor& v2, const Scalar& beta, const Scalar& alpha) {
    return addr_(t, v1, v2, beta, alpha);
  }, py::arg("vec1"), py::arg("vec2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);

  def_both(m, "histogram", [](const Tensor& t, const Tensor& bins, py::object range, std::optional<Tensor> weight,
                              bool density) {
    EMBER_CHECK_TYPE(range.is_none(), "histogram", "histogram(): range can only be given with an integer number of bins");
    return named_pair("histogram", histogram(t, bins, weight, density));
  }, py::arg("bins"), py::kw_only(), py::arg("range") = py::none(), py::arg("weight") = py::none(),
     py::arg("density") = false);
  def_both(m, "histogram", [](const Tensor& t, int64_t bins, std::optional<std::vector<double>> range,
                              std::optional<Tensor> weight, bool density) {
    std::optional<std::pair<double, double>> r;
    if (range) {
      EMBER_CHECK_TYPE(range->size() == 2, "histogram", "histogram(): range must be a pair (min, max)");
      r = std::make_pair((*range)[0], (*range)[1]);
    }
    return named_pair("histogram", histogram(t, bins, r, weight, density));
  }, py::arg("bins") = 100, py::kw_only(), py::arg("range") = py::none(), py::arg("weight") = py::none(),
     py::arg("density") = false);

  // histogramdd(input, bins, *, range=None, weight=None, density=False): bins an int, ints or edge tensors
  m.def("histogramdd", [](const Tensor& t, py::object bins, std::optional<std::vector<double>> range,
                          std::optional<Tensor> weight, bool density) {
    std::pair<Tensor, TensorList> r;
    if (py::isinstance<py::int_>(bins)) {
      r = histogramdd(t, std::vector<int64_t>(size_t(std::max<int64_t>(t.dim() ? t.size(-1) : 0, 1)), bins.cast<int64_t>()),
                      range, weight, density);
    } else {
      py::sequence seq = bins;
      if (seq.size() > 0 && is_tensor(py::object(seq[0]).ptr())) {
        EMBER_CHECK_TYPE(!range, "histogramdd", "histogramdd(): range cannot be given with bin edges");
        r = histogramdd(t, bins.cast<TensorList>(), weight, density);
      } else {
        r = histogramdd(t, bins.cast<std::vector<int64_t>>(), range, weight, density);
      }
    }
    py::tuple edges(r.second.size());
    for (size_t i = 0; i < r.second.size(); ++i) edges[i] = py::cast(r.second[i]);
    return py::module_::import("ember.return_types").attr("histogramdd")(r.first, edges);
  }, py::arg("input"), py::arg("bins"), py::kw_only(), py::arg("range") = py::none(), py::arg("weight") = py::none(),
     py::arg("density") = false);

  // ---- windows: (window_length, periodic=True, [parameters], *, dtype, layout, device, requires_grad)
  using Window = Tensor (*)(int64_t, bool, Dtype);
  for (auto [name, fn] : {std::pair<const char*, Window>{"bartlett_window", bartlett_window},
                          std::pair<const char*, Window>{"blackman_window", blackman_window},
                          std::pair<const char*, Window>{"hann_window", hann_window}}) {
    m.def(name, [fn, name](int64_t n, bool periodic, std::optional<Dtype> dtype, std::optional<Device> device,
                           bool requires_grad, py::object) {
      return finish(fn(n, periodic, dtype.value_or(default_dtype())), device, requires_grad, name);
    }, py::arg("window_length"), py::arg("periodic") = true, py::kw_only(), py::arg("dtype") = py::none(),
       py::arg("device") = py::none(), py::arg("requires_grad") = false, py::arg("layout") = py::none());
  }
  m.def("hamming_window", [](int64_t n, bool periodic, double alpha, double beta, std::optional<Dtype> dtype,
                             std::optional<Device> device, bool requires_grad, py::object) {
    return finish(hamming_window(n, periodic, alpha, beta, dtype.value_or(default_dtype())), device, requires_grad,
                  "hamming_window");
  }, py::arg("window_length"), py::arg("periodic") = true, py::arg("alpha") = 0.54, py::arg("beta") = 0.46, py::kw_only(),
     py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false,
     py::arg("layout") = py::none());
  m.def("kaiser_window", [](int64_t n, bool periodic, double beta, std::optional<Dtype> dtype, std::optional<Device> device,
                            bool requires_grad, py::object) {
    return finish(kaiser_window(n, periodic, beta, dtype.value_or(default_dtype())), device, requires_grad,
                  "kaiser_window");
  }, py::arg("window_length"), py::arg("periodic") = true, py::arg("beta") = 12.0, py::kw_only(),
     py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false,
     py::arg("layout") = py::none());
}

}  // namespace ember::py
