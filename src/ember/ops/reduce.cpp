// Reductions: sum, mean, prod, extremes, logical and counting reductions, and
// sum_to. Each op: dtype rule, checks, the reducer call, its derivative.
// Derivatives are written with ember ops, so gradients of gradients work.
#include <limits>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/reduce_common.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using autograd::save_output;
using cpu::ReduceOp;
using namespace reduce;

namespace {

// The result dtype of sum/prod/cumsum: integers and bool widen to int64.
Dtype widened(Dtype d) { return is_integral(d, true) ? Dtype::Int64 : d; }

// The reducer reads the input as is when its accumulation already matches the
// result (int8 -> int64, float16 -> float32, ...); otherwise, as in torch, the
// input is converted to the requested dtype first.
Tensor input_for(const Tensor& t, Dtype out) {
  Dtype in = t.dtype();
  bool direct = in == out || (is_integral(in, true) && out == Dtype::Int64) ||
                (is_reduced_float(in) && out == Dtype::Float32);
  if (direct) return t;
  Tensor c = empty(t.sizes(), out);
  cpu::copy_kernel(c, t);
  return c;
}

// prod over `dims` (one dim, or all), keeping the dims; differentiable.
Tensor prod_over(const Tensor& x, const Dims& dims) {
  if (dims.size() == 1 && x.dim() > 1) return prod(x, dims[0], true);
  return prod(x);  // every dim: a 0-d result broadcasts like a keepdim one
}

// Gradient of amax/amin: split evenly among the elements equal to the result.
Tensor extreme_backward(const Tensor& g, const Tensor& x, const Tensor& result, const Mask& m, bool keepdim) {
  Tensor r = to_keepdim(result, x.sizes(), m, keepdim);
  Tensor mask = eq(x, r);
  Tensor count = sum(mask, mask_dims(m), true);
  return mul(div(to_keepdim(g, x.sizes(), m, keepdim), count), mask);
}

// Gradient of max()/min()/median() over everything: evenly among the elements equal to it.
Tensor evenly_distribute(const Tensor& g, const Tensor& x, const Tensor& value) {
  Tensor mask = nan_mask(value).item().to_bool() ? nan_mask(x) : eq(x, value);
  return mul(mask, div(g, sum(mask)));
}

// d prod / d x_i = prod of the other elements of the slice, written so that it
// is exact with zeros and differentiable once more: with P the product of the
// nonzero elements and Z that of the zeros (0, or 1 when there are none),
//   x_i != 0: g * P / x_i * Z
//   x_i == 0: g * P * (product of the other zeros), which is 1 for a lone zero,
//             the other zero's value (0, but with a gradient) for two, and 0 beyond.
Tensor prod_backward_with_zeros(const Tensor& gk, const Tensor& x, const Tensor& is_zero, const Dims& dims) {
  Tensor one = ones({}, x.dtype()), zero = zeros({}, x.dtype());
  Tensor nonzero_x = where(is_zero, one, x);
  Tensor P = prod_over(nonzero_x, dims), Z = prod_over(where(is_zero, x, one), dims);
  Tensor count = sum(is_zero, dims, true);
  Tensor zeros_sum = sum(where(is_zero, x, zero), dims, true);
  Tensor other_zeros = where(eq(count, S(1)), one, where(eq(count, S(2)), sub(zeros_sum, x), zero));
  return where(is_zero, mul(mul(gk, P), other_zeros), mul(mul(gk, div(P, nonzero_x)), Z));
}

Tensor all_any(bool is_all, const Tensor& t, const Mask& m, bool keepdim) {
  Dtype out = t.dtype() == Dtype::UInt8 ? Dtype::UInt8 : Dtype::Bool;
  return run(is_all ? ReduceOp::All : ReduceOp::Any, t, m, keepdim, out);
}

}  // namespace

