// The number kernels (gcd, lcm, nextafter, frexp) on contiguous, strided and broadcast
// operands, and a few of the composite ops through the C++ API.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

template <class T> Tensor from_vector(const std::vector<T>& v, Dtype d, const Shape& shape) {
  Tensor t = empty(shape, d);
  std::copy(v.begin(), v.end(), t.data_ptr<T>());
  return t;
}

template <class T> std::vector<T> to_vector(const Tensor& t) {
  Tensor c = contiguous(t);
  return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

}  // namespace

TEST(TensorApi, GcdLcmMatchStdOnStridedInputs) {
  std::vector<int64_t> a{12, -18, 0, 7, -128, 35}, b{8, 27, 5, 0, 6, -14};
  // b transposed: a (2, 3) view of a (3, 2) buffer
  Tensor ta = from_vector(a, Dtype::Int64, {2, 3});
  std::vector<int64_t> bt{b[0], b[3], b[1], b[4], b[2], b[5]};
  Tensor tb = transpose(from_vector(bt, Dtype::Int64, {3, 2}), 0, 1);
  auto g = to_vector<int64_t>(gcd(ta, tb));
  auto l = to_vector<int64_t>(lcm(ta, tb));
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(g[i], std::gcd(a[i], b[i])) << i;
    EXPECT_EQ(l[i], std::lcm(a[i], b[i])) << i;
  }
  // broadcast a 0-d operand; int8 keeps its dtype
  Tensor small = from_vector<int8_t>({12, -9, 0}, Dtype::Int8, {3});
  Tensor six = from_vector<int8_t>({6}, Dtype::Int8, {});
  Tensor r = gcd(small, six);
  EXPECT_EQ(r.dtype(), Dtype::Int8);
  EXPECT_EQ(to_vector<int8_t>(r), (std::vector<int8_t>{6, 3, 6}));
  EXPECT_THROW(gcd(ones({2}), ones({2})), Error);
}

TEST(TensorApi, NextafterAndFrexp) {
  Tensor x = from_vector<double>({1.0, 0.0, -2.5, 1e300}, Dtype::Float64, {4});
  Tensor y = from_vector<double>({2.0, -1.0, -2.5, 0.0}, Dtype::Float64, {4});
  auto n = to_vector<double>(nextafter(x, y));
  EXPECT_EQ(n[0], std::nextafter(1.0, 2.0));
  EXPECT_EQ(n[1], std::nextafter(0.0, -1.0));
  EXPECT_EQ(n[2], -2.5);
  EXPECT_EQ(n[3], std::nextafter(1e300, 0.0));
  // bfloat16 steps one unit of its 7-bit mantissa
  Tensor b = nextafter(ones({1}, Dtype::BFloat16), full({1}, 2, Dtype::BFloat16));
  EXPECT_FLOAT_EQ(float(to_vector<BFloat16>(b)[0]), 1.0f + 1.0f / 128);

  auto [m, e] = frexp(from_vector<float>({8.0f, -0.375f, 0.0f, 3.0f}, Dtype::Float32, {4}));
  EXPECT_EQ(e.dtype(), Dtype::Int32);
  EXPECT_EQ(to_vector<float>(m), (std::vector<float>{0.5f, -0.75f, 0.0f, 0.75f}));
  EXPECT_EQ(to_vector<int32_t>(e), (std::vector<int32_t>{4, -1, 0, 2}));
}

TEST(TensorApi, CompositesThroughTheCppApi) {
  // cov of two perfectly correlated rows; corrcoef is all ones
  Tensor x = from_vector<double>({1, 2, 3, 4, 2, 4, 6, 8}, Dtype::Float64, {2, 4});
  auto c = to_vector<double>(cov(x));
  EXPECT_NEAR(c[0], 5.0 / 3, 1e-12);
  EXPECT_NEAR(c[1], 10.0 / 3, 1e-12);
  for (double v : to_vector<double>(corrcoef(x))) EXPECT_NEAR(v, 1.0, 1e-12);
  // select_scatter writes one row; the input is untouched
  Tensor base = zeros({2, 3});
  Tensor out = select_scatter(base, ones({3}), 0, 1);
  EXPECT_EQ(to_vector<float>(out), (std::vector<float>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(to_vector<float>(base), (std::vector<float>(6, 0.0f)));
  // tril_indices(3, 3): 6 coordinates
  EXPECT_EQ(tril_indices(3, 3).sizes(), (Shape{2, 6}));
  EXPECT_EQ(combinations(arange(0, 4), 2).sizes(), (Shape{6, 2}));
}
