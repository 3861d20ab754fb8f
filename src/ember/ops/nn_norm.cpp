// Normalization layers, written as compositions of ember ops so that every
// derivative (and second derivative) comes from the ops themselves; layer_norm
// runs a fused kernel, with its backward written in ops for double backward.
#include "ember/autograd/function.h"
#include "ember/ops/cpu/norm_kernels.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

// Shape (1, C, 1, ..., 1) for per-channel vectors against an (N, C, ...) input.
Shape channel_shape(const Tensor& x) {
  Shape s(x.dim(), 1);
  s[1] = x.size(1);
  return s;
}

Dims all_but_channel(const Tensor& x) {
  Dims d{0};
  for (int64_t i = 2; i < x.dim(); ++i) d.push_back(i);
  return d;
}

Tensor affine(const Tensor& y, const Tensor& weight, const Tensor& bias, const Shape& param_shape) {
  Tensor out = y;
  if (weight.defined()) out = mul(out, reshape(weight, param_shape));
  if (bias.defined()) out = add(out, reshape(bias, param_shape));
  return out;
}

void check_param(const char* op, const Tensor& p, const char* name, int64_t expected) {
  if (!p.defined()) return;
  EMBER_CHECK(p.numel() == expected, op, name, " should contain ", expected, " elements not ", p.numel(),
              " (shape ", shape_str(p.sizes()), ")");
}

// Running statistics: r = (1 - momentum) * r + momentum * value, in place, outside the graph.
void update_running(Tensor running, const Tensor& value, double momentum) {
  if (!running.defined()) return;
  autograd::NoGradGuard ng;
  Tensor v = value.detach().to(running.dtype());
  Tensor r = running;
  mul_(r, wrap_scalar(1.0 - momentum));
  add_(r, v, Scalar(momentum));
}

// The gradients of layer_norm written with ops (differentiable again): for
// backward with create_graph.
TensorList layer_norm_backward_ops(const Tensor& g, const Tensor& x, const Dims& dims, const Tensor& weight,
                                   const Tensor& bias, double eps, bool want_x, bool want_w, bool want_b) {
  auto [v, m] = var_mean(x, dims, 0.0, true);
  Tensor rs = rsqrt(add(v, wrap_scalar(eps)));
  Tensor xhat = mul(sub(x, m), rs);
  Dims batch;
  for (int64_t i = 0; i < dims.front(); ++i) batch.push_back(i);
  auto over_batch = [&](const Tensor& t) { return batch.empty() ? t : sum(t, batch); };
  Tensor gx, gw, gb;
  if (want_x) {
    Tensor a = weight.defined() ? mul(g, weight) : g;
    gx = mul(rs, sub(sub(a, mean(a, dims, true)), mul(xhat, mean(mul(a, xhat), dims, true))));
  }
  if (want_w && weight.defined()) gw = over_batch(mul(g, xhat));
  if (want_b && bias.defined()) gb = over_batch(g);
  return {gx, gw, gb};
}

