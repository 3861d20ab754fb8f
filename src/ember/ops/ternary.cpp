// Three-operand elementwise ops: where, lerp, clamp, addcmul, addcdiv.
#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using cpu::TernaryOp;
using detail::cast_nograd;

namespace {
Shape broadcast3(const Tensor& a, const Tensor& b, const Tensor& c, const char* op) {
  return broadcast_shapes(broadcast_shapes(a.sizes(), b.sizes(), op), c.sizes(), op);
}
const Tensor& layout_hint(const Shape& shape, const Tensor& a, const Tensor& b) { return a.sizes() == shape ? a : b; }
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(cond.dtype() == Dtype::Bool || cond.dtype() == Dtype::UInt8, "where",
              "where expected condition to be a boolean tensor, but got a tensor with dtype ", dtype_name(cond.dtype()));
  Dtype d = result_type(a, b);
  Shape shape = broadcast3(cond, a, b, "where");
  Tensor out = detail::empty_elementwise(shape, d, layout_hint(shape, a, b));
  cpu::ternary_kernel(TernaryOp::Where, out, cast_nograd(cond, Dtype::Bool), cast_nograd(a, d), cast_nograd(b, d));
  if (needs_grad(a, b) && is_floating(d)) {
    record("WhereBackward0", {a, b}, out, [c = save(cond)](const Tensor& g, const autograd::Node& n) -> TensorList {
      Tensor cc = c.unpack();
      Tensor z = zeros({}, g.dtype());
      return {n.needs_input_grad(0) ? where(cc, g, z) : Tensor(), n.needs_input_grad(1) ? where(cc, z, g) : Tensor()};
    });
  }
  return out;
}

Tensor lerp(const Tensor& a, const Tensor& end, const Tensor& weight) {
  Dtype d = result_type(a, end);
  EMBER_CHECK(is_floating(d), "lerp", "lerp_kernel_scalar not implemented for '", dtype_name(d), "'");
  EMBER_CHECK(a.dtype() == end.dtype() || is_wrapped_number(end), "lerp", "expected dtype ", dtype_name(a.dtype()),
              " for `end` but got dtype ", dtype_name(end.dtype()));
  EMBER_CHECK(weight.dtype() == a.dtype() || is_wrapped_number(weight), "lerp", "expected dtype ",
              dtype_name(a.dtype()), " for `weight` but got dtype ", dtype_name(weight.dtype()));
  Shape shape = broadcast3(a, end, weight, "lerp");
  Tensor out = detail::empty_elementwise(shape, d, layout_hint(shape, a, end));
  if (is_wrapped_number(weight))  // a number weight stays in the compute type (not rounded to 16 bits)
    cpu::lerp_scalar_kernel(out, cast_nograd(a, d), cast_nograd(end, d), weight.item().to_double());
  else
    cpu::ternary_kernel(TernaryOp::Lerp, out, cast_nograd(a, d), cast_nograd(end, d), cast_nograd(weight, d));
  if (needs_grad(a, end, weight)) {
    record("LerpBackward1", {a, end, weight}, out,
           [sa = save(a), se = save(end), sw = save(weight)](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor w = sw.unpack();
             return {n.needs_input_grad(0) ? mul(g, rsub(w, wrap_scalar(1.0))) : Tensor(),
                     n.needs_input_grad(1) ? mul(g, w) : Tensor(),
                     n.needs_input_grad(2) ? mul(g, sub(se.unpack(), sa.unpack())) : Tensor()};
           });
  }
  return out;
}

Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight) {
  Tensor r = lerp(needs_grad(self, end, weight) ? clone(self) : self, end, weight);
  if (!needs_grad(self, end, weight)) {
    detail::check_inplace_result("lerp_", self, r.sizes(), r.dtype());
    autograd::check_inplace(self, "lerp_");
    cpu::copy_kernel(self, r);
    self.bump_version();
    return self;
  }
  return copy_(self, r);
}

