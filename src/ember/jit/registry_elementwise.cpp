// Registry entries of the elementwise families (python/src/ops_elementwise.cpp
// and the operators of number_protocol.cpp): binary, unary, ternary, activations.
#include "ember/jit/op_registry.h"

namespace ember::jit {

namespace {

using T = TensorList;
using A = const Args&;

Scalar alpha(A a, size_t i) { return a.has(i) ? a.scalar(i) : Scalar(int64_t(1)); }

}  // namespace

void register_elementwise_ops(Registry& r) {
  // ---- binary arithmetic: (self, other, alpha=1) / (self, other, rounding_mode=None)
  r.add("add", [](A a) -> T { return {add(a.tensor(0), a.tensor(1), alpha(a, 2))}; });
  r.add("sub", [](A a) -> T { return {sub(a.tensor(0), a.tensor(1), alpha(a, 2))}; });
  r.add("rsub", [](A a) -> T { return {rsub(a.tensor(0), a.tensor(1), alpha(a, 2))}; });
  r.alias("subtract", "sub");
  r.add("add_", [](A a) -> T { Tensor t = inplace_target(a); return {add_(t, a.tensor(1), alpha(a, 2))}; }, kInplace);
  r.add("sub_", [](A a) -> T { Tensor t = inplace_target(a); return {sub_(t, a.tensor(1), alpha(a, 2))}; }, kInplace);
  r.alias("subtract_", "sub_");
  r.add("mul", [](A a) -> T { return {mul(a.tensor(0), a.tensor(1))}; });
  r.alias("multiply", "mul");
  r.add("mul_", [](A a) -> T { Tensor t = inplace_target(a); return {mul_(t, a.tensor(1))}; }, kInplace);
  r.alias("multiply_", "mul_");
  r.add("div", [](A a) -> T { return {div(a.tensor(0), a.tensor(1), a.opt_s(2))}; });
  r.alias("divide", "div");
  r.alias("true_divide", "div");
  r.add("div_", [](A a) -> T { Tensor t = inplace_target(a); return {div_(t, a.tensor(1), a.opt_s(2))}; }, kInplace);
  r.alias("divide_", "div_");
  r.alias("true_divide_", "div_");

#define EMBER_REG_BINARY(name)                                                                      \
  r.add(#name, [](A a) -> T { return {name(a.tensor(0), a.tensor(1))}; });                         \
  r.add(#name "_", [](A a) -> T { Tensor t = inplace_target(a); return {name##_(t, a.tensor(1))}; }, kInplace);
  EMBER_REG_BINARY(floor_divide)
  EMBER_REG_BINARY(remainder)
  EMBER_REG_BINARY(fmod)
  EMBER_REG_BINARY(atan2)
  EMBER_REG_BINARY(hypot)
  EMBER_REG_BINARY(eq)
  EMBER_REG_BINARY(ne)
  EMBER_REG_BINARY(lt)
  EMBER_REG_BINARY(le)
  EMBER_REG_BINARY(gt)
  EMBER_REG_BINARY(ge)
  EMBER_REG_BINARY(logical_and)
  EMBER_REG_BINARY(logical_or)
  EMBER_REG_BINARY(logical_xor)
  EMBER_REG_BINARY(bitwise_and)
  EMBER_REG_BINARY(bitwise_or)
  EMBER_REG_BINARY(bitwise_xor)
  EMBER_REG_BINARY(bitwise_left_shift)
  EMBER_REG_BINARY(bitwise_right_shift)
#undef EMBER_REG_BINARY
  r.alias("arctan2", "atan2");
  r.alias("greater", "gt");
  r.alias("greater_equal", "ge");
  r.alias("less", "lt");
  r.alias("less_equal", "le");
  r.alias("not_equal", "ne");
  r.add("maximum", [](A a) -> T { return {maximum(a.tensor(0), a.tensor(1))}; });
  r.add("minimum", [](A a) -> T { return {minimum(a.tensor(0), a.tensor(1))}; });
  r.add("fmax", [](A a) -> T {
    Tensor x = a.tensor(0), y = a.tensor(1);
    return {where(isnan(x), y, where(isnan(y), x, maximum(x, y)))};
  });
  r.add("fmin", [](A a) -> T {
    Tensor x = a.tensor(0), y = a.tensor(1);
    return {where(isnan(x), y, where(isnan(y), x, minimum(x, y)))};
  });
  r.add("xlogy", [](A a) -> T { return {xlogy(a.tensor(0), a.tensor(1))}; });
  r.add("equal", nullptr, kReadsValue);
  r.add("allclose", nullptr, kReadsValue);
  r.add("isclose", [](A a) -> T { return {isclose(a.tensor(0), a.tensor(1), a.d(2, 1e-5), a.d(3, 1e-8), a.b(4, false))}; });
  r.add("logaddexp", [](A a) -> T { return {logaddexp(a.tensor(0), a.tensor(1))}; });
  r.add("logaddexp2", [](A a) -> T { return {logaddexp2(a.tensor(0), a.tensor(1))}; });

  // pow(Tensor, Tensor), pow(Tensor, number), pow(number, Tensor)
  r.add("pow", [](A a) -> T {
    if (a.is_number(0)) return {pow(a.scalar(0), a.tensor(1))};
    if (a.is_number(1)) return {pow(a.tensor(0), a.scalar(1))};
    return {pow(a.tensor(0), a.tensor(1))};
  });
  r.add("pow_", [](A a) -> T { Tensor t = inplace_target(a); return {pow_(t, a.tensor(1))}; }, kInplace);
  r.add("float_power", [](A a) -> T {
    return {pow(to_dtype(a.tensor(0), Dtype::Float64), to_dtype(a.tensor(1), Dtype::Float64))};
  });

  // ---- ternary
  r.add("where", [](A a) -> T {
    if (a.size() == 1) return nonzero_tuple(a.tensor(0));
    return {where(a.tensor(0), a.tensor(1), a.tensor(2))};
  });
  r.add("lerp", [](A a) -> T { return {lerp(a.tensor(0), a.tensor(1), a.tensor(2))}; });
  r.add("lerp_", [](A a) -> T { Tensor t = inplace_target(a); return {lerp_(t, a.tensor(1), a.tensor(2))}; }, kInplace);
  r.add("addcmul", [](A a) -> T { return {addcmul(a.tensor(0), a.tensor(1), a.tensor(2), alpha(a, 3))}; });
  r.add("addcdiv", [](A a) -> T { return {addcdiv(a.tensor(0), a.tensor(1), a.tensor(2), alpha(a, 3))}; });
  r.add("addcmul_", [](A a) -> T { Tensor t = inplace_target(a); return {addcmul_(t, a.tensor(1), a.tensor(2), alpha(a, 3))}; }, kInplace);
  r.add("addcdiv_", [](A a) -> T { Tensor t = inplace_target(a); return {addcdiv_(t, a.tensor(1), a.tensor(2), alpha(a, 3))}; }, kInplace);
  // clamp(self, min=None, max=None): numbers or tensors
  r.add("clamp", [](A a) -> T {
    if (a.is_tensor(1) || a.is_tensor(2)) return {clamp(a.tensor(0), a.maybe_tensor(1), a.maybe_tensor(2))};
    return {clamp(a.tensor(0), a.opt_scalar(1), a.opt_scalar(2))};
  });
  r.alias("clip", "clamp");
  r.add("clamp_", [](A a) -> T {
    Tensor t = inplace_target(a);
    if (a.is_tensor(1) || a.is_tensor(2)) return {clamp_(t, a.maybe_tensor(1), a.maybe_tensor(2))};
    return {clamp_(t, a.opt_scalar(1), a.opt_scalar(2))};
  }, kInplace);
  r.alias("clip_", "clamp_");
  r.add("clamp_min", [](A a) -> T { return {clamp(a.tensor(0), std::optional<Scalar>(a.scalar(1)), std::nullopt)}; });
  r.add("clamp_max", [](A a) -> T { return {clamp(a.tensor(0), std::nullopt, std::optional<Scalar>(a.scalar(1)))}; });

  // ---- unary: name(self) and name_(self)
#define EMBER_REG_UNARY(name)                                                  \
  r.add(#name, [](A a) -> T { return {name(a.tensor(0))}; });                  \
  r.add(#name "_", [](A a) -> T { Tensor t = inplace_target(a); return {name##_(t)}; }, kInplace);
  EMBER_UNARY_OPS(EMBER_REG_UNARY)
#undef EMBER_REG_UNARY
  const std::pair<const char*, const char*> aliases[] = {
      {"negative", "neg"}, {"absolute", "abs"}, {"arcsin", "asin"},   {"arccos", "acos"}, {"arctan", "atan"},
      {"arcsinh", "asinh"}, {"arccosh", "acosh"}, {"arctanh", "atanh"}, {"fix", "trunc"}};
  for (auto [alias, name] : aliases) {
    r.alias(alias, name);
    r.alias(std::string(alias) + "_", std::string(name) + "_");
  }
  r.alias("special_expit", "sigmoid");
  // operator ~: logical_not for bool, bitwise_not otherwise (number_protocol.cpp)
  r.add("__invert__", [](A a) -> T {
    Tensor x = a.tensor(0);
    return {x.dtype() == Dtype::Bool ? logical_not(x) : bitwise_not(x)};
  });
  r.add("round", [](A a) -> T { return {round(a.tensor(0), a.i(1, 0))}; });
  r.add("round_", [](A a) -> T { Tensor t = inplace_target(a); return {round_(t, a.i(1, 0))}; }, kInplace);
  r.add("isnan", [](A a) -> T { return {isnan(a.tensor(0))}; });
  r.add("isinf", [](A a) -> T { return {isinf(a.tensor(0))}; });
  r.add("isposinf", [](A a) -> T { return {isposinf(a.tensor(0))}; });
  r.add("isneginf", [](A a) -> T { return {isneginf(a.tensor(0))}; });
  r.add("isfinite", [](A a) -> T { return {isfinite(a.tensor(0))}; });
  r.add("isreal", [](A a) -> T { return {ones_like(a.tensor(0), Dtype::Bool)}; });
  r.add("signbit", [](A a) -> T { return {signbit(a.tensor(0))}; });
  r.add("nan_to_num", [](A a) -> T { return {nan_to_num(a.tensor(0), a.d(1, 0.0), a.opt_d(2), a.opt_d(3))}; });
  r.add("nan_to_num_", [](A a) -> T { Tensor t = inplace_target(a); return {nan_to_num_(t, a.d(1, 0.0), a.opt_d(2), a.opt_d(3))}; }, kInplace);
  r.add("logit", [](A a) -> T {
    Tensor x = a.tensor(0);
    if (!a.has(1)) return {logit(x)};
    double eps = a.d(1);
    return {logit(clamp(x, std::optional<Scalar>(eps), std::optional<Scalar>(1.0 - eps)))};
  });

  // ---- activations with parameters (nn.functional's _C calls)
  r.add("gelu", [](A a) -> T { return {gelu(a.tensor(0), a.s(1, "none"))}; });
  r.add("softplus", [](A a) -> T { return {softplus(a.tensor(0), a.d(1, 1.0), a.d(2, 20.0))}; });
  r.add("elu", [](A a) -> T { return {elu(a.tensor(0), a.d(1, 1.0), a.d(2, 1.0), a.d(3, 1.0))}; });
  r.add("elu_", [](A a) -> T { Tensor t = inplace_target(a); return {elu_(t, a.d(1, 1.0))}; }, kInplace);
  r.add("celu", [](A a) -> T { return {celu(a.tensor(0), a.d(1, 1.0))}; });
  r.add("leaky_relu", [](A a) -> T { return {leaky_relu(a.tensor(0), a.d(1, 0.01))}; });
  r.add("leaky_relu_", [](A a) -> T { Tensor t = inplace_target(a); return {leaky_relu_(t, a.d(1, 0.01))}; }, kInplace);
  r.add("hardtanh", [](A a) -> T { return {hardtanh(a.tensor(0), a.d(1, -1.0), a.d(2, 1.0))}; });
  r.add("hardtanh_", [](A a) -> T { Tensor t = inplace_target(a); return {hardtanh_(t, a.d(1, -1.0), a.d(2, 1.0))}; }, kInplace);
  r.add("logsigmoid", [](A a) -> T { return {logsigmoid(a.tensor(0))}; });
  r.add("hardshrink", [](A a) -> T { return {hardshrink(a.tensor(0), a.d(1, 0.5))}; });
  r.add("softshrink", [](A a) -> T { return {softshrink(a.tensor(0), a.d(1, 0.5))}; });
  r.add("tanhshrink", [](A a) -> T { return {tanhshrink(a.tensor(0))}; });
  r.add("softsign", [](A a) -> T { return {softsign(a.tensor(0))}; });
  r.add("threshold", [](A a) -> T { return {threshold(a.tensor(0), a.d(1), a.d(2))}; });
  r.add("prelu", [](A a) -> T { return {prelu(a.tensor(0), a.tensor(1))}; });
  r.add("glu", [](A a) -> T { return {glu(a.tensor(0), a.i(1, -1))}; });
}

}  // namespace ember::jit
