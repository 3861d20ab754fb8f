// Convolutions: conv1d/2d/3d and conv_transpose1d/2d/3d through one generic
// `convolution`. One geometry (cpu::ConvGeom) describes a convolution from its
// input side x to its output side y; three kernels run it:
//   F(x, w) -> y   the convolution              (conv_y)
//   B(y, w) -> x   its adjoint in x: transposed  (conv_x)
//   W(x, y) -> w   its adjoint in w              (conv_w)
// Each is an op whose derivatives are the other two, so gradients of any order
// stay within these kernels (no composite graph of small ops).
#include "ember/autograd/function.h"
#include "ember/ops/conv_common.h"
#include "ember/ops/cpu/conv_kernels.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using cpu::ConvGeom;
using detail::finish;
using detail::joined;
using detail::kernel_dtype;
using detail::prep;

namespace {

// A convolution's geometry plus what the tensors' shapes need besides it.
struct Conv {
  ConvGeom g;
  int nd = 2;
  bool batched = true;
  Dtype dtype = Dtype::Float32;

  Shape spatial(const cpu::Dim3& d) const { return Shape(d.end() - nd, d.end()); }
  Shape with_channels(int64_t C, const cpu::Dim3& d) const {
    Shape s;
    if (batched) s.push_back(g.N);
    s.push_back(C);
    for (int64_t v : spatial(d)) s.push_back(v);
    return s;
  }
  Shape x_shape() const { return with_channels(g.C_in, g.in); }
  Shape y_shape() const { return with_channels(g.C_out, g.out); }
  int64_t channel_dim() const { return batched ? 1 : 0; }
};

Tensor conv_y(const Conv& c, const Tensor& x, const Tensor& w, const Tensor& b);
Tensor conv_x(const Conv& c, const Tensor& y, const Tensor& w, const Tensor& b);
Tensor conv_w(const Conv& c, const Tensor& x, const Tensor& y);
Tensor channel_sum(const Tensor& t, int64_t cdim);
Tensor channel_expand(const Tensor& b, const Shape& shape, int64_t cdim);

// t viewed as (outer, C, inner) around dimension cdim.
void split_at(const Shape& s, int64_t cdim, int64_t& outer, int64_t& C, int64_t& inner) {
  outer = 1, inner = 1;
  for (int64_t i = 0; i < cdim; ++i) outer *= s[i];
  C = s[cdim];
  for (size_t i = cdim + 1; i < s.size(); ++i) inner *= s[i];
}

// Sum over every dimension but cdim: the gradient of a per-channel bias.
Tensor channel_sum(const Tensor& t, int64_t cdim) {
  int64_t outer, C, inner;
  split_at(t.sizes(), cdim, outer, C, inner);
  Dtype cd = kernel_dtype(t.dtype());
  Tensor tc = prep(t, cd);
  Tensor out = empty({C}, cd);
  cpu::channel_sum(tc, outer, C, inner, out);
  out = finish(out, t.dtype());
  if (needs_grad(t))
    record("SumBackward1", {t}, out, [shape = t.sizes(), cdim](const Tensor& g) -> TensorList {
      return {channel_expand(g, shape, cdim)};
    });
  return out;
}

// b (C,) broadcast along dimension cdim of `shape`: the adjoint of channel_sum.
Tensor channel_expand(const Tensor& b, const Shape& shape, int64_t cdim) {
  int64_t outer, C, inner;
  split_at(shape, cdim, outer, C, inner);
  Dtype cd = kernel_dtype(b.dtype());
  Tensor bc = prep(b, cd);
  Tensor out = empty(shape, cd);
  cpu::channel_broadcast(bc, outer, C, inner, out);
  out = finish(out, b.dtype());
  if (needs_grad(b))
    record("ExpandBackward0", {b}, out, [cdim](const Tensor& g) -> TensorList { return {channel_sum(g, cdim)}; });
  return out;
}

Tensor conv_y(const Conv& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  Dtype cd = kernel_dtype(c.dtype);
  Tensor xc = prep(x, cd), wc = prep(w, cd), bc = b.defined() ? prep(b, cd) : Tensor();
  Tensor y = empty(c.y_shape(), cd);
  cpu::conv_forward(c.g, xc, wc, bc, y);
  y = finish(y, c.dtype);
  if (needs_grad(x, w, b))
    record("ConvolutionBackward0", {x, w, b}, y,
           [c, sx = save(x), sw = save(w)](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor gx, gw, gb;
             if (n.needs_input_grad(0)) gx = conv_x(c, g, sw.unpack(), Tensor());
             if (n.needs_input_grad(1)) gw = conv_w(c, sx.unpack(), g);
             if (n.needs_input_grad(2)) gb = channel_sum(g, c.channel_dim());
             return {gx, gw, gb};
           });
  return y;
}

Tensor conv_x(const Conv& c, const Tensor& y, const Tensor& w, const Tensor& b) {
  Dtype cd = kernel_dtype(c.dtype);
  Tensor yc = prep(y, cd), wc = prep(w, cd), bc = b.defined() ? prep(b, cd) : Tensor();
  Tensor x = empty(c.x_shape(), cd);
  cpu::conv_backward_input(c.g, yc, wc, bc, x);
  x = finish(x, c.dtype);
  if (needs_grad(y, w, b))
    record("ConvolutionBackward0", {y, w, b}, x,
           [c, sy = save(y), sw = save(w)](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor gy, gw, gb;
             if (n.needs_input_grad(0)) gy = conv_y(c, g, sw.unpack(), Tensor());
             if (n.needs_input_grad(1)) gw = conv_w(c, g, sy.unpack());
             if (n.needs_input_grad(2)) gb = channel_sum(g, c.channel_dim());
             return {gy, gw, gb};
           });
  return x;
}

Tensor conv_w(const Conv& c, const Tensor& x, const Tensor& y) {
  Dtype cd = kernel_dtype(c.dtype);
  Tensor xc = prep(x, cd), yc = prep(y, cd);
  Shape ws{c.g.C_out, c.g.cin_g()};
  for (int64_t v : c.spatial(c.g.k)) ws.push_back(v);
  Tensor w = empty(ws, cd);
  cpu::conv_backward_weight(c.g, xc, yc, w);
  w = finish(w, c.dtype);
  if (needs_grad(x, y))
    record("ConvolutionBackwardBackward0", {x, y}, w,
           [c, sx = save(x), sy = save(y)](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor gx, gy;
             if (n.needs_input_grad(0)) gx = conv_x(c, sy.unpack(), g, Tensor());
             if (n.needs_input_grad(1)) gy = conv_y(c, sx.unpack(), g, Tensor());
             return {gx, gy};
           });
  return w;
}

// ---- argument checks, in torch's order and words

const char* kernel_name(int nd, bool transposed) {
  if (transposed) return nd == 3 ? "slow_conv_transpose3d_out_cpu" : "slow_conv_transpose2d_out_cpu";
  return nd == 3 ? "slow_conv3d_cpu" : "slow_conv2d_cpu";
}

Conv make_conv(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride_in,
               const Shape& pad_l_in, const Shape& pad_r_in, const Shape& dilation_in, bool transposed,
               const Shape& output_padding_in, int64_t groups) {
  const char* op = "convolution";
  EMBER_CHECK(input.defined() && weight.defined(), op, "input and weight must be defined");
  const int64_t wdim = weight.dim();
  EMBER_CHECK(wdim >= 3 && wdim <= 5, op, "expected a weight of 3 to 5 dimensions (1 to 3 spatial), but got weight of size ",
              shape_str(weight.sizes()));
  const int nd = int(wdim - 2);
  const Shape& ws = weight.sizes();
  const bool batched = input.dim() == wdim;
  EMBER_CHECK(batched || input.dim() == wdim - 1, op, "Expected ", wdim, "-dimensional input for ", wdim,
              "-dimensional weight ", shape_str(ws), ", but got ", input.dim(), "-dimensional input of size ",
              shape_str(input.sizes()), " instead");
  EMBER_CHECK(!bias.defined() || bias.dtype() == input.dtype(), op, "Input type (", detail::cpp_type_name(input.dtype()),
              ") and bias type (", detail::cpp_type_name(bias.dtype()), ") should be the same");
  Shape stride = detail::expand_param(op, "stride", stride_in, nd);
  Shape pad_l = detail::expand_param(op, "padding", pad_l_in, nd);
  Shape pad_r = detail::expand_param(op, "padding", pad_r_in, nd);
  Shape dilation = detail::expand_param(op, "dilation", dilation_in, nd);
  Shape out_pad = detail::expand_param(op, "output_padding", output_padding_in, nd);
  auto any = [](const Shape& s, auto pred) { return std::any_of(s.begin(), s.end(), pred); };
  EMBER_CHECK(groups > 0, op, "non-positive groups is not supported");
  EMBER_CHECK(!any(pad_l, [](int64_t v) { return v < 0; }) && !any(pad_r, [](int64_t v) { return v < 0; }), op,
              "negative padding is not supported");
  EMBER_CHECK(!any(out_pad, [](int64_t v) { return v < 0; }), op, "negative output_padding is not supported");
  EMBER_CHECK(!any(stride, [](int64_t v) { return v <= 0; }), op, "non-positive stride is not supported");
  EMBER_CHECK(!any(dilation, [](int64_t v) { return v <= 0; }), op, "dilation should be greater than zero, but got ",
              shape_str(dilation));
  EMBER_CHECK(ws[0] >= groups, op, "Given groups=", groups, ", expected weight to be at least ", groups,
              " at dimension 0, but got weight of size ", shape_str(ws), " instead");
  EMBER_CHECK(ws[0] % groups == 0, op, "Given groups=", groups, ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight of size [", shape_str(ws), "] instead");
  const int64_t cdim = batched ? 1 : 0;
  const int64_t in_channels = input.size(cdim);
  Shape in_sp(input.sizes().begin() + cdim + 1, input.sizes().end());
  Shape batched_shape = input.sizes();
  if (!batched) batched_shape.insert(batched_shape.begin(), 1);

  Conv c;
  c.nd = nd;
  c.g.nd = nd;
  c.batched = batched;
  c.dtype = input.dtype();
  ConvGeom& g = c.g;
  g.N = batched ? input.size(0) : 1;
  g.groups = groups;
  const int off = 3 - nd;
  for (int d = 0; d < nd; ++d) {
    g.k[off + d] = ws[2 + d];
    g.stride[off + d] = stride[d];
    g.pad[off + d] = pad_l[d];
    g.dil[off + d] = dilation[d];
  }
  if (!transposed) {
    EMBER_CHECK(in_channels == ws[1] * groups, op, "Given groups=", groups, ", weight of size ", shape_str(ws),
                ", expected input", shape_str(batched_shape), " to have ", ws[1] * groups, " channels, but got ",
                in_channels, " channels instead");
    EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == ws[0]), op, "Given weight of size ",
                shape_str(ws), ", expected bias to be 1-dimensional with ", ws[0], " elements, but got bias of size ",
                shape_str(bias.sizes()), " instead");
    Shape padded(nd), kernel(nd);
    bool ok = true;
    for (int d = 0; d < nd; ++d) {
      padded[d] = in_sp[d] + pad_l[d] + pad_r[d];
      kernel[d] = dilation[d] * (ws[2 + d] - 1) + 1;
      ok = ok && padded[d] >= kernel[d];
    }
    EMBER_CHECK(ok, op, "Calculated padded input size per channel: ", joined(padded, " x "), ". Kernel size: ",
                joined(kernel, " x "), ". Kernel size can't be greater than actual input size");
    g.C_in = in_channels;
    g.C_out = ws[0];
    for (int d = 0; d < nd; ++d) {
      g.in[off + d] = in_sp[d];
      g.out[off + d] = (padded[d] - kernel[d]) / stride[d] + 1;
    }
  } else {
    EMBER_CHECK(in_channels == ws[0], op, "Given transposed=1, weight of size ", shape_str(ws), ", expected input",
                shape_str(batched_shape), " to have ", ws[0], " channels, but got ", in_channels, " channels instead");
    EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == ws[1] * groups), op,
                "Given transposed=1, weight of size ", shape_str(ws), ", expected bias to be 1-dimensional with ",
                ws[1] * groups, " elements, but got bias of size ", shape_str(bias.sizes()), " instead");
    bool op_ok = true;
    for (int d = 0; d < nd; ++d) op_ok = op_ok && (out_pad[d] < stride[d] || out_pad[d] < dilation[d]);
    if (!op_ok) {
      static const char* names[3][3] = {{"width", "", ""}, {"height", "width", ""}, {"depth", "height", "width"}};
      std::ostringstream os;
      os << "output padding must be smaller than either stride or dilation, but got";
      for (int d = 0; d < nd; ++d) os << " output_padding_" << names[nd - 1][d] << ": " << out_pad[d];
      for (int d = 0; d < nd; ++d) os << " stride_" << names[nd - 1][d] << ": " << stride[d];
      for (int d = 0; d < nd; ++d) os << " dilation_" << names[nd - 1][d] << ": " << dilation[d];
      EMBER_FAIL(op, os.str());
    }
    Shape out_sp(nd);
    bool ok = true;
    for (int d = 0; d < nd; ++d) {
      out_sp[d] = (in_sp[d] - 1) * stride[d] - pad_l[d] - pad_r[d] + dilation[d] * (ws[2 + d] - 1) + out_pad[d] + 1;
      ok = ok && out_sp[d] > 0;
    }
    EMBER_CHECK(ok, op, "Given input size per channel: ", joined(in_sp, " x "), ". Calculated output size per channel: ",
                joined(out_sp, " x "), ". Output size is too small");
    g.C_out = in_channels;
    g.C_in = ws[1] * groups;
    for (int d = 0; d < nd; ++d) {
      g.out[off + d] = in_sp[d];
      g.in[off + d] = out_sp[d];
    }
  }
  const Dtype dt = input.dtype();
  EMBER_CHECK(dt != Dtype::Float16 && dt != Dtype::Bool, op, "\"", kernel_name(nd, transposed),
              "\" not implemented for '", scalar_type_name(dt), "'");
  EMBER_CHECK(weight.dtype() == dt, op, "expected scalar type ", scalar_type_name(dt), " but found ",
              scalar_type_name(weight.dtype()));
  return c;
}

