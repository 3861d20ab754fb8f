// The C++ frontend: modules' parameter names, shapes and initialisation, optimizer
// arithmetic against hand-computed values, the data loader, and a small CNN that learns.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "ember/ember.h"

using namespace ember;

namespace {

std::vector<std::string> names(const nn::NamedTensors& ts) {
  std::vector<std::string> out;
  for (auto& [n, t] : ts) out.push_back(n);
  return out;
}

double max_abs(const Tensor& t) { return amax(abs(t)).item<double>(); }

// Same shape and ember::allclose in float64 (the values compared come in mixed dtypes).
bool near(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8) {
  return a.sizes() == b.sizes() && ember::allclose(to_dtype(a, Dtype::Float64), to_dtype(b, Dtype::Float64), rtol, atol);
}

template <class T> std::vector<T> to_vec(const Tensor& t) {
  Tensor c = contiguous(t);
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}

Tensor scalar_param(double v) {
  Tensor p = full({1}, v, Dtype::Float64);
  p.requires_grad_(true);
  return p;
}

void set_grad(Tensor& p, double g) { p.set_grad(full({1}, g, Dtype::Float64)); }

}  // namespace

TEST(Frontend, Conv2dNamesShapesAndInit) {
  manual_seed(0);
  nn::Conv2d conv(3, 8, {3}, {.padding = {1}});
  EXPECT_EQ(names(conv.named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(conv.weight.sizes(), (Shape{8, 3, 3, 3}));
  EXPECT_EQ(conv.bias.sizes(), (Shape{8}));
  EXPECT_TRUE(conv.weight.requires_grad());
  // torch's default: kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 27
  double bound = 1.0 / std::sqrt(27.0);
  EXPECT_LE(max_abs(conv.weight), bound);
  EXPECT_GT(max_abs(conv.weight), 0.8 * bound);  // really drawn over the whole range
  EXPECT_LE(max_abs(conv.bias), bound);
  Tensor x = randn({2, 3, 5, 5});
  Tensor y = conv.forward(x);
  EXPECT_EQ(y.sizes(), (Shape{2, 8, 5, 5}));
  EXPECT_TRUE(near(y, conv2d(x, conv.weight, conv.bias, {1}, {1})));
  EXPECT_EQ(conv.repr(), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");

  nn::Conv2d grouped(4, 6, {3, 1}, {.stride = {2}, .groups = 2, .bias = false});
  EXPECT_EQ(grouped.weight.sizes(), (Shape{6, 2, 3, 1}));
  EXPECT_EQ(names(grouped.named_parameters()), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(grouped.forward(randn({1, 4, 7, 7})).sizes(), (Shape{1, 6, 3, 4}));
  EXPECT_EQ(grouped.repr(), "Conv2d(4, 6, kernel_size=(3, 1), stride=(2, 2), groups=2, bias=False)");
  EXPECT_THROW(nn::Conv2d(3, 4, {3}, {.groups = 2}), Error);
}

TEST(Frontend, Pooling) {
  Tensor x = reshape(arange(Scalar(0.0), Scalar(32.0)), {1, 2, 4, 4});
  nn::MaxPool2d pool({2});
  Tensor y = pool.forward(x);
  EXPECT_EQ(y.sizes(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(to_vec<float>(y), (std::vector<float>{5, 7, 13, 15, 21, 23, 29, 31}));
  EXPECT_EQ(pool.repr(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  nn::AvgPool2d avg({2}, {.stride = {1}});
  EXPECT_EQ(avg.forward(x).sizes(), (Shape{1, 2, 3, 3}));
  EXPECT_FLOAT_EQ(avg.forward(x).flatten()[0].item<float>(), (0 + 1 + 4 + 5) / 4.0f);
  nn::AdaptiveAvgPool2d gap({1});
  EXPECT_EQ(gap.forward(x).sizes(), (Shape{1, 2, 1, 1}));
  EXPECT_FLOAT_EQ(gap.forward(x).flatten()[1].item<float>(), 23.5f);
}

TEST(Frontend, BatchNorm2d) {
  manual_seed(1);
  nn::BatchNorm2d bn(3);
  EXPECT_EQ(names(bn.state_dict()),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(names(bn.named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(bn.num_batches_tracked.dtype(), Dtype::Int64);
  Tensor x = add(mul(randn({4, 3, 5, 5}), wrap_scalar(2.0)), wrap_scalar(3.0));
  Tensor y = bn.forward(x);
  // normalised per channel over (N, H, W)
  EXPECT_LT(max_abs(mean(y, Shape{0, 2, 3})), 1e-5);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  Tensor batch_mean = mean(x, Shape{0, 2, 3});
  EXPECT_TRUE(near(bn.running_mean, mul(batch_mean, wrap_scalar(0.1)), 1e-5, 1e-6));
  Tensor batch_var = var(x, Shape{0, 2, 3}, 1.0);  // unbiased, as torch stores it
  EXPECT_TRUE(near(bn.running_var, add(mul(batch_var, wrap_scalar(0.1)), wrap_scalar(0.9)), 1e-5, 1e-6));
  bn.eval();
  Tensor ye = bn.forward(x);
  Tensor expect = div(sub(x, reshape(bn.running_mean, {1, 3, 1, 1})),
                      sqrt(add(reshape(bn.running_var, {1, 3, 1, 1}), wrap_scalar(1e-5))));
  EXPECT_TRUE(near(ye, expect, 1e-5, 1e-5));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);  // not counted in eval
  EXPECT_EQ(bn.repr(), "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_THROW(bn.forward(randn({3, 5})), Error);
}

struct SmallCNN : nn::Module {
  std::shared_ptr<nn::Conv2d> conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(1, 4, Shape{3}, nn::Conv2dOptions{.padding = {1}}));
  std::shared_ptr<nn::BatchNorm2d> bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(4));
  std::shared_ptr<nn::MaxPool2d> pool = register_module("pool", std::make_shared<nn::MaxPool2d>(Shape{2}));
  std::shared_ptr<nn::Flatten> flatten = register_module("flatten", std::make_shared<nn::Flatten>());
  std::shared_ptr<nn::Linear> fc = register_module("fc", std::make_shared<nn::Linear>(4 * 4 * 4, 2));
  Tensor forward(const Tensor& x) {
    return fc->forward(flatten->forward(pool->forward(relu(bn1->forward(conv1->forward(x))))));
  }
};

// Two classes of 8x8 images: a bright vertical bar or a bright horizontal bar, plus noise.
std::pair<Tensor, Tensor> bars(int64_t n) {
  Tensor x = mul(rand({n, 1, 8, 8}), wrap_scalar(0.3));
  Tensor y = empty({n}, Dtype::Int64);
  float* px = x.data_ptr<float>();
  int64_t* py = y.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    py[i] = i % 2;
    int64_t pos = 1 + (i / 2) % 6;
    for (int64_t k = 0; k < 8; ++k) px[i * 64 + (py[i] ? pos * 8 + k : k * 8 + pos)] += 1.0f;
  }
  return {x, y};
}

TEST(Frontend, SmallCnnTrains) {
  manual_seed(0);
  auto model = std::make_shared<SmallCNN>();
  EXPECT_EQ(names(model->named_parameters()),
            (std::vector<std::string>{"conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "fc.weight", "fc.bias"}));
  EXPECT_EQ(names(model->named_buffers()),
            (std::vector<std::string>{"bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"}));
  auto [x, y] = bars(64);
  Generator gen(5);
  data::DataLoader loader(std::make_shared<data::TensorDataset>(x, y), {.batch_size = 16, .shuffle = true, .generator = &gen});
  for (bool use_adam : {false, true}) {
    SCOPED_TRACE(use_adam ? "Adam" : "SGD");
    manual_seed(2);
    model = std::make_shared<SmallCNN>();
    std::unique_ptr<optim::Optimizer> opt;
    if (use_adam) opt = std::make_unique<optim::Adam>(model->parameters(), optim::fused::AdamOptions{.lr = 1e-2, .amsgrad = true});
    else opt = std::make_unique<optim::SGD>(model->parameters(), optim::fused::SgdOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
    auto eval_loss = [&] {
      autograd::NoGradGuard ng;
      model->eval();
      double l = cross_entropy(model->forward(x), y).item<double>();
      model->train();
      return l;
    };
    double before = eval_loss();
    for (int epoch = 0; epoch < 4; ++epoch) {
      for (auto batch : loader) {
        Tensor loss = cross_entropy(model->forward(batch.data), batch.target);
        opt->zero_grad();
        loss.backward();
        opt->step();
      }
    }
    double after = eval_loss();
    EXPECT_LT(after, 0.5 * before) << before << " -> " << after;
    model->eval();
    autograd::NoGradGuard ng;
    double acc = mean(to_dtype(eq(argmax(model->forward(x), 1), y), Dtype::Float32)).item<double>();
    EXPECT_GE(acc, 0.9);
  }
}

TEST(Frontend, SgdMathByHand) {
  // lr 0.1, momentum 0.9, dampening 0.5, weight_decay 0.01; gradients 1, 2, -1
  Tensor p = scalar_param(1.0);
  optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .weight_decay = 0.01});
  double w = 1.0, buf = 0;
  const double grads[] = {1.0, 2.0, -1.0};
  for (int k = 0; k < 3; ++k) {
    set_grad(p, grads[k]);
    opt.step();
    double g = grads[k] + 0.01 * w;
    buf = k == 0 ? g : 0.9 * buf + 0.5 * g;  // the first step copies the gradient (no dampening)
    w -= 0.1 * buf;
    EXPECT_NEAR(p.item<double>(), w, 1e-15) << "step " << k;
  }
  // Nesterov: the step uses g + momentum * buf
  Tensor q = scalar_param(0.0);
  optim::SGD nes({q}, {.lr = 0.5, .momentum = 0.5, .nesterov = true});
  set_grad(q, 2.0);
  nes.step();  // buf = 2, step = 2 + 0.5 * 2 = 3
  EXPECT_DOUBLE_EQ(q.item<double>(), -1.5);
  set_grad(q, 1.0);
  nes.step();  // buf = 0.5 * 2 + 1 = 2, step = 1 + 0.5 * 2 = 2
  EXPECT_DOUBLE_EQ(q.item<double>(), -2.5);
  // maximize ascends
  Tensor r = scalar_param(0.0);
  optim::SGD up({r}, {.lr = 1.0, .maximize = true});
  set_grad(r, 3.0);
  up.step();
  EXPECT_DOUBLE_EQ(r.item<double>(), 3.0);
}

TEST(Frontend, AdamMathByHand) {
  for (bool amsgrad : {false, true}) {
    for (bool decoupled : {false, true}) {
      SCOPED_TRACE(std::to_string(amsgrad) + std::to_string(decoupled));
      Tensor p = scalar_param(0.5);
      optim::fused::AdamOptions o{.lr = 0.1, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.1, .amsgrad = amsgrad};
      std::unique_ptr<optim::Adam> opt = decoupled ? std::make_unique<optim::AdamW>(TensorList{p}, o)
                                                   : std::make_unique<optim::Adam>(TensorList{p}, o);
      double w = 0.5, m = 0, v = 0, vmax = 0;
      const double grads[] = {1.0, -3.0, 0.5};
      for (int k = 1; k <= 3; ++k) {
        double g = grads[k - 1];
        set_grad(p, g);
        opt->step();
        if (decoupled) w *= 1 - 0.1 * 0.1;
        else g += 0.1 * w;
        m = 0.9 * m + 0.1 * g;
        v = 0.99 * v + 0.01 * g * g;
        vmax = std::max(vmax, v);
        double denom = std::sqrt(amsgrad ? vmax : v) / std::sqrt(1 - std::pow(0.99, k)) + 1e-8;
        w -= 0.1 / (1 - std::pow(0.9, k)) * m / denom;
        EXPECT_NEAR(p.item<double>(), w, 1e-14) << "step " << k;
      }
    }
  }
}

TEST(Frontend, OptimizerChecksAndZeroGrad) {
  Tensor p = scalar_param(1.0);
  auto value_error = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind() == ErrorKind::Value;
    }
    return false;
  };
  EXPECT_TRUE(value_error([&] { optim::SGD({p}, {.lr = -1}); }));
  EXPECT_TRUE(value_error([&] { optim::SGD({p}, {.lr = 0.1, .momentum = -1}); }));
  EXPECT_TRUE(value_error([&] { optim::SGD({p}, {.lr = 0.1, .nesterov = true}); }));
  EXPECT_TRUE(value_error([&] { optim::Adam({p}, {.beta1 = 1.0}); }));
  EXPECT_TRUE(value_error([&] { optim::Adam({p}, {.weight_decay = -1}); }));
  EXPECT_TRUE(value_error([&] { optim::Adam(TensorList{}); }));
  optim::SGD opt({p}, {.lr = 0.1});
  set_grad(p, 2.0);
  opt.zero_grad(false);
  ASSERT_TRUE(p.grad().defined());
  EXPECT_EQ(p.grad().item<double>(), 0.0);
  opt.zero_grad();
  EXPECT_FALSE(p.grad().defined());
  opt.step();  // no gradient: nothing changes
  EXPECT_EQ(p.item<double>(), 1.0);
}

TEST(Frontend, DataLoaderBatches) {
  Tensor x = reshape(arange(Scalar(0.0), Scalar(20.0)), {10, 2});
  Tensor y = arange(Scalar(int64_t(0)), Scalar(int64_t(10)));
  auto ds = std::make_shared<data::TensorDataset>(x, y);
  data::DataLoader plain(ds, {.batch_size = 4});
  EXPECT_EQ(plain.num_batches(), 3u);
  std::vector<int64_t> seen;
  for (auto b : plain) {
    EXPECT_EQ(b.data.size(1), 2);
    for (int64_t v : to_vec<int64_t>(b.target)) seen.push_back(v);
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Generator g(3);
  data::DataLoader shuffled(ds, {.batch_size = 4, .shuffle = true, .drop_last = true, .generator = &g});
  EXPECT_EQ(shuffled.num_batches(), 2u);
  std::vector<int64_t> e1, e2;
  for (auto b : shuffled) for (int64_t v : to_vec<int64_t>(b.target)) e1.push_back(v);
  for (auto b : shuffled) for (int64_t v : to_vec<int64_t>(b.target)) e2.push_back(v);
  EXPECT_EQ(e1.size(), 8u);
  EXPECT_EQ(std::set<int64_t>(e1.begin(), e1.end()).size(), 8u);
  EXPECT_NE(e1, e2);  // each epoch draws a new order
  EXPECT_THROW(data::DataLoader(ds, {.batch_size = 0}), Error);
  EXPECT_THROW(data::TensorDataset(x, arange(Scalar(int64_t(0)), Scalar(int64_t(9)))), Error);
}
