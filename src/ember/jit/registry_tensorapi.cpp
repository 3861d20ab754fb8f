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

// The tensors of a variadic call: recorded one per argument, or as one list.
TensorList variadic_tensors(A a) {
  if (a.size() == 1 && !a.is_tensor(0)) return a.tensors(0);
  TensorList ts;
  for (size_t i = 0; i < a.size(); ++i) ts.push_back(a.tensor(i));
  return ts;
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

  // ---- torch.* spellings of existing in-place ops, and aliases
  for (auto [alias, target] : {std::pair<const char*, const char*>{"arccos_", "acos_"}, {"arcsin_", "asin_"},
                               {"arctan_", "atan_"}, {"arccosh_", "acosh_"}, {"arcsinh_", "asinh_"},
                               {"arctanh_", "atanh_"}, {"negative_", "neg_"}, {"fix_", "trunc_"}, {"greater_", "gt_"},
                               {"greater_equal_", "ge_"}, {"less_", "lt_"}, {"less_equal_", "le_"},
                               {"not_equal_", "ne_"}, {"unsafe_chunk", "chunk"}, {"unsafe_split", "split"},
                               {"unsafe_split_with_sizes", "split_with_sizes"}})
    r.alias(alias, target);
  r.add("threshold_", [](A a) -> T { Tensor t = inplace_target(a); return {threshold_(t, a.d(1), a.d(2))}; }, kInplace);
  r.add("celu_", [](A a) -> T { Tensor t = inplace_target(a); return {celu_(t, a.d(1, 1.0))}; }, kInplace);
  r.add("fill", [](A a) -> T { return {fill(a.tensor(0), a.tensor(1))}; });
  r.add("fill_diagonal_", [](A a) -> T {
    Tensor t = inplace_target(a);
    return {fill_diagonal_(t, a.scalar(1), a.b(2, false))};
  }, kInplace);
  // real tensors are their own real part and conjugate; predicates read values
  for (const char* name : {"real", "conj", "conj_physical", "conj_physical_", "resolve_conj", "resolve_neg"})
    r.add(name, nullptr, kPassthrough);
  for (const char* name : {"is_nonzero", "is_same_size", "is_signed", "is_conj", "is_neg", "is_inference"}) r.add(name, nullptr, kReadsValue);

  // ---- copies of views
  r.add("view_copy", [](A a) -> T {
    if (a[1].is_dtype()) return {copy_of_view(view_dtype(a.tensor(0), a.dtype(1)))};
    return {copy_of_view(view(a.tensor(0), a.shape(1)))};
  });
  r.add("permute_copy", [](A a) -> T { return {copy_of_view(permute(a.tensor(0), a.shape(1)))}; });
  r.add("transpose_copy", [](A a) -> T { return {copy_of_view(transpose(a.tensor(0), a.i(1), a.i(2)))}; });
  r.add("t_copy", [](A a) -> T { return {copy_of_view(t(a.tensor(0)))}; });
  r.add("squeeze_copy", [](A a) -> T {
    return {copy_of_view(a.has(1) ? squeeze(a.tensor(0), Dims{a.i(1)}) : squeeze(a.tensor(0)))};
  });
  r.add("unsqueeze_copy", [](A a) -> T { return {copy_of_view(unsqueeze(a.tensor(0), a.i(1)))}; });
  r.add("expand_copy", [](A a) -> T { return {copy_of_view(expand(a.tensor(0), a.shape(1)))}; });
  r.add("select_copy", [](A a) -> T { return {copy_of_view(select(a.tensor(0), a.i(1), a.i(2)))}; });
  r.add("slice_copy", [](A a) -> T {
    return {copy_of_view(slice(a.tensor(0), a.i(1, 0), a.opt_i(2), a.opt_i(3), a.i(4, 1)))};
  });
  r.add("diagonal_copy", [](A a) -> T { return {copy_of_view(diagonal(a.tensor(0), a.i(1, 0), a.i(2, 0), a.i(3, 1)))}; });
  r.add("as_strided_copy", [](A a) -> T {
    return {copy_of_view(as_strided(a.tensor(0), a.shape(1), a.shape(2), a.opt_i(3)))};
  });
  r.add("unfold_copy", [](A a) -> T { return {copy_of_view(unfold(a.tensor(0), a.i(1), a.i(2), a.i(3)))}; });
  r.add("unbind_copy", [](A a) -> T {
    TensorList out;
    for (const Tensor& v : unbind(a.tensor(0), a.i(1, 0))) out.push_back(copy_of_view(v));
    return out;
  });
  r.add("split_copy", [](A a) -> T {
    TensorList out;
    for (const Tensor& v : split(a.tensor(0), a.i(1), a.i(2, 0))) out.push_back(copy_of_view(v));
    return out;
  });
  r.add("split_with_sizes_copy", [](A a) -> T {
    TensorList out;
    for (const Tensor& v : split_with_sizes(a.tensor(0), a.shape(1), a.i(2, 0))) out.push_back(copy_of_view(v));
    return out;
  });
  r.add("detach_copy", [](A a) -> T { return {copy_of_view(detach(a.tensor(0)))}; });
  r.add("alias_copy", [](A a) -> T { return {copy_of_view(a.tensor(0))}; });

  // ---- constructors (arguments as bound: sizes, then dtype, device, ...)
  r.add("tril_indices", [](A a) -> T {
    return {tril_indices(a.i(0), a.i(1), a.i(2, 0), a.has(3) ? a.dtype(3) : Dtype::Int64)};
  });
  r.add("triu_indices", [](A a) -> T {
    return {triu_indices(a.i(0), a.i(1), a.i(2, 0), a.has(3) ? a.dtype(3) : Dtype::Int64)};
  });
  r.add("range", [](A a) -> T {
    return {range(a.scalar(0), a.scalar(1), a.has(2) ? a.scalar(2) : Scalar(int64_t(1)), a.opt_dtype(3))};
  });
  r.add("combinations", [](A a) -> T { return {combinations(a.tensor(0), a.i(1, 2), a.b(2, false))}; });
  r.add("bartlett_window", [](A a) -> T { return {bartlett_window(a.i(0), a.b(1, true), a.has(2) ? a.dtype(2) : default_dtype())}; });
  r.add("blackman_window", [](A a) -> T { return {blackman_window(a.i(0), a.b(1, true), a.has(2) ? a.dtype(2) : default_dtype())}; });
  r.add("hann_window", [](A a) -> T { return {hann_window(a.i(0), a.b(1, true), a.has(2) ? a.dtype(2) : default_dtype())}; });
  r.add("hamming_window", [](A a) -> T {
    return {hamming_window(a.i(0), a.b(1, true), a.d(2, 0.54), a.d(3, 0.46), a.has(4) ? a.dtype(4) : default_dtype())};
  });
  r.add("kaiser_window", [](A a) -> T {
    return {kaiser_window(a.i(0), a.b(1, true), a.d(2, 12.0), a.has(3) ? a.dtype(3) : default_dtype())};
  });

  // gradient(input, spacing=None | number | numbers | coordinate tensors, dim=None | int | ints, edge_order=1)
  r.add("gradient", [](A a) -> T {
    Tensor x = a.tensor(0);
    Dims dims;
    if (a.has(2)) dims = a[2].is_int() ? Dims{a.i(2)} : a.dims(2);
    const int64_t edge = a.i(3, 1);
    if (!a.has(1)) return gradient(x, std::vector<Scalar>{}, dims, edge);
    const IValue& sp = a[1];
    if (sp.is_tensor_list()) return gradient(x, sp.to_tensor_list(), dims, edge);
    if (sp.is_number()) return gradient(x, a.scalar(1), dims, edge);
    std::vector<Scalar> values;
    if (sp.is_double_list())
      for (double v : sp.to_double_list()) values.emplace_back(v);
    else
      for (int64_t v : sp.to_int_list()) values.emplace_back(v);
    return gradient(x, values, dims, edge);
  });

  r.add("block_diag", [](A a) -> T { return {block_diag(variadic_tensors(a))}; });
  r.add("cartesian_prod", [](A a) -> T { return {cartesian_prod(variadic_tensors(a))}; });
  // histogram(input, bins: int | edges, *, range=None, weight=None, density=False)
  r.add("histogram", [](A a) -> T {
    std::optional<Tensor> weight = a.maybe_tensor(3);
    const bool density = a.b(4, false);
    std::pair<Tensor, Tensor> h;
    if (a.is_tensor(1)) {
      h = histogram(a.tensor(0), a.tensor(1), weight, density);
    } else {
      std::optional<std::pair<double, double>> range;
      if (a.has(2)) {
        const std::vector<double>& r2 = a[2].to_double_list();
        EMBER_CHECK(r2.size() == 2, "histogram", "histogram(): range must be a pair (min, max)");
        range = std::make_pair(r2[0], r2[1]);
      }
      h = histogram(a.tensor(0), a.i(1, 100), range, weight, density);
    }
    return {h.first, h.second};
  });
  r.add("empty_strided", [](A a) -> T {
    return {empty_strided(a.shape(0), a.shape(1), a.has(2) ? a.dtype(2) : default_dtype())};
  });
  r.add("new_empty_strided", [](A a) -> T {
    return {empty_strided(a.shape(1), a.shape(2), a.has(3) ? a.dtype(3) : a.tensor(0).dtype())};
  });
  // Tensor.sum_to_size(*size) or (size)
  r.add("sum_to_size", [](A a) -> T {
    Shape size;
    if (a.size() == 2 && a[1].is_int_list()) {
      size = a.shape(1);
    } else {
      for (size_t i = 1; i < a.size(); ++i) size.push_back(a.i(i));
    }
    return {sum_to_size(a.tensor(0), size)};
  });
}

}  // namespace ember::jit