Tensor convolution_impl(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& pad_l, const Shape& pad_r, const Shape& dilation, bool transposed,
                        const Shape& output_padding, int64_t groups) {
  Conv c = make_conv(input, weight, bias, stride, pad_l, pad_r, dilation, transposed, output_padding, groups);
  return transposed ? conv_x(c, input, weight, bias) : conv_y(c, input, weight, bias);
}

void check_input_dim(const char* op, const Tensor& input, int nd) {
  EMBER_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2, op, "Expected ", nd + 1, "D (unbatched) or ", nd + 2,
              "D (batched) input to ", op, ", but got input of size: ", shape_str(input.sizes()));
}

Tensor conv_nd(const char* op, int nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
               const Shape& stride, const Shape& padding, const Shape& dilation, int64_t groups) {
  check_input_dim(op, input, nd);
  return convolution_impl(input, weight, bias, stride, padding, padding, dilation, false, {0}, groups);
}

// padding='same' / 'valid'. 'same' pads dilation * (k - 1) in total, the odd one on the right.
Tensor conv_nd_mode(const char* op, int nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
                    const Shape& stride, const std::string& padding, const Shape& dilation, int64_t groups) {
  check_input_dim(op, input, nd);
  if (padding == "valid")
    return convolution_impl(input, weight, bias, stride, {0}, {0}, dilation, false, {0}, groups);
  EMBER_CHECK(padding == "same", op, "Invalid padding string: '", padding, "'");
  Shape st = detail::expand_param(op, "stride", stride, nd);
  EMBER_CHECK(std::all_of(st.begin(), st.end(), [](int64_t s) { return s == 1; }), op,
              "padding='same' is not supported for strided convolutions");
  Shape dil = detail::expand_param(op, "dilation", dilation, nd);
  EMBER_CHECK(weight.dim() == nd + 2, op, "expected a ", nd + 2, "-dimensional weight, but got weight of size ",
              shape_str(weight.sizes()));
  Shape pl(nd), pr(nd);
  for (int d = 0; d < nd; ++d) {
    int64_t total = dil[d] * (weight.size(2 + d) - 1);
    pl[d] = total / 2;
    pr[d] = total - pl[d];
  }
  return convolution_impl(input, weight, bias, st, pl, pr, dil, false, {0}, groups);
}