// Fused forward; the backward runs the fused kernel unless its result must be
// differentiable (create_graph), where it runs layer_norm_backward_ops.
Tensor layer_norm_fused(const Tensor& x, const Dims& dims, int64_t n, const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t rows = x.numel() / n;
  const Dtype stat = x.dtype() == Dtype::Float64 ? Dtype::Float64 : Dtype::Float32;
  Tensor xc, wc, bc;
  {
    autograd::NoGradGuard ng;  // the copies stay out of the graph: the node below is x's
    xc = x.contiguous();
    if (weight.defined()) wc = weight.contiguous();
    if (bias.defined()) bc = bias.contiguous();
  }
  Tensor y = empty(x.sizes(), x.dtype()), mu = empty({rows}, stat), rstd = empty({rows}, stat);
  cpu::layer_norm_kernel(y, mu, rstd, xc, wc, bc, rows, n, eps);
  if (autograd::needs_grad(x, weight, bias))
    autograd::record("NativeLayerNormBackward0", {x, weight, bias}, y,
        [sx = autograd::save(x), sw = autograd::save(weight), sb = autograd::save(bias), mu, rstd, dims, n, rows, eps](
            const Tensor& g, const autograd::Node& node) -> TensorList {
          Tensor xs = sx.unpack(), w = sw.unpack(), b = sb.unpack();
          const bool want_x = node.needs_input_grad(0), want_w = node.needs_input_grad(1), want_b = node.needs_input_grad(2);
          if (autograd::needs_grad(g, xs, w) || g.dtype() != xs.dtype() || g.sizes() != xs.sizes())
            return layer_norm_backward_ops(g, xs, dims, w, b, eps, want_x, want_w, want_b);
          autograd::NoGradGuard ng;
          Tensor gc = g.contiguous(), xc = xs.contiguous(), wc = w.defined() ? w.contiguous() : w;
          Tensor gx = want_x ? empty(xs.sizes(), xs.dtype()) : Tensor();
          Tensor gw = want_w && w.defined() ? empty(w.sizes(), w.dtype()) : Tensor();
          Tensor gb = want_b && b.defined() ? empty(b.sizes(), b.dtype()) : Tensor();
          cpu::layer_norm_backward_kernel(gx, gw, gb, gc, xc, mu, rstd, wc, rows, n);
          return {gx, gw, gb};
        });
  return y;
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  EMBER_CHECK(x.dim() >= 2, "batch_norm", "expected an input with at least 2 dimensions (N, C, ...), got ",
              shape_str(x.sizes()));
  int64_t c = x.size(1);
  check_param("batch_norm", weight, "weight", c);
  check_param("batch_norm", bias, "bias", c);
  check_param("batch_norm", running_mean, "running_mean", c);
  check_param("batch_norm", running_var, "running_var", c);
  Shape cs = channel_shape(x);
  Tensor mean_, var_;
  if (training) {
    Dims dims = all_but_channel(x);
    int64_t n = x.numel() / std::max<int64_t>(c, 1);
    auto [v, m] = var_mean(x, dims, 0.0, true);
    mean_ = m;
    var_ = v;
    if (running_mean.defined()) update_running(running_mean, reshape(m, {c}), momentum);
    if (running_var.defined()) {
      Tensor unbiased = n > 1 ? mul(reshape(v, {c}), wrap_scalar(double(n) / double(n - 1))) : reshape(v, {c});
      update_running(running_var, unbiased, momentum);
    }
  } else {
    EMBER_CHECK(running_mean.defined() && running_var.defined(), "batch_norm",
                "running_mean and running_var must be defined in evaluation mode");
    mean_ = reshape(running_mean, cs);
    var_ = reshape(running_var, cs);
  }
  Tensor y = mul(sub(x, mean_), rsqrt(add(var_, wrap_scalar(eps))));
  return affine(y, weight, bias, cs);
}

Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                     const Tensor& running_var, bool use_input_stats, double momentum, double eps) {
  EMBER_CHECK(x.dim() >= 3, "instance_norm", "expected an input with at least 3 dimensions (N, C, L...), got ",
              shape_str(x.sizes()));
  int64_t c = x.size(1);
  check_param("instance_norm", weight, "weight", c);
  check_param("instance_norm", bias, "bias", c);
  Shape cs = channel_shape(x);
  Tensor y;
  if (use_input_stats) {
    Dims dims;
    for (int64_t i = 2; i < x.dim(); ++i) dims.push_back(i);
    int64_t n = 1;
    for (int64_t i = 2; i < x.dim(); ++i) n *= x.size(i);
    EMBER_CHECK_VALUE(n > 1, "instance_norm", "Expected more than 1 spatial element when training, got input size ",
                      shape_str(x.sizes()));
    auto [v, m] = var_mean(x, dims, 0.0, true);
    y = mul(sub(x, m), rsqrt(add(v, wrap_scalar(eps))));
    // running stats track the mean over the batch of per-instance statistics
    if (running_mean.defined()) update_running(running_mean, mean(reshape(m, {x.size(0), c}), {0}), momentum);
    if (running_var.defined()) {
      Tensor unbiased = mul(reshape(v, {x.size(0), c}), wrap_scalar(double(n) / double(n - 1)));
      update_running(running_var, mean(unbiased, {0}), momentum);
    }
  } else {
    EMBER_CHECK(running_mean.defined() && running_var.defined(), "instance_norm",
                "Expected running_mean and running_var to be defined when use_input_stats is false");
    y = mul(sub(x, reshape(running_mean, cs)), rsqrt(add(reshape(running_var, cs), wrap_scalar(eps))));
  }
  return affine(y, weight, bias, cs);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps) {
  int64_t k = int64_t(normalized_shape.size());
  bool ok = k >= 1 && x.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == normalized_shape[i];
  EMBER_CHECK(ok, "layer_norm", "Given normalized_shape=", shape_str(normalized_shape),
              ", expected input with shape [*, ", shape_str(normalized_shape).substr(1), ", but got input of size",
              shape_str(x.sizes()));
  if (weight.defined())
    EMBER_CHECK(weight.sizes() == normalized_shape, "layer_norm", "Expected weight to be of same shape as "
                "normalized_shape, but got weight of shape ", shape_str(weight.sizes()), " and normalized_shape = ",
                shape_str(normalized_shape));
  if (bias.defined())
    EMBER_CHECK(bias.sizes() == normalized_shape, "layer_norm", "Expected bias to be of same shape as "
                "normalized_shape, but got bias of shape ", shape_str(bias.sizes()), " and normalized_shape = ",
                shape_str(normalized_shape));
  Dims dims;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) dims.push_back(i);
  int64_t n = 1;
  for (int64_t s : normalized_shape) n *= s;
  auto same_dtype = [&](const Tensor& p) { return !p.defined() || p.dtype() == x.dtype(); };
  if (is_floating(x.dtype()) && x.numel() > 0 && n > 0 && same_dtype(weight) && same_dtype(bias))
    return layer_norm_fused(x, dims, n, weight, bias, eps);
  auto [v, m] = var_mean(x, dims, 0.0, true);
  Tensor y = mul(sub(x, m), rsqrt(add(v, wrap_scalar(eps))));
  if (weight.defined()) y = mul(y, weight);
  if (bias.defined()) y = add(y, bias);
  return y;
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  // IndexError, as torch (which fails indexing the channel dimension)
  EMBER_CHECK_INDEX(x.dim() >= 2, "group_norm", "Expected at least 2 dimensions for input tensor but received ",
                    x.dim());
  int64_t n = x.size(0), c = x.size(1);
  EMBER_CHECK(num_groups > 0 && c % num_groups == 0, "group_norm",
              "Expected number of channels in input to be divisible by num_groups, but got input of shape ",
              shape_str(x.sizes()), " and num_groups=", num_groups);
  check_param("group_norm", weight, "weight", c);
  check_param("group_norm", bias, "bias", c);
  // the group size is explicit (not -1) so that an empty batch still reshapes
  int64_t per_group = c / num_groups;
  for (int64_t d = 2; d < x.dim(); ++d) per_group *= x.size(d);
  Tensor g = reshape(x, {n, num_groups, per_group});
  auto [v, m] = var_mean(g, {2}, 0.0, true);
  Tensor y = reshape(mul(sub(g, m), rsqrt(add(v, wrap_scalar(eps)))), x.sizes());
  return affine(y, weight, bias, channel_shape(x));
}

}  // namespace ember
