// Three-operand elementwise kernels.
#include <cmath>
#include <limits>

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

void lerp_scalar_kernel(const Tensor& out, const Tensor& a, const Tensor& end, double weight) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&a, &end});
  visit_floating(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const C w = C(weight);  // in the compute type: torch does not round it to a 16-bit type
    if (std::abs(w) < C(0.5)) run_elementwise<T, T, T>(L, [w](C x, C e) { return x + w * (e - x); });
    else run_elementwise<T, T, T>(L, [w](C x, C e) { return e - (e - x) * (C(1) - w); });
  });
}

void clamp_scalar_kernel(const Tensor& out, const Tensor& x, const std::optional<Scalar>& lo_s, const std::optional<Scalar>& hi_s) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&x});
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    bool has_lo = bool(lo_s), has_hi = bool(hi_s);
    C lo = has_lo ? lo_s->to<C>() : C(0), hi = has_hi ? hi_s->to<C>() : C(0);
    if constexpr (is_floating_v<T>) {
      // torch: a NaN bound makes everything NaN when both bounds are given, and is ignored alone
      if (has_lo && has_hi && (lo != lo || hi != hi)) {
        run_elementwise<T, T>(L, [](C) { return std::numeric_limits<C>::quiet_NaN(); });
        return;
      }
      if (has_lo && lo != lo) has_lo = false;
      if (has_hi && hi != hi) has_hi = false;
      if (!has_lo && !has_hi) { run_elementwise<T, T>(L, [](C a) { return a; }); return; }
    }
    // max with lo, then min with hi (hi wins when lo > hi); a NaN input stays NaN
    if (has_lo && has_hi) run_elementwise<T, T>(L, [lo, hi](C a) { C r = a < lo ? lo : a; return r > hi ? hi : r; });
    else if (has_lo) run_elementwise<T, T>(L, [lo](C a) { return a < lo ? lo : a; });
    else run_elementwise<T, T>(L, [hi](C a) { return a > hi ? hi : a; });
  });
}

}  // namespace ember::cpu