Tensor conv_transpose_nd(const char* op, int nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const Shape& stride, const Shape& padding, const Shape& output_padding, int64_t groups,
                         const Shape& dilation) {
  check_input_dim(op, input, nd);
  return convolution_impl(input, weight, bias, stride, padding, padding, dilation, true, output_padding, groups);
}

}  // namespace

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                   const Shape& padding, const Shape& dilation, bool transposed, const Shape& output_padding,
                   int64_t groups) {
  return convolution_impl(input, weight, bias, stride, padding, padding, dilation, transposed, output_padding, groups);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride, const Shape& padding,
              const Shape& dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride, const Shape& padding,
              const Shape& dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride, const Shape& padding,
              const Shape& dilation, int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const PaddingMode& padding, const Shape& dilation, int64_t groups) {
  return conv_nd_mode("conv1d", 1, input, weight, bias, stride, padding.mode, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const PaddingMode& padding, const Shape& dilation, int64_t groups) {
  return conv_nd_mode("conv2d", 2, input, weight, bias, stride, padding.mode, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const PaddingMode& padding, const Shape& dilation, int64_t groups) {
  return conv_nd_mode("conv3d", 3, input, weight, bias, stride, padding.mode, dilation, groups);
}
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation);
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups, dilation);
}

}  // namespace ember