// ---------------------------------------------------------------- sum, mean
Tensor sum(const Tensor& t, const Dims& dims, bool keepdim, std::optional<Dtype> dtype) {
  Mask m = dim_mask(dims, t.dim(), "sum");
  Dtype out_dtype = dtype.value_or(widened(t.dtype()));
  Tensor out = run(ReduceOp::Sum, input_for(t, out_dtype), m, keepdim, out_dtype);
  if (needs_grad(t) && is_floating(out_dtype))
    record(dims.empty() ? "SumBackward0" : "SumBackward1", {t}, out,
           [shape = t.sizes(), m, keepdim](const Tensor& g) -> TensorList { return {grad_to_input(g, shape, m, keepdim)}; });
  return out;
}

Tensor mean(const Tensor& t, const Dims& dims, bool keepdim, std::optional<Dtype> dtype) {
  Mask m = dim_mask(dims, t.dim(), "mean");
  Dtype out_dtype = dtype.value_or(t.dtype());
  EMBER_CHECK(is_floating(out_dtype), "",
              "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ",
              scalar_type_name(out_dtype));
  const int64_t n = reduced_numel(t.sizes(), m);
  Tensor out = run(ReduceOp::Mean, input_for(t, out_dtype), m, keepdim, out_dtype, double(n));
  if (needs_grad(t))
    record(dims.empty() ? "MeanBackward0" : "MeanBackward1", {t}, out,
           [shape = t.sizes(), m, keepdim, n](const Tensor& g) -> TensorList {
             return {grad_to_input(div(g, S(double(n))), shape, m, keepdim)};
           });
  return out;
}

Tensor nansum(const Tensor& t, const Dims& dims, bool keepdim, std::optional<Dtype> dtype) {
  if (!is_floating(t.dtype()) && !(dtype && is_floating(*dtype))) return sum(t, dims, keepdim, dtype);
  Mask m = dim_mask(dims, t.dim(), "nansum");
  Dtype out_dtype = dtype.value_or(t.dtype());
  Tensor out = run(ReduceOp::NanSum, input_for(t, out_dtype), m, keepdim, out_dtype);
  if (needs_grad(t))
    record("NansumBackward0", {t}, out, [sx = save(t), m, keepdim](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      return {where(nan_mask(x), zeros({}, g.dtype()), grad_to_input(g, x.sizes(), m, keepdim))};
    });
  return out;
}

Tensor nanmean(const Tensor& t, const Dims& dims, bool keepdim, std::optional<Dtype> dtype) {
  EMBER_CHECK(is_floating(t.dtype()), "", "nanmean(): expected input to have floating point dtype but got ",
              scalar_type_name(t.dtype()));
  dim_mask(dims, t.dim(), "nanmean");
  Tensor count = sum(eq(t, t), dims, keepdim);  // the non-NaN elements
  return div(nansum(t, dims, keepdim, dtype), count);
}

// ---------------------------------------------------------------- prod
Tensor prod(const Tensor& t, std::optional<int64_t> dim, bool keepdim, std::optional<Dtype> dtype) {
  Mask m = dim ? one_dim_mask(*dim, t.dim(), "prod") : dim_mask({}, t.dim(), "prod");
  if (!dim) keepdim = false;
  Dtype out_dtype = dtype.value_or(widened(t.dtype()));
  Tensor out = run(ReduceOp::Prod, input_for(t, out_dtype), m, keepdim, out_dtype);
  if (needs_grad(t) && is_floating(out_dtype))
    record(dim ? "ProdBackward1" : "ProdBackward0", {t}, out,
           [sx = save(t), sr = save_output(out), m, keepdim](const Tensor& g) -> TensorList {
             Tensor x = sx.unpack();
             Tensor gk = to_keepdim(g, x.sizes(), m, keepdim);
             Tensor is_zero = eq(x, S(0));
             if (!any_true(is_zero)) return {mul(gk, div(to_keepdim(sr.unpack(), x.sizes(), m, keepdim), x))};
             return {prod_backward_with_zeros(gk, x, is_zero, mask_dims(m))};
           });
  return out;
}

