// Kernels of the number-theoretic and float-decomposition ops (gcd, lcm, nextafter, frexp).
// Like every kernel they compute into preallocated outputs whose dtypes the op layer chose.
#pragma once
#include "ember/core/tensor.h"

namespace ember::cpu {

// out = gcd(a, b) / lcm(a, b), elementwise; a, b and out share an integer dtype.
void gcd_kernel(const Tensor& out, const Tensor& a, const Tensor& b);
void lcm_kernel(const Tensor& out, const Tensor& a, const Tensor& b);
// out = the next representable value after a towards b; one floating dtype for all three.
void nextafter_kernel(const Tensor& out, const Tensor& a, const Tensor& b);
// mantissa (in's dtype) and exponent (int32) with in = mantissa * 2^exponent, |mantissa| in [0.5, 1).
void frexp_kernel(const Tensor& mantissa, const Tensor& exponent, const Tensor& in);

}  // namespace ember::cpu
