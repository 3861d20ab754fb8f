// Random sampling ops: argument checks (torch's rules and messages), output
// allocation and autograd; the draws themselves are in cpu/random_kernels.cpp.
// In-place samplers are differentiable only in the trivial sense torch gives
// them: the overwritten tensor's gradient is zero.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops/cpu/random_kernels.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

[[noreturn]] void not_implemented_for(const char* op, const char* kernel, Dtype d) {
  EMBER_FAIL(op, "\"", kernel, "\" not implemented for '", scalar_type_name(d), "'");
}
void require_floating(const Tensor& t, const char* op, const char* kernel) {
  if (!is_floating(t.dtype())) not_implemented_for(op, kernel, t.dtype());
}

// A sampler writes every element once: a tensor whose elements share memory
// (an expanded view) cannot be filled.
void check_no_internal_overlap(const Tensor& t, const char* op) {
  if (t.numel() == 0) return;
  for (int64_t d = 0; d < t.dim(); ++d)
    EMBER_CHECK(!(t.strides()[d] == 0 && t.sizes()[d] > 1), op,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

// Checks shared by the in-place samplers, before anything is written.
void begin_inplace(const Tensor& self, const char* op) {
  autograd::check_inplace(self, op);
  check_no_internal_overlap(self, op);
}

// After the kernel wrote self: bump the version and give self a zero gradient.
void end_inplace(Tensor& self, const char* node) {
  autograd::record_inplace(node, self, {}, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
}

// Bounds of a floating dtype as doubles.
template <class T> double lowest_of() {
  if constexpr (std::is_same_v<T, Half>) return -65504.0;
  else if constexpr (std::is_same_v<T, BFloat16>) return -3.38953138925153547590470800371487866880e38;
  else return double(std::numeric_limits<T>::lowest());
}
template <class T> constexpr int digits_of() {
  if constexpr (std::is_same_v<T, Half>) return 11;
  else if constexpr (std::is_same_v<T, BFloat16>) return 8;
  else return std::numeric_limits<T>::digits;
}

// Largest/smallest representable integer bounds for random_ on floating dtypes:
// move `from` up (and `to` down) to the next value the dtype holds exactly.
template <class T> int64_t round_trip(int64_t v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return int64_t(float(T(float(v))));
  else return int64_t(T(v));
}
template <class T> int64_t update_from(int64_t from) {
  const int64_t from_plus_1 = round_trip<T>(from + 1);
  if (from_plus_1 < from) {
    int64_t f = std::abs(from + 1);
    int n = 0;
    while (f >>= 1) ++n;
    from = from_plus_1 + (int64_t(1) << (n - digits_of<T>() + 1));
  }
  return from;
}
template <class T> int64_t update_to(int64_t to) {
  const int64_t to_minus_1 = round_trip<T>(to - 1);
  if (to_minus_1 >= to) {
    int64_t t = std::abs(to - 1);
    int n = 0;
    while (t >>= 1) ++n;
    to = to_minus_1 - (int64_t(1) << (n - digits_of<T>() + 1));
  }
  return to;
}

void check_from_to_in_range(int64_t from, int64_t to_inc, Dtype d) {
  if (is_floating(d)) {
    visit_floating(d, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const double lo = lowest_of<T>(), hi = -lo;
      EMBER_CHECK(double(from) >= lo && double(from) <= hi, "random_", "from is out of bounds for ", dtype_name(d));
      EMBER_CHECK(double(to_inc) >= lo && double(to_inc) <= hi, "random_", "to - 1 is out of bounds for ", dtype_name(d));
    });
  } else {
    visit_integral(d, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const int64_t lo = int64_t(std::numeric_limits<T>::lowest()), hi = int64_t(std::numeric_limits<T>::max());
      EMBER_CHECK(from >= lo && from <= hi, "random_", "from is out of bounds for ", dtype_name(d));
      EMBER_CHECK(to_inc >= lo && to_inc <= hi, "random_", "to - 1 is out of bounds for ", dtype_name(d));
    });
  }
}

bool all_in_range(const Tensor& t, double lo, double hi) {
  Tensor c = contiguous(t.detach());
  bool ok = true;
  visit_dtype(c.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = reinterpret_cast<const T*>(c.raw_data());
    for (int64_t i = 0; i < c.numel() && ok; ++i) {
      double v = double(compute_t<T>(p[i]));
      ok = v >= lo && v <= hi;  // NaN fails
    }
  });
  return ok;
}

}  // namespace

