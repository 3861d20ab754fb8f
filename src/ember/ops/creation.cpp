// Tensors made from nothing: constants, ranges, identity.
//
// arange, linspace and logspace reproduce torch 1.13's CPU values exactly, not
// just approximately: its kernels fill blocks of one 32-byte vector from a
// per-block base (base + k * step) and the tail element by element, in the
// accumulate type of each dtype, with the multiply-adds that its AVX2 build
// fuses. The code below follows that element for element (see range_value).
#include <cmath>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"

namespace ember {

// ---------------------------------------------------------------- scalar conversion checks
namespace {

template <class T> constexpr double lowest_d() {
  if constexpr (std::is_same_v<T, Half>) return -65504.0;
  else if constexpr (std::is_same_v<T, BFloat16>) return -3.3895313892515355e38;
  else return double(std::numeric_limits<T>::lowest());
}

// torch's c10::overflows<T>(value): may `s` be stored as T? Unsigned integer
// types accept negatives down to -max (they wrap, as two's complement does);
// floating types accept infinities; bool accepts anything.
template <class T> bool overflows(const Scalar& s) {
  if constexpr (std::is_same_v<T, bool>) {
    return false;
  } else if (s.is_bool()) {
    return false;
  } else if (s.is_integral()) {
    const int64_t v = s.to_int();
    if constexpr (is_floating_v<T>) {
      return double(v) < lowest_d<T>() || double(v) > -lowest_d<T>();
    } else if constexpr (std::is_unsigned_v<T>) {
      const uint64_t mx = std::numeric_limits<T>::max();
      return (v > 0 && uint64_t(v) > mx) || (v < 0 && (uint64_t(0) - uint64_t(v)) > mx);
    } else {
      return v < int64_t(std::numeric_limits<T>::lowest()) || v > int64_t(std::numeric_limits<T>::max());
    }
  } else {
    const double v = s.to_double();
    if constexpr (is_floating_v<T>) {
      if (std::isinf(v) || std::isnan(v)) return false;
      return v < lowest_d<T>() || v > -lowest_d<T>();
    } else {
      if (std::isnan(v)) return true;
      return v < double(std::numeric_limits<T>::lowest()) || v > double(std::numeric_limits<T>::max());
    }
  }
}

}  // namespace

bool scalar_fits(const Scalar& s, Dtype d) {
  return !visit_dtype(d, [&](auto tag) { return overflows<typename decltype(tag)::type>(s); });
}

// ---------------------------------------------------------------- constants
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
  // An int fills int64, a bool fills bool, a float fills the default dtype.
  Dtype d = dtype.value_or(value.is_floating() ? default_dtype() : value.natural_dtype());
  check_scalar_fits(value, d, "full");
  Tensor t = empty(size, d);
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
  check_scalar_fits(value, out.dtype(), "full_like");
  cpu::fill_kernel(out, value);
  return out;
}

