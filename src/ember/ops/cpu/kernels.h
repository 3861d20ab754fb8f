// CPU kernels: pure compute on strided memory. They never allocate outputs,
// never promote types and never touch autograd: the op layer has done all of
// that and hands over operands in their final dtypes and shapes.
#pragma once
#include "ember/core/tensor.h"

namespace ember::cpu {

// dst <- src (broadcast), converting dtypes.
void copy_kernel(const Tensor& dst, const Tensor& src);
void fill_kernel(const Tensor& dst, const Scalar& value);

enum class BinaryOp {
  Add, Sub, Mul, Div, DivTrunc, DivFloor, Remainder, Fmod, Pow, Atan2, Maximum, Minimum, Hypot, Xlogy,
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, BitAnd, BitOr, BitXor, Lshift, Rshift,
};
// a and b share one dtype; out has it too, or bool for comparisons and logical ops.
// alpha scales b for Add/Sub.
void binary_kernel(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
bool is_comparison(BinaryOp op);
// out = x * mask for a floating x and a bool mask (broadcast): the values of x * mask.to(x.dtype)
// (so -0, NaN and inf times a false mask come out as they would) in one pass, no cast copy.
void mul_by_mask_kernel(const Tensor& out, const Tensor& x, const Tensor& mask);

enum class TernaryOp { Where, Lerp, Addcmul, Addcdiv, Clamp };
// Where: (cond bool, a, b); Lerp: (a, end, weight); Addcmul/Addcdiv: (a, t1, t2) with value;
// Clamp: (x, lo, hi), lo/hi broadcast tensors of x's dtype.
void ternary_kernel(TernaryOp op, const Tensor& out, const Tensor& x, const Tensor& y, const Tensor& z,
                    const Scalar& value = 1);
// lerp with a number weight, kept in the compute type (float for 16-bit types) like torch
void lerp_scalar_kernel(const Tensor& out, const Tensor& a, const Tensor& end, double weight);
// clamp with optional scalar bounds (NaN bounds as in torch)
void clamp_scalar_kernel(const Tensor& out, const Tensor& x, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi);

}  // namespace ember::cpu

namespace ember::cpu {

#define EMBER_FLOAT_UNARY_KERNELS(_)                                                                   \
  _(Exp) _(Exp2) _(Expm1) _(Log) _(Log2) _(Log10) _(Log1p) _(Sqrt) _(Rsqrt) _(Sin) _(Cos) _(Tan) _(Asin) \
  _(Acos) _(Atan) _(Sinh) _(Cosh) _(Tanh) _(Asinh) _(Acosh) _(Atanh) _(Sigmoid) _(Erf) _(Erfc) _(Erfinv) \
  _(Frac) _(Reciprocal) _(Silu) _(Mish) _(Hardsigmoid) _(Hardswish) _(Selu) _(Lgamma) _(Digamma)        \
  _(Trigamma) _(Sinc) _(Deg2rad) _(Rad2deg) _(Logit) _(GeluExact) _(GeluTanh) _(Softplus) _(Elu)         \
  _(LeakyRelu) _(Logsigmoid) _(Hardshrink) _(Softshrink) _(Tanhshrink) _(Softsign)                      \
  _(Round) _(NanToNum) _(PowScalar) _(RPowScalar)
// ops valid for every dtype (the op layer refuses bool where torch does)
#define EMBER_ANY_UNARY_KERNELS(_) \
  _(Neg) _(Abs) _(Sign) _(Floor) _(Ceil) _(Trunc) _(Square) _(Relu) _(Positive) _(Hardtanh) _(Threshold)
// bool results
#define EMBER_PREDICATE_UNARY_KERNELS(_) _(Isnan) _(Isinf) _(Isposinf) _(Isneginf) _(Isfinite) _(Signbit) _(LogicalNot)

enum class UnaryOp {
#define EMBER_ENUM(n) n,
  EMBER_FLOAT_UNARY_KERNELS(EMBER_ENUM) EMBER_ANY_UNARY_KERNELS(EMBER_ENUM) EMBER_PREDICATE_UNARY_KERNELS(EMBER_ENUM)
  BitwiseNot,
#undef EMBER_ENUM
};

// Parameters of the parametrized activations (meaning per op: see unary_kernels.cpp).
// Integer kernels convert them to the element type by truncation, as torch does.
struct UnaryParams {
  double a = 0, b = 0, c = 0;
};

// out = op(in); in and out share a dtype except for predicates (bool out).
// Logit takes a = eps, or a < 0 for none.
void unary_kernel(UnaryOp op, const Tensor& out, const Tensor& in, UnaryParams p = {});

// out = grad * d gelu(x) / dx (exact or tanh form); one floating dtype throughout.
void gelu_backward_kernel(const Tensor& out, const Tensor& grad, const Tensor& x, bool tanh_approx);

}  // namespace ember::cpu
