// Window functions (torch.bartlett/blackman/hamming/hann/kaiser_window), built like torch's
// TensorFactories.cpp: a ramp in the target dtype shaped by ember ops; kaiser evaluates its
// Bessel function in double.
#include <cmath>
#include <numbers>

#include "ember/ops/tensorapi.h"

namespace ember {

namespace {

void check_window(const char* op, int64_t length, Dtype dtype) {
  EMBER_CHECK(is_floating(dtype), "", op, " expects floating point dtypes, got: ", dtype_name(dtype));
  EMBER_CHECK(length >= 0, "", op, " requires non-negative window_length, got window_length=", length);
}

Tensor S(double v) { return wrap_scalar(Scalar(v)); }

// Windows of length 0 and 1 are fixed; a periodic window is the symmetric one of length + 1
// without its last point. `shape` builds the symmetric window of the given length.
template <class F> Tensor make_window(const char* op, int64_t length, bool periodic, Dtype dtype, F&& shape) {
  check_window(op, length, dtype);
  if (length == 0) return empty({0}, dtype);
  if (length == 1) return ones({1}, dtype);
  const int64_t n = periodic ? length + 1 : length;
  Tensor w = shape(arange(0, n, 1, dtype), n);
  return periodic ? narrow(w, 0, 0, n - 1) : w;
}

// The modified Bessel function I0 by its power series (converges for every x; |x| is small here).
double bessel_i0(double x) {
  double term = 1, total = 1, q = x * x / 4;
  for (int k = 1; k < 500 && term > total * 1e-17; ++k) {
    term *= q / (double(k) * double(k));
    total += term;
  }
  return total;
}

}  // namespace

Tensor hamming_window(int64_t length, bool periodic, double alpha, double beta, Dtype dtype) {
  return make_window("hamming_window", length, periodic, dtype, [&](const Tensor& ramp, int64_t n) {
    return add(mul(cos(mul(ramp, S(2 * std::numbers::pi / double(n - 1)))), S(-beta)), S(alpha));
  });
}

Tensor hann_window(int64_t length, bool periodic, Dtype dtype) {
  check_window("hann_window", length, dtype);
  return hamming_window(length, periodic, 0.5, 0.5, dtype);
}

Tensor bartlett_window(int64_t length, bool periodic, Dtype dtype) {
  return make_window("bartlett_window", length, periodic, dtype, [&](const Tensor& ramp, int64_t n) {
    Tensor w = mul(ramp, S(2.0 / double(n - 1)));
    const int64_t half = ((n - 1) >> 1) + 1;  // the rising half; the rest falls as 2 - w
    return cat({narrow(w, 0, 0, half), add(neg(narrow(w, 0, half, n - half)), S(2))}, 0);
  });
}

Tensor blackman_window(int64_t length, bool periodic, Dtype dtype) {
  return make_window("blackman_window", length, periodic, dtype, [&](const Tensor& ramp, int64_t n) {
    Tensor w = mul(ramp, S(std::numbers::pi / double(n - 1)));
    return add(sub(mul(cos(mul(w, S(4))), S(0.08)), mul(cos(mul(w, S(2))), S(0.5))), S(0.42));
  });
}

Tensor kaiser_window(int64_t length, bool periodic, double beta, Dtype dtype) {
  return make_window("kaiser_window", length, periodic, dtype, [&](const Tensor&, int64_t n) {
    Tensor w = empty({n}, Dtype::Float64);
    double* p = w.data_ptr<double>();
    const double alpha = double(n - 1) / 2, denom = bessel_i0(beta);
    for (int64_t i = 0; i < n; ++i) {
      const double r = (double(i) - alpha) / alpha;
      p[i] = bessel_i0(beta * std::sqrt(std::max(0.0, 1 - r * r))) / denom;
    }
    return to_dtype(w, dtype);
  });
}

}  // namespace ember
