// The shared reducer: every geometry class (inner, outer, staged, strided copy,
// broadcast input), 16-bit accumulation, keepdim-shaped outputs with stride-0
// dims (sum_to), and bit-identical results for any thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/cpu/reduce_kernels.h"
#include "ember/ops/ops.h"

using namespace ember;
using cpu::ReduceOp;

namespace {

Tensor random_tensor(const Shape& shape, uint32_t seed, float lo = -1, float hi = 1) {
  Tensor t = empty(shape, Dtype::Float32);
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(gen);
  return t;
}

// Reference: the sum over `mask` dims in double, by walking every element.
std::vector<double> reference_sum(const Tensor& t, const std::vector<bool>& mask) {
  const Shape& s = t.sizes();
  Shape out_shape(s);
  for (size_t d = 0; d < s.size(); ++d)
    if (mask[d]) out_shape[d] = 1;
  std::vector<double> out(size_t(shape_numel(out_shape)), 0.0);
  Shape idx(s.size(), 0);
  const float* base = static_cast<const float*>(t.raw_data());
  for (int64_t n = 0; n < t.numel(); ++n) {
    int64_t off = 0, o = 0;
    for (size_t d = 0; d < s.size(); ++d) {
      off += idx[d] * t.strides()[d];
      o = o * out_shape[d] + (mask[d] ? 0 : idx[d]);
    }
    out[size_t(o)] += base[off];
    for (size_t d = s.size(); d-- > 0;) {
      if (++idx[d] < s[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

void expect_sum_matches(const Tensor& t, const Dims& dims) {
  std::vector<bool> mask(size_t(t.dim()), false);
  for (int64_t d : dims) mask[size_t(d)] = true;
  Tensor r = sum(t, dims, true);
  std::vector<double> ref = reference_sum(t, mask);
  ASSERT_EQ(r.numel(), int64_t(ref.size()));
  const float* p = r.data_ptr<float>();
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(p[i], ref[i], 1e-3 + 1e-5 * std::abs(ref[i])) << "at " << i;
}

std::vector<char> bytes_of(const Tensor& t) {
  Tensor c = t.contiguous();
  std::vector<char> b(c.nbytes());
  std::memcpy(b.data(), c.raw_data(), b.size());
  return b;
}

}  // namespace

TEST(Reduce, EveryGeometryClass) {
  Tensor x = random_tensor({6, 7, 300}, 1);
  expect_sum_matches(x, {2});        // inner: contiguous runs
  expect_sum_matches(x, {0});        // outer: rows into a row of accumulators
  expect_sum_matches(x, {1});        // outer with an outer kept dim
  expect_sum_matches(x, {0, 2});     // inner, then a second stage over the buffer
  expect_sum_matches(x, {0, 1});     // merged outer dims
  expect_sum_matches(x, {0, 1, 2});  // everything
  Tensor strided = make_view(x, {6, 7, 100}, {2100, 300, 3}, 0);  // innermost stride 3: copied first
  expect_sum_matches(strided, {1});
  expect_sum_matches(strided, {2});
  Tensor bcast = make_view(random_tensor({7, 5}, 2), {4, 7, 5}, {0, 5, 1}, 0);  // a broadcast dim
  expect_sum_matches(bcast, {0});
  expect_sum_matches(bcast, {1, 2});
  Tensor perm = make_view(x, {300, 7, 6}, {1, 300, 2100}, 0);  // reversed dims
  expect_sum_matches(perm, {0});
  expect_sum_matches(perm, {2});
}

TEST(Reduce, LongRowsAndManyRowsUseBlocks) {
  // longer than one block per row, and more rows than one row block
  Tensor x = random_tensor({3, 40000}, 3);
  expect_sum_matches(x, {1});
  Tensor y = random_tensor({2000, 33}, 4);
  expect_sum_matches(y, {0});
  Tensor z = random_tensor({100003}, 5);
  expect_sum_matches(z, {0});
}

TEST(Reduce, SumToWritesThroughStrideZeroDims) {
  Tensor g = random_tensor({4, 3, 5}, 6);
  Tensor r = sum_to(g, {3, 1});
  ASSERT_EQ(r.sizes(), Shape({3, 1}));
  std::vector<double> ref = reference_sum(g, {true, false, true});
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(r.data_ptr<float>()[i], ref[size_t(i)], 1e-4);
  EXPECT_TRUE(sum_to(g, g.sizes()).is_same(g));  // nothing to do: no allocation
  Tensor s = sum_to(g, {});
  EXPECT_NEAR(s.item<double>(), reference_sum(g, {true, true, true})[0], 1e-3);
}

TEST(Reduce, IdentityForEmptyInput) {
  Tensor e = empty({0, 4}, Dtype::Float32);
  Tensor s = sum(e, {0});
  ASSERT_EQ(s.sizes(), Shape({4}));
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(s.data_ptr<float>()[i], 0.0f);
  Tensor p = prod(e, 0);
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(p.data_ptr<float>()[i], 1.0f);
  EXPECT_TRUE(std::isnan(mean(e).item<double>()));
}

TEST(Reduce, IntegersAccumulateInInt64AndWrap) {
  Tensor x = full({1000}, 200, Dtype::UInt8);
  Tensor s = sum(x);
  EXPECT_EQ(s.dtype(), Dtype::Int64);
  EXPECT_EQ(s.item<int64_t>(), 200000);
  Tensor big = full({3}, int64_t(1) << 62, Dtype::Int64);
  EXPECT_EQ(sum(big).item<int64_t>(), int64_t(uint64_t(3) << 62));  // wraps like torch, no UB
}

TEST(Reduce, HalfAccumulatesInFloat) {
  // 4096 * 1.0 is exact in float32 but a half accumulator would stall at 2048
  Tensor x = full({4096}, 1.0, Dtype::Float16);
  EXPECT_EQ(sum(x).item<double>(), 4096.0);
  Tensor b = full({64, 4096}, 1.0, Dtype::BFloat16);
  Tensor c = sum(b, {1});
  EXPECT_EQ(c.dtype(), Dtype::BFloat16);
  EXPECT_EQ(float(c.data_ptr<BFloat16>()[0]), 4096.0f);
  EXPECT_EQ(float(sum(b, {0}).data_ptr<BFloat16>()[7]), 64.0f);
}

TEST(Reduce, MaxMinPropagateNaN) {
  Tensor x = random_tensor({5, 70}, 7);
  x.data_ptr<float>()[3 * 70 + 41] = NAN;
  Tensor m = amax(x, {1});
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(std::isnan(m.data_ptr<float>()[i]), i == 3);
  EXPECT_TRUE(std::isnan(max(x).item<double>()));
  EXPECT_EQ(argmax(x).item<int64_t>(), 3 * 70 + 41);
}

TEST(Reduce, BitIdenticalForAnyThreadCount) {
  Tensor x = random_tensor({513, 1031}, 8);
  Tensor v = random_tensor({300007}, 9);
  auto run_all = [&] {
    std::vector<std::vector<char>> r;
    for (const Tensor& t : {sum(x), sum(x, {0}), sum(x, {1}), mean(v), vector_norm(x, 3.0), softmax(x, 1), softmax(x, 0),
                            var(x, {0}), amax(v), cumsum(x, 0), logsumexp(x, {1})})
      r.push_back(bytes_of(t));
    return r;
  };
  const int saved = get_num_threads();
  set_num_threads(1);
  auto one = run_all();
  for (int n : {2, 3, 4}) {
    set_num_threads(n);
    EXPECT_EQ(run_all(), one) << n << " threads";
  }
  set_num_threads(saved);
}

TEST(Reduce, SoftmaxRowsSumToOne) {
  Tensor x = random_tensor({7, 1029}, 10, -30, 30);
  x.data_ptr<float>()[5] = -INFINITY;
  Tensor y = softmax(x, 1);
  Tensor s = sum(y, {1});
  for (int64_t i = 0; i < 7; ++i) EXPECT_NEAR(s.data_ptr<float>()[i], 1.0f, 1e-5);
  EXPECT_EQ(y.data_ptr<float>()[5], 0.0f);  // exp(-inf) is exactly 0
  Tensor ls = log_softmax(x, 0);
  Tensor back = sum(exp(ls), {0});
  for (int64_t i = 0; i < 1029; ++i) ASSERT_NEAR(back.data_ptr<float>()[i], 1.0f, 1e-5);
}

TEST(Reduce, BadDimsThrow) {
  Tensor x = zeros({2, 3});
  EXPECT_THROW(sum(x, {2}), Error);
  EXPECT_THROW(sum(x, {0, -2}), Error);
  EXPECT_THROW(mean(zeros({2}, Dtype::Int64)), Error);
  try {
    sum(x, {5});
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Index);
  }
}