Tensor addcmul(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  Dtype d = result_type(TensorList{a, t1, t2});
  Shape shape = broadcast3(a, t1, t2, "addcmul");
  Tensor out = detail::empty_elementwise(shape, d, layout_hint(shape, a, t1));
  cpu::ternary_kernel(TernaryOp::Addcmul, out, cast_nograd(a, d), cast_nograd(t1, d), cast_nograd(t2, d), value);
  if (needs_grad(a, t1, t2)) {
    record("AddcmulBackward0", {a, t1, t2}, out,
           [s1 = save(t1), s2 = save(t2), value](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor v = wrap_scalar(value);
             return {g, n.needs_input_grad(1) ? mul(mul(g, s2.unpack()), v) : Tensor(),
                     n.needs_input_grad(2) ? mul(mul(g, s1.unpack()), v) : Tensor()};
           });
  }
  return out;
}

Tensor addcdiv(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  Dtype d = result_type(TensorList{a, t1, t2});
  EMBER_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)), "addcdiv",
              "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a "
              "true division of tensor1 and tensor2.");
  Shape shape = broadcast3(a, t1, t2, "addcdiv");
  Tensor out = detail::empty_elementwise(shape, d, layout_hint(shape, a, t1));
  cpu::ternary_kernel(TernaryOp::Addcdiv, out, cast_nograd(a, d), cast_nograd(t1, d), cast_nograd(t2, d), value);
  if (needs_grad(a, t1, t2)) {
    record("AddcdivBackward0", {a, t1, t2}, out,
           [s1 = save(t1), s2 = save(t2), value](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor v = wrap_scalar(value);
             Tensor b = s2.unpack();
             return {g, n.needs_input_grad(1) ? mul(div(g, b), v) : Tensor(),
                     n.needs_input_grad(2) ? neg(mul(mul(g, v), div(s1.unpack(), mul(b, b)))) : Tensor()};
           });
  }
  return out;
}

Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  if (!needs_grad(self, t1, t2)) {
    Dtype d = result_type(TensorList{self, t1, t2});
    detail::check_inplace_result("addcmul_", self, broadcast3(self, t1, t2, "addcmul_"), d);
    autograd::check_inplace(self, "addcmul_");
    Tensor x1 = cast_nograd(t1, d), x2 = cast_nograd(t2, d);
    if (detail::check_input_overlap("addcmul_", self, t1)) x1 = clone(x1);
    if (detail::check_input_overlap("addcmul_", self, t2)) x2 = clone(x2);
    if (d == self.dtype()) cpu::ternary_kernel(TernaryOp::Addcmul, self, self, x1, x2, value);
    else cpu::copy_kernel(self, addcmul(self, t1, t2, value));
    self.bump_version();
    return self;
  }
  return copy_(self, addcmul(clone(self), t1, t2, value));
}

Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  EMBER_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)), "addcdiv_",
              "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a "
              "true division of tensor1 and tensor2.");
  if (!needs_grad(self, t1, t2)) {
    Dtype d = result_type(TensorList{self, t1, t2});
    detail::check_inplace_result("addcdiv_", self, broadcast3(self, t1, t2, "addcdiv_"), d);
    autograd::check_inplace(self, "addcdiv_");
    Tensor x1 = cast_nograd(t1, d), x2 = cast_nograd(t2, d);
    if (detail::check_input_overlap("addcdiv_", self, t1)) x1 = clone(x1);
    if (detail::check_input_overlap("addcdiv_", self, t2)) x2 = clone(x2);
    if (d == self.dtype()) cpu::ternary_kernel(TernaryOp::Addcdiv, self, self, x1, x2, value);
    else cpu::copy_kernel(self, addcdiv(self, t1, t2, value));
    self.bump_version();
    return self;
  }
  return copy_(self, addcdiv(clone(self), t1, t2, value));
}

