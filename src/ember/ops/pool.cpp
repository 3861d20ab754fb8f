// Pooling: max, average, adaptive average/max, max_unpool and lp pooling over
// 1, 2 or 3 spatial dims, batched (N, C, *) or not (C, *). Each pool and its
// derivative are adjoint pairs of kernels recorded as ops of their own
// (avg_pool <-> its backward, index scatter <-> index gather), so gradients of
// any order use the same kernels.
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/conv_common.h"
#include "ember/ops/cpu/conv_kernels.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using detail::finish;
using detail::kernel_dtype;
using detail::prep;

namespace {

// A pool's geometry and the leading (batch, channel) dims of its tensors.
struct Pool {
  cpu::PoolGeom g;
  int nd = 2;
  Shape lead;
  bool count_include_pad = true;
  int64_t divisor = 0;

  Shape shape_of(const cpu::Dim3& d) const {
    Shape s = lead;
    s.insert(s.end(), d.end() - nd, d.end());
    return s;
  }
  Shape in_shape() const { return shape_of(g.in); }
  Shape out_shape() const { return shape_of(g.out); }
};

const char* pick(int nd, const char* a, const char* b, const char* c) { return nd == 1 ? a : nd == 2 ? b : c; }

// The planes an index tensor's last nd dims are taken within.
int64_t planes_of(const Tensor& t, int nd) {
  int64_t p = 1;
  for (int64_t i = 0; i < t.dim() - nd; ++i) p *= t.size(i);
  return p;
}

Tensor index_gather(const Tensor& src, const Tensor& idx, int nd);

// zeros(shape) with src added at idx (per plane): the gradient of a max pool.
Tensor index_scatter_add(const Tensor& src, const Tensor& idx, const Shape& shape, int nd) {
  Dtype cd = kernel_dtype(src.dtype());
  Tensor sc = prep(src, cd), ic = prep(idx, Dtype::Int64);
  Tensor out = zeros(shape, cd);
  cpu::plane_scatter(sc, ic, out, planes_of(ic, nd), true);
  out = finish(out, src.dtype());
  if (needs_grad(src))
    record("MaxPoolBackwardBackward0", {src}, out, [si = save(idx), nd](const Tensor& g) -> TensorList {
      return {index_gather(g, si.unpack(), nd)};
    });
  return out;
}

// src[idx] per plane: the adjoint of index_scatter_add.
Tensor index_gather(const Tensor& src, const Tensor& idx, int nd) {
  Dtype cd = kernel_dtype(src.dtype());
  Tensor sc = prep(src, cd), ic = prep(idx, Dtype::Int64);
  Tensor out = empty(idx.sizes(), cd);
  cpu::plane_gather(sc, ic, out, planes_of(ic, nd));
  out = finish(out, src.dtype());
  if (needs_grad(src))
    record("GatherBackward0", {src}, out, [si = save(idx), shape = src.sizes(), nd](const Tensor& g) -> TensorList {
      return {index_scatter_add(g, si.unpack(), shape, nd)};
    });
  return out;
}

std::pair<Tensor, Tensor> max_pool_op(const Pool& P, const Tensor& x, const char* node) {
  Dtype cd = kernel_dtype(x.dtype());
  Tensor xc = prep(x, cd);
  Tensor y = empty(P.out_shape(), cd), idx = empty(P.out_shape(), Dtype::Int64);
  cpu::max_pool_forward(P.g, xc, y, idx);
  y = finish(y, x.dtype());
  if (needs_grad(x))
    record(node, {x}, y, [si = save(idx), shape = x.sizes(), nd = P.nd](const Tensor& g) -> TensorList {
      return {index_scatter_add(g, si.unpack(), shape, nd)};
    });
  return {y, idx};
}

Tensor avg_pool_backward_op(const Pool& P, const Tensor& gy);

Tensor avg_pool_op(const Pool& P, const Tensor& x) {
  Dtype cd = kernel_dtype(x.dtype());
  Tensor xc = prep(x, cd);
  Tensor y = empty(P.out_shape(), cd);
  cpu::avg_pool_forward(P.g, xc, y, P.count_include_pad, P.divisor);
  y = finish(y, x.dtype());
  if (needs_grad(x))
    record(pick(P.nd, "AvgPool2DBackward0", "AvgPool2DBackward0", "AvgPool3DBackward0"), {x}, y,
           [P](const Tensor& g) -> TensorList { return {avg_pool_backward_op(P, g)}; });
  return y;
}

Tensor avg_pool_backward_op(const Pool& P, const Tensor& gy) {
  Dtype cd = kernel_dtype(gy.dtype());
  Tensor gc = prep(gy, cd);
  Tensor gx = zeros(P.in_shape(), cd);
  cpu::avg_pool_backward(P.g, gc, gx, P.count_include_pad, P.divisor);
  gx = finish(gx, gy.dtype());
  if (needs_grad(gy))
    record("AvgPoolBackwardBackward0", {gy}, gx, [P](const Tensor& g) -> TensorList { return {avg_pool_op(P, g)}; });
  return gx;
}

Tensor adaptive_avg_backward_op(const Pool& P, const Tensor& gy);

Tensor adaptive_avg_op(const Pool& P, const Tensor& x) {
  Dtype cd = kernel_dtype(x.dtype());
  Tensor xc = prep(x, cd);
  Tensor y = empty(P.out_shape(), cd);
  cpu::adaptive_avg_pool_forward(P.g, xc, y);
  y = finish(y, x.dtype());
  if (needs_grad(x))
    record(pick(P.nd, "AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool3DBackward0"), {x}, y,
           [P](const Tensor& g) -> TensorList { return {adaptive_avg_backward_op(P, g)}; });
  return y;
}

Tensor adaptive_avg_backward_op(const Pool& P, const Tensor& gy) {
  Dtype cd = kernel_dtype(gy.dtype());
  Tensor gc = prep(gy, cd);
  Tensor gx = zeros(P.in_shape(), cd);
  cpu::adaptive_avg_pool_backward(P.g, gc, gx);
  gx = finish(gx, gy.dtype());
  if (needs_grad(gy))
    record("AdaptiveAvgPoolBackwardBackward0", {gy}, gx,
           [P](const Tensor& g) -> TensorList { return {adaptive_avg_op(P, g)}; });
  return gx;
}

// ---- argument handling with torch's checks and words

// An int-or-tuple pool parameter; `empty_ok` lets stride default to the kernel size.
Shape pool_param(const char* op, const char* what, const Shape& v, int nd, const Shape& fallback = {}) {
  static const char* counts[] = {"", "one int", "two ints", "three ints"};
  if (v.empty() && !fallback.empty()) return fallback;
  EMBER_CHECK(v.size() == 1 || int64_t(v.size()) == nd, op, op, ": ", what, " must either be a single int, or a tuple of ",
              counts[nd]);
  return v.size() == 1 ? Shape(size_t(nd), v[0]) : v;
}

// torch's pooling_output_shape: floor (or ceil) division, and a ceil-mode window may not start in the right padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

void check_pool_input(const char* op, const Tensor& input, int nd) {
  const int64_t d = input.dim();
  bool ok = d == nd + 1 || d == nd + 2;
  for (int64_t i = (d == nd + 2 ? 1 : 0); ok && i < d; ++i) ok = input.size(i) != 0;
  EMBER_CHECK(ok, op, "Expected ", nd + 1, "D or ", nd + 2,
              "D (batch mode) tensor with optional 0 dim batch size for input, but got: ", shape_str(input.sizes()));
}

void check_float_dtype(const char* op, Dtype d, bool allow_int = false) {
  bool ok = d == Dtype::Float32 || d == Dtype::Float64 || d == Dtype::BFloat16 ||
            (allow_int && is_integral(d));
  EMBER_CHECK(ok, op, "\"", op, "\" not implemented for '", scalar_type_name(d), "'");
}

Pool make_pool(const char* op, const Tensor& input, int nd, const Shape& kernel_size, const Shape& stride_in,
               const Shape& padding_in, const Shape& dilation_in, bool ceil_mode) {
  check_pool_input(op, input, nd);
  Shape k = pool_param(op, "kernel_size", kernel_size, nd);
  Shape s = pool_param(op, "stride", stride_in, nd, k);
  Shape p = pool_param(op, "padding", padding_in, nd);
  Shape d = pool_param(op, "dilation", dilation_in, nd);
  for (int i = 0; i < nd; ++i) {
    EMBER_CHECK(s[i] != 0, op, "stride should not be zero");
    EMBER_CHECK(s[i] > 0, op, "stride should be greater than zero, but got stride: ", shape_str(s));
    EMBER_CHECK(k[i] > 0, op, "kernel size should be greater than zero, but got kernel_size: ", shape_str(k));
    EMBER_CHECK(d[i] > 0, op, "dilation should be greater than zero, but got dilation: ", shape_str(d));
    EMBER_CHECK(p[i] >= 0, op, "pad must be non-negative, but got pad: ", p[i]);
    EMBER_CHECK(p[i] <= k[i] / 2, op, "pad should be at most half of kernel size, but got pad=", p[i],
                " and kernel_size=", k[i]);
  }
  Pool P;
  P.nd = nd;
  P.lead.assign(input.sizes().begin(), input.sizes().end() - nd);
  P.g.planes = shape_numel(P.lead);
  const int off = 3 - nd;
  Shape in_sp(input.sizes().end() - nd, input.sizes().end()), out_sp(nd);
  bool ok = true;
  for (int i = 0; i < nd; ++i) {
    out_sp[i] = pooled_size(in_sp[i], k[i], p[i], s[i], d[i], ceil_mode);
    ok = ok && out_sp[i] >= 1;
    P.g.in[off + i] = in_sp[i];
    P.g.out[off + i] = out_sp[i];
    P.g.k[off + i] = k[i];
    P.g.stride[off + i] = s[i];
    P.g.pad[off + i] = p[i];
    P.g.dil[off + i] = d[i];
  }
  if (!ok) {
    const int64_t planes = input.size(-nd - 1);
    Shape a{planes}, b{planes};
    a.insert(a.end(), in_sp.begin(), in_sp.end());
    b.insert(b.end(), out_sp.begin(), out_sp.end());
    EMBER_FAIL(op, "Given input size: ", detail::joined(a, "x"), ". Calculated output size: ", detail::joined(b, "x"),
               ". Output size is too small");
  }
  return P;
}

std::pair<Tensor, Tensor> max_pool_nd(const char* op, int nd, const Tensor& input, const Shape& kernel_size,
                                      const Shape& stride, const Shape& padding, const Shape& dilation, bool ceil_mode) {
  Pool P = make_pool(op, input, nd, kernel_size, stride, padding, dilation, ceil_mode);
  check_float_dtype(op, input.dtype());
  return max_pool_op(P, input, pick(nd, "MaxPool2DWithIndicesBackward0", "MaxPool2DWithIndicesBackward0",
                                    "MaxPool3DWithIndicesBackward0"));
}

Tensor avg_pool_nd(const char* op, int nd, const Tensor& input, const Shape& kernel_size, const Shape& stride,
                   const Shape& padding, bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor) {
  Pool P = make_pool(op, input, nd, kernel_size, stride, padding, {1}, ceil_mode);
  EMBER_CHECK(!divisor || *divisor != 0, op, "divisor must be not zero");
  check_float_dtype(op, input.dtype(), true);
  P.count_include_pad = count_include_pad;
  P.divisor = divisor.value_or(0);
  return avg_pool_op(P, input);
}

Pool make_adaptive(const char* op, const Tensor& input, int nd, const Shape& output_size) {
  const int64_t d = input.dim();
  bool ok = d == nd + 1 || d == nd + 2;
  for (int64_t i = (d == nd + 2 ? 1 : 0); ok && i < d; ++i) ok = input.size(i) != 0;
  EMBER_CHECK(ok, op, op, "(): Expected ", nd + 1, "D or ", nd + 2,
              "D tensor, but got ", shape_str(input.sizes()));
  EMBER_CHECK(output_size.size() == 1 || int64_t(output_size.size()) == nd, op, op, ": output_size must be ", nd,
              (nd == 1 ? " int" : " ints"), ", but got ", shape_str(output_size));
  Shape o = output_size.size() == 1 ? Shape(size_t(nd), output_size[0]) : output_size;
  for (int64_t v : o) EMBER_CHECK(v >= 0, op, op, ": elements of output_size must be greater than or equal to 0 but received ", shape_str(o));
  Pool P;
  P.nd = nd;
  P.lead.assign(input.sizes().begin(), input.sizes().end() - nd);
  P.g.planes = shape_numel(P.lead);
  const int off = 3 - nd;
  for (int i = 0; i < nd; ++i) {
    P.g.in[off + i] = input.size(d - nd + i);
    P.g.out[off + i] = o[i];
  }
  return P;
}

Tensor adaptive_avg_nd(const char* op, int nd, const Tensor& input, const Shape& output_size) {
  Pool P = make_adaptive(op, input, nd, output_size);
  check_float_dtype(op, input.dtype());
  return adaptive_avg_op(P, input);
}

std::pair<Tensor, Tensor> adaptive_max_nd(const char* op, int nd, const Tensor& input, const Shape& output_size) {
  Pool P = make_adaptive(op, input, nd, output_size);
  check_float_dtype(op, input.dtype());
  Dtype cd = kernel_dtype(input.dtype());
  Tensor xc = prep(input, cd);
  Tensor y = empty(P.out_shape(), cd), idx = empty(P.out_shape(), Dtype::Int64);
  cpu::adaptive_max_pool_forward(P.g, xc, y, idx);
  y = finish(y, input.dtype());
  if (needs_grad(input))
    record(pick(nd, "AdaptiveMaxPool2DBackward0", "AdaptiveMaxPool2DBackward0", "AdaptiveMaxPool3DBackward0"), {input},
           y, [si = save(idx), shape = input.sizes(), nd](const Tensor& g) -> TensorList {
             return {index_scatter_add(g, si.unpack(), shape, nd)};
           });
  return {y, idx};
}

// Scatter into zeros: each output position gets the input value whose index points at it.
Tensor unpool_op(const Tensor& x, const Tensor& idx, const Shape& out_shape, int nd) {
  Dtype cd = kernel_dtype(x.dtype());
  Tensor xc = prep(x, cd), ic = prep(idx, Dtype::Int64);
  Tensor out = zeros(out_shape, cd);
  cpu::plane_scatter(xc, ic, out, planes_of(ic, nd), false);
  out = finish(out, x.dtype());
  if (needs_grad(x))
    record(pick(nd, "MaxUnpool2DBackward0", "MaxUnpool2DBackward0", "MaxUnpool3DBackward0"), {x}, out,
           [si = save(idx), nd](const Tensor& g) -> TensorList { return {index_gather(g, si.unpack(), nd)}; });
  return out;
}

Tensor max_unpool_nd(const char* op, int nd, const Tensor& input, const Tensor& indices, const Shape& kernel_size,
                     const Shape& stride_in, const Shape& padding_in, const Shape& output_size) {
  Shape k = pool_param(op, "kernel_size", kernel_size, nd);
  Shape s = pool_param(op, "stride", stride_in, nd, k);
  Shape p = pool_param(op, "padding", padding_in, nd);
  EMBER_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2, op, "Expected ", nd + 1, "D or ", nd + 2,
              "D (batch mode) tensor for input, but got: ", shape_str(input.sizes()));
  EMBER_CHECK(indices.dtype() == Dtype::Int64, op, "elements in indices should be type int64 but got: ",
              scalar_type_name(indices.dtype()));
  EMBER_CHECK(indices.sizes() == input.sizes(), op, "Expected shape of indices to be same as that of the input tensor (",
              shape_str(input.sizes()), ") but got indices tensor with shape: ", shape_str(indices.sizes()));
  check_float_dtype(op, input.dtype(), true);
  // F._unpool_output_size: the size the pool came from, or a requested size within one stride of it.
  Shape def(nd), out(nd);
  for (int i = 0; i < nd; ++i) def[i] = (input.size(input.dim() - nd + i) - 1) * s[i] + k[i] - 2 * p[i];
  if (output_size.empty()) {
    out = def;
  } else {
    Shape o = output_size;
    if (int64_t(o.size()) == nd + 2) o.erase(o.begin(), o.begin() + 2);
    EMBER_CHECK_VALUE(int64_t(o.size()) == nd, op, "output_size should be a sequence containing ", nd, " or ", nd + 2,
                      " elements, but it has a length of '", output_size.size(), "'");
    for (int i = 0; i < nd; ++i) {
      EMBER_CHECK_VALUE(def[i] - s[i] < o[i] && o[i] < def[i] + s[i], op, "invalid output_size \"", shape_str(o),
                        "\" (dim ", i, " must be between ", def[i] - s[i], " and ", def[i] + s[i], ")");
    }
    out = o;
  }
  Shape shape(input.sizes().begin(), input.sizes().end() - nd);
  shape.insert(shape.end(), out.begin(), out.end());
  return unpool_op(input, indices, shape, nd);
}

