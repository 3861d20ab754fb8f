// Layers for C++ users, with torch's parameter names, shapes and default initialisation.
#pragma once
#include <functional>

#include "ember/nn/module.h"
#include "ember/ops/ops.h"

namespace ember::nn {

class Linear : public UnaryModule {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override { return linear(x, weight, bias); }
  void reset_parameters();
  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override;
  int64_t in_features, out_features;
  Tensor weight, bias;
};

class Flatten : public UnaryModule {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override { return flatten(x, start_dim, end_dim); }
  std::string name() const override { return "Flatten"; }
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

// Stateless elementwise layers.
class Functional : public UnaryModule {
 public:
  Functional(std::string name, std::function<Tensor(const Tensor&)> fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  Tensor forward(const Tensor& x) override { return fn_(x); }
  std::string name() const override { return name_; }

 private:
  std::string name_;
  std::function<Tensor(const Tensor&)> fn_;
};
inline std::shared_ptr<Functional> ReLU() { return std::make_shared<Functional>("ReLU", [](const Tensor& x) { return relu(x); }); }
inline std::shared_ptr<Functional> Tanh() { return std::make_shared<Functional>("Tanh", [](const Tensor& x) { return tanh(x); }); }
inline std::shared_ptr<Functional> Sigmoid() { return std::make_shared<Functional>("Sigmoid", [](const Tensor& x) { return sigmoid(x); }); }
inline std::shared_ptr<Functional> GELU() { return std::make_shared<Functional>("GELU", [](const Tensor& x) { return gelu(x); }); }

class Dropout : public UnaryModule {
 public:
  explicit Dropout(double p = 0.5) : p(p) {}
  Tensor forward(const Tensor& x) override { return dropout(x, p, is_training()); }
  std::string name() const override { return "Dropout"; }
  std::string extra_repr() const override;
  double p;
};

class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& x) override { return layer_norm(x, normalized_shape, weight, bias, eps); }
  std::string name() const override { return "LayerNorm"; }
  Shape normalized_shape;
  double eps;
  Tensor weight, bias;
};

class Embedding : public UnaryModule {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim);
  Tensor forward(const Tensor& x) override { return embedding(weight, x); }
  std::string name() const override { return "Embedding"; }
  Tensor weight;
};

// 2-d convolution over (N, C, H, W) or (C, H, W); weight (out, in / groups, kh, kw) like torch.nn.Conv2d.
// Sizes given as one value apply to both spatial dims.
struct Conv2dOptions {
  Shape stride = {1}, padding = {0}, dilation = {1};
  int64_t groups = 1;
  bool bias = true;
};
class Conv2d : public UnaryModule {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Shape kernel_size, Conv2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  int64_t in_channels, out_channels;
  Shape kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;
};

// Pools over the last two dims. An empty stride means stride = kernel_size (torch's default).
struct Pool2dOptions {
  Shape stride = {}, padding = {0}, dilation = {1};
  bool ceil_mode = false;
  bool count_include_pad = true;  // AvgPool2d only
};
class MaxPool2d : public UnaryModule {
 public:
  explicit MaxPool2d(Shape kernel_size, Pool2dOptions options = {}) : kernel_size(std::move(kernel_size)), options(std::move(options)) {}
  Tensor forward(const Tensor& x) override {
    return max_pool2d(x, kernel_size, options.stride, options.padding, options.dilation, options.ceil_mode);
  }
  std::string name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;
  Shape kernel_size;
  Pool2dOptions options;
};
class AvgPool2d : public UnaryModule {
 public:
  explicit AvgPool2d(Shape kernel_size, Pool2dOptions options = {}) : kernel_size(std::move(kernel_size)), options(std::move(options)) {}
  Tensor forward(const Tensor& x) override {
    return avg_pool2d(x, kernel_size, options.stride, options.padding, options.ceil_mode, options.count_include_pad);
  }
  std::string name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;
  Shape kernel_size;
  Pool2dOptions options;
};
class AdaptiveAvgPool2d : public UnaryModule {
 public:
  explicit AdaptiveAvgPool2d(Shape output_size) : output_size(std::move(output_size)) {}
  Tensor forward(const Tensor& x) override { return adaptive_avg_pool2d(x, output_size); }
  std::string name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override;
  Shape output_size;
};

// Batch normalisation over the channel dim of (N, C, H, W), with torch.nn.BatchNorm2d's parameters
// (weight = 1, bias = 0) and buffers (running_mean, running_var, num_batches_tracked).
struct BatchNormOptions {
  double eps = 1e-5, momentum = 0.1;
  bool affine = true, track_running_stats = true;
};
class BatchNorm2d : public UnaryModule {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "BatchNorm2d"; }
  std::string extra_repr() const override;
  int64_t num_features;
  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};

// Runs its modules in order.
class Sequential : public UnaryModule {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> mods) {
    for (auto& m : mods) push_back(m);
  }
  void push_back(std::shared_ptr<UnaryModule> m) {
    layers_.push_back(m);
    register_module(std::to_string(layers_.size() - 1), m);
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (auto& m : layers_) y = m->forward(y);
    return y;
  }
  size_t size() const { return layers_.size(); }
  std::shared_ptr<UnaryModule> operator[](size_t i) const { return layers_.at(i); }
  std::string name() const override { return "Sequential"; }

 private:
  std::vector<std::shared_ptr<UnaryModule>> layers_;
};

}  // namespace ember::nn