// ---------------------------------------------------------------- continuous
Tensor& uniform_(Tensor& self, double from, double to, Generator* gen) {
  begin_inplace(self, "uniform_");
  require_floating(self, "uniform_", "check_uniform_bounds");
  visit_floating(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const double lo = lowest_of<T>(), hi = -lo;
    EMBER_CHECK(from >= lo && from <= hi, "uniform_", "from is out of bounds for ", dtype_name(self.dtype()));
    EMBER_CHECK(to >= lo && to <= hi, "uniform_", "to is out of bounds for ", dtype_name(self.dtype()));
    EMBER_CHECK(from <= to, "uniform_", "uniform_ expects to return a [from, to) range, but found from=", from,
                " > to=", to);
    EMBER_CHECK(to - from <= hi, "uniform_", "uniform_ expects to-from <= std::numeric_limits<",
                scalar_type_name(self.dtype()), ">::max(), but found to=", to, " and from=", from,
                " which result in to-from to exceed the limit");
  });
  cpu::uniform_kernel(self, from, to, generator_or_default(gen));
  end_inplace(self, "UniformBackward0");
  return self;
}

Tensor& normal_(Tensor& self, double mean, double std, Generator* gen) {
  begin_inplace(self, "normal_");
  EMBER_CHECK(!(std < 0.0), "normal_", "normal expects std >= 0.0, but found std ", std);
  require_floating(self, "normal_", "normal_kernel_cpu");
  cpu::normal_kernel(self, mean, std, generator_or_default(gen));
  end_inplace(self, "NormalBackward0");
  return self;
}

Tensor& exponential_(Tensor& self, double lambd, Generator* gen) {
  begin_inplace(self, "exponential_");
  EMBER_CHECK(lambd >= 0.0, "exponential_", "exponential_ expects lambda >= 0.0, but found lambda=", lambd);
  require_floating(self, "exponential_", "exponential_cpu");
  cpu::exponential_kernel(self, lambd, generator_or_default(gen));
  end_inplace(self, "ExponentialBackward0");
  return self;
}

Tensor& cauchy_(Tensor& self, double median, double sigma, Generator* gen) {
  begin_inplace(self, "cauchy_");
  EMBER_CHECK(sigma > 0.0, "cauchy_", "cauchy_ expects sigma > 0.0, but found sigma=", sigma);
  require_floating(self, "cauchy_", "cauchy_cpu");
  cpu::cauchy_kernel(self, median, sigma, generator_or_default(gen));
  end_inplace(self, "CauchyBackward0");
  return self;
}

Tensor& log_normal_(Tensor& self, double mean, double std, Generator* gen) {
  begin_inplace(self, "log_normal_");
  EMBER_CHECK(std > 0.0, "log_normal_", "log_normal_ expects std > 0.0, but found std=", std);
  require_floating(self, "log_normal_", "log_normal_cpu");
  cpu::log_normal_kernel(self, mean, std, generator_or_default(gen));
  end_inplace(self, "LogNormalBackward0");
  return self;
}

Tensor& geometric_(Tensor& self, double p, Generator* gen) {
  begin_inplace(self, "geometric_");
  EMBER_CHECK(0 < p && p < 1, "geometric_", "geometric_ expects p to be in (0, 1), but got p=", p);
  if (self.dtype() == Dtype::Bool) not_implemented_for("geometric_", "geometric_cpu", self.dtype());
  cpu::geometric_kernel(self, p, generator_or_default(gen));
  end_inplace(self, "GeometricBackward0");
  return self;
}

