// The indexing family from C++: Python-style getitem/setitem_ through
// TensorIndex lists, the index ops, and their errors, without Python in between.
#include <gtest/gtest.h>

#include "ember/autograd/engine.h"
#include "ember/ops/ops.h"
#include "ember/ops/tensor_index.h"

using namespace ember;
using namespace ember::indexing;

namespace {
Tensor iota(const Shape& s) { return reshape(arange(0, shape_numel(s), 1, Dtype::Float32), s); }
Tensor longs(std::vector<int64_t> v) {
  Tensor t = empty({int64_t(v.size())}, Dtype::Int64);
  std::copy(v.begin(), v.end(), t.data_ptr<int64_t>());
  return t;
}
std::vector<float> values(const Tensor& t) {
  Tensor c = contiguous(t);
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}
}  // namespace

TEST(Index, BasicIndicesGiveViews) {
  Tensor x = iota({3, 4});
  Tensor v = getitem(x, {Slice{1, std::nullopt}, Slice{std::nullopt, std::nullopt, 2}});
  EXPECT_EQ(v.sizes(), (Shape{2, 2}));
  EXPECT_EQ(v.storage(), x.storage());
  EXPECT_EQ(values(v), (std::vector<float>{4, 6, 8, 10}));
  EXPECT_EQ(getitem(x, {None, Ellipsis, -1}).sizes(), (Shape{1, 3}));
  EXPECT_EQ(getitem(x, {true}).sizes(), (Shape{1, 3, 4}));
  EXPECT_EQ(getitem(x, {false}).sizes(), (Shape{0, 3, 4}));
}

TEST(Index, AdvancedIndicesFollowTorchPlacement) {
  Tensor x = iota({3, 4, 5});
  Tensor i = longs({0, 2});
  EXPECT_EQ(getitem(x, {Slice{}, i}).sizes(), (Shape{3, 2, 5}));     // adjacent: in place
  EXPECT_EQ(getitem(x, {i, Slice{}, i}).sizes(), (Shape{2, 4}));     // separated: first
  EXPECT_EQ(getitem(x, {1, Slice{}, i}).sizes(), (Shape{4, 2}));     // the int is a view op first: i stays in place
  EXPECT_EQ(values(getitem(x, {i, 1, 3})), (std::vector<float>{8, 48}));
}

TEST(Index, SetitemWritesThroughViewsAndIndexPut) {
  Tensor x = zeros({3, 4});
  setitem_(x, {1}, Scalar(2.0));
  setitem_(x, {longs({0, 0}), longs({3, 3})}, Scalar(5.0));
  setitem_(x, {Slice{}, 0}, longs({7, 8, 9}));  // cast to x's dtype
  EXPECT_EQ(values(x), (std::vector<float>{7, 0, 0, 5, 8, 2, 2, 2, 9, 0, 0, 0}));
}

TEST(Index, ErrorsAreIndexErrors) {
  Tensor x = zeros({3});
  try {
    getitem(x, {5});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Index);
    EXPECT_NE(std::string(e.what()).find("index 5 is out of bounds for dimension 0 with size 3"), std::string::npos);
  }
  EXPECT_THROW(getitem(x, {0, 0}), Error);
  EXPECT_THROW(index(x, {longs({3})}), Error);
  EXPECT_THROW(gather(x, 0, longs({-1})), Error);
  EXPECT_THROW(getitem(x, {Slice{0, 2, 0}}), Error);
}

TEST(Index, GatherScatterAndSortRoundTrip) {
  Tensor x = iota({2, 3});
  Tensor idx = reshape(longs({2, 0, 1, 1, 2, 0}), {2, 3});
  Tensor g = gather(x, 1, idx);
  EXPECT_EQ(values(g), (std::vector<float>{2, 0, 1, 4, 5, 3}));
  Tensor back = scatter(zeros({2, 3}), 1, idx, g);
  EXPECT_EQ(values(back), values(x));
  auto [v, i] = sort(g, 1);
  EXPECT_EQ(values(v), values(x));
  EXPECT_EQ(values(to_dtype(i, Dtype::Float32)), (std::vector<float>{1, 2, 0, 2, 0, 1}));
}

TEST(Index, GatherGradientIsScatterAdd) {
  Tensor x = iota({3});
  x.requires_grad_(true);
  Tensor y = gather(x, 0, longs({1, 1, 2}));
  TensorList g = autograd::grad({y}, {x}, {ones({3})}, std::nullopt, false, false);
  EXPECT_EQ(values(g[0]), (std::vector<float>{0, 2, 1}));
}