Tensor lp_pool_nd(int nd, const Tensor& input, double norm_type, const Shape& kernel_size, const Shape& stride,
                  bool ceil_mode) {
  // torch's definition: (sign(a) * relu(|a|) * prod(k)) ** (1/p) with a = avg_pool(x ** p)
  const char* op = nd == 1 ? "lp_pool1d" : "lp_pool2d";
  Shape k = pool_param(op, "kernel_size", kernel_size, nd);
  // (tensor-tensor pow: the tensor-scalar kernel skips exponents other than 2 in this version)
  Tensor xp = pow(input, wrap_scalar(Scalar(norm_type)));
  Tensor a = nd == 1 ? avg_pool1d(xp, k, stride, {0}, ceil_mode) : avg_pool2d(xp, k, stride, {0}, ceil_mode);
  Tensor r = mul(mul(sign(a), relu(abs(a))), wrap_scalar(Scalar(shape_numel(k))));
  return pow(r, wrap_scalar(Scalar(1.0 / norm_type)));
}

}  // namespace

std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                                                  const Shape& padding, const Shape& dilation, bool ceil_mode) {
  return max_pool_nd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode);
}
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                                                  const Shape& padding, const Shape& dilation, bool ceil_mode) {
  return max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode);
}
std::pair<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                                                  const Shape& padding, const Shape& dilation, bool ceil_mode) {
  return max_pool_nd("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode);
}
Tensor max_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode).first;
}
Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode).first;
}
Tensor max_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode).first;
}

