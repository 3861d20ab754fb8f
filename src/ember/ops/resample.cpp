// Resampling: nn.functional.interpolate (nearest, nearest-exact, linear,
// bilinear, bicubic, trilinear, area) and pixel_shuffle / pixel_unshuffle.
// Upsampling and its backward are an adjoint pair of kernels recorded as ops of
// their own, so higher-order gradients reuse them.
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/conv_common.h"
#include "ember/ops/cpu/conv_kernels.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using cpu::Interp;
using detail::finish;
using detail::kernel_dtype;
using detail::prep;

namespace {

struct Resample {
  cpu::ResampleGeom g;
  Interp mode = Interp::Nearest;
  Shape lead;
  const char* node = "UpsampleBackward0";

  Shape shape_of(const cpu::Dim3& d) const {
    Shape s = lead;
    s.insert(s.end(), d.end() - g.nd, d.end());
    return s;
  }
};

Tensor upsample_backward_op(const Resample& R, const Tensor& gy);

Tensor upsample_op(const Resample& R, const Tensor& x) {
  Dtype cd = kernel_dtype(x.dtype());
  Tensor xc = prep(x, cd);
  Tensor y = empty(R.shape_of(R.g.out), cd);
  cpu::upsample_forward(R.mode, R.g, xc, y);
  y = finish(y, x.dtype());
  if (needs_grad(x))
    record(R.node, {x}, y, [R](const Tensor& g) -> TensorList { return {upsample_backward_op(R, g)}; });
  return y;
}

Tensor upsample_backward_op(const Resample& R, const Tensor& gy) {
  Dtype cd = kernel_dtype(gy.dtype());
  Tensor gc = prep(gy, cd);
  Tensor gx = empty(R.shape_of(R.g.in), cd);
  cpu::upsample_backward(R.mode, R.g, gc, gx);
  gx = finish(gx, gy.dtype());
  if (needs_grad(gy))
    record("UpsampleBackwardBackward0", {gy}, gx, [R](const Tensor& g) -> TensorList { return {upsample_op(R, g)}; });
  return gx;
}

const char* node_name(Interp mode, int nd) {
  static const char* names[4][3] = {
      {"UpsampleNearest1DBackward1", "UpsampleNearest2DBackward1", "UpsampleNearest3DBackward1"},
      {"UpsampleNearestExact1DBackward1", "UpsampleNearestExact2DBackward1", "UpsampleNearestExact3DBackward1"},
      {"UpsampleLinear1DBackward1", "UpsampleBilinear2DBackward1", "UpsampleTrilinear3DBackward1"},
      {"UpsampleBicubic2DBackward1", "UpsampleBicubic2DBackward1", "UpsampleBicubic2DBackward1"}};
  return names[int(mode)][nd - 1];
}

// output_size (one per spatial dim, or empty to derive from scales) and scales (one per dim, or empty).
Tensor upsample(const Tensor& input, Interp mode, const char* op, const Shape& output_size,
                const std::vector<double>& scales, bool align_corners) {
  const int nd = int(input.dim()) - 2;
  Dtype dt = input.dtype();
  EMBER_CHECK(dt == Dtype::Float32 || dt == Dtype::Float64 || dt == Dtype::BFloat16, op, "\"", op,
              "\" not implemented for '", scalar_type_name(dt), "'");
  Resample R;
  R.mode = mode;
  R.node = node_name(mode, nd);
  R.g.nd = nd;
  R.g.align_corners = align_corners;
  R.lead = {input.size(0), input.size(1)};
  R.g.planes = input.size(0) * input.size(1);
  const int off = 3 - nd;
  Shape in_sp(input.sizes().end() - nd, input.sizes().end()), out_sp(nd);
  for (int d = 0; d < nd; ++d) {
    // torch's compute_output_size: a scale gives floor(in * scale)
    out_sp[d] = output_size.empty() ? int64_t(double(in_sp[d]) * scales[d]) : output_size[d];
    R.g.in[off + d] = in_sp[d];
    R.g.out[off + d] = out_sp[d];
    R.g.scales[off + d] = scales.empty() ? 0.0 : scales[d];
  }
  bool ok = true;
  for (int d = 0; d < nd; ++d) ok = ok && in_sp[d] > 0 && out_sp[d] > 0;
  EMBER_CHECK(ok, op, "Input and output sizes should be greater than 0, but got input ", detail::joined(in_sp, ", "),
              " output ", detail::joined(out_sp, ", "));
  return upsample_op(R, input);
}

}  // namespace

