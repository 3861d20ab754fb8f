// softmax, log_softmax (fused kernel) and logsumexp.
#include <cmath>

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

Tensor softmax_impl(bool log, const Tensor& t, int64_t dim, std::optional<Dtype> dtype) {
  const int64_t d = wrap_dim(dim, t.dim(), log ? "log_softmax" : "softmax");
  const Dtype dt = dtype.value_or(t.dtype());
  EMBER_CHECK(is_floating(dt), "", "\"", log ? "log_softmax_lastdim_kernel_impl" : "softmax_lastdim_kernel_impl",
              "\" not implemented for '", scalar_type_name(dt), "'");
  Tensor in = t;
  if (t.dtype() != dt || !t.is_contiguous()) {
    in = empty(t.sizes(), dt);
    cpu::copy_kernel(in, t);
  }
  Tensor out = empty(t.sizes(), dt);
  cpu::softmax_kernel(out, in, d, log);
  if (needs_grad(t))
    record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {t}, out, [sy = save_output(out), d, log](const Tensor& g) -> TensorList {
      Tensor y = sy.unpack();
      // one fused kernel unless the gradient itself must be differentiable (create_graph)
      if (!needs_grad(g, y) && g.dtype() == y.dtype() && g.sizes() == y.sizes() &&
          (y.dtype() == Dtype::Float32 || y.dtype() == Dtype::Float64)) {
        Tensor gc = g.contiguous(), gx = empty(y.sizes(), y.dtype());
        cpu::softmax_backward_kernel(gx, gc, y, d, log);
        return {gx};
      }
      if (log) return {sub(g, mul(exp(y), sum(g, {d}, true)))};
      return {mul(y, sub(g, sum(mul(g, y), {d}, true)))};
    });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& t, int64_t dim, std::optional<Dtype> dtype) { return softmax_impl(false, t, dim, dtype); }
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<Dtype> dtype) { return softmax_impl(true, t, dim, dtype); }

// log(sum(exp(x))) with the max taken out first (and infinite maxes left out,
// as torch does, so rows of -inf give -inf rather than NaN).
Tensor logsumexp(const Tensor& t, const Dims& dims, bool keepdim) {
  Mask m = dim_mask(dims, t.dim(), "logsumexp");
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    Dtype work = !is_floating(t.dtype()) ? default_dtype() : is_reduced_float(t.dtype()) ? Dtype::Float32 : t.dtype();
    Tensor x = to_dtype(t, work);
    Tensor mx = run(ReduceOp::Max, x, m, true, work);
    mx = where(eq(abs(mx), S(INFINITY)), zeros({}, work), mx);
    Tensor s = run(ReduceOp::Sum, exp(sub(x, mx)), m, keepdim, work);
    out = add(log(s), keepdim ? mx : reshape_alias(mx, result_shape(t.sizes(), m, false)));
    Dtype result = is_floating(t.dtype()) ? t.dtype() : default_dtype();
    out = to_dtype(out, result);
  }
  if (needs_grad(t))
    record("LogsumexpBackward0", {t}, out, [sx = save(t), sr = save_output(out), m, keepdim](const Tensor& g) -> TensorList {
      Tensor x = sx.unpack();
      return {mul(to_keepdim(g, x.sizes(), m, keepdim), exp(sub(x, to_keepdim(sr.unpack(), x.sizes(), m, keepdim))))};
    });
  return out;
}

}  // namespace ember
