// Cumulative ops along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp.
#include <limits>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/reduce_common.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using autograd::save_output;
using cpu::ScanOp;
using namespace reduce;

namespace {

Dtype widened(Dtype d) { return is_integral(d, true) ? Dtype::Int64 : d; }

// The scan without autograd, on a contiguous copy in `dtype` when needed.
Tensor scan_forward(ScanOp op, const Tensor& t, int64_t dim, Dtype dtype, bool reverse) {
  Tensor in = t;
  if (t.dtype() != dtype || !t.is_contiguous()) {
    in = empty(t.sizes(), dtype);
    cpu::copy_kernel(in, t);
  }
  Tensor out = empty(t.sizes(), dtype);
  cpu::scan_kernel(op, out, Tensor(), in, dim, reverse);
  return out;
}

// Cumulative sum from the start (or, reversed, from the end) of each line;
// each direction is the other's derivative.
Tensor cumsum_dir(const Tensor& t, int64_t dim, bool reverse, Dtype dtype) {
  Tensor out = scan_forward(ScanOp::Sum, t, dim, dtype, reverse);
  if (needs_grad(t) && is_floating(dtype))
    record("CumsumBackward0", {t}, out, [dim, reverse](const Tensor& g) -> TensorList {
      return {cumsum_dir(g, dim, !reverse, g.dtype())};
    });
  return out;
}

double lowest(Dtype d) {
  switch (d) {
    case Dtype::Float64: return std::numeric_limits<double>::lowest();
    case Dtype::Float16: return -65504.0;
    case Dtype::BFloat16: return double(float(std::numeric_limits<BFloat16>::lowest()));
    default: return double(std::numeric_limits<float>::lowest());
  }
}

Tensor logcumsumexp_dir(const Tensor& t, int64_t dim, bool reverse) {
  Tensor out = scan_forward(ScanOp::LogSumExp, t, dim, t.dtype(), reverse);
  if (needs_grad(t))
    record("LogcumsumexpBackward0", {t}, out,
           [sx = save(t), sr = save_output(out), dim, reverse](const Tensor& g) -> TensorList {
             if (g.dim() == 0 || g.numel() == 0) return {g};
             // torch's formula: positive and negative parts of g summed in log space
             Tensor x = sx.unpack(), r = sr.unpack();
             Tensor floor = full({}, lowest(g.dtype()), g.dtype());
             Tensor log_abs = log(abs(g));
             Tensor pos = where(gt(g, S(0)), log_abs, floor), neg = where(lt(g, S(0)), log_abs, floor);
             Tensor out_pos = exp(add(logcumsumexp_dir(sub(pos, r), dim, !reverse), x));
             Tensor out_neg = exp(add(logcumsumexp_dir(sub(neg, r), dim, !reverse), x));
             return {sub(out_pos, out_neg)};
           });
  return out;
}

std::pair<Tensor, Tensor> cum_extreme(bool is_max, const Tensor& t, int64_t dim) {
  const char* name = is_max ? "cummax" : "cummin";
  int64_t d = wrap_dim(dim, t.dim(), name);
  Tensor values = empty(t.sizes(), t.dtype()), indices = empty(t.sizes(), Dtype::Int64);
  if (t.dim() == 0) {
    cpu::scan_kernel(is_max ? ScanOp::Max : ScanOp::Min, make_view(values, {1}, {1}, 0), make_view(indices, {1}, {1}, 0),
                     make_view(t, {1}, {1}, t.storage_offset()), 0);
  } else {
    cpu::scan_kernel(is_max ? ScanOp::Max : ScanOp::Min, values, indices, t, d);
  }
  if (needs_grad(t))
    record(is_max ? "CummaxBackward0" : "CumminBackward0", {t}, values,
           [indices, d, shape = t.sizes()](const Tensor& g) -> TensorList {
             if (shape.empty()) return {g};
             return {put_along(g, indices, d, shape)};
           });
  return {values, indices};
}

}  // namespace

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<Dtype> dtype) {
  int64_t d = wrap_dim(dim, t.dim(), "cumsum");
  return cumsum_dir(t, d, false, dtype.value_or(widened(t.dtype())));
}

Tensor cumprod(const Tensor& t, int64_t dim, std::optional<Dtype> dtype) {
  int64_t d = wrap_dim(dim, t.dim(), "cumprod");
  Dtype dt = dtype.value_or(widened(t.dtype()));
  Tensor out = scan_forward(ScanOp::Prod, t, d, dt, false);
  if (needs_grad(t) && is_floating(dt))
    record("CumprodBackward0", {t}, out, [sx = save(t), sy = save_output(out), d](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack(), y = sy.unpack();
      if (x.dim() == 0 || x.sizes()[d] <= 1) return {g};
      if (!autograd::grad_enabled()) {
        // first-order gradient: one exact pass per line, zeros included
        Tensor xc = to_dtype(x, y.dtype()), gc = to_dtype(g, y.dtype());
        Tensor grad = empty(x.sizes(), y.dtype());
        cpu::cumprod_backward_kernel(grad, gc, xc, y, d);
        return {grad};
      }
      EMBER_CHECK(!any_true(eq(x, S(0))), "cumprod",
                  "double backward through cumprod of an input that holds zeros is not supported yet");
      return {div(cumsum_dir(mul(y, g), d, true, y.dtype()), x)};
    });
  return out;
}

std::pair<Tensor, Tensor> cummax(const Tensor& t, int64_t dim) { return cum_extreme(true, t, dim); }
std::pair<Tensor, Tensor> cummin(const Tensor& t, int64_t dim) { return cum_extreme(false, t, dim); }

Tensor logcumsumexp(const Tensor& t, int64_t dim) {
  EMBER_CHECK(is_floating(t.dtype()), "", "\"logcumsumexp_out_cpu\" not implemented for '", scalar_type_name(t.dtype()), "'");
  return logcumsumexp_dir(t, wrap_dim(dim, t.dim(), "logcumsumexp"), false);
}

}  // namespace ember
