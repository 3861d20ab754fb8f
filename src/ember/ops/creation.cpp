// Tensors made from nothing: constants, ranges, identity.
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"

namespace ember {

Tensor zeros(const Shape& size, Dtype dtype) {
  Tensor t = empty(size, dtype);
  cpu::fill_kernel(t, 0);
  return t;
}

Tensor ones(const Shape& size, Dtype dtype) {
  Tensor t = empty(size, dtype);
  cpu::fill_kernel(t, 1);
  return t;
}

Tensor full(const Shape& size, const Scalar& value, std::optional<Dtype> dtype) {
  Tensor t = empty(size, dtype.value_or(value.natural_dtype() == Dtype::Float32 ? default_dtype() : value.natural_dtype()));
  cpu::fill_kernel(t, value);
  return t;
}

Tensor empty_like(const Tensor& t, std::optional<Dtype> dtype) {
  return detail::empty_elementwise(t.sizes(), dtype.value_or(t.dtype()), t);
}
Tensor zeros_like(const Tensor& t, std::optional<Dtype> dtype) {
  Tensor out = empty_like(t, dtype);
  cpu::fill_kernel(out, 0);
  return out;
}
Tensor ones_like(const Tensor& t, std::optional<Dtype> dtype) {
  Tensor out = empty_like(t, dtype);
  cpu::fill_kernel(out, 1);
  return out;
}
Tensor full_like(const Tensor& t, const Scalar& value, std::optional<Dtype> dtype) {
  Tensor out = empty_like(t, dtype);
  cpu::fill_kernel(out, value);
  return out;
}

Tensor& fill_(Tensor& self, const Scalar& value) {
  autograd::check_inplace(self, "fill_");
  cpu::fill_kernel(self, value);
  autograd::record_inplace("FillBackward0", self, {}, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return self;
}

Tensor& fill_(Tensor& self, const Tensor& value) {
  EMBER_CHECK(value.dim() == 0, "fill_", "fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
              " dimensions.");
  autograd::check_inplace(self, "fill_");
  Tensor v = value;
  cpu::copy_kernel(self, v);
  autograd::record_inplace("FillBackward1", self, {value}, [](const Tensor& g) -> TensorList {
    return {zeros_like(g), sum(g)};
  });
  return self;
}

Tensor& zero_(Tensor& self) { return fill_(self, Scalar(0)); }
Tensor& Tensor::zero_() { return ember::zero_(*this); }
Tensor& Tensor::fill_(const Scalar& v) { return ember::fill_(*this, v); }

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<Dtype> dtype) {
  bool any_float = start.is_floating() || end.is_floating() || step.is_floating();
  Dtype d = dtype.value_or(any_float ? default_dtype() : Dtype::Int64);
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(st != 0, "arange", "step must be nonzero");
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "arange", "unsupported range: ", s, " -> ", e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange", "upper bound and larger bound inconsistent with step sign");
  int64_t n;
  if (!any_float && !is_floating(d))
    n = (end.to_int() - start.to_int() + step.to_int() - (step.to_int() > 0 ? 1 : -1)) / step.to_int();
  else
    n = int64_t(std::ceil((e - s) / st));
  Tensor out = empty({std::max<int64_t>(n, 0)}, d);
  visit_dtype(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = reinterpret_cast<T*>(out.raw_data());
    if constexpr (is_floating_v<T>) {
      for (int64_t i = 0; i < n; ++i) p[i] = T(s + st * double(i));
    } else {
      int64_t si = start.to_int(), sti = step.to_int();
      if (any_float) for (int64_t i = 0; i < n; ++i) p[i] = T(s + st * double(i));
      else for (int64_t i = 0; i < n; ++i) p[i] = T(si + sti * i);
    }
  });
  return out;
}

Tensor linspace(double start, double end, int64_t steps, std::optional<Dtype> dtype) {
  EMBER_CHECK(steps >= 0, "linspace", "number of steps must be non-negative");
  Dtype d = dtype.value_or(default_dtype());
  Tensor out = empty({steps}, d);
  visit_dtype(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = reinterpret_cast<T*>(out.raw_data());
    if (steps == 1) { p[0] = T(start); return; }
    double step = (end - start) / double(steps - 1);
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i) {
      if constexpr (is_floating_v<T>) {
        // torch fills from both ends so the last element is exactly `end`
        using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
        C cs = C(start), ce = C(end), cst = C(step);
        p[i] = T(i < half ? cs + cst * C(i) : ce - cst * C(steps - 1 - i));
      } else {
        p[i] = T(i < half ? start + step * double(i) : end - step * double(steps - 1 - i));
      }
    }
  });
  return out;
}

Tensor logspace(double start, double end, int64_t steps, double base, std::optional<Dtype> dtype) {
  EMBER_CHECK(steps >= 0, "logspace", "number of steps must be non-negative");
  Dtype d = dtype.value_or(default_dtype());
  Tensor out = empty({steps}, d);
  visit_dtype(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = reinterpret_cast<T*>(out.raw_data());
    if (steps == 1) { p[0] = T(std::pow(base, start)); return; }
    double step = (end - start) / double(steps - 1);
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i) {
      if constexpr (std::is_same_v<T, float> || is_reduced_float_v<T>) {
        float e = i < half ? float(start) + float(step) * float(i) : float(end) - float(step) * float(steps - 1 - i);
        p[i] = T(std::pow(float(base), e));
      } else {
        double e = i < half ? start + step * double(i) : end - step * double(steps - 1 - i);
        p[i] = T(std::pow(base, e));
      }
    }
  });
  return out;
}

Tensor eye(int64_t n, std::optional<int64_t> m_opt, Dtype dtype) {
  int64_t m = m_opt.value_or(n);
  EMBER_CHECK(n >= 0, "eye", "n must be greater or equal to 0, got ", n);
  EMBER_CHECK(m >= 0, "eye", "m must be greater or equal to 0, got ", m);
  Tensor out = zeros({n, m}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = reinterpret_cast<T*>(out.raw_data());
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return out;
}

}  // namespace ember
