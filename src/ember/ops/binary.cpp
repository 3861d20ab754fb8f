// Elementwise binary ops: promotion, broadcasting, the kernel call and the
// derivative, together per op.
#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using cpu::BinaryOp;
using detail::cast_nograd;

namespace {

const char* op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "add";
    case BinaryOp::Sub: return "sub";
    case BinaryOp::Mul: return "mul";
    case BinaryOp::Div: case BinaryOp::DivTrunc: case BinaryOp::DivFloor: return "div";
    case BinaryOp::Remainder: return "remainder";
    case BinaryOp::Fmod: return "fmod";
    case BinaryOp::Pow: return "pow";
    case BinaryOp::Atan2: return "atan2";
    case BinaryOp::Maximum: return "maximum";
    case BinaryOp::Minimum: return "minimum";
    case BinaryOp::Hypot: return "hypot";
    case BinaryOp::Xlogy: return "xlogy";
    case BinaryOp::Eq: return "eq";
    case BinaryOp::Ne: return "ne";
    case BinaryOp::Lt: return "lt";
    case BinaryOp::Le: return "le";
    case BinaryOp::Gt: return "gt";
    case BinaryOp::Ge: return "ge";
    case BinaryOp::LogicalAnd: return "logical_and";
    case BinaryOp::LogicalOr: return "logical_or";
    case BinaryOp::LogicalXor: return "logical_xor";
    case BinaryOp::BitAnd: return "bitwise_and";
    case BinaryOp::BitOr: return "bitwise_or";
    case BinaryOp::BitXor: return "bitwise_xor";
    case BinaryOp::Lshift: return "bitwise_left_shift";
    case BinaryOp::Rshift: return "bitwise_right_shift";
  }
  return "binary";
}

// Ops that compute integer inputs in the default float dtype (int / int is float32).
bool promotes_to_float(BinaryOp op) {
  return op == BinaryOp::Div || op == BinaryOp::Atan2 || op == BinaryOp::Xlogy;
}
bool integral_only(BinaryOp op) {
  return op == BinaryOp::BitAnd || op == BinaryOp::BitOr || op == BinaryOp::BitXor || op == BinaryOp::Lshift ||
         op == BinaryOp::Rshift;
}

[[noreturn]] void not_implemented(const char* name, Dtype d) {
  EMBER_FAIL(name, "\"", name, "_cpu\" not implemented for '", scalar_type_name(d), "'");
}

// The dtype the kernel computes in; refuses the dtypes torch has no kernel for.
Dtype compute_dtype(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = op_name(op);
  if (op == BinaryOp::Sub) {  // torch refuses a bool operand on either side, even with a float other
    EMBER_CHECK(a.dtype() != Dtype::Bool || b.dtype() != Dtype::Bool, "sub",
                "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead.");
    EMBER_CHECK(a.dtype() != Dtype::Bool && b.dtype() != Dtype::Bool, "sub",
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead.");
  }
  Dtype d = result_type(a, b);
  if (promotes_to_float(op)) d = detail::to_float_dtype(d);
  if (integral_only(op) && is_floating(d)) not_implemented(name, d);
  if (op == BinaryOp::Hypot && !is_floating(d)) not_implemented(name, d);
  if (d == Dtype::Bool) {
    switch (op) {
      case BinaryOp::Lshift: case BinaryOp::Rshift: case BinaryOp::DivTrunc: case BinaryOp::DivFloor:
      case BinaryOp::Remainder: case BinaryOp::Fmod: case BinaryOp::Pow:
        not_implemented(name, d);
      default: break;
    }
  }
  return d;
}

void check_alpha(const char* name, Dtype d, const Scalar& alpha) {
  EMBER_CHECK(!alpha.is_bool() || d == Dtype::Bool, name, "Boolean alpha only supported for Boolean results.");
  EMBER_CHECK(!(alpha.is_floating() && !is_floating(d)), name,
              "For integral input tensors, argument alpha must not be a floating point number.");
}

// Forward only: out = op(a, b).
Tensor binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha = 1) {
  const char* name = op_name(op);
  EMBER_CHECK(a.device() == b.device(), name, "Expected all tensors to be on the same device, but found ",
              a.device().str(), " and ", b.device().str());
  Dtype cd = compute_dtype(op, a, b);
  if (op == BinaryOp::Add || op == BinaryOp::Sub) check_alpha(name, cd, alpha);
  // equal shapes (the common case) need no broadcast shape of their own
  Shape broadcast;
  const bool same = a.sizes() == b.sizes();
  if (!same) broadcast = broadcast_shapes(a.sizes(), b.sizes(), name);
  const Shape& shape = same ? a.sizes() : broadcast;
  Dtype od = cpu::is_comparison(op) ? Dtype::Bool : cd;
  Tensor out = detail::empty_elementwise(shape, od, same || a.sizes() == shape ? a : b);
  // gradient masks (g * (y > 0) in relu's and friends' backward): no float copy of the mask
  if (op == BinaryOp::Mul && is_floating(cd) && (a.dtype() == Dtype::Bool) != (b.dtype() == Dtype::Bool) &&
      (a.dtype() == cd || b.dtype() == cd)) {
    const bool mask_first = a.dtype() == Dtype::Bool;
    cpu::mul_by_mask_kernel(out, mask_first ? b : a, mask_first ? a : b);
    return out;
  }
  cpu::binary_kernel(op, out, cast_nograd(a, cd), cast_nograd(b, cd), alpha);
  return out;
}

