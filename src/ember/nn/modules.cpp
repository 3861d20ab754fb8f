#include "ember/nn/modules.h"

#include <cmath>
#include <sstream>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/init.h"

namespace ember::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
  weight = register_parameter("weight", empty({out, in}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::fan_in_and_fan_out(weight);
    double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

std::string Linear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features << ", out_features=" << out_features << ", bias=" << (bias.defined() ? "True" : "False");
  return os.str();
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p << ", inplace=False";
  return os.str();
}

LayerNorm::LayerNorm(Shape shape, double eps, bool affine) : normalized_shape(std::move(shape)), eps(eps) {
  if (affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    bias = register_parameter("bias", zeros(normalized_shape));
  }
}

Embedding::Embedding(int64_t n, int64_t d) {
  weight = register_parameter("weight", empty({n, d}));
  init::normal_(weight);
}

namespace {
// torch's _pair: one value for both spatial dims.
Shape pair(const Shape& s, const char* what) {
  EMBER_CHECK_VALUE(s.size() == 1 || s.size() == 2, "Conv2d", what, " must have 1 or 2 values, got ", shape_str(s));
  return s.size() == 1 ? Shape{s[0], s[0]} : s;
}
std::string tuple_str(const Shape& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << (s.size() == 1 ? ",)" : ")");
  return os.str();
}
// Pooling reprs print a single int when given one (torch keeps what the user passed).
std::string int_or_tuple(const Shape& s) { return s.size() == 1 ? std::to_string(s[0]) : tuple_str(s); }
}  // namespace

Conv2d::Conv2d(int64_t in, int64_t out, Shape k, Conv2dOptions o)
    : in_channels(in), out_channels(out), kernel_size(pair(k, "kernel_size")), options(std::move(o)) {
  options.stride = pair(options.stride, "stride");
  options.padding = pair(options.padding, "padding");
  options.dilation = pair(options.dilation, "dilation");
  EMBER_CHECK_VALUE(options.groups > 0, "Conv2d", "groups must be a positive integer");
  EMBER_CHECK_VALUE(in % options.groups == 0, "Conv2d", "in_channels must be divisible by groups");
  EMBER_CHECK_VALUE(out % options.groups == 0, "Conv2d", "out_channels must be divisible by groups");
  weight = register_parameter("weight", empty({out, in / options.groups, kernel_size[0], kernel_size[1]}));
  if (options.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv2d::reset_parameters() {
  // torch: kaiming_uniform_(a=sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::fan_in_and_fan_out(weight);
    double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

std::string Conv2d::extra_repr() const {
  std::ostringstream os;
  os << in_channels << ", " << out_channels << ", kernel_size=" << tuple_str(kernel_size)
     << ", stride=" << tuple_str(options.stride);
  if (options.padding != Shape{0, 0}) os << ", padding=" << tuple_str(options.padding);
  if (options.dilation != Shape{1, 1}) os << ", dilation=" << tuple_str(options.dilation);
  if (options.groups != 1) os << ", groups=" << options.groups;
  if (!options.bias) os << ", bias=False";
  return os.str();
}

std::string MaxPool2d::extra_repr() const {
  const Shape& st = options.stride.empty() ? kernel_size : options.stride;
  return "kernel_size=" + int_or_tuple(kernel_size) + ", stride=" + int_or_tuple(st) + ", padding=" +
         int_or_tuple(options.padding) + ", dilation=" + int_or_tuple(options.dilation) +
         ", ceil_mode=" + (options.ceil_mode ? "True" : "False");
}

std::string AvgPool2d::extra_repr() const {
  const Shape& st = options.stride.empty() ? kernel_size : options.stride;
  return "kernel_size=" + int_or_tuple(kernel_size) + ", stride=" + int_or_tuple(st) + ", padding=" +
         int_or_tuple(options.padding);
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + int_or_tuple(output_size); }

BatchNorm2d::BatchNorm2d(int64_t n, BatchNormOptions o) : num_features(n), options(o) {
  if (o.affine) {
    weight = register_parameter("weight", ones({n}));
    bias = register_parameter("bias", zeros({n}));
  }
  if (o.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({n}));
    running_var = register_buffer("running_var", ones({n}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, Dtype::Int64));
  }
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  EMBER_CHECK_VALUE(x.dim() == 4, "BatchNorm2d", "expected 4D input (got ", x.dim(), "D input)");
  bool use_batch_stats = is_training() || !options.track_running_stats;
  if (is_training() && options.track_running_stats) {
    autograd::NoGradGuard ng;
    Tensor n = num_batches_tracked;
    add_(n, wrap_scalar(int64_t(1)));
  }
  // running buffers are updated only in training (torch passes None to batch_norm otherwise)
  Tensor rm = !is_training() || options.track_running_stats ? running_mean : Tensor();
  Tensor rv = !is_training() || options.track_running_stats ? running_var : Tensor();
  return batch_norm(x, weight, bias, rm, rv, use_batch_stats, options.momentum, options.eps);
}

std::string BatchNorm2d::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << options.eps << ", momentum=" << options.momentum
     << ", affine=" << (options.affine ? "True" : "False")
     << ", track_running_stats=" << (options.track_running_stats ? "True" : "False");
  return os.str();
}

}  // namespace ember::nn
