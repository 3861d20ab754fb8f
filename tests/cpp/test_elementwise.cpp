// The shared elementwise iterator: dimension ordering and coalescing, broadcasting,
// splitting over threads, and the ops built on it.
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>

#include "ember/core/parallel.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/loops.h"
#include "ember/ops/ops.h"

using namespace ember;
using cpu::ElementwiseLoop;

namespace {

Tensor iota(const Shape& shape, Dtype d = Dtype::Float32) {
  Tensor t = empty(shape, Dtype::Float64);
  double* p = t.data_ptr<double>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = double(i);
  return t.to(d);
}

// A view with arbitrary geometry over t's storage (the shape family's as_strided, without autograd).
Tensor view_of(const Tensor& t, Shape sizes, Shape strides, int64_t offset = 0) {
  return make_view(t, std::move(sizes), std::move(strides), offset);
}

std::vector<float> values(const Tensor& t) {
  Tensor c = t.contiguous().to(Dtype::Float32);
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}

}  // namespace

TEST(ElementwiseLoop, ContiguousOperandsCoalesceToOneDimension) {
  Tensor out = empty({2, 3, 4}), a = iota({2, 3, 4}), b = iota({2, 3, 4});
  ElementwiseLoop L(out, {&a, &b});
  ASSERT_EQ(L.shape.size(), 1u);
  EXPECT_EQ(L.shape[0], 24);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(L.strides[0][k], 4);  // bytes
  EXPECT_EQ(L.numel, 24);
}

TEST(ElementwiseLoop, SizeOneDimensionsAreDropped) {
  Tensor out = empty({1, 5, 1}), a = iota({1, 5, 1});
  ElementwiseLoop L(out, {&a});
  ASSERT_EQ(L.shape.size(), 1u);
  EXPECT_EQ(L.shape[0], 5);
}

TEST(ElementwiseLoop, ZeroDimIsOneElement) {
  Tensor out = empty({}), a = iota({});
  ElementwiseLoop L(out, {&a});
  EXPECT_EQ(L.numel, 1);
  int64_t visited = 0;
  L.for_each([&](char**, const int64_t*, int64_t n) { visited += n; });
  EXPECT_EQ(visited, 1);
}

TEST(ElementwiseLoop, BroadcastOperandGetsZeroStrideAndBlocksMerging) {
  Tensor out = empty({3, 4}), a = iota({3, 4}), row = iota({4}), col = iota({3, 1});
  {
    ElementwiseLoop L(out, {&a, &row});
    ASSERT_EQ(L.shape.size(), 2u);  // row repeats every 4 elements: no single flat run
    EXPECT_EQ(L.shape[0], 4);
    EXPECT_EQ(L.shape[1], 3);
    EXPECT_EQ(L.strides[0][2], 4);
    EXPECT_EQ(L.strides[1][2], 0);
  }
  {
    ElementwiseLoop L(out, {&a, &col});
    ASSERT_EQ(L.shape.size(), 2u);
    EXPECT_EQ(L.strides[0][2], 0);  // inner dim: col is constant
    EXPECT_EQ(L.strides[1][2], 4);
  }
}

TEST(ElementwiseLoop, OrdersDimensionsByTheOutputsStrides) {
  // out is a transposed (column-major) buffer: its innermost dimension is dim 0
  Tensor base = empty({4, 3});
  Tensor out = view_of(base, {3, 4}, {1, 3});
  Tensor a = view_of(iota({4, 3}), {3, 4}, {1, 3});
  ElementwiseLoop L(out, {&a});
  ASSERT_EQ(L.shape.size(), 1u);  // same layout for both: merges back to one run
  EXPECT_EQ(L.shape[0], 12);
  Tensor c = iota({3, 4});
  ElementwiseLoop L2(out, {&c});
  ASSERT_EQ(L2.shape.size(), 2u);
  EXPECT_EQ(L2.shape[0], 3);          // innermost: out's stride-1 dimension
  EXPECT_EQ(L2.strides[0][0], 4);     // out, bytes
  EXPECT_EQ(L2.strides[0][1], 16);    // c walks down a column
}

TEST(ElementwiseLoop, RejectsShapesThatDoNotBroadcast) {
  Tensor out = empty({3, 4}), bad = iota({2, 4}), big = iota({2, 3, 4});
  EXPECT_THROW(ElementwiseLoop(out, {&bad}), Error);
  EXPECT_THROW(ElementwiseLoop(out, {&big}), Error);
}

