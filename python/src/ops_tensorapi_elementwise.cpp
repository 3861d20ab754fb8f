// Bindings of torch's elementwise long tail (ops/elementwise_api.cpp) and of the torch.* function
// spellings of in-place ops that so far existed only as Tensor methods.
#include "bind.h"
#include "ember/ops/tensorapi.h"

namespace ember::py {

namespace {
py::object named_pair(const char* type, const std::pair<Tensor, Tensor>& p) {
  return py::module_::import("ember.return_types").attr(type)(p.first, p.second);
}
}  // namespace

EMBER_BINDINGS(tensorapi_elementwise, 50) {
  // ---- number ops: torch takes a Python number for `other` only where noted
  def_both(m, "copysign", [](const Tensor& a, TensorLike b) { return copysign(a, b); }, py::arg("other"));
  def_method("copysign_", [](Tensor& a, TensorLike b) { return copysign_(a, b); }, py::arg("other"));
  def_both(m, "heaviside", [](const Tensor& a, const Tensor& v) { return heaviside(a, v); }, py::arg("values"));
  def_method("heaviside_", [](Tensor& a, const Tensor& v) { return heaviside_(a, v); }, py::arg("values"));
  def_both(m, "gcd", [](const Tensor& a, const Tensor& b) { return gcd(a, b); }, py::arg("other"));
  def_both(m, "gcd_", [](Tensor& a, const Tensor& b) { return gcd_(a, b); }, py::arg("other"));
  def_both(m, "lcm", [](const Tensor& a, const Tensor& b) { return lcm(a, b); }, py::arg("other"));
  def_both(m, "lcm_", [](Tensor& a, const Tensor& b) { return lcm_(a, b); }, py::arg("other"));
  def_both(m, "ldexp", [](const Tensor& a, const Tensor& b) { return ldexp(a, b); }, py::arg("other"));
  def_both(m, "ldexp_", [](Tensor& a, const Tensor& b) { return ldexp_(a, b); }, py::arg("other"));
  def_both(m, "frexp", [](const Tensor& t) { return named_pair("frexp", frexp(t)); });
  def_both(m, "nextafter", [](const Tensor& a, const Tensor& b) { return nextafter(a, b); }, py::arg("other"));
  def_method("nextafter_", [](Tensor& a, const Tensor& b) { return nextafter_(a, b); }, py::arg("other"));
  def_both(m, "xlogy_", [](Tensor& a, TensorLike b) { return xlogy_(a, b); }, py::arg("other"));
  def_method("float_power_", [](Tensor& a, TensorLike b) { return float_power_(a, b); }, py::arg("exponent"));

  // ---- torch.<name>_ functions for in-place ops that were methods only
  for (const char* name : {"clamp_", "clip_"}) {
    m.def(name, [](Tensor& t, std::optional<Tensor> lo, std::optional<Tensor> hi) { return clamp_(t, lo, hi); },
          py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none());
    m.def(name, [](Tensor& t, std::optional<Scalar> lo, std::optional<Scalar> hi) { return clamp_(t, lo, hi); },
          py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none());
  }
  // tensor bounds first, as for clamp: the Scalar caster would take a one-element tensor too
  def_both(m, "clamp_min_", [](Tensor& t, const Tensor& lo) { return clamp_(t, std::optional<Tensor>(lo), std::nullopt); },
           py::arg("min"));
  def_both(m, "clamp_min_", [](Tensor& t, const Scalar& lo) { return clamp_(t, std::optional<Scalar>(lo), std::nullopt); },
           py::arg("min"));
  def_both(m, "clamp_max_", [](Tensor& t, const Tensor& hi) { return clamp_(t, std::nullopt, std::optional<Tensor>(hi)); },
           py::arg("max"));
  def_both(m, "clamp_max_", [](Tensor& t, const Scalar& hi) { return clamp_(t, std::nullopt, std::optional<Scalar>(hi)); },
           py::arg("max"));
  struct Alias { const char* name; Tensor& (*fn_)(Tensor&); };
  for (Alias a : {Alias{"arccos_", acos_}, Alias{"arcsin_", asin_}, Alias{"arctan_", atan_}, Alias{"arccosh_", acosh_},
                  Alias{"arcsinh_", asinh_}, Alias{"arctanh_", atanh_}, Alias{"negative_", neg_}, Alias{"fix_", trunc_},
                  Alias{"zero_", zero_}}) {
    auto fn_ = a.fn_;
    m.def(a.name, [fn_](Tensor& t) -> Tensor& { return fn_(t); }, py::arg("input"));
  }
  // comparison aliases in place: self becomes 0/1 in its own dtype
  struct Cmp { const char* name; Tensor& (*fn_)(Tensor&, const Tensor&); };
  for (Cmp c : {Cmp{"greater_", gt_}, Cmp{"greater_equal_", ge_}, Cmp{"less_", lt_}, Cmp{"less_equal_", le_},
                Cmp{"not_equal_", ne_}}) {
    auto fn_ = c.fn_;
    def_method(c.name, [fn_](Tensor& t, TensorLike o) -> Tensor& { return fn_(t, o); }, py::arg("other"));
  }
  m.def("round_", [](Tensor& t, int64_t decimals) { return round_(t, decimals); }, py::arg("input"), py::kw_only(),
        py::arg("decimals") = 0);
  m.def("nan_to_num_", [](Tensor& t, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
    return nan_to_num_(t, nan.value_or(0.0), posinf, neginf);
  }, py::arg("input"), py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  m.def("threshold_", [](Tensor& t, double th, double v) { return threshold_(t, th, v); }, py::arg("input"),
        py::arg("threshold"), py::arg("value"));
  m.def("celu_", [](Tensor& t, double alpha) { return celu_(t, alpha); }, py::arg("input"), py::arg("alpha") = 1.0);
  m.def("detach_", [](Tensor& t) -> Tensor& { return t.detach_(); }, py::arg("input"));
  m.def("fill_", [](Tensor& t, TensorLike v) -> Tensor& {
    if (is_wrapped_number(v.t)) return fill_(t, v.t.item());
    return fill_(t, v.t);
  }, py::arg("input"), py::arg("value"));

  // ---- predicates; ember tensors are real, so conjugate and negative bits are never set
  def_both(m, "is_nonzero", [](const Tensor& t) { return is_nonzero(t); });
  def_both(m, "is_same_size", [](const Tensor& a, const Tensor& b) { return a.sizes() == b.sizes(); }, py::arg("other"));
  m.def("is_signed", [](const Tensor& t) { return is_signed(t.dtype()); }, py::arg("input"));
  // an inference tensor is one whose memory was made in inference mode (views share it)
  def_both(m, "is_inference", [](const Tensor& t) { return t.storage()->inference(); });
  def_both(m, "is_conj", [](const Tensor&) { return false; });
  def_both(m, "is_neg", [](const Tensor&) { return false; });
  def_both(m, "resolve_conj", [](const Tensor& t) { return t; });
  def_both(m, "resolve_neg", [](const Tensor& t) { return t; });
}

}  // namespace ember::py