// ---------------------------------------------------------------- extremes
namespace {
Tensor amax_amin(bool is_max, const Tensor& t, const Dims& dims, bool keepdim) {
  const char* name = is_max ? "amax" : "amin";
  Mask m = dim_mask(dims, t.dim(), name);
  if (dims.empty())
    EMBER_CHECK(t.numel() > 0, "", name,
                "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  check_nonempty_dims(name, t, m);
  Tensor out = run(is_max ? ReduceOp::Max : ReduceOp::Min, t, m, keepdim, t.dtype());
  if (needs_grad(t))
    record(is_max ? "AmaxBackward0" : "AminBackward0", {t}, out,
           [sx = save(t), sr = save_output(out), m, keepdim](const Tensor& g) -> TensorList {
             return {extreme_backward(g, sx.unpack(), sr.unpack(), m, keepdim)};
           });
  return out;
}

Tensor extreme_all(bool is_max, const Tensor& t) {
  const char* name = is_max ? "max" : "min";
  EMBER_CHECK(t.numel() > 0, "", name,
              "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  Tensor out = run(is_max ? ReduceOp::Max : ReduceOp::Min, t, dim_mask({}, t.dim(), name), false, t.dtype());
  if (needs_grad(t))
    record(is_max ? "MaxBackward1" : "MinBackward1", {t}, out, [sx = save(t), sr = save_output(out)](const Tensor& g) -> TensorList {
      return {evenly_distribute(g, sx.unpack(), sr.unpack())};
    });
  return out;
}

// t as at least 1-D (a 0-d tensor is one line of one element).
Tensor at_least_1d_view(const Tensor& t) { return t.dim() > 0 ? t : make_view(t, {1}, {1}, t.storage_offset()); }

std::pair<Tensor, Tensor> extreme_dim(bool is_max, const Tensor& t, int64_t dim, bool keepdim) {
  const char* name = is_max ? "max" : "min";
  Mask m = one_dim_mask(dim, t.dim(), name);
  dim = wrap_dim(dim, t.dim(), name);
  check_nonempty_dims(name, t, m);
  Tensor in = at_least_1d_view(t);
  Shape ks = keep_shape(in.sizes(), one_dim_mask(dim, in.dim(), name));
  Tensor values = empty(ks, t.dtype()), indices = empty(ks, Dtype::Int64);
  cpu::arg_reduce_kernel(is_max, values, indices, in, dim);
  Shape rs = result_shape(t.sizes(), m, keepdim);
  values = make_view(values, rs, contiguous_strides(rs), 0);
  indices = make_view(indices, rs, contiguous_strides(rs), 0);
  if (needs_grad(t))
    record(is_max ? "MaxBackward0" : "MinBackward0", {t}, values,
           [indices, shape = t.sizes(), dim, m, keepdim](const Tensor& g) -> TensorList {
             if (shape.empty()) return {g};
             return {put_along(to_keepdim(g, shape, m, keepdim), to_keepdim(indices, shape, m, keepdim), dim, shape)};
           });
  return {values, indices};
}

Tensor arg_extreme(bool is_max, const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  const char* name = is_max ? "argmax" : "argmin";
  EMBER_CHECK(t.dtype() != Dtype::Bool, "", "\"", name, "_cpu\" not implemented for 'Bool'");
  if (!dim) {
    EMBER_CHECK_INDEX(t.numel() > 0, "", name, "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor flat = reshape_alias(detach(t), {t.numel()});
    Tensor idx = empty({1}, Dtype::Int64);
    cpu::arg_reduce_kernel(is_max, Tensor(), idx, flat, 0);
    Shape rs = keepdim ? Shape(size_t(t.dim()), 1) : Shape{};
    return make_view(idx, rs, contiguous_strides(rs), 0);
  }
  Mask m = one_dim_mask(*dim, t.dim(), name);
  int64_t d = wrap_dim(*dim, t.dim(), name);
  check_nonempty_dims(name, t, m);
  Tensor in = at_least_1d_view(t);
  Tensor idx = empty(keep_shape(in.sizes(), one_dim_mask(d, in.dim(), name)), Dtype::Int64);
  cpu::arg_reduce_kernel(is_max, Tensor(), idx, in, d);
  Shape rs = result_shape(t.sizes(), m, keepdim);
  return make_view(idx, rs, contiguous_strides(rs), 0);
}
}  // namespace

Tensor amax(const Tensor& t, const Dims& dims, bool keepdim) { return amax_amin(true, t, dims, keepdim); }
Tensor amin(const Tensor& t, const Dims& dims, bool keepdim) { return amax_amin(false, t, dims, keepdim); }
Tensor max(const Tensor& t) { return extreme_all(true, t); }
Tensor min(const Tensor& t) { return extreme_all(false, t); }
std::pair<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) { return extreme_dim(true, t, dim, keepdim); }
std::pair<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) { return extreme_dim(false, t, dim, keepdim); }
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(true, t, dim, keepdim); }
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(false, t, dim, keepdim); }

