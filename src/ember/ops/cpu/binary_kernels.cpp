// Binary elementwise kernels, one functor per op.
#include <cmath>
#include <type_traits>

#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

bool is_comparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      return true;
    default:
      return false;
  }
}

namespace {

[[noreturn]] void zero_division() { EMBER_FAIL("", "ZeroDivisionError"); }

// Python's floor division (torch's div_floor_floating). For 16-bit T every step is
// rounded to T, as torch's (vectorized) Half and BFloat16 arithmetic does.
template <class T, class C> inline C floor_div_float(C a, C b) {
  auto r = [](C v) { return C(T(v)); };  // identity for float and double
  if (b == 0) return a / b;
  C mod = r(std::fmod(a, b));
  C div = r(r(a - mod) / b);
  if (mod != 0 && ((b < 0) != (mod < 0))) div = r(div - 1);
  if (div != 0) {
    C fl = r(std::floor(div));
    if (div - fl > C(0.5)) fl = r(fl + 1);
    return fl;
  }
  return std::copysign(C(0), a / b);
}

// v rounded to float16 when T is float16 (torch computes Half ops one rounding at a time).
template <class T, class C> inline C round_half(C v) {
  if constexpr (std::is_same_v<T, Half>) return C(T(v));
  else return v;
}

template <class C> inline C int_pow(C base, C exp) {
  if constexpr (std::is_same_v<C, bool>) return exp ? base : true;
  else {
    if (exp < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exp % 2) ? -1 : 1;
      return 0;
    }
    C r = 1;
    while (exp) {
      if (exp & 1) r = C(r * base);
      base = C(base * base);
      exp >>= 1;
    }
    return r;
  }
}

template <class T> void arith(BinaryOp op, const ElementwiseLoop& L, const Scalar& alpha_s) {
  using C = compute_t<T>;
  constexpr bool is_fp = is_floating_v<T>;
  constexpr bool is_b = std::is_same_v<T, bool>;
  switch (op) {
    case BinaryOp::Add: {
      if constexpr (is_b) {
        run_elementwise<T, T, T>(L, [](bool a, bool b) { return a || b; });
      } else {
        // alpha in T (rounded for 16-bit types); float16 also rounds alpha * b, as torch's Half math does
        C alpha = alpha_s.to<T>();
        if (alpha == C(1)) run_elementwise<T, T, T>(L, [](C a, C b) { return C(a + b); });
        else run_elementwise<T, T, T>(L, [alpha](C a, C b) { return C(a + round_half<T>(alpha * b)); });
      }
      return;
    }
    case BinaryOp::Sub: {
      if constexpr (!is_b) {
        C alpha = alpha_s.to<T>();
        if (alpha == C(1)) run_elementwise<T, T, T>(L, [](C a, C b) { return C(a - b); });
        else run_elementwise<T, T, T>(L, [alpha](C a, C b) { return C(a - round_half<T>(alpha * b)); });
      }
      return;
    }
    case BinaryOp::Mul:
      if constexpr (is_b) run_elementwise<T, T, T>(L, [](bool a, bool b) { return a && b; });
      else run_elementwise<T, T, T>(L, [](C a, C b) { return C(a * b); });
      return;
    case BinaryOp::Div:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return a / b; });
      return;
    case BinaryOp::DivTrunc:
      // the quotient is rounded to T before trunc, as torch's 16-bit arithmetic does
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return std::trunc(C(T(a / b))); });
      else if constexpr (!is_b) run_elementwise<T, T, T>(L, [](C a, C b) { if (b == 0) zero_division(); return C(a / b); });
      return;
    case BinaryOp::DivFloor:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return floor_div_float<T>(a, b); });
      else if constexpr (!is_b)
        run_elementwise<T, T, T>(L, [](C a, C b) {
          if (b == 0) zero_division();
          C q = C(a / b);
          if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
          return q;
        });
      return;
    case BinaryOp::Remainder:
      if constexpr (is_fp)
        run_elementwise<T, T, T>(L, [](C a, C b) {
          C m = std::fmod(a, b);
          if (m != 0 && ((b < 0) != (m < 0))) m += b;
          return m;
        });
      else if constexpr (!is_b)
        run_elementwise<T, T, T>(L, [](C a, C b) {
          if (b == 0) zero_division();
          C m = C(a % b);
          if (m != 0 && ((b < 0) != (m < 0))) m = C(m + b);
          return m;
        });
      return;
    case BinaryOp::Fmod:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return std::fmod(a, b); });
      else if constexpr (!is_b) run_elementwise<T, T, T>(L, [](C a, C b) { if (b == 0) zero_division(); return C(a % b); });
      return;
    case BinaryOp::Pow:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return std::pow(a, b); });
      else run_elementwise<T, T, T>(L, [](C a, C b) { return int_pow<C>(a, b); });
      return;
    case BinaryOp::Atan2:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return std::atan2(a, b); });
      return;
    case BinaryOp::Hypot:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return std::hypot(a, b); });
      return;
    case BinaryOp::Xlogy:
      if constexpr (is_fp)
        run_elementwise<T, T, T>(L, [](C a, C b) -> C {
          if (std::isnan(b)) return b;
          if (a == 0) return 0;
          return a * std::log(b);
        });
      return;
    case BinaryOp::Maximum:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return (a != a || b != b) ? a + b : (a > b ? a : b); });
      else run_elementwise<T, T, T>(L, [](C a, C b) { return a > b ? a : b; });
      return;
    case BinaryOp::Minimum:
      if constexpr (is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return (a != a || b != b) ? a + b : (a < b ? a : b); });
      else run_elementwise<T, T, T>(L, [](C a, C b) { return a < b ? a : b; });
      return;
    case BinaryOp::BitAnd:
      if constexpr (!is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return C(a & b); });
      return;
    case BinaryOp::BitOr:
      if constexpr (!is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return C(a | b); });
      return;
    case BinaryOp::BitXor:
      if constexpr (!is_fp) run_elementwise<T, T, T>(L, [](C a, C b) { return C(a ^ b); });
      return;
    case BinaryOp::Lshift:
      if constexpr (!is_fp && !is_b)
        run_elementwise<T, T, T>(L, [](C a, C b) -> C {
          using U = std::make_unsigned_t<C>;
          if (b < 0 || b >= C(sizeof(C) * 8)) return 0;
          return C(U(a) << b);
        });
      return;
    case BinaryOp::Rshift:
      if constexpr (!is_fp && !is_b)
        run_elementwise<T, T, T>(L, [](C a, C b) -> C {
          if (b < 0 || b >= C(sizeof(C) * 8)) return a < 0 ? C(-1) : C(0);
          return C(a >> b);
        });
      return;
    default:
      return;
  }
}

