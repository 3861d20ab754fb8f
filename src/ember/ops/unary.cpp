// Elementwise unary ops and activations: dtype rule, kernel call and derivative per op.
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using autograd::save_output;
using cpu::UnaryOp;
using cpu::UnaryParams;
using detail::cast_nograd;

namespace {

enum class Rule {
  ToFloat,    // integers and bool compute in the default float dtype (sqrt of an int tensor is float32)
  Keep,       // any dtype, result keeps it
  KeepNoBool, // any dtype but bool
  FloatOnly,  // floating inputs only
  Predicate,  // any dtype in, bool out
};

// The dtype the kernel computes in (for predicates: reads) for input dtype `in`.
Dtype compute_dtype(const char* name, Dtype in, Rule rule) {
  switch (rule) {
    case Rule::ToFloat: return detail::to_float_dtype(in);
    case Rule::Keep: case Rule::Predicate: return in;
    case Rule::KeepNoBool:
      EMBER_CHECK(in != Dtype::Bool, name, "\"", name, "_cpu\" not implemented for 'Bool'");
      return in;
    case Rule::FloatOnly:
      EMBER_CHECK(is_floating(in), name, "\"", name, "_cpu\" not implemented for '", scalar_type_name(in),
                  "' (expected a floating point tensor)");
      return in;
  }
  return in;
}
bool is_predicate(Rule r) { return r == Rule::Predicate; }

Tensor unary_forward(const char* name, UnaryOp op, const Tensor& t, Rule rule, UnaryParams p = {}) {
  Dtype d = compute_dtype(name, t.dtype(), rule);
  Tensor out = detail::empty_elementwise(t.sizes(), is_predicate(rule) ? Dtype::Bool : d, t);
  cpu::unary_kernel(op, out, cast_nograd(t, d), p);
  return out;
}

// In place: straight into self when no graph is needed; otherwise as
// "out-of-place, then copy_" so the gradient is the out-of-place op's.
template <class OutOfPlace>
Tensor& unary_inplace(const char* name, UnaryOp op, Tensor& self, Rule rule, OutOfPlace f, UnaryParams p = {}) {
  if (needs_grad(self)) return copy_(self, f(clone(self)));
  Dtype d = compute_dtype(name, self.dtype(), rule);
  detail::check_inplace_result(name, self, self.sizes(), d);
  autograd::check_inplace(self, name);
  if (d == self.dtype()) cpu::unary_kernel(op, self, self, p);
  else cpu::copy_kernel(self, f(self));
  self.bump_version();
  return self;
}

Tensor S(double v) { return wrap_scalar(v); }

}  // namespace

