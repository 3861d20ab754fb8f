// Three-operand elementwise kernels.
#include <cmath>

#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

void ternary_kernel(TernaryOp op, const Tensor& out, const Tensor& x, const Tensor& y, const Tensor& z, const Scalar& value) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&x, &y, &z});
  if (op == TernaryOp::Where) {
    visit_dtype(out.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      run_elementwise<T, bool, T, T>(L, [](bool c, C a, C b) { return c ? a : b; });
    });
    return;
  }
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    switch (op) {
      case TernaryOp::Lerp:
        if constexpr (is_floating_v<T>)
          run_elementwise<T, T, T, T>(L, [](C a, C e, C w) {
            return std::abs(w) < C(0.5) ? a + w * (e - a) : e - (e - a) * (C(1) - w);
          });
        break;
      case TernaryOp::Addcmul:
        if constexpr (!std::is_same_v<T, bool>) {
          C v = value.to<C>();
          run_elementwise<T, T, T, T>(L, [v](C a, C b, C c) { return C(a + v * b * c); });
        }
        break;
      case TernaryOp::Addcdiv:
        if constexpr (is_floating_v<T>) {
          C v = value.to<C>();
          run_elementwise<T, T, T, T>(L, [v](C a, C b, C c) { return a + v * (b / c); });
        }
        break;
      case TernaryOp::Clamp:
        if constexpr (is_floating_v<T>)
          run_elementwise<T, T, T, T>(L, [](C a, C lo, C hi) {
            if (a != a) return a;
            C r = lo != lo ? lo : (a < lo ? lo : a);
            return hi != hi ? hi : (r > hi ? hi : r);
          });
        else
          run_elementwise<T, T, T, T>(L, [](C a, C lo, C hi) { C r = a < lo ? lo : a; return r > hi ? hi : r; });
        break;
      default:
        break;
    }
  });
}

void clamp_scalar_kernel(const Tensor& out, const Tensor& x, const std::optional<Scalar>& lo_s, const std::optional<Scalar>& hi_s) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&x});
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      run_elementwise<T, T>(L, [lo = lo_s, hi = hi_s](bool a) {
        bool r = a;
        if (lo && r < lo->to_bool()) r = lo->to_bool();
        if (hi && r > hi->to_bool()) r = hi->to_bool();
        return r;
      });
    } else {
      bool has_lo = bool(lo_s), has_hi = bool(hi_s);
      C lo = has_lo ? lo_s->to<C>() : C(0), hi = has_hi ? hi_s->to<C>() : C(0);
      if constexpr (is_floating_v<T>) {
        if (has_lo && lo != lo) { run_elementwise<T, T>(L, [lo](C) { return lo; }); return; }
        if (has_hi && hi != hi) { run_elementwise<T, T>(L, [hi](C) { return hi; }); return; }
      }
      if (has_lo && has_hi) run_elementwise<T, T>(L, [lo, hi](C a) { return a < lo ? lo : (a > hi ? hi : a); });
      else if (has_lo) run_elementwise<T, T>(L, [lo](C a) { return a < lo ? lo : a; });
      else run_elementwise<T, T>(L, [hi](C a) { return a > hi ? hi : a; });
    }
  });
}

}  // namespace ember::cpu
