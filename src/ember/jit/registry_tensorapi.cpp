// Registry entries of the tensor-API tail (python/src/ops_tensorapi_*.cpp): number ops,
// scatter-style ops, statistics and distances. Arguments follow those bindings.
#include "ember/jit/op_registry.h"
#include "ember/ops/tensorapi.h"

namespace ember::jit {

namespace {

using T = TensorList;
using A = const Args&;

// trapezoid-style ops: (y, x, dim) or (y, dx=None, dim)
template <class ByX, class ByDx> TensorList integrate(A a, ByX by_x, ByDx by_dx) {
  if (a.is_tensor(1)) return {by_x(a.tensor(0), a.tensor(1), a.i(2, -1))};
  return {by_dx(a.tensor(0), a.has(1) ? a.scalar(1) : Scalar(int64_t(1)), a.i(2, -1))};
}

}  // namespace

void register_tensorapi_ops(Registry& r) {
  // ---- number ops: name(self, other) and name_(self, other)
#define EMBER_REG_BINARY(name)                                                                      \
  r.add(#name, [](A a) -> T { return {name(a.tensor(0), a.tensor(1))}; });                         \
  r.add(#name "_", [](A a) -> T { Tensor t = inplace_target(a); return {name##_(t, a.tensor(1))}; }, kInplace);
  EMBER_REG_BINARY(copysign)
  EMBER_REG_BINARY(heaviside)
  EMBER_REG_BINARY(gcd)
  EMBER_REG_BINARY(lcm)
  EMBER_REG_BINARY(ldexp)
  EMBER_REG_BINARY(nextafter)
#undef EMBER_REG_BINARY
  r.add("frexp", [](A a) -> T {
    auto [m, e] = frexp(a.tensor(0));
    return {m, e};
  });
  r.add("xlogy_", [](A a) -> T { Tensor t = inplace_target(a); return {xlogy_(t, a.tensor(1))}; }, kInplace);
  r.add("float_power_", [](A a) -> T { Tensor t = inplace_target(a); return {float_power_(t, a.tensor(1))}; }, kInplace);
  r.add("clamp_min_", [](A a) -> T {
    Tensor t = inplace_target(a);
    if (a.is_tensor(1)) return {clamp_(t, std::optional<Tensor>(a.tensor(1)), std::nullopt)};
    return {clamp_(t, std::optional<Scalar>(a.scalar(1)), std::nullopt)};
  }, kInplace);
  r.add("clamp_max_", [](A a) -> T {
    Tensor t = inplace_target(a);
    if (a.is_tensor(1)) return {clamp_(t, std::nullopt, std::optional<Tensor>(a.tensor(1)))};
    return {clamp_(t, std::nullopt, std::optional<Scalar>(a.scalar(1)))};
  }, kInplace);
  r.add("angle", [](A a) -> T { return {angle(a.tensor(0))}; });

  // ---- scatter-style: (input, src, view arguments...)
  r.add("select_scatter", [](A a) -> T { return {select_scatter(a.tensor(0), a.tensor(1), a.i(2), a.i(3))}; });
  r.add("slice_scatter", [](A a) -> T {
    return {slice_scatter(a.tensor(0), a.tensor(1), a.i(2, 0), a.opt_i(3), a.opt_i(4), a.i(5, 1))};
  });
  r.add("diagonal_scatter", [](A a) -> T {
    return {diagonal_scatter(a.tensor(0), a.tensor(1), a.i(2, 0), a.i(3, 0), a.i(4, 1))};
  });
  r.add("as_strided_scatter", [](A a) -> T {
    return {as_strided_scatter(a.tensor(0), a.tensor(1), a.shape(2), a.shape(3), a.opt_i(4))};
  });
  r.add("index_reduce", [](A a) -> T {
    return {index_reduce(a.tensor(0), a.i(1), a.tensor(2), a.tensor(3), a.s(4), a.b(5, true))};
  });
  r.add("index_reduce_", [](A a) -> T {
    Tensor t = inplace_target(a);
    return {index_reduce_(t, a.i(1), a.tensor(2), a.tensor(3), a.s(4), a.b(5, true))};
  }, kInplace);
  r.add("put", [](A a) -> T { return {put(a.tensor(0), a.tensor(1), a.tensor(2), a.b(3, false))}; });
  r.add("put_", [](A a) -> T { Tensor t = inplace_target(a); return {put_(t, a.tensor(1), a.tensor(2), a.b(3, false))}; },
        kInplace);
  r.add("diagflat", [](A a) -> T { return {diagflat(a.tensor(0), a.i(1, 0))}; });
  r.add("narrow_copy", [](A a) -> T { return {narrow_copy(a.tensor(0), a.i(1), a.i(2), a.i(3))}; });

  // ---- statistics and distances
  r.add("dist", [](A a) -> T { return {dist(a.tensor(0), a.tensor(1), a.has(2) ? a.scalar(2) : Scalar(int64_t(2)))}; });
  r.add("cov", [](A a) -> T { return {cov(a.tensor(0), a.i(1, 1), a.maybe_tensor(2), a.maybe_tensor(3))}; });
  r.add("corrcoef", [](A a) -> T { return {corrcoef(a.tensor(0))}; });
  r.add("renorm", [](A a) -> T { return {renorm(a.tensor(0), a.scalar(1), a.i(2), a.scalar(3))}; });
  r.add("renorm_", [](A a) -> T {
    Tensor t = inplace_target(a);
    return {renorm_(t, a.scalar(1), a.i(2), a.scalar(3))};
  }, kInplace);
  r.add("cdist", [](A a) -> T {
    return {cdist(a.tensor(0), a.tensor(1), a.d(2, 2.0), a.s(3, "use_mm_for_euclid_dist_if_necessary"))};
  });
  r.add("pdist", [](A a) -> T { return {pdist(a.tensor(0), a.d(1, 2.0))}; });
  r.add("cosine_similarity", [](A a) -> T {
    return {cosine_similarity(a.tensor(0), a.tensor(1), a.i(2, 1), a.d(3, 1e-8))};
  });
  r.add("pairwise_distance", [](A a) -> T {
    return {pairwise_distance(a.tensor(0), a.tensor(1), a.d(2, 2.0), a.d(3, 1e-6), a.b(4, false))};
  });
  r.add("addr", [](A a) -> T {
    return {addr(a.tensor(0), a.tensor(1), a.tensor(2), a.has(3) ? a.scalar(3) : Scalar(int64_t(1)),
                 a.has(4) ? a.scalar(4) : Scalar(int64_t(1)))};
  });
  r.add("addr_", [](A a) -> T {
    Tensor t = inplace_target(a);
    return {addr_(t, a.tensor(1), a.tensor(2), a.has(3) ? a.scalar(3) : Scalar(int64_t(1)),
                  a.has(4) ? a.scalar(4) : Scalar(int64_t(1)))};
  }, kInplace);
  r.add("vander", [](A a) -> T { return {vander(a.tensor(0), a.opt_i(1), a.b(2, false))}; });
  r.add("trapezoid", [](A a) -> T {
    return integrate(a, [](const Tensor& y, const Tensor& x, int64_t d) { return trapezoid(y, x, d); },
                     [](const Tensor& y, const Scalar& dx, int64_t d) { return trapezoid(y, dx, d); });
  });
  r.alias("trapz", "trapezoid");
  r.add("cumulative_trapezoid", [](A a) -> T {
    return integrate(a, [](const Tensor& y, const Tensor& x, int64_t d) { return cumulative_trapezoid(y, x, d); },
                     [](const Tensor& y, const Scalar& dx, int64_t d) { return cumulative_trapezoid(y, dx, d); });
  });
  r.add("nanquantile", [](A a) -> T {
    Tensor q = a.is_tensor(1) ? a.tensor(1) : scalar_tensor(a.scalar(1), a.tensor(0).dtype());
    return {nanquantile(a.tensor(0), q, a.opt_i(2), a.b(3, false), a.s(4, "linear"))};
  });
}

}  // namespace ember::jit
