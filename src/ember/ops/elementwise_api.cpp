// Elementwise ops of torch's long tail: copysign, heaviside, gcd, lcm, ldexp, frexp, nextafter
// and in-place forms of existing ops. Forward and derivative together per op; the
// number-theoretic kernels are in cpu/number_kernels.cpp.
#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/number_kernels.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/tensorapi.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using detail::cast_nograd;

namespace {

Tensor S(double v) { return wrap_scalar(Scalar(v)); }

// In-place through the out-of-place result r (computed from a clone of self when grad is
// needed): torch's shape and dtype rules for writing r into self, then copy_ for autograd.
Tensor& assign(Tensor& self, const Tensor& r, const char* op) {
  detail::check_inplace_result(op, self, r.sizes(), r.dtype());
  return copy_(self, r);
}
Tensor source(const Tensor& self) { return needs_grad(self) ? clone(self) : self; }

[[noreturn]] void not_implemented(const char* op, Dtype d) {
  EMBER_FAIL(op, "\"", op, "_cpu\" not implemented for '", scalar_type_name(d), "'");
}

// Ops whose derivative torch does not implement: the output still joins the graph (as in
// torch), and backward through it raises.
// (torch words the two cases differently: heaviside's is a RuntimeError, nextafter's a NotImplementedError.)
void record_not_differentiable(const char* node, const char* op, const TensorList& inputs, Tensor& out,
                               ErrorKind kind = ErrorKind::Runtime) {
  if (!autograd::needs_grad_list(inputs)) return;
  std::string name = op;
  record(node, inputs, out, [name, kind](const Tensor&) -> TensorList {
    ::ember::detail::fail(kind, name.c_str(), "the derivative for '", name, "' is not implemented.");
  });
}

// Output of a binary op: broadcast shape, laid out like an input of that shape.
Tensor binary_output(const Tensor& a, const Tensor& b, Dtype d, const char* op) {
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), op);
  return detail::empty_elementwise(shape, d, a.sizes() == shape ? a : b);
}

}  // namespace

// ---------------------------------------------------------------- copysign
Tensor copysign(const Tensor& a, const Tensor& b) {
  Dtype d = detail::to_float_dtype(result_type(a, b));
  Tensor out;
  {
    autograd::NoGradGuard guard;
    Tensor x = abs(cast_nograd(a, d));
    out = where(signbit(cast_nograd(b, d)), neg(x), x);
  }
  if (needs_grad(a, b)) {
    // d/da = sign agreement (result / a), 0 where a == 0; b gets zeros, as in torch
    record("CopysignBackward0", {a, b}, out, [sa = save(a), sr = autograd::save_output(out)](const Tensor& g) -> TensorList {
      Tensor x = sa.unpack();
      Tensor ratio = where(eq(x, S(0)), zeros({}, g.dtype()), div(sr.unpack(), x));
      return {mul(g, ratio), zeros_like(g)};
    });
  }
  return out;
}
Tensor& copysign_(Tensor& self, const Tensor& other) { return assign(self, copysign(source(self), other), "copysign_"); }

// ---------------------------------------------------------------- heaviside
Tensor heaviside(const Tensor& a, const Tensor& values) {
  EMBER_CHECK(a.dtype() == values.dtype(), "heaviside",
              "heaviside is not yet implemented for tensors with different dtypes.");
  Tensor out;
  {
    autograd::NoGradGuard guard;
    broadcast_shapes(a.sizes(), values.sizes(), "heaviside");  // names the op in a shape error
    // 1 above zero, 0 below and for NaN, `values` at (either signed) zero
    out = where(eq(a, S(0)), values, to_dtype(gt(a, S(0)), a.dtype()));
  }
  record_not_differentiable("HeavisideBackward0", "heaviside", {a, values}, out);
  return out;
}
Tensor& heaviside_(Tensor& self, const Tensor& values) { return assign(self, heaviside(self, values), "heaviside_"); }

