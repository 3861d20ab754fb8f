// ONNX converters of the layer ops: linear algebra, convolution, pooling,
// normalization, dropout, embedding, padding, pixel shuffle.
#include <cmath>

#include "ember/onnx/convert.h"
#include "ember/ops/ops.h"

namespace ember::onnx {

namespace {

using N = NodeIn&;

// An int list argument of a spatial op, one value per spatial dim.
std::vector<int64_t> spatial(N a, size_t i, int64_t nd, int64_t dflt) {
  std::vector<int64_t> v = a.has(i) ? a.lit(i).to_int_list() : std::vector<int64_t>{};
  if (v.empty()) v = {dflt};
  if (v.size() == 1) v.assign(size_t(nd), v[0]);
  if (int64_t(v.size()) != nd) a.fail("expected " + std::to_string(nd) + " values in argument " + std::to_string(i));
  return v;
}

std::vector<int64_t> symmetric(const std::vector<int64_t>& p) {
  std::vector<int64_t> out = p;
  out.insert(out.end(), p.begin(), p.end());
  return out;
}

int64_t spatial_dims(N a) {
  const std::string& op = a.n.op;
  for (char ch : op)
    if (ch >= '1' && ch <= '3') return ch - '0';
  return a.rank(0) - 2;
}

void conv(N a) {
  // conv{1,2,3}d(input, weight, bias, stride, padding, dilation, groups)
  int64_t nd = spatial_dims(a);
  const auto& w = a.meta(1).sizes;
  std::vector<int64_t> kernel(w.end() - nd, w.end());
  std::vector<int64_t> stride = spatial(a, 3, nd, 1), dilation = spatial(a, 5, nd, 1), pads;
  if (a.lit(4).is_string()) {
    std::string mode = a.lit(4).to_string();
    std::vector<int64_t> begin(size_t(nd), 0), end(size_t(nd), 0);
    if (mode == "same") {
      for (int64_t d = 0; d < nd; ++d) {
        int64_t total = dilation[size_t(d)] * (kernel[size_t(d)] - 1);
        begin[size_t(d)] = total / 2;
        end[size_t(d)] = total - total / 2;
      }
    }
    pads = begin;
    pads.insert(pads.end(), end.begin(), end.end());
  } else {
    pads = symmetric(spatial(a, 4, nd, 0));
  }
  Dtype d = a.out_dtype();
  std::vector<std::string> ins{a.in(0, d), a.in(1, d)};
  if (a.has(2)) ins.push_back(a.in(2, d));
  a.c.op("Conv", ins,
         {attr("kernel_shape", kernel), attr("strides", stride), attr("pads", pads), attr("dilations", dilation),
          attr("group", a.i64(6, 1))},
         {a.out()});
}

void conv_transpose(N a) {
  // conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups, dilation)
  int64_t nd = spatial_dims(a);
  const auto& w = a.meta(1).sizes;
  std::vector<int64_t> kernel(w.end() - nd, w.end());
  Dtype d = a.out_dtype();
  std::vector<std::string> ins{a.in(0, d), a.in(1, d)};
  if (a.has(2)) ins.push_back(a.in(2, d));
  a.c.op("ConvTranspose", ins,
         {attr("kernel_shape", kernel), attr("strides", spatial(a, 3, nd, 1)), attr("pads", symmetric(spatial(a, 4, nd, 0))),
          attr("output_padding", spatial(a, 5, nd, 0)), attr("group", a.i64(6, 1)), attr("dilations", spatial(a, 7, nd, 1))},
         {a.out()});
}

void max_pool(N a) {
  // max_pool{n}d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
  if (a.n.outputs.size() > 1 || a.b(6, false))
    a.fail("return_indices=True is not supported by the exporter (ONNX indices count differently)");
  int64_t nd = spatial_dims(a);
  std::vector<int64_t> kernel = spatial(a, 1, nd, 1);
  std::vector<int64_t> stride = a.ints(2).empty() ? kernel : spatial(a, 2, nd, 1);
  a.c.op("MaxPool", {a.in(0)},
         {attr("kernel_shape", kernel), attr("strides", stride), attr("pads", symmetric(spatial(a, 3, nd, 0))),
          attr("dilations", spatial(a, 4, nd, 1)), attr("ceil_mode", int64_t(a.b(5, false)))},
         {a.out()});
}

void avg_pool(N a) {
  // avg_pool{n}d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
  if (a.has(6)) a.fail("divisor_override is not supported by the exporter");
  int64_t nd = spatial_dims(a);
  std::vector<int64_t> kernel = spatial(a, 1, nd, 1);
  std::vector<int64_t> stride = a.ints(2).empty() ? kernel : spatial(a, 2, nd, 1);
  std::vector<int64_t> pads = symmetric(spatial(a, 3, nd, 0));
  bool ceil_mode = a.b(4, false);
  // With ceil_mode, torch drops a last window that would start in the padding; ONNX
  // (before opset 19) does not: only export when no such window exists.
  if (ceil_mode) {
    const auto& in = a.meta(0).sizes;
    const auto& out = a.out_meta().sizes;
    for (int64_t d = 0; d < nd; ++d) {
      size_t k = in.size() - size_t(nd - d);
      int64_t span = in[k] + 2 * pads[size_t(d)] - kernel[size_t(d)];
      int64_t onnx_out = (span + stride[size_t(d)] - 1) / stride[size_t(d)] + 1;
      if (onnx_out != out[k]) a.fail("avg_pool with ceil_mode=True where the last window starts in the padding");
    }
  }
  a.c.op("AveragePool", {a.in(0)},
         {attr("kernel_shape", kernel), attr("strides", stride), attr("pads", pads),
          attr("ceil_mode", int64_t(ceil_mode)), attr("count_include_pad", int64_t(a.b(5, true)))},
         {a.out()});
}

// Adaptive pools export when each output cell covers an equal window: output 1 -> global pool.
void adaptive_pool(N a, bool is_max) {
  if (a.n.outputs.size() > 1) a.fail("return_indices=True is not supported by the exporter");
  int64_t nd = spatial_dims(a);
  const auto& in = a.meta(0).sizes;
  const auto& out = a.out_meta().sizes;
  bool global = true;
  std::vector<int64_t> kernel;
  for (int64_t d = 0; d < nd; ++d) {
    size_t k = in.size() - size_t(nd - d);
    if (out[k] != 1) global = false;
    if (in[k] % out[k] != 0)
      a.fail("adaptive pooling from size " + std::to_string(in[k]) + " to " + std::to_string(out[k]) +
             " (not a multiple) has no ONNX equivalent");
    kernel.push_back(in[k] / out[k]);
  }
  if (global) {
    a.c.op(is_max ? "GlobalMaxPool" : "GlobalAveragePool", {a.in(0)}, {}, {a.out()});
    return;
  }
  const std::vector<DimSym>& dx = a.c.dyn(a.value(0));
  for (int64_t d = 0; d < nd; ++d)
    if (!dx[dx.size() - size_t(nd - d)].empty())
      a.fail("adaptive pooling over a dim named in dynamic_axes is only supported to output size 1");
  a.c.op(is_max ? "MaxPool" : "AveragePool", {a.in(0)}, {attr("kernel_shape", kernel), attr("strides", kernel)}, {a.out()});
}

std::string ones_or(N a, size_t i, int64_t n, Dtype d, double fill) {
  if (a.has(i)) return a.in(i, d);
  return a.c.tensor(full({n}, Scalar(fill), d), fill == 1.0 ? "ones" : "zeros");
}

void layer_norm(N a) {
  // layer_norm(input, normalized_shape, weight, bias, eps)
  std::vector<int64_t> shape = a.lit(1).to_int_list();
  int64_t rank = a.rank(0), k = int64_t(shape.size());
  double eps = a.f64(4, 1e-5);
  Dtype d = a.out_dtype();
  std::string x = a.in(0, d);
  Ctx& c = a.c;
  if (c.opset >= 17) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    std::string w = a.has(2) ? a.in(2, d) : c.tensor(full(Shape(shape), Scalar(1.0), d), "ones");
    std::vector<std::string> ins{x, w};
    if (a.has(3)) ins.push_back(a.in(3, d));
    (void)n;
    c.op("LayerNormalization", ins, {attr("axis", -k), attr("epsilon", eps)}, {a.out()});
    return;
  }
  std::vector<int64_t> axes;
  for (int64_t i = rank - k; i < rank; ++i) axes.push_back(i);
  auto mean = [&](const std::string& v) { return c.op("ReduceMean", {v}, {attr("axes", axes), attr("keepdims", int64_t(1))}); };
  std::string diff = c.op("Sub", {x, mean(x)});
  std::string var = mean(c.op("Mul", {diff, diff}));
  std::string y = c.op("Div", {diff, c.op("Sqrt", {c.op("Add", {var, c.scalar(eps, d)})})});
  if (a.has(2)) y = c.op("Mul", {y, a.in(2, d)});
  if (a.has(3)) y = c.op("Add", {y, a.in(3, d)});
  c.alias(a.n.outputs[0], y);
}

void group_norm(N a) {
  // group_norm(input, num_groups, weight, bias, eps): normalise over (C/G, *) per group
  int64_t groups = a.i64(1);
  double eps = a.f64(4, 1e-5);
  Dtype d = a.out_dtype();
  Ctx& c = a.c;
  int64_t rank = a.rank(0), channels = a.meta(0).sizes[1];
  std::string x = a.in(0, d);
  std::string g = c.op("Reshape", {x, c.ints({0, groups, -1})});
  auto mean = [&](const std::string& v) { return c.op("ReduceMean", {v}, {attr("axes", std::vector<int64_t>{2}), attr("keepdims", int64_t(1))}); };
  std::string diff = c.op("Sub", {g, mean(g)});
  std::string var = mean(c.op("Mul", {diff, diff}));
  std::string y = c.op("Div", {diff, c.op("Sqrt", {c.op("Add", {var, c.scalar(eps, d)})})});
  y = c.op("Reshape", {y, c.op("Shape", {x})});
  std::vector<int64_t> affine{channels};
  for (int64_t k = 2; k < rank; ++k) affine.push_back(1);
  if (a.has(2)) y = c.op("Mul", {y, c.op("Reshape", {a.in(2, d), c.ints(affine)})});
  if (a.has(3)) y = c.op("Add", {y, c.op("Reshape", {a.in(3, d), c.ints(affine)})});
  c.alias(a.n.outputs[0], y);
}

}  // namespace

