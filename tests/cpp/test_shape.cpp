// The shape family from C++: view geometry, storage sharing, the split node
// and the copy kernels, without Python in between.
#include <gtest/gtest.h>

#include "ember/autograd/engine.h"
#include "ember/autograd/function.h"
#include "ember/ops/ops.h"
#include "ember/ops/shape_util.h"

using namespace ember;

namespace {
Tensor iota(const Shape& s, Dtype d = Dtype::Float32) { return reshape(arange(0, shape_numel(s), 1, d), s); }
std::vector<float> values(const Tensor& t) {
  Tensor c = contiguous(t);
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}
}  // namespace

TEST(Shape, ViewStridesFollowTorch) {
  // a transposed 3x4 cannot be flattened without a copy, a row-sliced one can be split
  EXPECT_FALSE(detail::view_strides({4, 3}, {1, 4}, {12}).has_value());
  EXPECT_EQ(*detail::view_strides({3, 4}, {8, 1}, {3, 2, 2}), (Shape{8, 2, 1}));
  EXPECT_EQ(*detail::view_strides({}, {}, {1, 1}), (Shape{1, 1}));
  EXPECT_EQ(detail::infer_size({2, -1}, 12), (Shape{2, 6}));
  EXPECT_THROW(detail::infer_size({-1, -1}, 12), Error);
  EXPECT_THROW(detail::infer_size({5, -1}, 12), Error);
}

TEST(Shape, OverlapDetection) {
  EXPECT_FALSE(detail::geometry_may_overlap({3, 4}, {4, 1}));
  EXPECT_FALSE(detail::geometry_may_overlap({4, 3}, {1, 4}));
  EXPECT_TRUE(detail::geometry_may_overlap({3, 4}, {0, 1}));
  EXPECT_TRUE(detail::geometry_may_overlap({3, 2}, {1, 1}));  // unfold windows with step < size
  EXPECT_FALSE(detail::geometry_may_overlap({0, 5}, {0, 0}));
}

TEST(Shape, ViewsShareStorage) {
  Tensor x = iota({3, 4});
  Tensor v = x.t().select(0, 1);  // column 1
  EXPECT_EQ(v.storage(), x.storage());
  EXPECT_EQ(v.storage_offset(), 1);
  EXPECT_EQ(v.strides(), (Shape{4}));
  fill_(v, Scalar(-1.0));
  EXPECT_EQ(values(x.select(1, 1)), (std::vector<float>{-1, -1, -1}));
  EXPECT_THROW(x.t().view({12}), Error);
  EXPECT_NE(x.t().reshape({12}).storage(), x.storage());  // reshape copies when it must
}

TEST(Shape, CatCastsAndSplitsBack) {
  Tensor a = iota({2, 2});
  Tensor b = iota({2, 1}, Dtype::Int32);
  Tensor c = cat({a, b}, 1);
  EXPECT_EQ(c.dtype(), Dtype::Float32);
  EXPECT_EQ(values(c), (std::vector<float>{0, 1, 0, 2, 3, 1}));
  TensorList parts = split_with_sizes(c, {2, 1}, 1);
  EXPECT_EQ(values(parts[1]), (std::vector<float>{0, 1}));
  EXPECT_EQ(parts[1].storage(), c.storage());
}

TEST(Shape, SplitGradientIsConcatenation) {
  Tensor x = iota({4, 2});
  x.requires_grad_(true);
  TensorList parts = chunk(x, 2, 0);
  Tensor y = mul(parts[1], wrap_scalar(3.0));
  autograd::backward({y}, {ones({2, 2})}, std::nullopt, false);
  EXPECT_EQ(values(x.grad()), (std::vector<float>{0, 0, 0, 0, 3, 3, 3, 3}));
}

TEST(Shape, FlipRollTriangles) {
  Tensor x = iota({2, 3});
  EXPECT_EQ(values(flip(x, {0, 1})), (std::vector<float>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values(roll(x, {1}, {1})), (std::vector<float>{2, 0, 1, 5, 3, 4}));
  EXPECT_EQ(values(roll(x, {-1})), (std::vector<float>{1, 2, 3, 4, 5, 0}));
  EXPECT_EQ(values(triu(x, 1)), (std::vector<float>{0, 1, 2, 0, 0, 5}));
  EXPECT_EQ(values(pad(x, {1, 0}, "reflect")), (std::vector<float>{1, 0, 1, 2, 4, 3, 4, 5}));
}