// In-place forward: self = op(self, other); returns self. Autograd is recorded by the caller.
void binary_forward_inplace(BinaryOp op, Tensor& self, const Tensor& other, const Scalar& alpha = 1) {
  const char* name = op_name(op);
  Dtype cd = compute_dtype(op, self, other);
  if (op == BinaryOp::Add || op == BinaryOp::Sub) check_alpha(name, cd, alpha);
  Shape shape = broadcast_shapes(self.sizes(), other.sizes(), name);
  // comparison_ writes 0/1 in self's dtype
  detail::check_inplace_result(name, self, shape, cpu::is_comparison(op) ? self.dtype() : cd);
  bool copy_other = detail::check_input_overlap(name, self, other);
  autograd::check_inplace(self, name);
  Tensor oc = cast_nograd(other, cd);
  if (self.dtype() == cd && !cpu::is_comparison(op)) {
    if (copy_other && oc.raw_data() == other.raw_data()) oc = clone(detach(oc));
    cpu::binary_kernel(op, self, self, oc, alpha);
  } else {
    Tensor sc = cast_nograd(self, cd);
    Tensor tmp = empty(shape, cpu::is_comparison(op) ? Dtype::Bool : cd);
    cpu::binary_kernel(op, tmp, sc, oc, alpha);
    cpu::copy_kernel(self, tmp);
  }
}

// ---- derivative formulas: gradients for (a, b) given the output gradient.
TensorList mul_grad(const Tensor& g, const Tensor& a, const Tensor& b, const autograd::Node& n) {
  return {n.needs_input_grad(0) ? mul(g, b) : Tensor(), n.needs_input_grad(1) ? mul(g, a) : Tensor()};
}
TensorList div_grad(const Tensor& g, const Tensor& a, const Tensor& b, const autograd::Node& n) {
  Tensor ga, gb;
  if (n.needs_input_grad(0)) ga = div(g, b);
  if (n.needs_input_grad(1)) gb = neg(div(mul(g, a), mul(b, b)));
  return {ga, gb};
}
TensorList pow_grad(const Tensor& g, const Tensor& a, const Tensor& b, const autograd::Node& n) {
  Tensor ga, gb;
  if (n.needs_input_grad(0)) {
    // d/da a^b = b * a^(b-1), taken as 0 where b == 0 (even at a == 0)
    Tensor d = mul(b, pow(a, sub(b, wrap_scalar(1))));
    ga = mul(g, where(eq(b, wrap_scalar(0.0)), zeros_like(d), d));
  }
  if (n.needs_input_grad(1)) {
    // d/db a^b = a^b * log(a), taken as 0 where a == 0 and b >= 0
    Tensor d = mul(pow(a, b), log(a));
    Tensor mask = logical_and(eq(a, wrap_scalar(0.0)), ge(b, wrap_scalar(0.0)));
    gb = mul(g, where(mask, zeros_like(d), d));
  }
  return {ga, gb};
}