Tensor interpolate(const Tensor& input, const std::optional<Shape>& size,
                   const std::optional<std::vector<double>>& scale_factor, const std::string& mode,
                   std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor, bool antialias) {
  const char* op = "interpolate";
  bool interpolating = mode == "linear" || mode == "bilinear" || mode == "bicubic" || mode == "trilinear";
  if (!interpolating) {
    EMBER_CHECK_VALUE(!align_corners.has_value(), op,
                      "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
  }
  const bool corners = align_corners.value_or(false);
  const int64_t dim = input.dim() - 2;
  Shape output_size;
  std::vector<double> scales;
  EMBER_CHECK_VALUE(!(size && scale_factor), op, "only one of size or scale_factor should be defined");
  if (size) {
    if (size->size() == 1 && dim != 1) output_size.assign(size_t(std::max<int64_t>(dim, 0)), (*size)[0]);
    else output_size = *size;
    EMBER_CHECK_VALUE(int64_t(output_size.size()) == dim, op,
                      "Input and output must have the same number of spatial dimensions, but got input with spatial "
                      "dimensions of ", shape_str(Shape(input.sizes().begin() + std::min<int64_t>(2, input.dim()), input.sizes().end())),
                      " and output size of ", shape_str(*size),
                      ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.");
  } else if (scale_factor) {
    if (scale_factor->size() == 1 && dim != 1) scales.assign(size_t(std::max<int64_t>(dim, 0)), (*scale_factor)[0]);
    else scales = *scale_factor;
    EMBER_CHECK_VALUE(int64_t(scales.size()) == dim, op,
                      "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                      "spatial dimensions of ", shape_str(Shape(input.sizes().begin() + std::min<int64_t>(2, input.dim()), input.sizes().end())),
                      " and scale_factor of shape ", scale_factor->size(),
                      ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.");
  } else {
    EMBER_CHECK_VALUE(false, op, "either size or scale_factor should be defined");
  }
  EMBER_CHECK_VALUE(!(recompute_scale_factor.value_or(false) && size), op,
                    "recompute_scale_factor is not meaningful with an explicit size.");
  bool recompute = recompute_scale_factor.value_or(false) || (mode == "area" && output_size.empty());
  if (recompute && !scales.empty()) {
    output_size.clear();
    for (int64_t i = 0; i < dim; ++i) output_size.push_back(int64_t(std::floor(double(input.size(2 + i)) * scales[i])));
    scales.clear();
  }
  EMBER_CHECK_VALUE(!antialias || ((mode == "bilinear" || mode == "bicubic") && input.dim() == 4), op,
                    "Anti-alias option is only supported for bilinear and bicubic modes");
  if (antialias) EMBER_NOT_SUPPORTED(op, "antialias=True is not supported yet");

  const int64_t d = input.dim();
  if (mode == "nearest" && d >= 3 && d <= 5) return upsample(input, Interp::Nearest, "upsample_nearest", output_size, scales, false);
  if (mode == "nearest-exact" && d >= 3 && d <= 5)
    return upsample(input, Interp::NearestExact, "_upsample_nearest_exact", output_size, scales, false);
  if (mode == "area" && d == 3) return adaptive_avg_pool1d(input, output_size);
  if (mode == "area" && d == 4) return adaptive_avg_pool2d(input, output_size);
  if (mode == "area" && d == 5) return adaptive_avg_pool3d(input, output_size);
  if (mode == "linear" && d == 3) return upsample(input, Interp::Linear, "upsample_linear1d", output_size, scales, corners);
  if (mode == "bilinear" && d == 4) return upsample(input, Interp::Linear, "upsample_bilinear2d", output_size, scales, corners);
  if (mode == "trilinear" && d == 5) return upsample(input, Interp::Linear, "upsample_trilinear3d", output_size, scales, corners);
  if (mode == "bicubic" && d == 4) return upsample(input, Interp::Cubic, "upsample_bicubic2d", output_size, scales, corners);
  static const char* needs[] = {"", "", "", "3D", "4D", "5D"};
  auto needed = [&](const std::string& m) -> int { return m == "linear" ? 3 : m == "bilinear" || m == "bicubic" ? 4 : 5; };
  if (interpolating && d >= 3 && d <= 5)
    EMBER_NOT_SUPPORTED(op, "Got ", d, "D input, but ", mode, " mode needs ", needs[needed(mode)], " input");
  EMBER_NOT_SUPPORTED(op, "Input Error: Only 3D, 4D and 5D input Tensors supported (got ", d,
                      "D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ",
                      mode, ")");
}

// ---------------------------------------------------------------- pixel shuffle

namespace {

Tensor shuffle_op(const Tensor& x, int64_t r, bool inverse);

// Forward: small-image side (…, C*r*r, H, W) <-> big side (…, C, H*r, W*r).
Tensor shuffle_op(const Tensor& x, int64_t r, bool inverse) {
  Tensor xc = prep(x, x.dtype());
  const int64_t nd = x.dim();
  Shape s = x.sizes();
  int64_t outer = 1;
  for (int64_t i = 0; i < nd - 3; ++i) outer *= s[i];
  int64_t C, H, W;
  Shape out = s;
  if (!inverse) {
    C = s[nd - 3] / (r * r), H = s[nd - 2], W = s[nd - 1];
    out[nd - 3] = C, out[nd - 2] = H * r, out[nd - 1] = W * r;
  } else {
    C = s[nd - 3], H = s[nd - 2] / r, W = s[nd - 1] / r;
    out[nd - 3] = C * r * r, out[nd - 2] = H, out[nd - 1] = W;
  }
  Tensor y = empty(out, x.dtype());
  cpu::pixel_shuffle_kernel(xc, y, outer, C, H, W, r, inverse);
  if (needs_grad(x))
    record(inverse ? "PixelUnshuffleBackward0" : "PixelShuffleBackward0", {x}, y,
           [r, inverse](const Tensor& g) -> TensorList { return {shuffle_op(g, r, !inverse)}; });
  return y;
}

}  // namespace

Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor) {
  const char* op = "pixel_shuffle";
  EMBER_CHECK(input.dim() >= 3, op, "pixel_shuffle expects input to have at least 3 dimensions, but got input with ",
              input.dim(), " dimension(s)");
  EMBER_CHECK(upscale_factor > 0, op, "pixel_shuffle expects a positive upscale_factor, but got ", upscale_factor);
  const int64_t c = input.size(-3), sq = upscale_factor * upscale_factor;
  EMBER_CHECK(c % sq == 0, op,
              "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
              "but input.size(-3)=", c, " is not divisible by ", sq);
  return shuffle_op(input, upscale_factor, false);
}

Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor) {
  const char* op = "pixel_unshuffle";
  EMBER_CHECK(input.dim() >= 3, op, "pixel_unshuffle expects input to have at least 3 dimensions, but got input with ",
              input.dim(), " dimension(s)");
  EMBER_CHECK(downscale_factor > 0, op, "pixel_unshuffle expects a positive downscale_factor, but got ", downscale_factor);
  EMBER_CHECK(input.size(-2) % downscale_factor == 0, op,
              "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=", input.size(-2),
              " is not divisible by ", downscale_factor);
  EMBER_CHECK(input.size(-1) % downscale_factor == 0, op,
              "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=", input.size(-1),
              " is not divisible by ", downscale_factor);
  return shuffle_op(input, downscale_factor, true);
}

}  // namespace ember