// ---------------------------------------------------------------- integers
Tensor& random_(Tensor& self, Generator* gen) {
  begin_inplace(self, "random_");
  if (self.numel() > 0) cpu::random_kernel(self, generator_or_default(gen));
  end_inplace(self, "RandomBackward0");
  return self;
}

Tensor& random_(Tensor& self, int64_t from, std::optional<int64_t> to_opt, Generator* gen) {
  begin_inplace(self, "random_");
  const Dtype d = self.dtype();
  Generator& g = generator_or_default(gen);
  if (to_opt) {  // [from, to)
    int64_t to = *to_opt;
    EMBER_CHECK(from < to, "random_", "random_ expects 'from' to be less than 'to', but got from=", from, " >= to=", to);
    if (is_floating(d)) {
      visit_floating(d, [&](auto tag) {
        using T = typename decltype(tag)::type;
        from = update_from<T>(from);
        to = update_to<T>(to);
        EMBER_CHECK(from < to, "random_", "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=",
                    from, " >= to=", to);
      });
    }
    check_from_to_in_range(from, to - 1, d);
    if (self.numel() > 0) cpu::random_from_to_kernel(self, uint64_t(to) - uint64_t(from), from, g);
  } else if (from != std::numeric_limits<int64_t>::lowest()) {  // [from, largest value of the dtype]
    int64_t to_inc = 0;
    if (is_floating(d)) {
      visit_floating(d, [&](auto tag) {
        using T = typename decltype(tag)::type;
        constexpr int dig = digits_of<T>();
        to_inc = dig >= 63 ? std::numeric_limits<int64_t>::max() : int64_t(1) << dig;
        from = update_from<T>(from);
        EMBER_CHECK(from < to_inc, "random_",
                    "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but got from=",
                    from, " > to_inc=", to_inc);
      });
    } else {
      visit_integral(d, [&](auto tag) {
        using T = typename decltype(tag)::type;
        to_inc = std::is_same_v<T, bool> ? 1 : int64_t(std::numeric_limits<T>::max());
      });
    }
    check_from_to_in_range(from, to_inc, d);
    if (self.numel() > 0) cpu::random_from_to_kernel(self, uint64_t(to_inc) - uint64_t(from) + 1, from, g);
  } else {  // every int64
    if (self.numel() > 0) {
      EMBER_CHECK(d == Dtype::Int64 || d == Dtype::Float64 || d == Dtype::Float32 || d == Dtype::BFloat16, "random_",
                  "random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16");
      cpu::random_full_range_kernel(self, g);
    }
  }
  end_inplace(self, "RandomBackward1");
  return self;
}