template <class Grad>
Tensor binary_with_grad(const char* node_name, BinaryOp op, const Tensor& a, const Tensor& b, Grad grad) {
  Tensor out = binary_forward(op, a, b);
  if (needs_grad(a, b) && is_floating(out.dtype())) {
    record(node_name, {a, b}, out, [sa = save(a), sb = save(b), grad](const Tensor& g, const autograd::Node& n) {
      return grad(g, sa.unpack(), sb.unpack(), n);
    });
  }
  return out;
}

template <class Grad>
Tensor& binary_inplace_with_grad(const char* node_name, BinaryOp op, Tensor& self, const Tensor& other, Grad grad) {
  bool track = needs_grad(self, other);
  Tensor self_old = track ? clone(detach(self)) : Tensor();
  binary_forward_inplace(op, self, other);
  autograd::record_inplace(node_name, self, {other},
                           [so = save(self_old), sb = save(other), grad](const Tensor& g, const autograd::Node& n) {
                             return grad(g, so.unpack(), sb.unpack(), n);
                           });
  return self;
}

Tensor no_grad_binary(BinaryOp op, const Tensor& a, const Tensor& b) { return binary_forward(op, a, b); }

}  // namespace

// ---------------------------------------------------------------- arithmetic
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  Tensor out = binary_forward(BinaryOp::Add, a, b, alpha);
  if (needs_grad(a, b)) {
    record("AddBackward0", {a, b}, out, [alpha](const Tensor& g) -> TensorList {
      return {g, alpha.to_double() == 1.0 ? g : mul(g, wrap_scalar(alpha))};
    });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  Tensor out = binary_forward(BinaryOp::Sub, a, b, alpha);
  if (needs_grad(a, b)) {
    record("SubBackward0", {a, b}, out, [alpha](const Tensor& g) -> TensorList {
      return {g, alpha.to_double() == 1.0 ? neg(g) : mul(g, wrap_scalar(-alpha.to_double()))};
    });
  }
  return out;
}

Tensor rsub(const Tensor& a, const Tensor& b, const Scalar& alpha) { return sub(b, a, alpha); }

Tensor mul(const Tensor& a, const Tensor& b) { return binary_with_grad("MulBackward0", BinaryOp::Mul, a, b, mul_grad); }

Tensor div(const Tensor& a, const Tensor& b, const std::optional<std::string>& rounding_mode) {
  if (!rounding_mode) return binary_with_grad("DivBackward0", BinaryOp::Div, a, b, div_grad);
  EMBER_CHECK(*rounding_mode == "trunc" || *rounding_mode == "floor", "div",
                    "expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *rounding_mode, "'");
  Tensor out = binary_forward(*rounding_mode == "trunc" ? BinaryOp::DivTrunc : BinaryOp::DivFloor, a, b);
  if (needs_grad(a, b) && is_floating(out.dtype()))
    record("DivBackward1", {a, b}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g), zeros_like(g)}; });
  return out;
}

Tensor floor_divide(const Tensor& a, const Tensor& b) { return div(a, b, std::string("floor")); }

Tensor remainder(const Tensor& a, const Tensor& b) {
  return binary_with_grad("RemainderBackward0", BinaryOp::Remainder, a, b,
                          [](const Tensor& g, const Tensor& x, const Tensor& y, const autograd::Node& n) -> TensorList {
                            return {g, n.needs_input_grad(1) ? mul(neg(g), div(x, y, std::string("floor"))) : Tensor()};
                          });
}

Tensor fmod(const Tensor& a, const Tensor& b) {
  return binary_with_grad("FmodBackward0", BinaryOp::Fmod, a, b,
                          [](const Tensor& g, const Tensor& x, const Tensor& y, const autograd::Node& n) -> TensorList {
                            return {g, n.needs_input_grad(1) ? mul(neg(g), div(x, y, std::string("trunc"))) : Tensor()};
                          });
}