// ---------------------------------------------------------------- unfold / fold (im2col / col2im)
namespace ember {

namespace {

struct Blocks {
  ConvGeom g;
  bool batched = true;
};

Tensor im2col_op(const Blocks& b, const Tensor& x);
Tensor col2im_op(const Blocks& b, const Tensor& col);

Shape col_shape(const Blocks& b) {
  Shape s{b.g.C_in * cpu::prod3(b.g.k), cpu::prod3(b.g.out)};
  if (b.batched) s.insert(s.begin(), b.g.N);
  return s;
}
Shape image_shape(const Blocks& b) {
  Shape s{b.g.C_in, b.g.in[1], b.g.in[2]};
  if (b.batched) s.insert(s.begin(), b.g.N);
  return s;
}

Tensor im2col_op(const Blocks& b, const Tensor& x) {
  Dtype cd = kernel_dtype(x.dtype());
  Tensor xc = prep(x, cd);
  Tensor col = empty(col_shape(b), cd);
  cpu::im2col_batch(b.g, xc, col);
  col = finish(col, x.dtype());
  if (needs_grad(x))
    record("Im2ColBackward0", {x}, col, [b](const Tensor& g) -> TensorList { return {col2im_op(b, g)}; });
  return col;
}

Tensor col2im_op(const Blocks& b, const Tensor& col) {
  Dtype cd = kernel_dtype(col.dtype());
  Tensor cc = prep(col, cd);
  Tensor x = empty(image_shape(b), cd);
  cpu::col2im_batch(b.g, cc, x);
  x = finish(x, col.dtype());
  if (needs_grad(col))
    record("Col2ImBackward0", {col}, x, [b](const Tensor& g) -> TensorList { return {im2col_op(b, g)}; });
  return x;
}

// Shared parameter checks of im2col and col2im, with torch's messages.
void check_block_params(const char* op, const Shape& k, const Shape& d, const Shape& p, const Shape& s) {
  EMBER_CHECK(k[0] > 0 && k[1] > 0, op, "kernel size should be greater than zero, but got kernel_height: ", k[0],
              " kernel_width: ", k[1]);
  EMBER_CHECK(d[0] > 0 && d[1] > 0, op, "dilation should be greater than zero, but got dilation_height: ", d[0],
              " dilation_width: ", d[1]);
  EMBER_CHECK(p[0] >= 0 && p[1] >= 0, op, "padding should be non-negative, but got pad_height: ", p[0],
              " pad_width: ", p[1]);
  EMBER_CHECK(s[0] > 0 && s[1] > 0, op, "stride should be greater than zero, but got stride_height: ", s[0],
              " stride_width: ", s[1]);
}

Shape pair_param(const char* op, const char* name, const Shape& v) {
  EMBER_CHECK(v.size() == 1 || v.size() == 2, op, "It is expected ", name, " equals to 2, but got size ", v.size());
  return v.size() == 1 ? Shape{v[0], v[0]} : v;
}

void fill_block_geom(ConvGeom& g, const Shape& k, const Shape& d, const Shape& p, const Shape& s) {
  for (int i = 0; i < 2; ++i) {
    g.k[1 + i] = k[i];
    g.dil[1 + i] = d[i];
    g.pad[1 + i] = p[i];
    g.stride[1 + i] = s[i];
  }
}

int64_t blocks_along(int64_t in, int64_t k, int64_t d, int64_t p, int64_t s) {
  int64_t num = in + 2 * p - (d * (k - 1) + 1);
  return (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;  // floor division like torch's div_rtn
}

void check_block_dtype(const char* op, const char* kernel, Dtype d) {
  EMBER_CHECK(d == Dtype::Float32 || d == Dtype::Float64 || d == Dtype::BFloat16, op, "\"", kernel,
              "\" not implemented for '", scalar_type_name(d), "'");
}

}  // namespace

Tensor im2col(const Tensor& input, const Shape& kernel_size, const Shape& dilation, const Shape& padding,
              const Shape& stride) {
  const char* op = "im2col";
  Shape k = pair_param(op, "kernel_size", kernel_size), d = pair_param(op, "dilation", dilation),
        p = pair_param(op, "padding", padding), s = pair_param(op, "stride", stride);
  check_block_params(op, k, d, p, s);
  const int64_t nd = input.dim();
  EMBER_CHECK((nd == 3 && input.size(0) != 0 && input.size(1) != 0 && input.size(2) != 0) ||
                  (nd == 4 && input.size(1) != 0 && input.size(2) != 0 && input.size(3) != 0),
              op, "Expected 3D or 4D (batch mode) tensor input with possible 0 batch size and non-zero dimensions, but got: ",
              shape_str(input.sizes()));
  check_block_dtype(op, "im2col_out_cpu", input.dtype());
  Blocks b;
  b.batched = nd == 4;
  b.g.N = b.batched ? input.size(0) : 1;
  b.g.C_in = input.size(-3);
  b.g.in = {1, input.size(-2), input.size(-1)};
  fill_block_geom(b.g, k, d, p, s);
  int64_t oh = blocks_along(b.g.in[1], k[0], d[0], p[0], s[0]), ow = blocks_along(b.g.in[2], k[1], d[1], p[1], s[1]);
  EMBER_CHECK(oh >= 1 && ow >= 1, op, "Given input with spatial size (", b.g.in[1], ", ", b.g.in[2], "), kernel_size=(",
              k[0], ", ", k[1], "), dilation=(", d[0], ", ", d[1], "), padding=(", p[0], ", ", p[1],
              "), calculated shape of the array of sliding blocks as (", oh, ", ", ow,
              "), but its components must be at least one.");
  b.g.out = {1, oh, ow};
  return im2col_op(b, input);
}

Tensor col2im(const Tensor& input, const Shape& output_size, const Shape& kernel_size, const Shape& dilation,
              const Shape& padding, const Shape& stride) {
  const char* op = "col2im";
  Shape o = pair_param(op, "output_size", output_size), k = pair_param(op, "kernel_size", kernel_size),
        d = pair_param(op, "dilation", dilation), p = pair_param(op, "padding", padding), s = pair_param(op, "stride", stride);
  EMBER_CHECK(o[0] > 0 && o[1] > 0, op, "output size should be greater than zero, but got output_height: ", o[0],
              " output_width: ", o[1]);
  check_block_params(op, k, d, p, s);
  const int64_t nd = input.dim();
  EMBER_CHECK((nd == 2 && input.size(0) != 0 && input.size(1) != 0) ||
                  (nd == 3 && input.size(1) != 0 && input.size(2) != 0),
              op, "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ",
              shape_str(input.sizes()));
  check_block_dtype(op, "col2im_out_cpu", input.dtype());
  const int64_t planes = input.size(-2), length = input.size(-1);
  EMBER_CHECK(planes % (k[0] * k[1]) == 0, op,
              "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=",
              planes, " and kernel_size=(", k[0], ", ", k[1], ").");
  int64_t bh = blocks_along(o[0], k[0], d[0], p[0], s[0]), bw = blocks_along(o[1], k[1], d[1], p[1], s[1]);
  auto params = [&] {
    std::ostringstream os;
    os << "Given output_size=(" << o[0] << ", " << o[1] << "), kernel_size=(" << k[0] << ", " << k[1] << "), dilation=("
       << d[0] << ", " << d[1] << "), padding=(" << p[0] << ", " << p[1] << "), stride=(" << s[0] << ", " << s[1] << "), ";
    return os.str();
  };
  EMBER_CHECK(length == bh * bw, op, params(), "expected size of input's dimension 2 to match the calculated number of sliding blocks ",
              bh, " * ", bw, " = ", bh * bw, ", but got input.size(2)=", length, ".");
  EMBER_CHECK(bh >= 1 && bw >= 1, op, params(), "calculated shape of the array of sliding blocks as (", bh, ", ", bw,
              "), which is too small (non-positive)");
  Blocks b;
  b.batched = nd == 3;
  b.g.N = b.batched ? input.size(0) : 1;
  b.g.C_in = planes / (k[0] * k[1]);
  b.g.in = {1, o[0], o[1]};
  b.g.out = {1, bh, bw};
  fill_block_geom(b.g, k, d, p, s);
  return col2im_op(b, input);
}

}  // namespace ember