// ---------------------------------------------------------------- clamp
Tensor clamp(const Tensor& t, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  EMBER_CHECK(lo || hi, "clamp", "At least one of 'min' or 'max' must not be None");
  TensorList parts{t};
  if (lo) parts.push_back(wrap_scalar(*lo));
  if (hi) parts.push_back(wrap_scalar(*hi));
  Dtype d = result_type(parts);
  Tensor x = cast_nograd(t, d);
  Tensor out = detail::empty_elementwise(t.sizes(), d, t);
  cpu::clamp_scalar_kernel(out, x, lo, hi);
  if (needs_grad(t)) {
    record("ClampBackward1", {t}, out, [st = save(t), lo, hi](const Tensor& g) -> TensorList {
      Tensor x = st.unpack();
      Tensor mask = ones_like(x, Dtype::Bool);
      if (lo) mask = logical_and(mask, ge(x, wrap_scalar(*lo)));
      if (hi) mask = logical_and(mask, le(x, wrap_scalar(*hi)));
      return {where(mask, g, zeros({}, g.dtype()))};
    });
  }
  return out;
}

Tensor clamp(const Tensor& t, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi) {
  EMBER_CHECK(lo || hi, "clamp", "At least one of 'min' or 'max' must not be None");
  TensorList parts{t};
  if (lo) parts.push_back(*lo);
  if (hi) parts.push_back(*hi);
  Dtype d = result_type(parts);
  Shape shape = t.sizes();
  if (lo) shape = broadcast_shapes(shape, lo->sizes(), "clamp");
  if (hi) shape = broadcast_shapes(shape, hi->sizes(), "clamp");
  Tensor out;
  if (lo && hi) {
    out = detail::empty_elementwise(shape, d, t);
    cpu::ternary_kernel(TernaryOp::Clamp, out, cast_nograd(t, d), cast_nograd(*lo, d), cast_nograd(*hi, d));
  } else if (lo) {
    autograd::NoGradGuard ng;
    out = maximum(cast_nograd(t, d), cast_nograd(*lo, d));
    // maximum propagates NaN of either side like clamp does
  } else {
    autograd::NoGradGuard ng;
    out = minimum(cast_nograd(t, d), cast_nograd(*hi, d));
  }
  TensorList inputs{t, lo ? *lo : Tensor(), hi ? *hi : Tensor()};
  if (autograd::needs_grad_list(inputs)) {
    record("ClampBackward0", inputs, out,
           [st = save(t), sl = lo ? save(*lo) : autograd::SavedTensor(), sh = hi ? save(*hi) : autograd::SavedTensor()](
               const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor x = st.unpack();
             Tensor z = zeros({}, g.dtype());
             Tensor in_range = ones_like(g, Dtype::Bool);
             Tensor gl, gh;
             if (sl.defined()) {
               Tensor l = sl.unpack();
               in_range = logical_and(in_range, ge(x, l));
               if (n.needs_input_grad(1)) gl = where(lt(x, l), g, z);
             }
             if (sh.defined()) {
               Tensor h = sh.unpack();
               in_range = logical_and(in_range, le(x, h));
               if (n.needs_input_grad(2)) gh = where(gt(x, h), g, z);
             }
             return {n.needs_input_grad(0) ? where(in_range, g, z) : Tensor(), gl, gh};
           });
  }
  return out;
}

Tensor& clamp_(Tensor& self, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  if (!needs_grad(self)) {
    EMBER_CHECK(lo || hi, "clamp_", "At least one of 'min' or 'max' must not be None");
    TensorList parts{self};
    if (lo) parts.push_back(wrap_scalar(*lo));
    if (hi) parts.push_back(wrap_scalar(*hi));
    detail::check_inplace_result("clamp_", self, self.sizes(), result_type(parts));
    autograd::check_inplace(self, "clamp_");
    cpu::clamp_scalar_kernel(self, self, lo, hi);
    self.bump_version();
    return self;
  }
  return copy_(self, clamp(clone(self), lo, hi));
}

Tensor& clamp_(Tensor& self, const std::optional<Tensor>& lo, const std::optional<Tensor>& hi) {
  Tensor r = clamp(needs_grad(self) ? clone(self) : self, lo, hi);
  if (!autograd::needs_grad_list({self, lo ? *lo : Tensor(), hi ? *hi : Tensor()})) {
    detail::check_inplace_result("clamp_", self, r.sizes(), r.dtype());
    autograd::check_inplace(self, "clamp_");
    cpu::copy_kernel(self, r);
    self.bump_version();
    return self;
  }
  return copy_(self, r);
}

}  // namespace ember
