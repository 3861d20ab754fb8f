// Convolution and pooling from C++: results against a direct loop, the weight
// gradient against its definition, and results independent of the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ember/autograd/engine.h"
#include "ember/core/parallel.h"
#include "ember/ops/ops.h"

using namespace ember;

namespace {

Tensor filled(const Shape& s, double scale, Dtype d = Dtype::Float64) {
  Tensor t = empty(s, d);
  visit_floating(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = T(std::sin(double(i) * scale) + 0.1 * double(i % 7));
  });
  return t;
}

// y[n, o, i, j] = b[o] + sum x[n, c, i*s + ki*d - p, j*s + kj*d - p] w[o, c, ki, kj] (groups 1)
std::vector<double> direct_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t s, int64_t p, int64_t d,
                                  int64_t OH, int64_t OW) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0), K = w.size(2);
  const double* X = x.data_ptr<double>();
  const double* Wt = w.data_ptr<double>();
  std::vector<double> y(size_t(N * O * OH * OW));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          double acc = b.defined() ? b.data_ptr<double>()[o] : 0.0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t ki = 0; ki < K; ++ki)
              for (int64_t kj = 0; kj < K; ++kj) {
                int64_t ii = i * s + ki * d - p, jj = j * s + kj * d - p;
                if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
                acc += X[((n * C + c) * H + ii) * W + jj] * Wt[((o * C + c) * K + ki) * K + kj];
              }
          y[size_t(((n * O + o) * OH + i) * OW + j)] = acc;
        }
  return y;
}

}  // namespace

TEST(Conv, Conv2dMatchesDirectLoop) {
  Tensor x = filled({2, 3, 7, 6}, 0.37), w = filled({4, 3, 3, 3}, 0.91), b = filled({4}, 1.3);
  Tensor y = conv2d(x, w, b, {2}, {1}, {2});
  ASSERT_EQ(y.sizes(), (Shape{2, 4, 3, 2}));
  std::vector<double> ref = direct_conv2d(x, w, b, 2, 1, 2, 3, 2);
  const double* Y = y.data_ptr<double>();
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(Y[i], ref[i], 1e-12) << i;
}

TEST(Conv, TransposedIsTheAdjointOfConv) {
  // <conv(x, w), u> == <x, conv_transpose(u, w)> for every x, u
  Tensor x = filled({2, 3, 7, 6}, 0.37), w = filled({4, 3, 3, 3}, 0.91);
  Tensor y = conv2d(x, w, Tensor(), {2}, {1});
  Tensor u = filled(y.sizes(), 0.53);
  Tensor xt = conv_transpose2d(u, w, Tensor(), {2}, {1}, {0});
  ASSERT_EQ(xt.sizes(), (Shape{2, 3, 7, 5}));  // (3-1)*2 - 2 + 3 = 5: the last column of x is never read
  double lhs = 0, rhs = 0;
  for (int64_t i = 0; i < y.numel(); ++i) lhs += y.data_ptr<double>()[i] * u.data_ptr<double>()[i];
  Tensor xt_full = conv_transpose2d(u, w, Tensor(), {2}, {1}, {0, 1});
  ASSERT_EQ(xt_full.sizes(), (Shape{2, 3, 7, 6}));
  const double* X = x.data_ptr<double>();
  const double* XT = xt_full.data_ptr<double>();
  for (int64_t k = 0; k < x.numel(); ++k) rhs += X[k] * XT[k];
  EXPECT_NEAR(lhs, rhs, 1e-9 * std::abs(lhs));
}