Tensor& fill_(Tensor& self, const Scalar& value) {
  autograd::check_inplace(self, "fill_");
  check_scalar_fits(value, self.dtype(), "fill_");
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

// ---------------------------------------------------------------- ranges
namespace {

[[noreturn]] void range_not_implemented(const char* op, const char* kernel, Dtype d) {
  EMBER_FAIL(op, "\"", kernel, "\" not implemented for '", dtype_name(d), "'");
}

// The type torch accumulates a range in: double for float and double, float
// for 16-bit floats, int64 for integers.
template <class T> using range_acc_t =
    std::conditional_t<std::is_same_v<T, float> || std::is_same_v<T, double>, double,
                       std::conditional_t<is_floating_v<T>, float, int64_t>>;

// Scalar -> T as torch's Scalar::to<T>(): checked, 16-bit floats through float.
template <class T> T scalar_as(const Scalar& s, const char* op) {
  EMBER_CHECK(!overflows<T>(s), op, "value cannot be converted to type ", dtype_name(dtype_of<T>), " without overflow");
  return s.to<T>();
}

// Elements per 32-byte vector: torch fills each such block from one base.
template <class T> constexpr int64_t kVec = 32 / int64_t(sizeof(T));

// a * b rounded before the add that follows (this file is built with FMA
// contraction allowed; torch's code rounds these products).
template <class T> inline T rmul(T a, T b) {
  T r = a * b;
  asm("" : "+x"(r));
  return r;
}

// double -> integer T as x86-64 code converts it: through a 32-bit (or, for
// 64-bit types, 64-bit) truncating conversion that yields the lowest value when
// out of range, then keeping the low bits. torch's casts compile to exactly that.
template <class T> T truncate_to(double v) {
  if constexpr (sizeof(T) == 8) {
    const bool bad = !(v > -9223372036854775809.0 && v < 9223372036854775808.0);
    return T(bad ? std::numeric_limits<int64_t>::min() : int64_t(v));
  } else {
    const bool bad = !(v > -2147483649.0 && v < 2147483648.0);
    return T(uint32_t(bad ? std::numeric_limits<int32_t>::min() : int32_t(v)));
  }
}

// Calls f(i) -> T for every index and stores the results; elements are
// independent functions of i, so splitting over threads cannot change them.
template <class T, class F> void fill_indexed(Tensor& out, int64_t n, F f) {
  T* p = reinterpret_cast<T*>(out.raw_data());
  parallel_for(0, n, kGrainElementwise, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = f(i);
  });
}

// Element i of a range filled torch's way. The vectorized part (whole pairs of
// vectors from index 0) stores each vector's base, computed like a scalar
// element at the vector's first index, then offset(base, k) for the others;
// the tail past the last pair is scalar(i).
template <class T, class Single, class Offset> auto range_value(int64_t i, int64_t n, Single scalar, Offset offset) {
  constexpr int64_t v = kVec<T>;
  const int64_t k = i % v;
  if (i >= n - n % (2 * v) || k == 0) return scalar(i);  // the tail, or a vector's base
  return offset(scalar(i - k), k);
}

}  // namespace

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<Dtype> dtype) {
  const bool any_float = start.is_floating() || end.is_floating() || step.is_floating();
  const Dtype d = dtype.value_or(any_float ? default_dtype() : Dtype::Int64);
  if (d == Dtype::Bool) range_not_implemented("arange", "arange_cpu", d);
  Tensor out;
  visit_dtype(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      using A = range_acc_t<T>;
      const A xstart = scalar_as<A>(start, "arange"), xend = scalar_as<A>(end, "arange"),
              xstep = scalar_as<A>(step, "arange");
      EMBER_CHECK(xstep > 0 || xstep < 0, "arange", "step must be nonzero");
      EMBER_CHECK(std::isfinite(double(xstart)) && std::isfinite(double(xend)), "arange", "unsupported range: ",
                  double(xstart), " -> ", double(xend));
      EMBER_CHECK((xstep > 0 && xend >= xstart) || (xstep < 0 && xend <= xstart), "arange",
                  "upper bound and larger bound inconsistent with step sign");
      double size_d;
      if constexpr (std::is_same_v<T, int64_t>) {  // exact integer length for int64
        const int64_t sgn = (xstep > 0) - (xstep < 0);
        size_d = std::ceil(double((xend - xstart + xstep - sgn) / xstep));
      } else {
        size_d = std::ceil((end.to_double() - start.to_double()) / step.to_double());
      }
      EMBER_CHECK(size_d >= 0 && size_d <= double(std::numeric_limits<int64_t>::max()), "arange",
                  "invalid size, possible overflow?");
      const int64_t n = int64_t(size_d);
      out = empty({n}, d);
      if constexpr (std::is_integral_v<T>) {
        // exact: start + step * i, wrapping like torch's integer arithmetic
        const uint64_t s0 = uint64_t(int64_t(xstart)), st = uint64_t(int64_t(xstep));
        fill_indexed<T>(out, n, [&](int64_t i) { return T(int64_t(s0 + st * uint64_t(i))); });
      } else {
        // start + step * i fused; each vector adds k * step (fused) to its rounded base
        auto at = [&](int64_t i) { return T(std::fma(xstep, A(i), xstart)); };
        fill_indexed<T>(out, n, [&](int64_t i) {
          return range_value<T>(i, n, at, [&](T base, int64_t k) { return T(std::fma(A(k), xstep, A(base))); });
        });
      }
    }
  });
  return out;
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, std::optional<Dtype> dtype) {
  EMBER_CHECK(steps >= 0, "linspace", "number of steps must be non-negative");
  const Dtype d = dtype.value_or(default_dtype());
  Tensor out = empty({steps}, d);
  if (steps == 0) return out;
  if (steps == 1) {
    check_scalar_fits(start, d, "linspace");
    cpu::fill_kernel(out, start);
    return out;
  }
  if (d == Dtype::Bool) range_not_implemented("linspace", "linspace_cpu", d);
  const int64_t halfway = steps / 2;
  visit_dtype(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      // The first half counts up from start, the second down from end, both
      // fused; a vector whose first element is in the first half counts up
      // throughout. Offsets within a vector are added unfused.
      const T s = scalar_as<T>(start, "linspace"), e = scalar_as<T>(end, "linspace");
      const T step = (e - s) / T(steps - 1);
      auto at = [&](int64_t i) { return i < halfway ? std::fma(step, T(i), s) : std::fma(-step, T(steps - i - 1), e); };
      fill_indexed<T>(out, steps, [&](int64_t i) {
        return range_value<T>(i, steps, at, [&](T base, int64_t k) { return base + rmul(T(k), step); });
      });
    } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      // 16-bit floats compute each step in float and round it back to 16 bits.
      auto r = [](float x) { return float(T(x)); };
      const float s = float(scalar_as<T>(start, "linspace")), e = float(scalar_as<T>(end, "linspace"));
      const float step = r(r(e - s) / r(float(steps - 1)));
      auto at = [&](int64_t i) {
        return i < halfway ? r(s + r(step * r(float(i)))) : r(e - r(step * r(float(steps - i - 1))));
      };
      fill_indexed<T>(out, steps, [&](int64_t i) {
        return T(range_value<T>(i, steps, at, [&](float base, int64_t k) { return r(base + r(float(k) * step)); }));
      });
    } else if constexpr (!std::is_same_v<T, bool>) {
      // Integers: a double step, values truncated.
      const T s = scalar_as<T>(start, "linspace"), e = scalar_as<T>(end, "linspace");
      const double step = (double(e) - double(s)) / double(steps - 1);
      auto at = [&](int64_t i) {
        return T(i < halfway ? std::fma(step, double(i), double(s)) : std::fma(-step, double(steps - i - 1), double(e)));
      };
      fill_indexed<T>(out, steps, [&](int64_t i) {
        return range_value<T>(i, steps, at, [&](T base, int64_t k) { return T(double(base) + rmul(double(k), step)); });
      });
    }
  });
  return out;
}

Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base, std::optional<Dtype> dtype) {
  EMBER_CHECK(steps >= 0, "logspace", "number of steps must be non-negative");
  const Dtype d = dtype.value_or(default_dtype());
  Tensor out = empty({steps}, d);
  if (steps == 0) return out;
  if (steps == 1) {
    Scalar v(std::pow(base, start.to_double()));
    check_scalar_fits(v, d, "logspace");
    cpu::fill_kernel(out, v);
    return out;
  }
  if (d == Dtype::Bool || d == Dtype::Float16) range_not_implemented("logspace", "logspace_cpu", d);
  // Exponents in double from start and end rounded to the dtype, powers in double.
  const int64_t halfway = steps / 2;
  visit_dtype(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool> && !std::is_same_v<T, Half>) {
      const T s = scalar_as<T>(start, "logspace"), e = scalar_as<T>(end, "logspace");
      double diff;
      if constexpr (std::is_integral_v<T>) diff = double(int64_t(e) - int64_t(s));
      else diff = double(T(compute_t<T>(e) - compute_t<T>(s)));  // the difference is a T first
      const double step = diff / double(steps - 1);
      const double ds = double(compute_t<T>(s)), de = double(compute_t<T>(e));
      fill_indexed<T>(out, steps, [&](int64_t i) {
        const double x = i < halfway ? ds + rmul(step, double(i)) : de - rmul(step, double(steps - i - 1));
        const double v = std::pow(base, x);
        if constexpr (std::is_integral_v<T>) return truncate_to<T>(v);
        else return T(compute_t<T>(v));
      });
    }
  });
  return out;
}

Tensor eye(int64_t n, std::optional<int64_t> m_opt, Dtype dtype) {
  int64_t m = m_opt.value_or(n);
  EMBER_CHECK(n >= 0, "eye", "n must be greater or equal to 0, got ", n);
  EMBER_CHECK(m >= 0, "eye", "m must be greater or equal to 0, got ", m);
  if (dtype == Dtype::BFloat16) range_not_implemented("eye", "eye", dtype);  // as torch 1.13's CPU eye
  Tensor out = zeros({n, m}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = reinterpret_cast<T*>(out.raw_data());
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return out;
}

}  // namespace ember