template <class T> void compare(BinaryOp op, const ElementwiseLoop& L) {
  using C = compute_t<T>;
  switch (op) {
    case BinaryOp::Eq: run_elementwise<bool, T, T>(L, [](C a, C b) { return a == b; }); return;
    case BinaryOp::Ne: run_elementwise<bool, T, T>(L, [](C a, C b) { return a != b; }); return;
    case BinaryOp::Lt: run_elementwise<bool, T, T>(L, [](C a, C b) { return a < b; }); return;
    case BinaryOp::Le: run_elementwise<bool, T, T>(L, [](C a, C b) { return a <= b; }); return;
    case BinaryOp::Gt: run_elementwise<bool, T, T>(L, [](C a, C b) { return a > b; }); return;
    case BinaryOp::Ge: run_elementwise<bool, T, T>(L, [](C a, C b) { return a >= b; }); return;
    case BinaryOp::LogicalAnd: run_elementwise<bool, T, T>(L, [](C a, C b) { return a != C(0) && b != C(0); }); return;
    case BinaryOp::LogicalOr: run_elementwise<bool, T, T>(L, [](C a, C b) { return a != C(0) || b != C(0); }); return;
    case BinaryOp::LogicalXor: run_elementwise<bool, T, T>(L, [](C a, C b) { return (a != C(0)) != (b != C(0)); }); return;
    default: return;
  }
}

}  // namespace

void binary_kernel(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&a, &b});
  if (is_comparison(op)) {
    visit_dtype(a.dtype(), [&](auto tag) { compare<typename decltype(tag)::type>(op, L); });
  } else {
    visit_dtype(a.dtype(), [&](auto tag) { arith<typename decltype(tag)::type>(op, L, alpha); });
  }
}

void mul_by_mask_kernel(const Tensor& out, const Tensor& x, const Tensor& mask) {
  if (out.numel() == 0) return;
  ElementwiseLoop L(out, {&x, &mask});
  visit_floating(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    run_elementwise<T, T, bool>(L, [](C v, bool m) { return v * C(m); });
  });
}

}  // namespace ember::cpu