Tensor avg_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool ceil_mode, bool count_include_pad) {
  return avg_pool_nd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, std::nullopt);
}
Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}
Tensor avg_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

Tensor adaptive_avg_pool1d(const Tensor& input, const Shape& output_size) {
  return adaptive_avg_nd("adaptive_avg_pool1d", 1, input, output_size);
}
Tensor adaptive_avg_pool2d(const Tensor& input, const Shape& output_size) {
  return adaptive_avg_nd("adaptive_avg_pool2d", 2, input, output_size);
}
Tensor adaptive_avg_pool3d(const Tensor& input, const Shape& output_size) {
  return adaptive_avg_nd("adaptive_avg_pool3d", 3, input, output_size);
}
std::pair<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const Shape& output_size) {
  return adaptive_max_nd("adaptive_max_pool1d", 1, input, output_size);
}
std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Shape& output_size) {
  return adaptive_max_nd("adaptive_max_pool2d", 2, input, output_size);
}
std::pair<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, const Shape& output_size) {
  return adaptive_max_nd("adaptive_max_pool3d", 3, input, output_size);
}

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const Shape& kernel_size, const Shape& stride,
                    const Shape& padding, const Shape& output_size) {
  return max_unpool_nd("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size);
}
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const Shape& kernel_size, const Shape& stride,
                    const Shape& padding, const Shape& output_size) {
  return max_unpool_nd("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size);
}
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const Shape& kernel_size, const Shape& stride,
                    const Shape& padding, const Shape& output_size) {
  return max_unpool_nd("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size);
}

Tensor lp_pool1d(const Tensor& input, double norm_type, const Shape& kernel_size, const Shape& stride, bool ceil_mode) {
  return lp_pool_nd(1, input, norm_type, kernel_size, stride, ceil_mode);
}
Tensor lp_pool2d(const Tensor& input, double norm_type, const Shape& kernel_size, const Shape& stride, bool ceil_mode) {
  return lp_pool_nd(2, input, norm_type, kernel_size, stride, ceil_mode);
}

}  // namespace ember
