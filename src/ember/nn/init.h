// Parameter initialisers with torch's gain and fan rules (the C++ side of ember.nn.init).
#pragma once
#include <string>

#include "ember/core/tensor.h"

namespace ember::nn::init {

double calculate_gain(const std::string& nonlinearity, double param = 0.01);
std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t);
Tensor& uniform_(Tensor& t, double a = 0, double b = 1);
Tensor& normal_(Tensor& t, double mean = 0, double std = 1);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
Tensor& xavier_uniform_(Tensor& t, double gain = 1);
Tensor& xavier_normal_(Tensor& t, double gain = 1);
Tensor& kaiming_uniform_(Tensor& t, double a = 0, const std::string& mode = "fan_in",
                         const std::string& nonlinearity = "leaky_relu");
Tensor& kaiming_normal_(Tensor& t, double a = 0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");

}  // namespace ember::nn::init