// A unary op whose derivative needs the input x (X), the output y (Y), or neither (N).
#define EMBER_UNARY_X(name, node, kernel, rule, grad)                                               \
  Tensor name(const Tensor& t) {                                                                    \
    Tensor out = unary_forward(#name, UnaryOp::kernel, t, Rule::rule);                              \
    if (needs_grad(t) && is_floating(out.dtype()))                                                  \
      record(node, {t}, out, [sx = save(t)](const Tensor& g) -> TensorList {                        \
        Tensor x = sx.unpack();                                                                     \
        return {grad};                                                                              \
      });                                                                                           \
    return out;                                                                                     \
  }                                                                                                 \
  Tensor& name##_(Tensor& self) {                                                                   \
    return unary_inplace(#name "_", UnaryOp::kernel, self, Rule::rule, [](const Tensor& x) { return name(x); }); \
  }
#define EMBER_UNARY_Y(name, node, kernel, rule, grad)                                               \
  Tensor name(const Tensor& t) {                                                                    \
    Tensor out = unary_forward(#name, UnaryOp::kernel, t, Rule::rule);                              \
    if (needs_grad(t) && is_floating(out.dtype()))                                                  \
      record(node, {t}, out, [sy = save_output(out)](const Tensor& g) -> TensorList {               \
        Tensor y = sy.unpack();                                                                     \
        return {grad};                                                                              \
      });                                                                                           \
    return out;                                                                                     \
  }                                                                                                 \
  Tensor& name##_(Tensor& self) {                                                                   \
    return unary_inplace(#name "_", UnaryOp::kernel, self, Rule::rule, [](const Tensor& x) { return name(x); }); \
  }
#define EMBER_UNARY_N(name, node, kernel, rule, grad)                                               \
  Tensor name(const Tensor& t) {                                                                    \
    Tensor out = unary_forward(#name, UnaryOp::kernel, t, Rule::rule);                              \
    if (needs_grad(t) && is_floating(out.dtype()))                                                  \
      record(node, {t}, out, [](const Tensor& g) -> TensorList { return {grad}; });                 \
    return out;                                                                                     \
  }                                                                                                 \
  Tensor& name##_(Tensor& self) {                                                                   \
    return unary_inplace(#name "_", UnaryOp::kernel, self, Rule::rule, [](const Tensor& x) { return name(x); }); \
  }

EMBER_UNARY_N(neg, "NegBackward0", Neg, KeepNoBool, neg(g))
EMBER_UNARY_X(abs, "AbsBackward0", Abs, KeepNoBool, mul(g, sign(x)))
EMBER_UNARY_N(sign, "SignBackward0", Sign, Keep, zeros_like(g))
EMBER_UNARY_N(sgn, "SgnBackward0", Sign, Keep, zeros_like(g))
EMBER_UNARY_Y(exp, "ExpBackward0", Exp, ToFloat, mul(g, y))
EMBER_UNARY_Y(exp2, "Exp2Backward0", Exp2, ToFloat, mul(g, mul(y, S(M_LN2))))
EMBER_UNARY_Y(expm1, "Expm1Backward0", Expm1, ToFloat, mul(g, add(y, S(1))))
EMBER_UNARY_X(log, "LogBackward0", Log, ToFloat, div(g, x))
EMBER_UNARY_X(log2, "Log2Backward0", Log2, ToFloat, div(g, mul(x, S(M_LN2))))
EMBER_UNARY_X(log10, "Log10Backward0", Log10, ToFloat, div(g, mul(x, S(M_LN10))))
EMBER_UNARY_X(log1p, "Log1PBackward0", Log1p, ToFloat, div(g, add(x, S(1))))
EMBER_UNARY_Y(sqrt, "SqrtBackward0", Sqrt, ToFloat, div(g, mul(y, S(2))))
EMBER_UNARY_Y(rsqrt, "RsqrtBackward0", Rsqrt, ToFloat, mul(g, mul(pow(y, Scalar(3)), S(-0.5))))
EMBER_UNARY_X(sin, "SinBackward0", Sin, ToFloat, mul(g, cos(x)))
EMBER_UNARY_X(cos, "CosBackward0", Cos, ToFloat, mul(g, neg(sin(x))))
EMBER_UNARY_Y(tan, "TanBackward0", Tan, ToFloat, mul(g, add(mul(y, y), S(1))))
EMBER_UNARY_X(asin, "AsinBackward0", Asin, ToFloat, div(g, sqrt(rsub(mul(x, x), S(1)))))
EMBER_UNARY_X(acos, "AcosBackward0", Acos, ToFloat, neg(div(g, sqrt(rsub(mul(x, x), S(1))))))
EMBER_UNARY_X(atan, "AtanBackward0", Atan, ToFloat, div(g, add(mul(x, x), S(1))))
EMBER_UNARY_X(sinh, "SinhBackward0", Sinh, ToFloat, mul(g, cosh(x)))
EMBER_UNARY_X(cosh, "CoshBackward0", Cosh, ToFloat, mul(g, sinh(x)))
EMBER_UNARY_Y(tanh, "TanhBackward0", Tanh, ToFloat, mul(g, rsub(mul(y, y), S(1))))
EMBER_UNARY_X(asinh, "AsinhBackward0", Asinh, ToFloat, div(g, sqrt(add(mul(x, x), S(1)))))
EMBER_UNARY_X(acosh, "AcoshBackward0", Acosh, ToFloat, div(g, sqrt(sub(mul(x, x), S(1)))))
EMBER_UNARY_X(atanh, "AtanhBackward0", Atanh, ToFloat, div(g, rsub(mul(x, x), S(1))))
EMBER_UNARY_Y(sigmoid, "SigmoidBackward0", Sigmoid, ToFloat, mul(g, mul(y, rsub(y, S(1)))))
EMBER_UNARY_X(erf, "ErfBackward0", Erf, ToFloat, mul(g, mul(exp(neg(mul(x, x))), S(M_2_SQRTPI))))
EMBER_UNARY_X(erfc, "ErfcBackward0", Erfc, ToFloat, mul(g, mul(exp(neg(mul(x, x))), S(-M_2_SQRTPI))))
EMBER_UNARY_Y(erfinv, "ErfinvBackward0", Erfinv, ToFloat, mul(g, mul(exp(mul(y, y)), S(0.5 * std::sqrt(M_PI)))))
EMBER_UNARY_N(floor, "FloorBackward0", Floor, KeepNoBool, zeros_like(g))
EMBER_UNARY_N(ceil, "CeilBackward0", Ceil, KeepNoBool, zeros_like(g))
EMBER_UNARY_N(trunc, "TruncBackward0", Trunc, KeepNoBool, zeros_like(g))
EMBER_UNARY_N(frac, "FracBackward0", Frac, FloatOnly, g)
EMBER_UNARY_Y(reciprocal, "ReciprocalBackward0", Reciprocal, ToFloat, mul(g, neg(mul(y, y))))
EMBER_UNARY_Y(relu, "ReluBackward0", Relu, KeepNoBool, mul(g, gt(y, S(0))))
EMBER_UNARY_X(silu, "SiluBackward0", Silu, FloatOnly,
              ([&] { Tensor s = sigmoid(x); return mul(g, mul(s, add(mul(x, rsub(s, S(1))), S(1)))); })())
EMBER_UNARY_X(mish, "MishBackward0", Mish, FloatOnly, ([&] {
                Tensor t = tanh(softplus(x));
                return mul(g, add(t, mul(mul(x, sigmoid(x)), rsub(mul(t, t), S(1)))));
              })())
EMBER_UNARY_X(hardsigmoid, "HardsigmoidBackward0", Hardsigmoid, FloatOnly,
              where(logical_and(gt(x, S(-3)), lt(x, S(3))), div(g, S(6)), zeros({}, g.dtype())))
EMBER_UNARY_X(hardswish, "HardswishBackward0", Hardswish, FloatOnly,
              where(lt(x, S(-3)), zeros({}, g.dtype()), where(le(x, S(3)), mul(g, add(div(x, S(3)), S(0.5))), g)))
EMBER_UNARY_X(selu, "EluBackward0", Selu, FloatOnly, ([&] {
                constexpr double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
                return where(gt(x, S(0)), mul(g, S(scale)), mul(g, mul(exp(x), S(scale * alpha))));
              })())
EMBER_UNARY_N(positive, "AliasBackward0", Positive, KeepNoBool, g)
EMBER_UNARY_X(lgamma, "LgammaBackward0", Lgamma, ToFloat, mul(g, digamma(x)))
EMBER_UNARY_X(sinc, "SincBackward0", Sinc, ToFloat, ([&] {
                Tensor px = mul(x, S(M_PI));
                Tensor d = div(sub(mul(cos(px), px), sin(px)), mul(px, x));
                return mul(g, where(eq(x, S(0)), zeros({}, g.dtype()), d));
              })())
EMBER_UNARY_N(deg2rad, "Deg2RadBackward0", Deg2rad, ToFloat, mul(g, S(M_PI / 180.0)))
EMBER_UNARY_N(rad2deg, "Rad2DegBackward0", Rad2deg, ToFloat, mul(g, S(180.0 / M_PI)))
#undef EMBER_UNARY_X
#undef EMBER_UNARY_Y
#undef EMBER_UNARY_N

// torch.square is pow(x, 2): bool squares in int64 (the type of bool ** 2).
Tensor square(const Tensor& t) {
  Tensor x = t.dtype() == Dtype::Bool ? cast_nograd(t, Dtype::Int64) : t;
  Tensor out = unary_forward("square", UnaryOp::Square, x, Rule::Keep);
  if (needs_grad(t) && is_floating(out.dtype()))
    record("PowBackward0", {t}, out, [sx = save(t)](const Tensor& g) -> TensorList { return {mul(g, mul(sx.unpack(), S(2)))}; });
  return out;
}
Tensor& square_(Tensor& self) {
  return unary_inplace("square_", UnaryOp::Square, self, Rule::KeepNoBool, [](const Tensor& x) { return square(x); });
}

// logit without eps: log(x / (1 - x)); the kernel's eps < 0 means "no clamping".
Tensor logit(const Tensor& t) {
  Tensor out = unary_forward("logit", UnaryOp::Logit, t, Rule::ToFloat, {-1});
  if (needs_grad(t) && is_floating(out.dtype()))
    record("LogitBackward0", {t}, out, [sx = save(t)](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      return {div(g, mul(x, rsub(x, S(1))))};
    });
  return out;
}
Tensor& logit_(Tensor& self) {
  return unary_inplace("logit_", UnaryOp::Logit, self, Rule::ToFloat, [](const Tensor& x) { return logit(x); }, {-1});
}

// relu6 is hardtanh(0, 6), as in torch (its node is HardtanhBackward0).
Tensor relu6(const Tensor& t) { return hardtanh(t, 0, 6); }
Tensor& relu6_(Tensor& self) { return hardtanh_(self, 0, 6); }

// digamma's derivative is trigamma, which has no public op of its own.
namespace {
Tensor trigamma(const Tensor& t) {
  Tensor out = unary_forward("polygamma", UnaryOp::Trigamma, t, Rule::ToFloat);
  EMBER_CHECK(!needs_grad(t), "polygamma", "derivative of trigamma is not implemented");
  return out;
}
}  // namespace
Tensor digamma(const Tensor& t) {
  Tensor out = unary_forward("digamma", UnaryOp::Digamma, t, Rule::ToFloat);
  if (needs_grad(t)) record("DigammaBackward0", {t}, out, [sx = save(t)](const Tensor& g) -> TensorList {
      autograd::NoGradGuard ng;  // second derivatives of digamma are not supported
      return {mul(g, trigamma(sx.unpack()))};
    });
  return out;
}
Tensor& digamma_(Tensor& self) {
  return unary_inplace("digamma_", UnaryOp::Digamma, self, Rule::ToFloat, [](const Tensor& x) { return digamma(x); });
}

Tensor logical_not(const Tensor& t) { return unary_forward("logical_not", UnaryOp::LogicalNot, t, Rule::Predicate); }
Tensor& logical_not_(Tensor& self) {  // writes 0/1 in self's dtype
  autograd::check_inplace(self, "logical_not_");
  cpu::copy_kernel(self, logical_not(self));
  self.bump_version();
  return self;
}
Tensor bitwise_not(const Tensor& t) {
  EMBER_CHECK(!is_floating(t.dtype()), "bitwise_not", "\"bitwise_not_cpu\" not implemented for '",
              scalar_type_name(t.dtype()), "'");
  return unary_forward("bitwise_not", UnaryOp::BitwiseNot, t, Rule::Keep);
}
Tensor& bitwise_not_(Tensor& self) {
  EMBER_CHECK(!is_floating(self.dtype()), "bitwise_not_", "\"bitwise_not_cpu\" not implemented for '",
              scalar_type_name(self.dtype()), "'");
  autograd::check_inplace(self, "bitwise_not_");
  cpu::unary_kernel(UnaryOp::BitwiseNot, self, self);
  self.bump_version();
  return self;
}

// ---------------------------------------------------------------- predicates
#define EMBER_PREDICATE(name, kernel, rule) \
  Tensor name(const Tensor& t) { return unary_forward(#name, UnaryOp::kernel, t, Rule::rule); }
EMBER_PREDICATE(isnan, Isnan, Predicate)
EMBER_PREDICATE(isinf, Isinf, Predicate)
EMBER_PREDICATE(isposinf, Isposinf, Predicate)
EMBER_PREDICATE(isneginf, Isneginf, Predicate)
EMBER_PREDICATE(isfinite, Isfinite, Predicate)
EMBER_PREDICATE(signbit, Signbit, Predicate)
#undef EMBER_PREDICATE

// ---------------------------------------------------------------- parametrized
Tensor round(const Tensor& t, int64_t decimals) {
  if (!is_floating(t.dtype())) {  // integers are already round: a copy (torch has no decimals for them)
    EMBER_CHECK(t.dtype() != Dtype::Bool && decimals == 0, "round", "\"round_cpu\" not implemented for '",
                scalar_type_name(t.dtype()), "'");
    return clone(t);
  }
  UnaryParams p;
  if (decimals != 0) {  // a: 10^|decimals|, b: its sign
    p.a = std::pow(10.0, double(std::abs(decimals)));
    p.b = decimals > 0 ? 1 : -1;
  }
  Tensor out = unary_forward("round", UnaryOp::Round, t, Rule::FloatOnly, p);
  if (needs_grad(t)) record("RoundBackward0", {t}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return out;
}
Tensor& round_(Tensor& self, int64_t decimals) { return copy_(self, round(needs_grad(self) ? clone(self) : self, decimals)); }

namespace {
double float_max(Dtype d) {
  switch (d) {
    case Dtype::Float64: return std::numeric_limits<double>::max();
    case Dtype::Float16: return 65504.0;
    case Dtype::BFloat16: return double(float(std::numeric_limits<BFloat16>::max()));
    default: return std::numeric_limits<float>::max();
  }
}
}  // namespace

Tensor nan_to_num(const Tensor& t, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  if (!is_floating(t.dtype())) return clone(t);
  double m = float_max(t.dtype());
  UnaryParams p{nan.value_or(0.0), posinf.value_or(m), neginf.value_or(-m)};
  Tensor out = unary_forward("nan_to_num", UnaryOp::NanToNum, t, Rule::FloatOnly, p);
  if (needs_grad(t)) record("NanToNumBackward0", {t}, out, [sx = save(t)](const Tensor& g) -> TensorList {
      return {where(isfinite(sx.unpack()), g, zeros({}, g.dtype()))};
    });
  return out;
}
Tensor& nan_to_num_(Tensor& self, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  Tensor r = nan_to_num(needs_grad(self) ? clone(self) : self, nan, posinf, neginf);
  return copy_(self, r);
}

Tensor gelu(const Tensor& t, const std::string& approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh", "gelu", "approximate argument must be either none or tanh.");
  bool tanh_approx = approximate == "tanh";
  Tensor out = unary_forward("gelu", tanh_approx ? UnaryOp::GeluTanh : UnaryOp::GeluExact, t, Rule::FloatOnly);
  if (needs_grad(t)) {
    record("GeluBackward0", {t}, out, [sx = save(t), tanh_approx](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      // one fused kernel unless the gradient itself must be differentiable (create_graph)
      if (!needs_grad(g, x) && g.dtype() == x.dtype() && g.sizes() == x.sizes()) {
        Tensor gx = detail::empty_elementwise(x.sizes(), x.dtype(), x);
        cpu::gelu_backward_kernel(gx, g, x, tanh_approx);
        return {gx};
      }
      if (!tanh_approx) {
        Tensor cdf = mul(add(erf(mul(x, S(M_SQRT1_2))), S(1)), S(0.5));
        Tensor pdf = mul(exp(mul(mul(x, x), S(-0.5))), S(0.5 * M_2_SQRTPI * M_SQRT1_2));
        return {mul(g, add(cdf, mul(x, pdf)))};
      }
      const double k = M_SQRT2 * M_2_SQRTPI * 0.5, c = 0.044715;
      Tensor x2 = mul(x, x);
      Tensor inner = mul(add(x, mul(mul(x2, x), S(c))), S(k));
      Tensor th = tanh(inner);
      Tensor left = mul(add(th, S(1)), S(0.5));
      Tensor dinner = mul(add(mul(x2, S(3 * c)), S(1)), S(k));
      Tensor right = mul(mul(mul(x, S(0.5)), rsub(mul(th, th), S(1))), dinner);
      return {mul(g, add(left, right))};
    });
  }
  return out;
}

Tensor softplus(const Tensor& t, double beta, double threshold) {
  Tensor out = unary_forward("softplus", UnaryOp::Softplus, t, Rule::FloatOnly, {beta, threshold});
  if (needs_grad(t)) record("SoftplusBackward0", {t}, out, [sx = save(t), beta, threshold](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      Tensor bx = mul(x, S(beta));
      return {where(gt(bx, S(threshold)), g, mul(g, sigmoid(bx)))};
    });
  return out;
}

Tensor elu(const Tensor& t, double alpha, double scale, double input_scale) {
  Tensor out = unary_forward("elu", UnaryOp::Elu, t, Rule::FloatOnly, {alpha, scale, input_scale});
  if (needs_grad(t)) record("EluBackward0", {t}, out, [sx = save(t), alpha, scale, input_scale](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      Tensor neg_branch = mul(g, mul(exp(mul(x, S(input_scale))), S(alpha * scale * input_scale)));
      return {where(gt(x, S(0)), mul(g, S(scale)), neg_branch)};
    });
  return out;
}
Tensor& elu_(Tensor& self, double alpha, double scale, double input_scale) {
  return unary_inplace("elu_", UnaryOp::Elu, self, Rule::FloatOnly,
                       [=](const Tensor& x) { return elu(x, alpha, scale, input_scale); }, {alpha, scale, input_scale});
}
Tensor celu(const Tensor& t, double alpha) {
  EMBER_CHECK(alpha != 0, "celu", "ZeroDivisionError: alpha cannot be 0 for CELU");
  return elu(t, alpha, 1.0, 1.0 / alpha);
}

Tensor leaky_relu(const Tensor& t, double slope) {
  Tensor out = unary_forward("leaky_relu", UnaryOp::LeakyRelu, t, Rule::FloatOnly, {slope});
  if (needs_grad(t)) record("LeakyReluBackward0", {t}, out, [sx = save(t), slope](const Tensor& g) -> TensorList {
      return {where(gt(sx.unpack(), S(0)), g, mul(g, S(slope)))};
    });
  return out;
}
Tensor& leaky_relu_(Tensor& self, double slope) {
  return unary_inplace("leaky_relu_", UnaryOp::LeakyRelu, self, Rule::FloatOnly,
                       [=](const Tensor& x) { return leaky_relu(x, slope); }, {slope});
}

// min(max(x, min_val), max_val) like torch, also when min_val > max_val; any dtype but bool.
Tensor hardtanh(const Tensor& t, double lo, double hi) {
  EMBER_CHECK(!(t.dtype() == Dtype::UInt8 && (int64_t(lo) < 0 || int64_t(hi) < 0)), "hardtanh",
              "cannot do hardtanh on an unsigned type with negative limits");
  Tensor out = unary_forward("hardtanh", UnaryOp::Hardtanh, t, Rule::KeepNoBool, {lo, hi});
  if (needs_grad(t)) record("HardtanhBackward0", {t}, out, [sx = save(t), lo, hi](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      return {where(logical_and(gt(x, S(lo)), lt(x, S(hi))), g, zeros({}, g.dtype()))};
    });
  return out;
}
Tensor& hardtanh_(Tensor& self, double lo, double hi) {
  return unary_inplace("hardtanh_", UnaryOp::Hardtanh, self, Rule::KeepNoBool,
                       [=](const Tensor& x) { return hardtanh(x, lo, hi); }, {lo, hi});
}

Tensor logsigmoid(const Tensor& t) {
  Tensor out = unary_forward("log_sigmoid", UnaryOp::Logsigmoid, t, Rule::FloatOnly);
  if (needs_grad(t)) record("LogSigmoidBackward0", {t}, out, [sx = save(t)](const Tensor& g) -> TensorList {
      return {mul(g, sigmoid(neg(sx.unpack())))};
    });
  return out;
}

Tensor hardshrink(const Tensor& t, double l) {
  Tensor out = unary_forward("hardshrink", UnaryOp::Hardshrink, t, Rule::FloatOnly, {l});
  if (needs_grad(t)) record("HardshrinkBackward0", {t}, out, [sx = save(t), l](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      return {where(logical_and(ge(x, S(-l)), le(x, S(l))), zeros({}, g.dtype()), g)};
    });
  return out;
}
Tensor softshrink(const Tensor& t, double l) {
  EMBER_CHECK(l >= 0, "softshrink", "lambda must be greater or equal to 0, but found to be ", l, ".");
  Tensor out = unary_forward("softshrink", UnaryOp::Softshrink, t, Rule::FloatOnly, {l});
  if (needs_grad(t)) record("SoftshrinkBackward0", {t}, out, [sx = save(t), l](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      return {where(logical_and(ge(x, S(-l)), le(x, S(l))), zeros({}, g.dtype()), g)};
    });
  return out;
}
Tensor tanhshrink(const Tensor& t) { return sub(t, tanh(t)); }
Tensor softsign(const Tensor& t) { return div(t, add(abs(t), S(1))); }

Tensor threshold(const Tensor& t, double th, double value) {
  detail::check_scalar_fits("threshold", th, t.dtype());
  detail::check_scalar_fits("threshold", value, t.dtype());
  Tensor out = unary_forward("threshold", UnaryOp::Threshold, t, Rule::KeepNoBool, {th, value});
  if (needs_grad(t)) record("ThresholdBackward0", {t}, out, [sx = save(t), th](const Tensor& g) -> TensorList {
      return {where(le(sx.unpack(), S(th)), zeros({}, g.dtype()), g)};
    });
  return out;
}

Tensor prelu(const Tensor& t, const Tensor& weight) {
  EMBER_CHECK(weight.numel() == 1 || (t.dim() >= 2 && weight.numel() == t.size(1)), "prelu",
              "Mismatch of parameter numbers and input channel size. Found parameter numbers = ", weight.numel(),
              " and channel size = ", t.dim() >= 2 ? t.size(1) : 1, ".");
  Tensor w = weight;
  if (weight.numel() > 1) {
    Shape s(t.dim(), 1);
    s[1] = weight.numel();
    w = reshape(weight, s);
  } else {
    w = reshape(weight, {});
  }
  return where(gt(t, S(0)), t, mul(w, t));
}

Tensor glu(const Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim(), "glu");
  EMBER_CHECK(t.size(d) % 2 == 0, "glu", "Halving dimension must be even, but dimension ", d, " is size ", t.size(d));
  auto halves = chunk(t, 2, d);
  return mul(halves[0], sigmoid(halves[1]));
}

// A number as the element type `d` holds it: torch rounds number operands of float16/bfloat16 ops.
static double as_dtype(double v, Dtype d) {
  return visit_floating(d, [&](auto tag) { return double(compute_t<typename decltype(tag)::type>(typename decltype(tag)::type(v))); });
}

Tensor pow(const Tensor& a, const Scalar& e) {
  Dtype d = result_type(a, wrap_scalar(e));
  if (!is_floating(d)) {  // integer (or bool) powers go through the integer kernel
    EMBER_CHECK(e.is_bool() || e.to_int() >= 0, "pow", "Integers to negative integer powers are not allowed.");
    return pow(a, wrap_scalar(e));
  }
  double ev = is_reduced_float(d) ? as_dtype(e.to_double(), d) : e.to_double();
  Tensor out = unary_forward("pow", UnaryOp::PowScalar, cast_nograd(a, d), Rule::FloatOnly, {ev});
  if (needs_grad(a)) record("PowBackward0", {a}, out, [sx = save(a), ev](const Tensor& g) -> TensorList {
      if (ev == 0) return {zeros_like(g)};
      Tensor x = sx.unpack();
      return {mul(g, mul(pow(x, Scalar(ev - 1)), S(ev)))};
    });
  return out;
}

Tensor pow(const Scalar& base, const Tensor& e) {
  Dtype d = result_type(wrap_scalar(base), e);
  if (!is_floating(d)) return pow(wrap_scalar(base), e);
  double bv = is_reduced_float(d) ? as_dtype(base.to_double(), d) : base.to_double();
  Tensor out = unary_forward("pow", UnaryOp::RPowScalar, cast_nograd(e, d), Rule::FloatOnly, {bv});
  if (needs_grad(e)) record("PowBackward2", {e}, out, [sx = save(e), sy = save_output(out), bv](const Tensor& g) -> TensorList {
      // d/dx b^x = b^x log b; torch takes it as 0 where b == 0 and x >= 0
      Tensor d = mul(sy.unpack(), S(std::log(bv)));
      if (bv == 0) d = where(ge(sx.unpack(), S(0)), zeros({}, d.dtype()), d);
      return {mul(g, d)};
    });
  return out;
}

}  // namespace ember