void add_layer_converters(ConverterTable& t) {
  // ---- linear algebra
  t["linear"] = [](N a) {
    Dtype d = a.out_dtype();
    std::string x = a.in(0, d), w = a.in(1, d);
    if (a.rank(0) == 2 && a.rank(1) == 2) {
      std::vector<std::string> ins{x, w};
      if (a.has(2)) ins.push_back(a.in(2, d));
      a.c.op("Gemm", ins, {attr("transB", int64_t(1))}, {a.out()});
      return;
    }
    std::string wt = a.rank(1) == 2 ? a.c.op("Transpose", {w}, {attr("perm", std::vector<int64_t>{1, 0})}) : w;
    if (!a.has(2)) return a.c.op("MatMul", {x, wt}, {}, {a.out()}), void();
    a.c.op("Add", {a.c.op("MatMul", {x, wt}), a.in(2, d)}, {}, {a.out()});
  };
  for (const char* name : {"matmul", "mm", "bmm", "mv", "dot"})
    t[name] = [](N a) {
      Dtype d = a.out_dtype();
      a.c.op("MatMul", {a.in(0, d), a.in(1, d)}, {}, {a.out()});
    };
  t["addmm"] = [](N a) {  // beta * input + alpha * (m1 @ m2)
    Dtype d = a.out_dtype();
    double beta = a.has(3) ? a.lit(3).to_double() : 1.0, alpha = a.has(4) ? a.lit(4).to_double() : 1.0;
    a.c.op("Gemm", {a.in(1, d), a.in(2, d), a.in(0, d)}, {attr("alpha", alpha), attr("beta", beta)}, {a.out()});
  };
  t["baddbmm"] = [](N a) {
    Dtype d = a.out_dtype();
    Ctx& c = a.c;
    double beta = a.has(3) ? a.lit(3).to_double() : 1.0, alpha = a.has(4) ? a.lit(4).to_double() : 1.0;
    std::string p = c.op("MatMul", {a.in(1, d), a.in(2, d)});
    if (alpha != 1.0) p = c.op("Mul", {p, c.scalar(alpha, d)});
    std::string b = a.in(0, d);
    if (beta != 1.0) b = c.op("Mul", {b, c.scalar(beta, d)});
    c.op("Add", {b, p}, {}, {a.out()});
  };

  // ---- convolution and pooling
  for (const char* name : {"conv1d", "conv2d", "conv3d"}) t[name] = conv;
  for (const char* name : {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}) t[name] = conv_transpose;
  for (const char* name : {"max_pool1d", "max_pool2d", "max_pool3d"}) t[name] = max_pool;
  for (const char* name : {"avg_pool1d", "avg_pool2d", "avg_pool3d"}) t[name] = avg_pool;
  for (const char* name : {"adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"})
    t[name] = [](N a) { adaptive_pool(a, false); };
  for (const char* name : {"adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"})
    t[name] = [](N a) { adaptive_pool(a, true); };
  for (const char* name : {"max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices"})
    t[name] = [](N a) { a.fail("max pooling indices are not supported by the exporter (ONNX indices count differently)"); };
  t["pixel_shuffle"] = [](N a) {
    if (a.rank(0) != 4) a.fail("only 4-D inputs are supported by the exporter");
    a.c.op("DepthToSpace", {a.in(0)}, {attr("blocksize", a.i64(1)), attr("mode", std::string("CRD"))}, {a.out()});
  };

  // ---- normalization
  t["batch_norm"] = [](N a) {
    // batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
    if (a.b(5, false) || !a.has(3) || !a.has(4))
      a.fail("batch statistics (training mode, or no running stats) are not supported: call model.eval() before export");
    Dtype d = a.out_dtype();
    int64_t ch = a.meta(0).sizes.at(1);
    a.c.op("BatchNormalization",
           {a.in(0, d), ones_or(a, 1, ch, d, 1.0), ones_or(a, 2, ch, d, 0.0), a.in(3, d), a.in(4, d)},
           {attr("epsilon", a.f64(7, 1e-5))}, {a.out()});
  };
  t["instance_norm"] = [](N a) {
    // instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps)
    if (!a.b(5, true)) a.fail("instance_norm with running stats is not supported by the exporter");
    Dtype d = a.out_dtype();
    int64_t ch = a.meta(0).sizes.at(1);
    a.c.op("InstanceNormalization", {a.in(0, d), ones_or(a, 1, ch, d, 1.0), ones_or(a, 2, ch, d, 0.0)},
           {attr("epsilon", a.f64(7, 1e-5))}, {a.out()});
  };
  t["layer_norm"] = layer_norm;
  t["group_norm"] = group_norm;

  // ---- dropout: identity in eval mode
  for (const char* name : {"dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout", "dropout_"})
    t[name] = [](N a) {
      if (a.b(2, false) && a.f64(1, 0.0) > 0) a.fail("dropout in training mode: call model.eval() before export");
      a.c.alias(a.n.outputs[0], a.in(0));
    };

  // ---- embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)
  t["embedding"] = [](N a) {
    std::string idx = a.in(1);
    if (a.meta(1).dtype != Dtype::Int64 && a.meta(1).dtype != Dtype::Int32) idx = a.c.cast(idx, a.meta(1).dtype, Dtype::Int64);
    a.c.op("Gather", {a.in(0), idx}, {attr("axis", int64_t(0))}, {a.out()});
  };

  // ---- interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias) as Resize.
  // torch's coordinate rules in ONNX's terms: nearest = asymmetric + floor, nearest-exact = half_pixel +
  // round half up, (bi/tri)linear and bicubic = pytorch_half_pixel (align_corners: align_corners), bicubic's
  // A = -0.75. A given scale_factor (not recomputed) maps coordinates itself, so it goes in as scales;
  // otherwise the output sizes do.
  t["interpolate"] = [](N a) {
    const std::string mode = a.has(3) ? a.lit(3).to_string() : "nearest";
    if (a.b(6, false)) a.fail("antialias=True is not supported by the exporter");
    if (mode == "area") a.fail("mode='area' (adaptive average pooling) is not supported by the exporter");
    const int64_t rank = a.rank(0);
    const std::vector<DimSym>& dx = a.c.dyn(a.value(0));
    for (int64_t d = 2; d < rank; ++d)
      if (!dx[size_t(d)].empty()) a.fail("interpolate over a dim named in dynamic_axes is not supported by the exporter");
    const bool align = a.b(4, false);
    std::vector<Attribute> at;
    if (mode == "nearest") {
      at = {attr("mode", std::string("nearest")), attr("coordinate_transformation_mode", std::string("asymmetric")),
            attr("nearest_mode", std::string("floor"))};
    } else if (mode == "nearest-exact") {
      at = {attr("mode", std::string("nearest")), attr("coordinate_transformation_mode", std::string("half_pixel")),
            attr("nearest_mode", std::string("round_prefer_ceil"))};
    } else if (mode == "linear" || mode == "bilinear" || mode == "trilinear" || mode == "bicubic") {
      at = {attr("mode", std::string(mode == "bicubic" ? "cubic" : "linear")),
            attr("coordinate_transformation_mode", std::string(align ? "align_corners" : "pytorch_half_pixel"))};
      if (mode == "bicubic") at.push_back(attr("cubic_coeff_a", -0.75));
    } else {
      a.fail("interpolate mode '" + mode + "' is not supported by the exporter");
    }
    if (a.has(2) && !a.b(5, false)) {
      std::vector<double> sc = a.lit(2).is_double_list() ? a.lit(2).to_double_list() : std::vector<double>{};
      if (sc.empty()) sc.assign(size_t(rank - 2), a.f64(2, 1.0));
      Tensor scales = empty({rank}, Dtype::Float32);
      float* p = scales.data_ptr<float>();
      p[0] = p[1] = 1.0f;
      for (int64_t d = 2; d < rank; ++d) p[d] = float(sc[size_t(d - 2)]);
      a.c.op("Resize", {a.in(0), "", a.c.tensor(scales, "scales")}, at, {a.out()});
      return;
    }
    const std::vector<int64_t>& out = a.out_meta().sizes;
    std::string sizes = a.c.ints(out);
    if (!dx[0].empty() || !dx[1].empty()) {  // batch or channels named in dynamic_axes: take them from the input
      std::string lead = a.c.op("Slice", {a.c.op("Shape", {a.in(0)}), a.c.ints({0}), a.c.ints({2})});
      sizes = a.c.op("Concat", {lead, a.c.ints(std::vector<int64_t>(out.begin() + 2, out.end()))}, {attr("axis", int64_t(0))});
    }
    a.c.op("Resize", {a.in(0), "", "", sizes}, at, {a.out()});
  };

  // ---- F.pad(input, pad, mode, value): pad lists (left, right) pairs from the last dim
  t["_pad"] = [](N a) {
    std::vector<int64_t> p = a.lit(1).to_int_list();
    int64_t rank = a.rank(0);
    std::vector<int64_t> pads(size_t(2 * rank), 0);
    for (size_t k = 0; k + 1 < p.size(); k += 2) {
      int64_t dim = rank - 1 - int64_t(k / 2);
      pads[size_t(dim)] = p[k];
      pads[size_t(rank + dim)] = p[k + 1];
    }
    std::string mode = a.has(2) ? a.lit(2).to_string() : "constant";
    Dtype d = a.out_dtype();
    if (mode == "constant") {
      a.c.op("Pad", {a.in(0, d), a.c.ints(pads), a.c.scalar(a.f64(3, 0.0), d)}, {attr("mode", mode)}, {a.out()});
      return;
    }
    if (mode != "reflect" && mode != "replicate") a.fail("padding mode '" + mode + "' is not supported by the exporter");
    a.c.op("Pad", {a.in(0, d), a.c.ints(pads)}, {attr("mode", std::string(mode == "reflect" ? "reflect" : "edge"))}, {a.out()});
  };
}

}  // namespace ember::onnx
