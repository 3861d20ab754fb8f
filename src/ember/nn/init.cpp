#include "ember/nn/init.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/ops.h"

namespace ember::nn::init {

double calculate_gain(const std::string& nl, double param) {
  if (nl == "linear" || nl == "sigmoid" || nl.rfind("conv", 0) == 0) return 1;
  if (nl == "tanh") return 5.0 / 3;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nl == "selu") return 3.0 / 4;
  EMBER_CHECK_VALUE(false, "calculate_gain", "Unsupported nonlinearity ", nl);
  return 0;
}

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t) {
  EMBER_CHECK_VALUE(t.dim() >= 2, "init", "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  int64_t rf = 1;
  for (int64_t d = 2; d < t.dim(); ++d) rf *= t.size(d);
  return {t.size(1) * rf, t.size(0) * rf};
}

Tensor& uniform_(Tensor& t, double a, double b) {
  autograd::NoGradGuard ng;
  return ember::uniform_(t, a, b);
}
Tensor& normal_(Tensor& t, double mean, double std) {
  autograd::NoGradGuard ng;
  return ember::normal_(t, mean, std);
}
Tensor& constant_(Tensor& t, double v) {
  autograd::NoGradGuard ng;
  return ember::fill_(t, Scalar(v));
}
Tensor& zeros_(Tensor& t) { return init::constant_(t, 0); }
Tensor& ones_(Tensor& t) { return init::constant_(t, 1); }

Tensor& xavier_uniform_(Tensor& t, double gain) {
  auto [fi, fo] = fan_in_and_fan_out(t);
  double a = std::sqrt(3.0) * gain * std::sqrt(2.0 / double(fi + fo));
  return init::uniform_(t, -a, a);
}
Tensor& xavier_normal_(Tensor& t, double gain) {
  auto [fi, fo] = fan_in_and_fan_out(t);
  return init::normal_(t, 0, gain * std::sqrt(2.0 / double(fi + fo)));
}

static double kaiming_std(const Tensor& t, double a, const std::string& mode, const std::string& nl) {
  EMBER_CHECK_VALUE(mode == "fan_in" || mode == "fan_out", "init", "Mode ", mode, " not supported, please use one of fan_in, fan_out");
  auto [fi, fo] = fan_in_and_fan_out(t);
  return calculate_gain(nl, a) / std::sqrt(double(mode == "fan_in" ? fi : fo));
}
Tensor& kaiming_uniform_(Tensor& t, double a, const std::string& mode, const std::string& nl) {
  if (t.numel() == 0) return t;
  double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nl);
  return init::uniform_(t, -bound, bound);
}
Tensor& kaiming_normal_(Tensor& t, double a, const std::string& mode, const std::string& nl) {
  if (t.numel() == 0) return t;
  return init::normal_(t, 0, kaiming_std(t, a, mode, nl));
}

}  // namespace ember::nn::init
