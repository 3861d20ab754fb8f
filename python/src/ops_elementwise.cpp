// Bindings of the elementwise families: binary, unary, ternary, activations.
#include <algorithm>

#include "bind.h"

namespace ember::py {

namespace {
using RoundingMode = std::optional<std::string>;
}

EMBER_BINDINGS(elementwise, 10) {
  def_both(m, "logaddexp", [](const Tensor& a, const Tensor& b) { return logaddexp(a, b); }, py::arg("other"));
  def_both(m, "logaddexp2", [](const Tensor& a, const Tensor& b) { return logaddexp2(a, b); }, py::arg("other"));
  def_both(m, "isclose", [](const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
    return isclose(a, b, rtol, atol, equal_nan);
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  def_both(m, "allclose", [](const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
    return allclose(a, b, rtol, atol, equal_nan);
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);

  // ---- binary arithmetic: ember.add(input, other, *, alpha=1) and Tensor.add(other, *, alpha=1)
  def_both(m, "add", [](const Tensor& a, TensorLike b, const Scalar& alpha) { return add(a, b, alpha); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_both(m, "sub", [](const Tensor& a, TensorLike b, const Scalar& alpha) { return sub(a, b, alpha); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_both(m, "subtract", [](const Tensor& a, TensorLike b, const Scalar& alpha) { return sub(a, b, alpha); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_both(m, "rsub", [](const Tensor& a, TensorLike b, const Scalar& alpha) { return rsub(a, b, alpha); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_method("add_", [](Tensor& a, TensorLike b, const Scalar& alpha) { return add_(a, b, alpha); },
             py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_method("sub_", [](Tensor& a, TensorLike b, const Scalar& alpha) { return sub_(a, b, alpha); },
             py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  def_method("subtract_", [](Tensor& a, TensorLike b, const Scalar& alpha) { return sub_(a, b, alpha); },
             py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  for (const char* name : {"mul", "multiply"}) {
    def_both(m, name, [](const Tensor& a, TensorLike b) { return mul(a, b); }, py::arg("other"));
    def_method((std::string(name) + "_").c_str(), [](Tensor& a, TensorLike b) { return mul_(a, b); }, py::arg("other"));
  }
  for (const char* name : {"div", "divide", "true_divide"}) {
    def_both(m, name, [](const Tensor& a, TensorLike b, RoundingMode rm) { return div(a, b, rm); }, py::arg("other"),
             py::kw_only(), py::arg("rounding_mode") = py::none());
    def_method((std::string(name) + "_").c_str(), [](Tensor& a, TensorLike b, RoundingMode rm) { return div_(a, b, rm); },
               py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  }

#define EMBER_BIND_BINARY(name, argname)                                                                       \
  def_both(m, #name, [](const Tensor& a, TensorLike b) { return name(a, b); }, py::arg(argname));             \
  def_method(#name "_", [](Tensor& a, TensorLike b) { return name##_(a, b); }, py::arg(argname));
  EMBER_BIND_BINARY(floor_divide, "other")
  EMBER_BIND_BINARY(remainder, "other")
  EMBER_BIND_BINARY(fmod, "other")
  EMBER_BIND_BINARY(eq, "other")
  EMBER_BIND_BINARY(ne, "other")
  EMBER_BIND_BINARY(lt, "other")
  EMBER_BIND_BINARY(le, "other")
  EMBER_BIND_BINARY(gt, "other")
  EMBER_BIND_BINARY(ge, "other")
  EMBER_BIND_BINARY(bitwise_and, "other")
  EMBER_BIND_BINARY(bitwise_or, "other")
  EMBER_BIND_BINARY(bitwise_xor, "other")
  EMBER_BIND_BINARY(bitwise_left_shift, "other")
  EMBER_BIND_BINARY(bitwise_right_shift, "other")
#undef EMBER_BIND_BINARY
  // these take a tensor `other` only, like torch (a number is a TypeError)
#define EMBER_BIND_BINARY_TENSOR(name)                                                                  \
  def_both(m, #name, [](const Tensor& a, const Tensor& b) { return name(a, b); }, py::arg("other"));   \
  def_method(#name "_", [](Tensor& a, const Tensor& b) { return name##_(a, b); }, py::arg("other"));
  EMBER_BIND_BINARY_TENSOR(atan2)
  EMBER_BIND_BINARY_TENSOR(hypot)
  EMBER_BIND_BINARY_TENSOR(logical_and)
  EMBER_BIND_BINARY_TENSOR(logical_or)
  EMBER_BIND_BINARY_TENSOR(logical_xor)
#undef EMBER_BIND_BINARY_TENSOR
  def_both(m, "arctan2", [](const Tensor& a, const Tensor& b) { return atan2(a, b); }, py::arg("other"));
  def_method("arctan2_", [](Tensor& a, const Tensor& b) { return atan2_(a, b); }, py::arg("other"));
  def_both(m, "greater", [](const Tensor& a, TensorLike b) { return gt(a, b); }, py::arg("other"));
  def_both(m, "greater_equal", [](const Tensor& a, TensorLike b) { return ge(a, b); }, py::arg("other"));
  def_both(m, "less", [](const Tensor& a, TensorLike b) { return lt(a, b); }, py::arg("other"));
  def_both(m, "less_equal", [](const Tensor& a, TensorLike b) { return le(a, b); }, py::arg("other"));
  def_both(m, "not_equal", [](const Tensor& a, TensorLike b) { return ne(a, b); }, py::arg("other"));
  def_both(m, "maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, py::arg("other"));
  def_both(m, "minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, py::arg("other"));
  def_both(m, "fmax", [](const Tensor& a, const Tensor& b) {
    // NaN-ignoring maximum
    return where(isnan(a), b, where(isnan(b), a, maximum(a, b)));
  }, py::arg("other"));
  def_both(m, "fmin", [](const Tensor& a, const Tensor& b) { return where(isnan(a), b, where(isnan(b), a, minimum(a, b))); },
           py::arg("other"));
  def_both(m, "xlogy", [](const Tensor& a, TensorLike b) { return xlogy(a, b); }, py::arg("other"));
  m.def("xlogy", [](const Scalar& a, const Tensor& b) { return xlogy(wrap_scalar(a), b); }, py::arg("self"),
        py::arg("other"));
  def_both(m, "equal", [](const Tensor& a, const Tensor& b) {
    EMBER_CHECK(a.dtype() == b.dtype(), "equal", "Expected object of scalar type ", dtype_name(a.dtype()),
                " but got scalar type ", dtype_name(b.dtype()), " for argument 'other'");
    if (a.sizes() != b.sizes()) return false;
    Tensor diff = contiguous(ne(a, b));  // read directly: no reduction needed
    const bool* p = diff.data_ptr<bool>();
    return std::none_of(p, p + diff.numel(), [](bool v) { return v; });
  }, py::arg("other"));

  // pow: tensor ** tensor, tensor ** number, number ** tensor
  def_both(m, "pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, py::arg("exponent"));
  def_both(m, "pow", [](const Tensor& a, const Scalar& e) { return pow(a, e); }, py::arg("exponent"));
  m.def("pow", [](const Scalar& s, const Tensor& e) { return pow(s, e); }, py::arg("self"), py::arg("exponent"));
  def_method("pow_", [](Tensor& a, TensorLike b) { return pow_(a, b); }, py::arg("exponent"));
  def_both(m, "float_power", [](const Tensor& a, TensorLike b) {
    return pow(to_dtype(a, Dtype::Float64), to_dtype(b.t, Dtype::Float64));
  }, py::arg("exponent"));
  m.def("float_power", [](const Scalar& a, const Tensor& b) { return pow(Scalar(a.to_double()), to_dtype(b, Dtype::Float64)); },
        py::arg("self"), py::arg("exponent"));

  // ---- ternary
  m.def("where", [](const Tensor& c, TensorLike a, TensorLike b) { return where(c, a, b); }, py::arg("condition"),
        py::arg("input"), py::arg("other"));
  // Tensor.where(condition, y) is where(condition, self, y)
  def_method("where", [](const Tensor& self, const Tensor& c, TensorLike b) { return where(c, self, b); },
             py::arg("condition"), py::arg("other"));
  m.def("where", [](const Tensor& c) { return nonzero_tuple(c); }, py::arg("condition"));
  def_both(m, "lerp", [](const Tensor& a, const Tensor& e, TensorLike w) { return lerp(a, e, w); }, py::arg("end"), py::arg("weight"));
  def_method("lerp_", [](Tensor& a, const Tensor& e, TensorLike w) { return lerp_(a, e, w); }, py::arg("end"), py::arg("weight"));
  def_both(m, "addcmul", [](const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& v) { return addcmul(a, t1, t2, v); },
           py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  def_both(m, "addcdiv", [](const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& v) { return addcdiv(a, t1, t2, v); },
           py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  def_method("addcmul_", [](Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& v) { return addcmul_(a, t1, t2, v); },
             py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  def_method("addcdiv_", [](Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& v) { return addcdiv_(a, t1, t2, v); },
             py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  for (const char* name : {"clamp", "clip"}) {
    // tensor bounds first: the Scalar caster would also take a one-element tensor (and lose its dtype)
    def_both(m, name, [](const Tensor& t, std::optional<Tensor> lo, std::optional<Tensor> hi) { return clamp(t, lo, hi); },
             py::arg("min") = py::none(), py::arg("max") = py::none());
    def_both(m, name, [](const Tensor& t, std::optional<Scalar> lo, std::optional<Scalar> hi) { return clamp(t, lo, hi); },
             py::arg("min") = py::none(), py::arg("max") = py::none());
    std::string in = std::string(name) + "_";
    def_method(in.c_str(), [](Tensor& t, std::optional<Tensor> lo, std::optional<Tensor> hi) { return clamp_(t, lo, hi); },
               py::arg("min") = py::none(), py::arg("max") = py::none());
    def_method(in.c_str(), [](Tensor& t, std::optional<Scalar> lo, std::optional<Scalar> hi) { return clamp_(t, lo, hi); },
               py::arg("min") = py::none(), py::arg("max") = py::none());
  }
  def_both(m, "clamp_min", [](const Tensor& t, const Tensor& lo) { return clamp(t, std::optional<Tensor>(lo), std::nullopt); }, py::arg("min"));
  def_both(m, "clamp_min", [](const Tensor& t, const Scalar& lo) { return clamp(t, std::optional<Scalar>(lo), std::nullopt); }, py::arg("min"));
  def_both(m, "clamp_max", [](const Tensor& t, const Tensor& hi) { return clamp(t, std::nullopt, std::optional<Tensor>(hi)); }, py::arg("max"));
  def_both(m, "clamp_max", [](const Tensor& t, const Scalar& hi) { return clamp(t, std::nullopt, std::optional<Scalar>(hi)); }, py::arg("max"));

  // ---- unary: ember.exp(input) and Tensor.exp(), Tensor.exp_()
#define EMBER_BIND_UNARY(name)                                          \
  def_both(m, #name, [](const Tensor& t) { return name(t); });          \
  def_both(m, #name "_", [](Tensor& t) -> Tensor& { return name##_(t); });
  EMBER_UNARY_OPS(EMBER_BIND_UNARY)
#undef EMBER_BIND_UNARY
  // torch's alternative names
  struct Alias { const char* alias; Tensor (*fn)(const Tensor&); Tensor& (*fn_)(Tensor&); };
  for (Alias a : {Alias{"negative", neg, neg_}, Alias{"absolute", abs, abs_}, Alias{"arcsin", asin, asin_},
                  Alias{"arccos", acos, acos_}, Alias{"arctan", atan, atan_}, Alias{"arcsinh", asinh, asinh_},
                  Alias{"arccosh", acosh, acosh_}, Alias{"arctanh", atanh, atanh_}, Alias{"fix", trunc, trunc_}}) {
    auto fn = a.fn;
    auto fn_ = a.fn_;
    def_both(m, a.alias, [fn](const Tensor& t) { return fn(t); });
    def_method((std::string(a.alias) + "_").c_str(), [fn_](Tensor& t) -> Tensor& { return fn_(t); });
  }
  m.def("special_expit", [](const Tensor& t) { return sigmoid(t); });
  def_both(m, "round", [](const Tensor& t, int64_t decimals) { return round(t, decimals); }, py::kw_only(), py::arg("decimals") = 0);
  def_method("round_", [](Tensor& t, int64_t decimals) { return round_(t, decimals); }, py::kw_only(), py::arg("decimals") = 0);
  def_both(m, "isnan", [](const Tensor& t) { return isnan(t); });
  def_both(m, "isinf", [](const Tensor& t) { return isinf(t); });
  def_both(m, "isposinf", [](const Tensor& t) { return isposinf(t); });
  def_both(m, "isneginf", [](const Tensor& t) { return isneginf(t); });
  def_both(m, "isfinite", [](const Tensor& t) { return isfinite(t); });
  def_both(m, "isreal", [](const Tensor& t) { return ones_like(t, Dtype::Bool); });
  def_both(m, "signbit", [](const Tensor& t) { return signbit(t); });
  def_both(m, "nan_to_num", [](const Tensor& t, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
    return nan_to_num(t, nan.value_or(0.0), posinf, neginf);
  }, py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  def_method("nan_to_num_", [](Tensor& t, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
    return nan_to_num_(t, nan.value_or(0.0), posinf, neginf);
  }, py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  def_both(m, "logit", [](const Tensor& t, std::optional<double> eps) {
    if (!eps) return logit(t);
    return logit(clamp(t, std::optional<Scalar>(*eps), std::optional<Scalar>(1.0 - *eps)));
  }, py::arg("eps") = py::none());

  // ---- activations (ember.nn.functional builds on these _C names)
  m.def("gelu", [](const Tensor& t, const std::string& approximate) { return gelu(t, approximate); }, py::arg("input"),
        py::kw_only(), py::arg("approximate") = "none");
  m.def("softplus", [](const Tensor& t, double beta, double threshold) { return softplus(t, beta, threshold); },
        py::arg("input"), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  m.def("elu", [](const Tensor& t, double alpha, double scale, double input_scale) { return elu(t, alpha, scale, input_scale); },
        py::arg("input"), py::arg("alpha") = 1.0, py::arg("scale") = 1.0, py::arg("input_scale") = 1.0);
  m.def("elu_", [](Tensor& t, double alpha) { return elu_(t, alpha); }, py::arg("input"), py::arg("alpha") = 1.0);
  m.def("celu", [](const Tensor& t, double alpha) { return celu(t, alpha); }, py::arg("input"), py::arg("alpha") = 1.0);
  m.def("leaky_relu", [](const Tensor& t, double s) { return leaky_relu(t, s); }, py::arg("input"), py::arg("negative_slope") = 0.01);
  m.def("leaky_relu_", [](Tensor& t, double s) { return leaky_relu_(t, s); }, py::arg("input"), py::arg("negative_slope") = 0.01);
  m.def("hardtanh", [](const Tensor& t, double lo, double hi) { return hardtanh(t, lo, hi); }, py::arg("input"),
        py::arg("min_val") = -1.0, py::arg("max_val") = 1.0);
  m.def("hardtanh_", [](Tensor& t, double lo, double hi) { return hardtanh_(t, lo, hi); }, py::arg("input"),
        py::arg("min_val") = -1.0, py::arg("max_val") = 1.0);
  m.def("logsigmoid", [](const Tensor& t) { return logsigmoid(t); }, py::arg("input"));
  m.def("hardshrink", [](const Tensor& t, double l) { return hardshrink(t, l); }, py::arg("input"), py::arg("lambd") = 0.5);
  def_method("hardshrink", [](const Tensor& t, double l) { return hardshrink(t, l); }, py::arg("lambd") = 0.5);
  m.def("softshrink", [](const Tensor& t, double l) { return softshrink(t, l); }, py::arg("input"), py::arg("lambd") = 0.5);
  m.def("tanhshrink", [](const Tensor& t) { return tanhshrink(t); }, py::arg("input"));
  m.def("softsign", [](const Tensor& t) { return softsign(t); }, py::arg("input"));
  m.def("threshold", [](const Tensor& t, double th, double v) { return threshold(t, th, v); }, py::arg("input"),
        py::arg("threshold"), py::arg("value"));
  def_both(m, "prelu", [](const Tensor& t, const Tensor& w) { return prelu(t, w); }, py::arg("weight"));
  m.def("glu", [](const Tensor& t, int64_t dim) { return glu(t, dim); }, py::arg("input"), py::arg("dim") = -1);
}

}  // namespace ember::py
