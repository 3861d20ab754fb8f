// Bindings of the reductions: sum ... quantile, softmax, and the norms behind
// ember.linalg. Ops returning several tensors return ember.return_types tuples.
#include <cmath>

#include "bind.h"
#include "ember/autograd/function.h"

namespace ember::py {

namespace {

Dims dims_of(const std::optional<IntList>& d) { return d ? Dims(d->begin(), d->end()) : Dims{}; }

py::object named(const char* type, const std::pair<Tensor, Tensor>& r) {
  return py::module_::import("ember.return_types").attr(type)(r.first, r.second);
}

// var/std take `unbiased` (bool) or `correction` (number), not both.
double correction_of(std::optional<bool> unbiased, std::optional<double> correction, const char* op) {
  if (unbiased && correction)
    throw py::type_error(std::string(op) + "() received an invalid combination of arguments - got both unbiased and correction");
  if (correction) return *correction;
  return unbiased.value_or(true) ? 1.0 : 0.0;
}

Tensor cast_for_norm(const Tensor& t, std::optional<Dtype> dtype) { return dtype ? to_dtype(t, *dtype) : t; }

// torch.norm's p: None or 'fro' (2-norm), 'nuc' (not supported), or a number.
Tensor norm_any(const Tensor& t, const py::object& p, const std::optional<IntList>& dim, bool keepdim, std::optional<Dtype> dtype) {
  const bool fro = p.is_none() || (py::isinstance<py::str>(p) && p.cast<std::string>() == "fro");
  if (fro) {
    if (dtype) throw py::value_error("dtype argument is not supported in frobenius norm");
    EMBER_CHECK(!dim || dim->size() <= 2, "", "Expected at most 2 dimensions, but got ", dim->size(), " dimensions instead.");
    return norm(t, std::nullopt, dims_of(dim), keepdim, dtype);
  }
  if (py::isinstance<py::str>(p)) {
    std::string s = p.cast<std::string>();
    if (s == "nuc") return matrix_norm(cast_for_norm(t, dtype), "nuc", dim ? dims_of(dim) : Dims{-2, -1}, keepdim);
    throw py::value_error("norm(): unknown p '" + s + "'");
  }
  return norm(t, Scalar(p.cast<double>()), dims_of(dim), keepdim, dtype);
}

Tensor matrix_norm_any(const Tensor& t, const py::object& ord, const Dims& dims, bool keepdim, std::optional<Dtype> dtype) {
  Tensor x = cast_for_norm(t, dtype);
  if (py::isinstance<py::str>(ord)) return matrix_norm(x, ord.cast<std::string>(), dims, keepdim);
  return matrix_norm(x, ord.cast<double>(), dims, keepdim);
}

// torch.linalg.norm: a vector norm over one dim (or all of a 1-D input), a matrix norm over two.
Tensor linalg_norm(const Tensor& t, const py::object& ord, const std::optional<IntList>& dim, bool keepdim,
                   std::optional<Dtype> dtype) {
  Dims dims = dims_of(dim);
  if (ord.is_none()) {
    if (dims.size() == 2) return matrix_norm_any(t, py::str("fro"), dims, keepdim, dtype);
    return vector_norm(t, 2, dims, keepdim, dtype);
  }
  if (!dim) {
    EMBER_CHECK(t.dim() == 1 || t.dim() == 2, "", "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got ",
                t.dim(), "D.");
    if (t.dim() == 2) return matrix_norm_any(t, ord, {-2, -1}, keepdim, dtype);
    dims = {0};
  }
  if (dims.size() == 2) return matrix_norm_any(t, ord, dims, keepdim, dtype);
  EMBER_CHECK(!py::isinstance<py::str>(ord), "", "linalg.norm: order ", ord.cast<std::string>(),
              " is only supported for matrices (two dims)");
  return vector_norm(t, ord.cast<double>(), dims, keepdim, dtype);
}

}  // namespace

EMBER_BINDINGS(reduce, 20) {
  // ---- sums and means
  def_both(m, "sum", [](const Tensor& t, std::optional<IntList> dim, bool keepdim, std::optional<Dtype> dtype) {
    return sum(t, dims_of(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none(), nogil());
  def_both(m, "mean", [](const Tensor& t, std::optional<IntList> dim, bool keepdim, std::optional<Dtype> dtype) {
    return mean(t, dims_of(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none(), nogil());
  def_both(m, "nansum", [](const Tensor& t, std::optional<IntList> dim, bool keepdim, std::optional<Dtype> dtype) {
    return nansum(t, dims_of(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, "nanmean", [](const Tensor& t, std::optional<IntList> dim, bool keepdim, std::optional<Dtype> dtype) {
    return nanmean(t, dims_of(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, "prod", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim, std::optional<Dtype> dtype) {
    return prod(t, dim, keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());

  // ---- extremes: max() / max(dim, keepdim) / max(other)
  for (bool is_max : {true, false}) {
    const char* name = is_max ? "max" : "min";
    def_both(m, name, [is_max](const Tensor& t) { return is_max ? max(t) : min(t); });
    def_both(m, name, [is_max](const Tensor& t, const Tensor& other) { return is_max ? maximum(t, other) : minimum(t, other); },
             py::arg("other"));
    def_both(m, name, [is_max, name](const Tensor& t, int64_t dim, bool keepdim) {
      return named(name, is_max ? max(t, dim, keepdim) : min(t, dim, keepdim));
    }, py::arg("dim"), py::arg("keepdim") = false);
  }
  def_both(m, "amax", [](const Tensor& t, IntList dim, bool keepdim) { return amax(t, dims_of(dim), keepdim); },
           py::arg("dim") = IntList{}, py::arg("keepdim") = false);
  def_both(m, "amin", [](const Tensor& t, IntList dim, bool keepdim) { return amin(t, dims_of(dim), keepdim); },
           py::arg("dim") = IntList{}, py::arg("keepdim") = false);
  def_both(m, "argmax", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return argmax(t, dim, keepdim); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, "argmin", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return argmin(t, dim, keepdim); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, "aminmax", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return named("aminmax", aminmax(t, dim, keepdim)); },
           py::kw_only(), py::arg("dim") = py::none(), py::arg("keepdim") = false);

  // ---- variance: var(unbiased) / var(dim=None, unbiased=None, keepdim=False, *, correction=None)
  for (bool is_std : {false, true}) {
    const char* name = is_std ? "std" : "var";
    auto fn = is_std ? static_cast<Tensor (*)(const Tensor&, const Dims&, double, bool)>(&ember::std) : &ember::var;
    def_both(m, name, [fn](const Tensor& t, bool unbiased) { return fn(t, {}, unbiased ? 1.0 : 0.0, false); }, py::arg("unbiased"));
    def_both(m, name, [fn, name](const Tensor& t, std::optional<IntList> dim, std::optional<bool> unbiased, bool keepdim,
                                 std::optional<double> correction) {
      return fn(t, dims_of(dim), correction_of(unbiased, correction, name), keepdim);
    }, py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false, py::kw_only(),
       py::arg("correction") = py::none());
    const char* pair_name = is_std ? "std_mean" : "var_mean";
    auto pfn = is_std ? &ember::std_mean : &ember::var_mean;
    m.def(pair_name, [pfn](const Tensor& t, bool unbiased) {
      auto r = pfn(t, {}, unbiased ? 1.0 : 0.0, false);
      return py::make_tuple(r.first, r.second);  // a plain tuple, as torch returns
    }, py::arg("input"), py::arg("unbiased"));
    m.def(pair_name, [pfn, pair_name](const Tensor& t, std::optional<IntList> dim, std::optional<bool> unbiased, bool keepdim,
                                      std::optional<double> correction) {
      auto r = pfn(t, dims_of(dim), correction_of(unbiased, correction, pair_name), keepdim);
      return py::make_tuple(r.first, r.second);
    }, py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false,
       py::kw_only(), py::arg("correction") = py::none());
  }

  // ---- norms
  def_both(m, "norm", [](const Tensor& t, py::object p, std::optional<IntList> dim, bool keepdim, std::optional<Dtype> dtype) {
    return norm_any(t, p, dim, keepdim, dtype);
  }, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false, py::arg("dtype") = py::none());
  m.def("linalg_vector_norm", [](const Tensor& t, double ord, std::optional<IntList> dim, bool keepdim, std::optional<Dtype> dtype) {
    return vector_norm(t, ord, dims_of(dim), keepdim, dtype);
  }, py::arg("x"), py::arg("ord") = 2, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none());
  m.def("linalg_matrix_norm", [](const Tensor& t, py::object ord, IntList dim, bool keepdim, std::optional<Dtype> dtype) {
    return matrix_norm_any(t, ord, dims_of(dim), keepdim, dtype);
  }, py::arg("A"), py::arg("ord") = "fro", py::arg("dim") = IntList{-2, -1}, py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none());
  m.def("linalg_norm", [](const Tensor& t, py::object ord, std::optional<IntList> dim, bool keepdim, std::optional<Dtype> dtype) {
    return linalg_norm(t, ord, dim, keepdim, dtype);
  }, py::arg("A"), py::arg("ord") = py::none(), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none());
  def_both(m, "logsumexp", [](const Tensor& t, IntList dim, bool keepdim) { return logsumexp(t, dims_of(dim), keepdim); },
           py::arg("dim"), py::arg("keepdim") = false);

  // ---- logical and counting
  def_both(m, "all", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return dim ? all(t, *dim, keepdim) : all(t); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, "any", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return dim ? any(t, *dim, keepdim) : any(t); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_both(m, "count_nonzero", [](const Tensor& t, std::optional<IntList> dim) { return count_nonzero(t, dims_of(dim)); },
           py::arg("dim") = py::none());

  // ---- scans
  def_both(m, "cumsum", [](const Tensor& t, int64_t dim, std::optional<Dtype> dtype) { return cumsum(t, dim, dtype); },
           py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, "cumprod", [](const Tensor& t, int64_t dim, std::optional<Dtype> dtype) { return cumprod(t, dim, dtype); },
           py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_method("cumsum_", [](Tensor& t, int64_t dim, std::optional<Dtype> dtype) -> Tensor& {
    return copy_(t, cumsum(autograd::needs_grad(t) ? clone(t) : t, dim, dtype));
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_method("cumprod_", [](Tensor& t, int64_t dim, std::optional<Dtype> dtype) -> Tensor& {
    return copy_(t, cumprod(autograd::needs_grad(t) ? clone(t) : t, dim, dtype));
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, "cummax", [](const Tensor& t, int64_t dim) { return named("cummax", cummax(t, dim)); }, py::arg("dim"));
  def_both(m, "cummin", [](const Tensor& t, int64_t dim) { return named("cummin", cummin(t, dim)); }, py::arg("dim"));
  def_both(m, "logcumsumexp", [](const Tensor& t, int64_t dim) { return logcumsumexp(t, dim); }, py::arg("dim"));

  // ---- softmax (also what ember.nn.functional calls)
  def_both(m, "softmax", [](const Tensor& t, int64_t dim, std::optional<Dtype> dtype) { return softmax(t, dim, dtype); },
           py::arg("dim"), py::arg("dtype") = py::none(), nogil());
  def_both(m, "log_softmax", [](const Tensor& t, int64_t dim, std::optional<Dtype> dtype) { return log_softmax(t, dim, dtype); },
           py::arg("dim"), py::arg("dtype") = py::none(), nogil());

  // ---- order statistics
  def_both(m, "median", [](const Tensor& t) { return median(t); });
  def_both(m, "median", [](const Tensor& t, int64_t dim, bool keepdim) { return named("median", median(t, dim, keepdim)); },
           py::arg("dim"), py::arg("keepdim") = false);
  def_both(m, "nanmedian", [](const Tensor& t) { return nanmedian(t); });
  def_both(m, "nanmedian", [](const Tensor& t, int64_t dim, bool keepdim) { return named("nanmedian", nanmedian(t, dim, keepdim)); },
           py::arg("dim"), py::arg("keepdim") = false);
  def_both(m, "mode", [](const Tensor& t, int64_t dim, bool keepdim) { return named("mode", mode(t, dim, keepdim)); },
           py::arg("dim") = -1, py::arg("keepdim") = false);
  def_both(m, "quantile", [](const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim, const std::string& interpolation) {
    return quantile(t, q, dim, keepdim, interpolation);
  }, py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("interpolation") = "linear");
  def_both(m, "quantile", [](const Tensor& t, double q, std::optional<int64_t> dim, bool keepdim, const std::string& interpolation) {
    EMBER_CHECK(q >= 0 && q <= 1, "", "quantile() q must be in the range [0, 1] but got ", q);
    return quantile(t, scalar_tensor(q, t.dtype()), dim, keepdim, interpolation);
  }, py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("interpolation") = "linear");
}

}  // namespace ember::py