TEST(Conv, WeightGradientIsCorrelation) {
  Tensor x = filled({3, 2, 5, 5}, 0.29), w = filled({2, 2, 3, 3}, 0.77);
  w.requires_grad_(true);
  Tensor y = conv2d(x, w, Tensor(), {1}, {1});
  Tensor g = filled(y.sizes(), 0.11);
  TensorList gw = autograd::grad({y}, {w}, {g}, std::nullopt, false, false);
  // dL/dw[o,c,ki,kj] = sum_{n,i,j} g[n,o,i,j] x[n,c,i+ki-1,j+kj-1]
  const double* G = g.data_ptr<double>();
  const double* X = x.data_ptr<double>();
  for (int64_t o = 0; o < 2; ++o)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t ki = 0; ki < 3; ++ki)
        for (int64_t kj = 0; kj < 3; ++kj) {
          double acc = 0;
          for (int64_t n = 0; n < 3; ++n)
            for (int64_t i = 0; i < 5; ++i)
              for (int64_t j = 0; j < 5; ++j) {
                int64_t ii = i + ki - 1, jj = j + kj - 1;
                if (ii < 0 || ii >= 5 || jj < 0 || jj >= 5) continue;
                acc += G[((n * 2 + o) * 5 + i) * 5 + j] * X[((n * 2 + c) * 5 + ii) * 5 + jj];
              }
          EXPECT_NEAR(gw[0].data_ptr<double>()[((o * 2 + c) * 3 + ki) * 3 + kj], acc, 1e-10);
        }
}

TEST(Conv, ResultsDoNotDependOnThreadCount) {
  const int before = get_num_threads();
  Tensor x = filled({16, 4, 9, 9}, 0.37, Dtype::Float32), w = filled({6, 4, 3, 3}, 0.91, Dtype::Float32);
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor wr = w.detach();
    wr.requires_grad_(true);
    Tensor y = conv2d(x, wr, Tensor(), {1}, {1});
    TensorList gw = autograd::grad({y}, {wr}, {ones_like(y)}, std::nullopt, false, false);
    return std::make_pair(y, gw[0]);
  };
  auto [y1, g1] = run(1);
  auto [y2, g2] = run(2);
  set_num_threads(before);
  for (int64_t i = 0; i < y1.numel(); ++i) ASSERT_EQ(y1.data_ptr<float>()[i], y2.data_ptr<float>()[i]);
  for (int64_t i = 0; i < g1.numel(); ++i) ASSERT_EQ(g1.data_ptr<float>()[i], g2.data_ptr<float>()[i]);
}

TEST(Conv, BadShapesThrowNamingShapes) {
  Tensor x = zeros({1, 4, 5, 5}), w = zeros({8, 3, 3, 3});
  try {
    conv2d(x, w);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[8, 3, 3, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1, 4, 5, 5]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(conv2d(zeros({1, 3, 2, 2}), w), Error);
  EXPECT_THROW(conv2d(zeros({1, 3, 5, 5}), w, Tensor(), {1}, Shape{-1}), Error);
}

TEST(Pool, MaxPoolValuesAndIndices) {
  Tensor x = filled({1, 1, 4, 4}, 0.7);
  auto [v, i] = max_pool2d_with_indices(x, {2});
  ASSERT_EQ(v.sizes(), (Shape{1, 1, 2, 2}));
  const double* X = x.data_ptr<double>();
  for (int64_t oh = 0; oh < 2; ++oh)
    for (int64_t ow = 0; ow < 2; ++ow) {
      double best = -INFINITY;
      int64_t arg = -1;
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b) {
          int64_t idx = (oh * 2 + a) * 4 + ow * 2 + b;
          if (X[idx] > best) best = X[idx], arg = idx;
        }
      EXPECT_EQ(v.data_ptr<double>()[oh * 2 + ow], best);
      EXPECT_EQ(i.data_ptr<int64_t>()[oh * 2 + ow], arg);
    }
}

TEST(Pool, AvgPoolOfConstantIsConstant) {
  Tensor x = full({2, 3, 5, 7}, 2.5, Dtype::Float64);
  Tensor y = avg_pool2d(x, {3}, {2}, {1}, true, false);
  for (int64_t k = 0; k < y.numel(); ++k) EXPECT_DOUBLE_EQ(y.data_ptr<double>()[k], 2.5);
  Tensor a = adaptive_avg_pool2d(x, {3, 4});
  for (int64_t k = 0; k < a.numel(); ++k) EXPECT_DOUBLE_EQ(a.data_ptr<double>()[k], 2.5);
}