TEST(ElementwiseLoop, ManyDimensionsAndEveryElementOnce) {
  // 10 dims of size 2 with a permuted layout: nothing merges past the inline capacity
  Shape sizes(10, 2), strides(10);
  int64_t s = 1;
  for (int d = 0; d < 10; ++d) { strides[(d * 3) % 10] = s; s *= 2; }
  Tensor base = iota({1024});
  Tensor a = view_of(base, sizes, strides);
  Tensor out = empty(sizes);
  ElementwiseLoop L(out, {&a});
  std::vector<int> seen(1024, 0);
  L.for_each([&](char** p, const int64_t* st, int64_t n) {
    for (int64_t i = 0; i < n; ++i) seen[int(*reinterpret_cast<float*>(p[1] + i * st[1]))]++;
  });
  for (int v : seen) ASSERT_EQ(v, 1);
}

TEST(ElementwiseLoop, ThreadsSplitTheRangeWithoutGapsOrRepeats) {
  int prev = get_num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    // non-contiguous operand so chunks start mid-row
    Tensor base = iota({300, 700});
    Tensor a = view_of(base, {700, 300}, {1, 700});
    Tensor out = empty({700, 300}, Dtype::Float64);
    std::vector<std::atomic<int>> seen(300 * 700);
    ElementwiseLoop L(out, {&a});
    L.for_each([&](char** p, const int64_t* st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) seen[size_t(*reinterpret_cast<float*>(p[1] + i * st[1]))]++;
    }, /*grain=*/1000);
    for (auto& v : seen) ASSERT_EQ(v.load(), 1) << threads << " threads";
  }
  set_num_threads(prev);
}

TEST(ElementwiseKernels, BroadcastAddAndStridedOutput) {
  Tensor a = iota({3, 1}), b = iota({1, 4});
  EXPECT_EQ(values(add(a, b)), (std::vector<float>{0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5}));
  // a transposed result buffer gets the same values
  Tensor base = empty({4, 3});
  Tensor out = view_of(base, {3, 4}, {1, 3});
  cpu::binary_kernel(cpu::BinaryOp::Mul, out, view_of(a, {3, 4}, {1, 0}), view_of(b, {3, 4}, {0, 1}));
  EXPECT_EQ(values(out), (std::vector<float>{0, 0, 0, 0, 0, 1, 2, 3, 0, 2, 4, 6}));
}

TEST(ElementwiseKernels, ResultsDoNotDependOnThreadCount) {
  int prev = get_num_threads();
  Tensor x = iota({257, 513}, Dtype::Float32);
  Tensor xt = view_of(iota({513, 257}), {257, 513}, {1, 257});
  set_num_threads(1);
  std::vector<float> one = values(sigmoid(add(mul(x, xt), wrap_scalar(0.5))));
  set_num_threads(2);
  std::vector<float> two = values(sigmoid(add(mul(x, xt), wrap_scalar(0.5))));
  set_num_threads(prev);
  EXPECT_EQ(one, two);
}

TEST(ElementwiseKernels, WrappedNumbersAreWeakOperands) {
  Tensor h = iota({4}, Dtype::Float16);
  Tensor r = mul(h, wrap_scalar(2.5));
  EXPECT_EQ(r.dtype(), Dtype::Float16);
  EXPECT_EQ(values(r), (std::vector<float>{0, 2.5, 5, 7.5}));
  Tensor i = iota({3}, Dtype::Int32);
  EXPECT_EQ(add(i, wrap_scalar(int64_t(1))).dtype(), Dtype::Int32);
  EXPECT_EQ(add(i, wrap_scalar(1.5)).dtype(), Dtype::Float32);
  EXPECT_EQ(add(i, scalar_tensor(1.5, Dtype::Float64)).dtype(), Dtype::Float64);  // 0-d, higher category
  EXPECT_EQ(add(i, scalar_tensor(int64_t(1), Dtype::Int64)).dtype(), Dtype::Int32);
}

TEST(ElementwiseKernels, InplaceRules) {
  Tensor i = iota({3}, Dtype::Int64);
  EXPECT_THROW(add_(i, wrap_scalar(1.5)), Error);  // float result into an int tensor
  Tensor small = iota({3});
  EXPECT_THROW(add_(small, iota({2, 3})), Error);  // broadcasting into a smaller self
  Tensor x = iota({2, 3});
  add_(x, iota({3}));
  EXPECT_EQ(values(x), (std::vector<float>{0, 2, 4, 3, 5, 7}));
  Tensor expanded = view_of(iota({3}), {2, 3}, {0, 1});
  EXPECT_THROW(mul_(expanded, wrap_scalar(2.0)), Error);  // several elements share memory
}

TEST(ElementwiseKernels, IntegerDivisionByZeroRaises) {
  Tensor a = iota({3}, Dtype::Int32), z = zeros({3}, Dtype::Int32);
  EXPECT_THROW(remainder(a, z), Error);
  EXPECT_THROW(floor_divide(a, z), Error);
  Tensor f = div(a, z);  // true division: floats, inf/nan
  EXPECT_EQ(f.dtype(), Dtype::Float32);
  EXPECT_TRUE(std::isnan(values(f)[0]));
  EXPECT_TRUE(std::isinf(values(f)[1]));
}
