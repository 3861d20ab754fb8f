// Registry entries of the tensor core (conversions, copies, creation), the
// reductions, random in-place fills, and the calls that only read values.
#include "ember/jit/op_registry.h"

namespace ember::jit {

namespace {

using T = TensorList;
using A = const Args&;

Dtype dtype_or_default(A a, size_t i) { return a.has(i) ? a.dtype(i) : default_dtype(); }

// zeros(*size, size=None, dtype=None, ...): the size comes as varargs or as
// the keyword (recorded in that order); older bindings have no size keyword.
// `first` is the varargs position; returns the size and where the dtype is.
std::pair<Shape, size_t> creation_size(A a, size_t first, size_t n_without_keyword) {
  if (a.size() > n_without_keyword) return {a.has(first + 1) ? a.shape(first + 1) : a.shape(first), first + 2};
  return {a.shape(first), first + 1};
}

// to(dtype, non_blocking, copy, memory_format) / to(device, dtype, non_blocking, copy, memory_format) /
// to(other, non_blocking, copy): the conversions are the dtype part (ember has one device).
Tensor to_impl(A a) {
  Tensor t = a.tensor(0);
  std::optional<Dtype> d;
  bool copy = false;
  if (a.is_tensor(1)) {
    d = a.tensor(1).dtype();
    copy = a.b(3, false);
  } else if (a.size() >= 6 || (a.size() > 1 && a[1].is_string())) {
    if (a.has(1)) check_device_available(Device(a.s(1)), "to");
    d = a.opt_dtype(2);
    copy = a.b(4, false);
  } else {
    d = a.opt_dtype(1);
    copy = a.b(3, false);
  }
  Dtype dt = d.value_or(t.dtype());
  if (dt == t.dtype()) return copy ? clone(t) : t;
  return to_dtype(t, dt, copy);
}

// Reductions with torch's (input, dim=None, keepdim=False, *, dtype=None):
// arguments are read by type so that the overloads (sum(input, *, dtype)) agree.
struct Reduce {
  Dims dims;
  bool keepdim = false;
  std::optional<Dtype> dtype;
};
Reduce reduce_args(A a) {
  Reduce r;
  bool seen_dim = false;
  for (size_t i = 1; i < a.size(); ++i) {
    const IValue& v = a[i];
    if (v.is_dtype()) r.dtype = v.to_dtype();
    else if (v.is_bool()) r.keepdim = v.to_bool();
    else if (!seen_dim && (v.is_int() || v.is_int_list())) { r.dims = v.to_int_list(); seen_dim = true; }
    else if (v.is_none()) continue;
    else a.bad("unexpected argument " + std::to_string(i) + " of type " + IValue::tag_name(v.tag()));
  }
  return r;
}

// var/std(input, dim=None, unbiased=None, keepdim=False, *, correction=None)
struct Moments {
  Dims dims;
  double correction = 1;
  bool keepdim = false;
};
Moments moment_args(A a) {
  Moments m;
  m.dims = a.dims(1);
  if (a.has(2)) {
    if (a[2].is_bool()) m.correction = a.b(2) ? 1 : 0;
    else m.correction = a.d(2);
  }
  m.keepdim = a.b(3, false);
  if (a.has(4)) m.correction = a.d(4);
  return m;
}

T pair(std::pair<Tensor, Tensor> p) { return {p.first, p.second}; }

}  // namespace

void register_misc_ops(Registry& r) {
  // ---- conversion and copies
  r.add("contiguous", [](A a) -> T { return {contiguous(a.tensor(0))}; });
  r.add("clone", [](A a) -> T { return {clone(a.tensor(0))}; });
  r.add("detach", [](A a) -> T { return {detach(a.tensor(0))}; });
  r.alias("data", "detach");
  r.add("copy_", [](A a) -> T { Tensor t = inplace_target(a); return {copy_(t, a.tensor(1))}; }, kInplace);
  r.add("to", [](A a) -> T { return {to_impl(a)}; });
  r.add("type", [](A a) -> T { return {to_dtype(a.tensor(0), a.dtype(1))}; });
  r.add("type_as", [](A a) -> T { return {to_dtype(a.tensor(0), a.tensor(1).dtype())}; });
  struct Conv { const char* name; OpFn fn; };
  for (Conv c : {Conv{"float", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Float32)}; }},
                 Conv{"double", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Float64)}; }},
                 Conv{"half", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Float16)}; }},
                 Conv{"bfloat16", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::BFloat16)}; }},
                 Conv{"char", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Int8)}; }},
                 Conv{"short", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Int16)}; }},
                 Conv{"int", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Int32)}; }},
                 Conv{"long", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Int64)}; }},
                 Conv{"byte", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::UInt8)}; }},
                 Conv{"bool", [](A a) -> T { return {to_dtype(a.tensor(0), Dtype::Bool)}; }}})
    r.add(c.name, c.fn);
  // calls that hand back their input itself: nothing to record
  for (const char* name : {"requires_grad_", "cpu", "pin_memory", "share_memory_", "detach_", "retain_grad"})
    r.add(name, nullptr, kPassthrough);

  // ---- creation (sizes as recorded: an int list, dtype None = the default dtype)
  r.add("zeros", [](A a) -> T { auto [s, d] = creation_size(a, 0, 7); return {zeros(s, dtype_or_default(a, d))}; });
  r.add("ones", [](A a) -> T { auto [s, d] = creation_size(a, 0, 7); return {ones(s, dtype_or_default(a, d))}; });
  r.add("empty", [](A a) -> T { auto [s, d] = creation_size(a, 0, 7); return {empty(s, dtype_or_default(a, d))}; });
  r.add("full", [](A a) -> T { return {full(a.shape(0), a.scalar(1), a.opt_dtype(2))}; });
  r.add("zeros_like", [](A a) -> T { Tensor t = a.tensor(0); return {zeros_like(t, a.has(1) ? a.dtype(1) : t.dtype())}; });
  r.add("ones_like", [](A a) -> T { Tensor t = a.tensor(0); return {ones_like(t, a.has(1) ? a.dtype(1) : t.dtype())}; });
  r.add("empty_like", [](A a) -> T { Tensor t = a.tensor(0); return {empty_like(t, a.has(1) ? a.dtype(1) : t.dtype())}; });
  r.add("full_like", [](A a) -> T { return {full_like(a.tensor(0), a.scalar(1), a.opt_dtype(2))}; });
  r.add("new_zeros", [](A a) -> T {
    Tensor t = a.tensor(0);
    auto [s, d] = creation_size(a, 1, 5);
    return {zeros(s, a.has(d) ? a.dtype(d) : t.dtype())};
  });
  r.add("new_ones", [](A a) -> T {
    Tensor t = a.tensor(0);
    auto [s, d] = creation_size(a, 1, 5);
    return {ones(s, a.has(d) ? a.dtype(d) : t.dtype())};
  });
  r.add("new_empty", [](A a) -> T {
    Tensor t = a.tensor(0);
    auto [s, d] = creation_size(a, 1, 5);
    return {empty(s, a.has(d) ? a.dtype(d) : t.dtype())};
  });
  r.add("new_full", [](A a) -> T {
    Tensor t = a.tensor(0);
    return {full(a.shape(1), a.scalar(2), a.has(3) ? a.dtype(3) : t.dtype())};
  });
  // two overloads: arange(end, *, dtype, ...) and arange(start, end, step=1, *, dtype, ...)
  r.add("arange", [](A a) -> T {
    if (!a.is_number(1)) return {arange(Scalar(int64_t(0)), a.scalar(0), Scalar(int64_t(1)), a.opt_dtype(1))};
    return {arange(a.scalar(0), a.scalar(1), a.scalar(2), a.opt_dtype(3))};
  });
  r.add("linspace", [](A a) -> T { return {linspace(a.d(0), a.d(1), a.i(2), a.opt_dtype(3))}; });
  r.add("logspace", [](A a) -> T { return {logspace(a.d(0), a.d(1), a.i(2), a.d(3, 10.0), a.opt_dtype(4))}; });
  r.add("eye", [](A a) -> T { return {eye(a.i(0), a.opt_i(1), dtype_or_default(a, 2))}; });
  r.add("scalar_tensor", [](A a) -> T { return {scalar_tensor(a.scalar(0), dtype_or_default(a, 1))}; });
  r.add("fill_", [](A a) -> T {
    Tensor t = inplace_target(a);
    if (a.is_number(1)) return {fill_(t, a.scalar(1))};
    return {fill_(t, a.tensor(1))};
  }, kInplace);
  r.add("zero_", [](A a) -> T { Tensor t = inplace_target(a); return {zero_(t)}; }, kInplace);

  // ---- random fills (in place); random factories are refused by the tracer
  r.add("uniform_", [](A a) -> T { Tensor t = inplace_target(a); return {uniform_(t, a.d(1, 0.0), a.d(2, 1.0))}; },
        kInplace | kNondeterministic);
  r.add("normal_", [](A a) -> T { Tensor t = inplace_target(a); return {normal_(t, a.d(1, 0.0), a.d(2, 1.0))}; },
        kInplace | kNondeterministic);
  r.add("exponential_", [](A a) -> T { Tensor t = inplace_target(a); return {exponential_(t, a.d(1, 1.0))}; },
        kInplace | kNondeterministic);
  r.add("bernoulli_", [](A a) -> T {
    Tensor t = inplace_target(a);
    if (a.is_tensor(1)) return {bernoulli_(t, a.tensor(1))};
    return {bernoulli_(t, a.d(1, 0.5))};
  }, kInplace | kNondeterministic);
  for (const char* name : {"rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like", "randint_like",
                           "multinomial", "poisson", "bernoulli", "random_", "cauchy_", "log_normal_", "geometric_"})
    r.add(name, nullptr, kNondeterministic);

  // ---- reductions