Tensor pow(const Tensor& a, const Tensor& b) {
  return binary_with_grad("PowBackward1", BinaryOp::Pow, a, b, pow_grad);
}

Tensor atan2(const Tensor& a, const Tensor& b) {
  return binary_with_grad("Atan2Backward0", BinaryOp::Atan2, a, b,
                          [](const Tensor& g, const Tensor& x, const Tensor& y, const autograd::Node&) -> TensorList {
                            Tensor r = add(mul(x, x), mul(y, y));
                            return {mul(g, div(y, r)), mul(g, div(neg(x), r))};
                          });
}

Tensor hypot(const Tensor& a, const Tensor& b) {
  return binary_with_grad("HypotBackward0", BinaryOp::Hypot, a, b,
                          [](const Tensor& g, const Tensor& x, const Tensor& y, const autograd::Node&) -> TensorList {
                            Tensor h = hypot(x, y);
                            return {mul(g, div(x, h)), mul(g, div(y, h))};
                          });
}

Tensor xlogy(const Tensor& a, const Tensor& b) {
  return binary_with_grad("XlogyBackward0", BinaryOp::Xlogy, a, b,
                          [](const Tensor& g, const Tensor& x, const Tensor& y, const autograd::Node&) -> TensorList {
                            Tensor gx = mul(g, where(logical_and(eq(x, wrap_scalar(0.0)), le(y, wrap_scalar(0.0))),
                                                     zeros_like(y), log(y)));
                            return {gx, mul(g, div(x, y))};
                          });
}

namespace {
// maximum/minimum: the gradient goes to the selected input, split evenly on ties (torch 1.13).
TensorList minmax_grad(const Tensor& g, const Tensor& a, const Tensor& b, bool is_max) {
  Tensor half = where(eq(a, b), div(g, wrap_scalar(2.0)), g);
  Tensor zero = zeros({}, g.dtype());
  Tensor a_loses = is_max ? lt(a, b) : gt(a, b);
  Tensor b_loses = is_max ? gt(a, b) : lt(a, b);
  return {where(a_loses, zero, half), where(b_loses, zero, half)};
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary_with_grad("MaximumBackward0", BinaryOp::Maximum, a, b,
                          [](const Tensor& g, const Tensor& x, const Tensor& y, const autograd::Node&) {
                            return minmax_grad(g, x, y, true);
                          });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary_with_grad("MinimumBackward0", BinaryOp::Minimum, a, b,
                          [](const Tensor& g, const Tensor& x, const Tensor& y, const autograd::Node&) {
                            return minmax_grad(g, x, y, false);
                          });
}

// ---------------------------------------------------------------- comparisons and logic (no gradient)
Tensor eq(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Ge, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::LogicalAnd, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::LogicalOr, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::LogicalXor, a, b); }
Tensor bitwise_and(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::BitAnd, a, b); }
Tensor bitwise_or(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::BitOr, a, b); }
Tensor bitwise_xor(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::BitXor, a, b); }
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Lshift, a, b); }
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b) { return no_grad_binary(BinaryOp::Rshift, a, b); }

// ---------------------------------------------------------------- in-place
Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  binary_forward_inplace(BinaryOp::Add, self, other, alpha);
  autograd::record_inplace("AddBackward0", self, {other}, [alpha](const Tensor& g) -> TensorList {
    return {g, alpha.to_double() == 1.0 ? g : mul(g, wrap_scalar(alpha))};
  });
  return self;
}

Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  binary_forward_inplace(BinaryOp::Sub, self, other, alpha);
  autograd::record_inplace("SubBackward0", self, {other}, [alpha](const Tensor& g) -> TensorList {
    return {g, mul(g, wrap_scalar(-alpha.to_double()))};
  });
  return self;
}

Tensor& mul_(Tensor& self, const Tensor& other) { return binary_inplace_with_grad("MulBackward0", BinaryOp::Mul, self, other, mul_grad); }