// ---------------------------------------------------------------- bernoulli
Tensor& bernoulli_(Tensor& self, double p, Generator* gen) {
  begin_inplace(self, "bernoulli_");
  EMBER_CHECK(0 <= p && p <= 1, "bernoulli_", "bernoulli_ expects p to be in [0, 1], but got p=", p);
  if (self.dtype() == Dtype::Float16) not_implemented_for("bernoulli_", "bernoulli_scalar_cpu_", self.dtype());
  cpu::bernoulli_scalar_kernel(self, p, generator_or_default(gen));
  end_inplace(self, "BernoulliBackward1");
  return self;
}

Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen) {
  begin_inplace(self, "bernoulli_");
  if (self.dtype() == Dtype::Float16) not_implemented_for("bernoulli_", "bernoulli_tensor_cpu_self_", self.dtype());
  if (p.dtype() != Dtype::Float32 && p.dtype() != Dtype::Float64)
    not_implemented_for("bernoulli_", "bernoulli_tensor_cpu_p_", p.dtype());
  EMBER_CHECK(is_expandable_to(p.sizes(), self.sizes()), "bernoulli_", "the size of p ", shape_str(p.sizes()),
              " must be broadcastable to the size of self ", shape_str(self.sizes()));
  EMBER_CHECK(all_in_range(p, 0.0, 1.0), "bernoulli_", "expected every probability p to be in [0, 1]");
  if (self.numel() > 0) cpu::bernoulli_tensor_kernel(self, p, generator_or_default(gen));
  autograd::record_inplace("BernoulliBackward2", self, {p}, [](const Tensor& g) -> TensorList {
    return {zeros_like(g), Tensor()};
  });
  return self;
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  EMBER_CHECK(is_floating(p.dtype()), "bernoulli", "\"bernoulli_tensor_cpu_p_\" not implemented for '",
              scalar_type_name(p.dtype()), "'");
  Tensor out = empty(p.sizes(), p.dtype());  // torch allocates a contiguous result
  {
    autograd::NoGradGuard ng;
    bernoulli_(out, p, gen);
  }
  if (autograd::needs_grad(p))
    autograd::record("BernoulliBackward0", {p}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return out;
}

Tensor bernoulli(const Tensor& input, double p, Generator* gen) {
  Tensor out = empty_like(input);
  {
    autograd::NoGradGuard ng;
    bernoulli_(out, p, gen);
  }
  if (autograd::needs_grad(input))
    autograd::record("BernoulliBackward1", {input}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return out;
}

// ---------------------------------------------------------------- factories
Tensor rand(const Shape& size, Dtype dtype, Generator* gen) {
  Tensor t = empty(size, dtype);
  autograd::NoGradGuard ng;
  return uniform_(t, 0, 1, gen);
}

Tensor randn(const Shape& size, Dtype dtype, Generator* gen) {
  Tensor t = empty(size, dtype);
  autograd::NoGradGuard ng;
  return normal_(t, 0, 1, gen);
}

Tensor randint(int64_t low, int64_t high, const Shape& size, Dtype dtype, Generator* gen) {
  Tensor t = empty(size, dtype);
  autograd::NoGradGuard ng;
  return random_(t, low, high, gen);
}

Tensor rand_like(const Tensor& t, std::optional<Dtype> dtype, Generator* gen) {
  Tensor out = empty_like(t, dtype);
  autograd::NoGradGuard ng;
  return uniform_(out, 0, 1, gen);
}

Tensor randn_like(const Tensor& t, std::optional<Dtype> dtype, Generator* gen) {
  Tensor out = empty_like(t, dtype);
  autograd::NoGradGuard ng;
  return normal_(out, 0, 1, gen);
}

Tensor randint_like(const Tensor& t, int64_t low, int64_t high, std::optional<Dtype> dtype, Generator* gen) {
  Tensor out = empty_like(t, dtype);
  autograd::NoGradGuard ng;
  return random_(out, low, high, gen);
}

Tensor randperm(int64_t n, Dtype dtype, Generator* gen) {
  EMBER_CHECK(n >= 0, "randperm", "Trying to create tensor with negative dimension ", n, ": [", n, "]");
  if (dtype == Dtype::Bool) not_implemented_for("randperm", "randperm", dtype);
  // Every value 0..n-1 must be representable.
  switch (dtype) {
    case Dtype::Float16: EMBER_CHECK(n <= (int64_t(1) << 11) + 1, "randperm", "n cannot be greater than 2049 for Half type."); break;
    case Dtype::Float32: EMBER_CHECK(n <= (int64_t(1) << 24) + 1, "randperm", "n cannot be greater than 2^24+1 for Float type."); break;
    case Dtype::Float64: EMBER_CHECK(n <= (int64_t(1) << 53) + 1, "randperm", "n cannot be greater than 2^53+1 for Double type."); break;
    case Dtype::BFloat16: break;
    default:
      visit_integral(dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        EMBER_CHECK(n - 1 <= int64_t(std::numeric_limits<T>::max()), "randperm", "n is too large for result tensor type: ",
                    dtype_name(dtype), " (value ", n - 1, " cannot be converted without overflow)");
      });
  }
  Tensor out = empty({n}, dtype);
  cpu::randperm_kernel(out, n, generator_or_default(gen));
  return out;
}

// ---------------------------------------------------------------- normal with tensor parameters
namespace {
void check_std_tensor(const Tensor& std) {
  EMBER_CHECK(all_in_range(std, 0.0, std::numeric_limits<double>::infinity()) || std.numel() == 0, "normal",
              "normal expects all elements of std >= 0.0");
}
// torch draws standard normals into the result, then scales and shifts in place.
Tensor normal_scaled(const Shape& shape, Dtype dtype, const Tensor& mean, const Tensor& std, Generator* gen) {
  require_floating(empty({0}, dtype), "normal", "normal_kernel_cpu");
  Tensor out = empty(shape, dtype);
  autograd::NoGradGuard ng;
  normal_(out, 0, 1, gen);
  mul_(out, std);
  add_(out, mean);
  return out;
}
}  // namespace

Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen) {
  check_std_tensor(std);
  Shape shape = broadcast_shapes(mean.sizes(), std.sizes(), "normal");
  Tensor out = normal_scaled(shape, mean.dtype(), mean.detach(), std.detach(), gen);
  if (autograd::needs_grad(mean, std))
    autograd::record("NormalBackward3", {mean, std}, out,
                     [](const Tensor& g) -> TensorList { return {zeros_like(g), zeros_like(g)}; });
  return out;
}