#define EMBER_REG_REDUCE(name)                                                      \
  r.add(#name, [](A a) -> T {                                                       \
    Reduce p = reduce_args(a);                                                      \
    return {name(a.tensor(0), p.dims, p.keepdim, p.dtype)};                         \
  });
  EMBER_REG_REDUCE(sum)
  EMBER_REG_REDUCE(mean)
  EMBER_REG_REDUCE(nansum)
  EMBER_REG_REDUCE(nanmean)
#undef EMBER_REG_REDUCE
  r.add("amax", [](A a) -> T { Reduce p = reduce_args(a); return {amax(a.tensor(0), p.dims, p.keepdim)}; });
  r.add("amin", [](A a) -> T { Reduce p = reduce_args(a); return {amin(a.tensor(0), p.dims, p.keepdim)}; });
  r.add("logsumexp", [](A a) -> T { Reduce p = reduce_args(a); return {logsumexp(a.tensor(0), p.dims, p.keepdim)}; });
  r.add("count_nonzero", [](A a) -> T { return {count_nonzero(a.tensor(0), a.dims(1))}; });
  r.add("prod", [](A a) -> T {
    Reduce p = reduce_args(a);
    std::optional<int64_t> dim;
    if (!p.dims.empty()) dim = p.dims[0];
    return {prod(a.tensor(0), dim, p.keepdim, p.dtype)};
  });
  for (auto [name, is_max] : {std::pair<const char*, bool>{"max", true}, {"min", false}}) {
    OpFn fn = is_max ? OpFn([](A a) -> T {
      if (a.size() == 1) return {max(a.tensor(0))};
      if (a.is_tensor(1)) return {maximum(a.tensor(0), a.tensor(1))};
      return pair(max(a.tensor(0), a.i(1), a.b(2, false)));
    })
                     : OpFn([](A a) -> T {
      if (a.size() == 1) return {min(a.tensor(0))};
      if (a.is_tensor(1)) return {minimum(a.tensor(0), a.tensor(1))};
      return pair(min(a.tensor(0), a.i(1), a.b(2, false)));
    });
    r.add(name, fn);
  }
  r.add("argmax", [](A a) -> T { return {argmax(a.tensor(0), a.opt_i(1), a.b(2, false))}; });
  r.add("argmin", [](A a) -> T { return {argmin(a.tensor(0), a.opt_i(1), a.b(2, false))}; });
  r.add("var", [](A a) -> T { Moments m = moment_args(a); return {var(a.tensor(0), m.dims, m.correction, m.keepdim)}; });
  r.add("std", [](A a) -> T { Moments m = moment_args(a); return {ember::std(a.tensor(0), m.dims, m.correction, m.keepdim)}; });
  r.add("var_mean", [](A a) -> T { Moments m = moment_args(a); return pair(var_mean(a.tensor(0), m.dims, m.correction, m.keepdim)); });
  r.add("std_mean", [](A a) -> T { Moments m = moment_args(a); return pair(std_mean(a.tensor(0), m.dims, m.correction, m.keepdim)); });
  // norm(input, p="fro", dim=None, keepdim=False, dtype=None), p: None, "fro", "nuc" or a number
  r.add("norm", [](A a) -> T {
    const Tensor x = a.tensor(0);
    Dims dims = a.dims(2);
    bool keepdim = a.b(3, false);
    std::optional<Dtype> dtype = a.opt_dtype(4);
    if (!a.has(1) || (a[1].is_string() && a.s(1) == "fro")) return {norm(x, std::nullopt, dims, keepdim, dtype)};
    if (a[1].is_string()) {
      if (a.s(1) != "nuc") a.bad("unknown p '" + a.s(1) + "'");
      return {matrix_norm(dtype ? to_dtype(x, *dtype) : x, "nuc", dims.empty() ? Dims{-2, -1} : dims, keepdim)};
    }
    return {norm(x, a.scalar(1), dims, keepdim, dtype)};
  });
  r.add("all", [](A a) -> T { return {a.has(1) ? all(a.tensor(0), a.i(1), a.b(2, false)) : all(a.tensor(0))}; });
  r.add("any", [](A a) -> T { return {a.has(1) ? any(a.tensor(0), a.i(1), a.b(2, false)) : any(a.tensor(0))}; });
  r.add("cumsum", [](A a) -> T { return {cumsum(a.tensor(0), a.i(1), a.opt_dtype(2))}; });
  r.add("cumprod", [](A a) -> T { return {cumprod(a.tensor(0), a.i(1), a.opt_dtype(2))}; });
  r.add("cummax", [](A a) -> T { return pair(cummax(a.tensor(0), a.i(1))); });
  r.add("cummin", [](A a) -> T { return pair(cummin(a.tensor(0), a.i(1))); });
  r.add("logcumsumexp", [](A a) -> T { return {logcumsumexp(a.tensor(0), a.i(1))}; });
  r.add("softmax", [](A a) -> T { return {softmax(a.tensor(0), a.i(1), a.opt_dtype(2))}; });
  r.add("log_softmax", [](A a) -> T { return {log_softmax(a.tensor(0), a.i(1), a.opt_dtype(2))}; });
  r.add("median", [](A a) -> T {
    if (!a.has(1)) return {median(a.tensor(0))};
    return pair(median(a.tensor(0), a.i(1), a.b(2, false)));
  });
  r.add("mode", [](A a) -> T { return pair(mode(a.tensor(0), a.i(1, -1), a.b(2, false))); });

  // ---- tensor values turned into Python values: the trace keeps the traced value
  for (const char* name : {"item", "tolist", "__bool__", "__float__", "__int__", "__index__", "__len__", "__array__",
                           "numpy", "any_true"})
    r.add(name, nullptr, kReadsValue);
}

}  // namespace ember::jit