Tensor& div_(Tensor& self, const Tensor& other, const std::optional<std::string>& rounding_mode) {
  if (!rounding_mode) return binary_inplace_with_grad("DivBackward0", BinaryOp::Div, self, other, div_grad);
  EMBER_CHECK(*rounding_mode == "trunc" || *rounding_mode == "floor", "div_",
                    "expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *rounding_mode, "'");
  binary_forward_inplace(*rounding_mode == "trunc" ? BinaryOp::DivTrunc : BinaryOp::DivFloor, self, other);
  autograd::record_inplace("DivBackward1", self, {other},
                           [](const Tensor& g) -> TensorList { return {zeros_like(g), zeros_like(g)}; });
  return self;
}

Tensor& floor_divide_(Tensor& self, const Tensor& other) { return div_(self, other, std::string("floor")); }

#define EMBER_INPLACE_VIA_OUTOFPLACE(name, fn)                                 \
  Tensor& name(Tensor& self, const Tensor& other) {                            \
    if (!needs_grad(self, other)) {                                            \
      binary_forward_inplace(BinaryOp::fn, self, other);                       \
      self.bump_version();                                                     \
      return self;                                                             \
    }                                                                          \
    Tensor r = name##_outofplace(clone(self), other);                          \
    return copy_(self, r);                                                     \
  }

namespace {
Tensor remainder__outofplace(const Tensor& a, const Tensor& b) { return remainder(a, b); }
Tensor fmod__outofplace(const Tensor& a, const Tensor& b) { return fmod(a, b); }
Tensor pow__outofplace(const Tensor& a, const Tensor& b) { return pow(a, b); }
Tensor atan2__outofplace(const Tensor& a, const Tensor& b) { return atan2(a, b); }
Tensor hypot__outofplace(const Tensor& a, const Tensor& b) { return hypot(a, b); }
Tensor maximum__outofplace(const Tensor& a, const Tensor& b) { return maximum(a, b); }
}  // namespace

// These record as "compute out of place, then copy_ into self": one extra
// buffer, but the gradient is exactly that of the out-of-place op.
EMBER_INPLACE_VIA_OUTOFPLACE(remainder_, Remainder)
EMBER_INPLACE_VIA_OUTOFPLACE(fmod_, Fmod)
EMBER_INPLACE_VIA_OUTOFPLACE(pow_, Pow)
EMBER_INPLACE_VIA_OUTOFPLACE(atan2_, Atan2)
EMBER_INPLACE_VIA_OUTOFPLACE(hypot_, Hypot)
EMBER_INPLACE_VIA_OUTOFPLACE(maximum_, Maximum)
#undef EMBER_INPLACE_VIA_OUTOFPLACE

#define EMBER_NOGRAD_INPLACE(name, fn)                                           \
  Tensor& name(Tensor& self, const Tensor& other) {                              \
    binary_forward_inplace(BinaryOp::fn, self, other);                           \
    /* in place, these turn self into a constant: zero gradient to its history */ \
    autograd::record_inplace(#fn "Backward", self, {other},                      \
                             [](const Tensor& g) -> TensorList { return {zeros_like(g), Tensor()}; }); \
    return self;                                                                 \
  }
EMBER_NOGRAD_INPLACE(eq_, Eq)
EMBER_NOGRAD_INPLACE(ne_, Ne)
EMBER_NOGRAD_INPLACE(lt_, Lt)
EMBER_NOGRAD_INPLACE(le_, Le)
EMBER_NOGRAD_INPLACE(gt_, Gt)
EMBER_NOGRAD_INPLACE(ge_, Ge)
EMBER_NOGRAD_INPLACE(logical_and_, LogicalAnd)
EMBER_NOGRAD_INPLACE(logical_or_, LogicalOr)
EMBER_NOGRAD_INPLACE(logical_xor_, LogicalXor)
EMBER_NOGRAD_INPLACE(bitwise_and_, BitAnd)
EMBER_NOGRAD_INPLACE(bitwise_or_, BitOr)
EMBER_NOGRAD_INPLACE(bitwise_xor_, BitXor)
EMBER_NOGRAD_INPLACE(bitwise_left_shift_, Lshift)
EMBER_NOGRAD_INPLACE(bitwise_right_shift_, Rshift)
#undef EMBER_NOGRAD_INPLACE

}  // namespace ember