Tensor normal(const Tensor& mean, double std, Generator* gen) {
  EMBER_CHECK(!(std < 0.0), "normal", "normal expects std >= 0.0, but found std ", std);
  require_floating(mean, "normal", "normal_kernel_cpu");
  Tensor out = empty(mean.sizes(), mean.dtype());
  {
    autograd::NoGradGuard ng;
    normal_(out, 0, std, gen);  // torch scales in the sampler here, then shifts
    add_(out, mean.detach());
  }
  if (autograd::needs_grad(mean))
    autograd::record("NormalBackward1", {mean}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return out;
}

Tensor normal(double mean, const Tensor& std, Generator* gen) {
  check_std_tensor(std);
  Tensor out = normal_scaled(std.sizes(), std.dtype(), wrap_scalar(mean), std.detach(), gen);
  if (autograd::needs_grad(std))
    autograd::record("NormalBackward2", {std}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return out;
}

Tensor normal(double mean, double std, const Shape& size, Dtype dtype, Generator* gen) {
  Tensor out = empty(size, dtype);
  autograd::NoGradGuard ng;
  return normal_(out, mean, std, gen);
}

// ---------------------------------------------------------------- multinomial and poisson
namespace {
// A 1-D tensor seen as one row (a view), 2-D unchanged.
Tensor as_rows(const Tensor& t) {
  if (t.dim() == 2) return t;
  return make_view(t, {1, t.size(0)}, {t.size(0) * t.stride(0), t.stride(0)}, t.storage_offset());
}
}  // namespace

Tensor multinomial(const Tensor& probs, int64_t n_sample, bool replacement, Generator* gen) {
  EMBER_CHECK(probs.dim() > 0 && probs.dim() <= 2, "multinomial", "prob_dist must be 1 or 2 dim");
  EMBER_CHECK(is_floating(probs.dtype()), "multinomial",
              "multinomial only supports floating-point dtypes for input, got: ", scalar_type_name(probs.dtype()));
  EMBER_CHECK(n_sample > 0, "multinomial", "cannot sample n_sample <= 0 samples");
  const int64_t cats = probs.size(-1);
  EMBER_CHECK(replacement || n_sample <= cats, "multinomial",
              "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  EMBER_CHECK(cats <= (int64_t(1) << 24), "multinomial", "number of categories cannot exceed 2^24");
  EMBER_CHECK(probs.dtype() != Dtype::Float16, "multinomial", "multinomial is not implemented for half on CPU");
  const int64_t rows = probs.dim() == 1 ? 1 : probs.size(0);
  Shape out_shape = probs.dim() == 1 ? Shape{n_sample} : Shape{rows, n_sample};
  Tensor out = empty(out_shape, Dtype::Int64);
  if (out.numel() == 0) return out;
  Tensor p2 = as_rows(probs.detach());
  Generator& g = generator_or_default(gen);

  if (!replacement) {
    // Gumbel-max in exponential form: the k largest p / q with q ~ Exp(1) are a
    // sample without replacement (torch's fast path, drawn the same way).
    EMBER_CHECK(all_in_range(p2, 0.0, std::numeric_limits<double>::max()), "multinomial",
                "probability tensor contains either `inf`, `nan` or element < 0");
    Tensor sums = contiguous(to_dtype(p2, Dtype::Float64));
    const double* sp = sums.data_ptr<double>();
    for (int64_t i = 0; i < rows; ++i) {
      double s = 0;
      for (int64_t j = 0; j < cats; ++j) s += sp[i * cats + j];
      EMBER_CHECK(s != 0, "multinomial", "invalid multinomial distribution (sum of probabilities <= 0)");
    }
    Tensor q = empty_like(p2);
    cpu::exponential_kernel(q, 1.0, g);
    Tensor ratio = contiguous(div(p2, q));  // rounded in probs' dtype, as torch
    int64_t* o = out.data_ptr<int64_t>();
    visit_floating(ratio.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using A = std::conditional_t<std::is_same_v<T, double>, double, float>;
      const T* r = reinterpret_cast<const T*>(ratio.raw_data());
      // torch's argmax (first maximum, NaN largest) for one sample, its topk
      // selection for more: the same standard-library calls on the same
      // (value, index) queue, so even ties come out in torch's order.
      using Elem = std::pair<A, int64_t>;
      auto larger = [](const Elem& x, const Elem& y) {
        return (std::isnan(x.first) && !std::isnan(y.first)) || x.first > y.first;
      };
      std::vector<Elem> queue(static_cast<size_t>(cats));
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cats; ++j) queue[size_t(j)] = {A(r[i * cats + j]), j};
        if (n_sample == 1) {
          int64_t best = 0;
          for (int64_t j = 1; j < cats; ++j)
            if (!std::isnan(queue[size_t(best)].first) && (std::isnan(queue[size_t(j)].first) || queue[size_t(j)].first > queue[size_t(best)].first))
              best = j;
          o[i] = best;
          continue;
        }
        if (n_sample * 64 <= cats) {
          std::partial_sort(queue.begin(), queue.begin() + n_sample, queue.end(), larger);
        } else {
          std::nth_element(queue.begin(), queue.begin() + n_sample - 1, queue.end(), larger);
          std::sort(queue.begin(), queue.begin() + n_sample - 1, larger);
        }
        for (int64_t k = 0; k < n_sample; ++k) o[i * n_sample + k] = queue[size_t(k)].second;
      }
    });
    return out;
  }

  // With replacement: inverse-CDF sampling row by row.
  {
    Tensor c = contiguous(p2);
    bool ok = true;
    visit_floating(c.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* p = reinterpret_cast<const T*>(c.raw_data());
      for (int64_t i = 0; i < rows; ++i) {
        double s = 0;
        for (int64_t j = 0; j < cats; ++j) {
          double v = double(compute_t<T>(p[i * cats + j]));
          EMBER_CHECK(v >= 0, "multinomial", "invalid multinomial distribution (encountering probability entry < 0)");
          EMBER_CHECK(std::isfinite(v), "multinomial",
                      "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
          s += v;
        }
        ok = ok && s > 0;
      }
    });
    EMBER_CHECK(ok, "multinomial", "invalid multinomial distribution (sum of probabilities <= 0)");
  }
  cpu::multinomial_with_replacement_kernel(as_rows(out), p2, n_sample, g);
  return out;
}

Tensor poisson(const Tensor& rates, Generator* gen) {
  if (!is_floating(rates.dtype()) || rates.dtype() == Dtype::Float16)
    not_implemented_for("poisson", "poisson_cpu", rates.dtype());
  EMBER_CHECK(all_in_range(rates, 0.0, std::numeric_limits<double>::infinity()), "poisson",
              "invalid Poisson rate, expected rate to be non-negative");
  Tensor out = empty(rates.sizes(), rates.dtype());
  cpu::poisson_kernel(out, rates, generator_or_default(gen));
  if (autograd::needs_grad(rates))
    autograd::record("PoissonBackward0", {rates}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return out;
}

}  // namespace ember