std::pair<Tensor, Tensor> aminmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  if (!dim) {
    EMBER_CHECK(t.numel() > 0, "",
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
    Tensor lo = amin(t, {}, keepdim), hi = amax(t, {}, keepdim);
    return {lo, hi};
  }
  Mask m = one_dim_mask(*dim, t.dim(), "aminmax");
  for (size_t d = 0; d < m.size(); ++d)
    EMBER_CHECK_INDEX(!m[d] || t.sizes()[d] != 0, "", "aminmax: Expected reduction dim ", d, " to have non-zero size.");
  return {amin(t, {*dim}, keepdim), amax(t, {*dim}, keepdim)};
}

// ---------------------------------------------------------------- logical and counting
Tensor all(const Tensor& t) { return all_any(true, t, dim_mask({}, t.dim(), "all"), false); }
Tensor all(const Tensor& t, int64_t dim, bool keepdim) { return all_any(true, t, one_dim_mask(dim, t.dim(), "all"), keepdim); }
Tensor any(const Tensor& t) { return all_any(false, t, dim_mask({}, t.dim(), "any"), false); }
Tensor any(const Tensor& t, int64_t dim, bool keepdim) { return all_any(false, t, one_dim_mask(dim, t.dim(), "any"), keepdim); }

bool any_true(const Tensor& t) {
  if (t.numel() == 0) return false;
  Tensor r = empty(Shape(size_t(t.dim()), 1), Dtype::Bool);
  cpu::reduce_kernel(ReduceOp::Any, r, t);
  return *static_cast<const bool*>(r.raw_data());
}

Tensor count_nonzero(const Tensor& t, const Dims& dims) {
  return run(ReduceOp::CountNonzero, t, dim_mask(dims, t.dim(), "count_nonzero"), false, Dtype::Int64);
}

// ---------------------------------------------------------------- sum_to
// The engine calls this for every broadcast gradient: one allocation (the
// result) and one pass; the reducer reads `t` through a keepdim-shaped view of
// the result whose dropped leading dims have stride 0.
Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.sizes() == shape) return t;
  EMBER_CHECK(is_expandable_to(shape, t.sizes()), "sum_to", "size ", shape_str(shape), " is not expandable to size ",
              shape_str(t.sizes()));
  Tensor out = empty(shape, t.dtype());
  const int64_t lead = t.dim() - int64_t(shape.size());
  Shape ks(size_t(t.dim()), 1), kst(size_t(t.dim()), 0);
  for (int64_t d = lead; d < t.dim(); ++d) {
    ks[d] = shape[d - lead];
    kst[d] = out.strides()[d - lead];
  }
  cpu::reduce_kernel(ReduceOp::Sum, make_view(out, ks, kst, 0), t);
  if (needs_grad(t))
    record("SumToBackward", {t}, out, [old = t.sizes()](const Tensor& g) -> TensorList { return {expand_to(g, old)}; });
  return out;
}

}  // namespace ember
