// Scalar math that the C library lacks: erfinv, digamma, trigamma.
#pragma once
#include <cmath>
#include <limits>

namespace ember::cpu {

template <class T> inline T erfinv(T y) {
  // Giles' single-precision-style approximation refined by two Newton steps in double.
  double x = double(y);
  if (x <= -1) return x == -1 ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
  if (x >= 1) return x == 1 ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
  double w = -std::log((1.0 - x) * (1.0 + x)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w; p = -0.00125372503 + p * w; p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w; p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w; p = -0.0076224613 + p * w; p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w; p = 2.83297682 + p * w;
  }
  double r = p * x;
  const double k = 2.0 / std::sqrt(M_PI);
  for (int i = 0; i < 2; ++i) r -= (std::erf(r) - x) / (k * std::exp(-r * r));
  return T(r);
}

template <class T> inline T digamma(T xin) {
  double x = double(xin);
  if (x == 0) return std::signbit(x) ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
  if (x < 0) {
    if (x == std::floor(x)) return std::numeric_limits<T>::quiet_NaN();
    // reflection: psi(1-x) - psi(x) = pi / tan(pi x)
    return T(digamma(1.0 - x) - M_PI / std::tan(M_PI * x));
  }
  double r = 0;
  while (x < 6) { r -= 1 / x; x += 1; }
  double f = 1 / (x * x);
  double t = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))));
  return T(r + std::log(x) - 0.5 / x + t);
}

template <class T> inline T trigamma(T xin) {
  double x = double(xin);
  double sign = 1, r = 0;
  if (x < 0.5) {
    // reflection: psi1(1-x) + psi1(x) = pi^2 / sin^2(pi x)
    sign = -1;
    double s = std::sin(M_PI * x);
    r = -M_PI * M_PI / (s * s);
    x = 1 - x;
  }
  for (int i = 0; i < 6; ++i) { r += 1 / (x * x); x += 1; }
  double ix2 = 1 / (x * x);
  r += (1 + 1 / (2 * x) + ix2 * (1.0 / 6 - ix2 * (1.0 / 30 - ix2 * (1.0 / 42)))) / x;
  return T(sign * r);
}

}  // namespace ember::cpu