// ---------------------------------------------------------------- gcd, lcm
namespace {
Tensor gcd_lcm(const Tensor& a, const Tensor& b, bool lcm_op) {
  const char* op = lcm_op ? "lcm" : "gcd";
  Dtype d = result_type(a, b);
  if (is_floating(d) || d == Dtype::Bool) not_implemented(op, d);
  Tensor out = binary_output(a, b, d, op);
  if (lcm_op) cpu::lcm_kernel(out, cast_nograd(a, d), cast_nograd(b, d));
  else cpu::gcd_kernel(out, cast_nograd(a, d), cast_nograd(b, d));
  return out;
}
}  // namespace
Tensor gcd(const Tensor& a, const Tensor& b) { return gcd_lcm(a, b, false); }
Tensor lcm(const Tensor& a, const Tensor& b) { return gcd_lcm(a, b, true); }
Tensor& gcd_(Tensor& self, const Tensor& other) { return assign(self, gcd(self, other), "gcd_"); }
Tensor& lcm_(Tensor& self, const Tensor& other) { return assign(self, lcm(self, other), "lcm_"); }

// ---------------------------------------------------------------- ldexp: torch's own composition
Tensor ldexp(const Tensor& a, const Tensor& b) { return mul(a, pow(Scalar(2.0), b)); }
Tensor& ldexp_(Tensor& self, const Tensor& other) { return mul_(self, pow(Scalar(2.0), other)); }

// ---------------------------------------------------------------- frexp
std::pair<Tensor, Tensor> frexp(const Tensor& t) {
  EMBER_CHECK(is_floating(t.dtype()), "frexp", "torch.frexp() only supports floating-point dtypes");
  Tensor mantissa = detail::empty_elementwise(t.sizes(), t.dtype(), t);
  Tensor exponent = detail::empty_elementwise(t.sizes(), Dtype::Int32, t);
  cpu::frexp_kernel(mantissa, exponent, t);
  if (needs_grad(t)) {
    Tensor e = exponent;
    record("FrexpBackward0", {t}, mantissa, [e](const Tensor& g) -> TensorList { return {div(g, exp2(e))}; });
  }
  return {mantissa, exponent};
}

// ---------------------------------------------------------------- nextafter
Tensor nextafter(const Tensor& a, const Tensor& b) {
  Dtype d = result_type(a, b);
  if (d != Dtype::Float32 && d != Dtype::Float64 && d != Dtype::BFloat16) not_implemented("nextafter", d);
  Tensor out = binary_output(a, b, d, "nextafter");
  cpu::nextafter_kernel(out, cast_nograd(a, d), cast_nograd(b, d));
  record_not_differentiable("NextafterBackward0", "nextafter", {a, b}, out, ErrorKind::NotImplemented);
  return out;
}
Tensor& nextafter_(Tensor& self, const Tensor& other) { return assign(self, nextafter(self, other), "nextafter_"); }

// ---------------------------------------------------------------- in-place forms of existing ops
Tensor& xlogy_(Tensor& self, const Tensor& other) { return assign(self, xlogy(source(self), other), "xlogy_"); }

Tensor& float_power_(Tensor& self, const Tensor& exponent) {
  EMBER_CHECK(self.dtype() == Dtype::Float64, "float_power_", "the base given to float_power_ has dtype ",
              scalar_type_name(self.dtype()), " but the operation's result requires dtype Double");
  return pow_(self, to_dtype(exponent, Dtype::Float64));
}

Tensor& threshold_(Tensor& self, double th, double value) {
  return assign(self, threshold(source(self), th, value), "threshold_");
}

Tensor& celu_(Tensor& self, double alpha) {
  EMBER_CHECK(alpha != 0, "celu_", "ZeroDivisionError: alpha cannot be 0 for CELU");
  return elu_(self, alpha, 1.0, 1.0 / alpha);
}

bool is_nonzero(const Tensor& t) {
  EMBER_CHECK(t.numel() != 0, "is_nonzero", "Boolean value of Tensor with no values is ambiguous");
  EMBER_CHECK(t.numel() == 1, "is_nonzero", "Boolean value of Tensor with more than one value is ambiguous");
  return t.item().to_bool();
}

}  // namespace ember
