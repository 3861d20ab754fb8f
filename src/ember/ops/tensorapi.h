// Less common torch functions (the tail of torch's API): elementwise number ops, scatter-style
// and *_copy variants of views, statistics, geometry and creation helpers. Most are written
// with other ember ops, so their derivatives come from those ops; a few have kernels in
// ops/cpu/number_kernels.cpp. Names, argument orders and defaults follow torch.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "ember/ops/ops.h"

namespace ember {

// ---------------------------------------------------------------- elementwise (ops/elementwise_api.cpp)
Tensor copysign(const Tensor& a, const Tensor& b);     // |a| with b's sign bit; computed in float
Tensor& copysign_(Tensor& self, const Tensor& other);
Tensor heaviside(const Tensor& a, const Tensor& values);  // 0 below 0, values at 0, 1 above; one dtype
Tensor& heaviside_(Tensor& self, const Tensor& values);
Tensor gcd(const Tensor& a, const Tensor& b);  // integer dtypes; always >= 0
Tensor& gcd_(Tensor& self, const Tensor& other);
Tensor lcm(const Tensor& a, const Tensor& b);
Tensor& lcm_(Tensor& self, const Tensor& other);
Tensor ldexp(const Tensor& a, const Tensor& b);  // a * 2^b
Tensor& ldexp_(Tensor& self, const Tensor& other);
std::pair<Tensor, Tensor> frexp(const Tensor& t);  // (mantissa, int32 exponent)
Tensor nextafter(const Tensor& a, const Tensor& b);
Tensor& nextafter_(Tensor& self, const Tensor& other);
Tensor& xlogy_(Tensor& self, const Tensor& other);
Tensor& float_power_(Tensor& self, const Tensor& exponent);  // self must be float64
Tensor& threshold_(Tensor& self, double threshold, double value);
Tensor& celu_(Tensor& self, double alpha = 1);
bool is_nonzero(const Tensor& t);  // the truth value of a one-element tensor

}  // namespace ember
