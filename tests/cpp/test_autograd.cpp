// The autograd engine from C++: graphs, accumulation, graph freeing, hooks,
// grad mode, version checks, in-place ops on views (CopySlices), and the C++
// custom Function API. Expected numbers were computed with PyTorch.
#include <gtest/gtest.h>

#include "ember/autograd/custom_function.h"
#include "ember/autograd/engine.h"
#include "ember/autograd/hooks.h"
#include "ember/ops/ops.h"

using namespace ember;
using autograd::AutogradContext;

namespace {

Tensor vec(std::vector<double> v) {
  Tensor t = empty({int64_t(v.size())}, Dtype::Float64);
  std::copy(v.begin(), v.end(), t.data_ptr<double>());
  return t;
}

Tensor leaf(std::vector<double> v) { return vec(std::move(v)).requires_grad_(); }

std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(Dtype::Float64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

void expect_values(const Tensor& t, std::vector<double> expected) {
  ASSERT_TRUE(t.defined());
  auto got = values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-9) << "element " << i;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// A view op the way the shape family records one: shares storage, records its
// gradient (scatter into the input's shape) and marks the view.
Tensor view_of(const Tensor& t, Shape sizes, Shape strides, int64_t offset) {
  Tensor v = make_view(t, std::move(sizes), std::move(strides), t.storage_offset() + offset);
  if (autograd::needs_grad(t)) {
    auto geo = autograd::view_geometry(v, t);
    autograd::record("SliceBackward0", {t}, v,
                     [geo](const Tensor& g) -> TensorList { return {autograd::view_scatter(g, geo)}; });
  }
  autograd::mark_view(v, t);
  return v;
}
Tensor slice1d(const Tensor& t, int64_t start, int64_t len) { return view_of(t, {len}, {t.stride(0)}, start * t.stride(0)); }

}  // namespace

// ---------------------------------------------------------------- engine
TEST(Autograd, DiamondAndAccumulation) {
  Tensor x = leaf({1, 2, 3});
  Tensor a = mul(x, x), b = mul(x, wrap_scalar(3.0));
  Tensor y = add(a, b);  // dy/dx = 2x + 3
  y.backward(vec({1, 1, 1}));
  expect_values(x.grad(), {5, 7, 9});
  Tensor first = x.grad();
  mul(x, wrap_scalar(2.0)).backward(vec({1, 1, 1}));
  expect_values(x.grad(), {7, 9, 11});
  EXPECT_TRUE(first.is_same(x.grad()));  // accumulated in place
}

TEST(Autograd, GraphFreedAfterBackwardUnlessRetained) {
  Tensor x = leaf({1, 2});
  Tensor y = mul(x, x);
  y.backward(vec({1, 1}), /*retain_graph=*/true);
  y.backward(vec({1, 1}));
  expect_values(x.grad(), {4, 8});
  EXPECT_NE(error_of([&] { y.backward(vec({1, 1})); }).find("Trying to backward through the graph a second time"),
            std::string::npos);
  Tensor z = add(x, wrap_scalar(1.0));  // saves nothing: may run again, as in torch
  z.backward(vec({1, 1}));
  z.backward(vec({1, 1}));
  expect_values(x.grad(), {6, 10});
}

TEST(Autograd, MultipleRootsAndGradWithCreateGraph) {
  Tensor x = leaf({1, 2});
  Tensor h = exp(x);
  autograd::backward({mul(h, wrap_scalar(2.0)), mul(h, x)}, {vec({1, 1}), vec({1, 0})}, std::nullopt, false);
  // d/dx [2e^x] + d/dx [x e^x] * [1, 0] = 2e^x + (1+x)e^x * [1, 0]
  expect_values(x.grad(), {2 * std::exp(1.0) + 2 * std::exp(1.0), 2 * std::exp(2.0)});

  Tensor w = leaf({2, 3});
  Tensor y = mul(mul(w, w), w);
  TensorList g = autograd::grad({y}, {w}, {vec({1, 1})}, std::nullopt, /*create_graph=*/true, false);
  expect_values(g[0], {12, 27});
  EXPECT_TRUE(g[0].requires_grad());
  TensorList hv = autograd::grad({g[0]}, {w}, {vec({1, 2})}, std::nullopt, false, false);
  expect_values(hv[0], {12, 36});  // 6w * v
  EXPECT_FALSE(w.grad().defined());
}

TEST(Autograd, GradAllowUnusedAndErrors) {
  Tensor x = leaf({1}), z = leaf({2});
  Tensor y = mul(x, wrap_scalar(2.0));
  EXPECT_NE(error_of([&] { autograd::grad({y}, {x, z}, {}, true, false, false); }).find("appears to not have been used"),
            std::string::npos);
  TensorList g = autograd::grad({y}, {x, z}, {}, std::nullopt, false, true);
  expect_values(g[0], {2});
  EXPECT_FALSE(g[1].defined());
  EXPECT_NE(error_of([&] { autograd::backward({vec({1})}, {}, std::nullopt, false); }).find("does not require grad"),
            std::string::npos);
}

TEST(Autograd, HooksAndRetainGrad) {
  Tensor x = leaf({1, 2});
  x.register_hook([](const Tensor& g) { return mul(g, wrap_scalar(10.0)); });
  Tensor h = mul(x, wrap_scalar(2.0));
  h.retain_grad();
  h.register_hook([](const Tensor& g) { return add(g, wrap_scalar(1.0)); });
  mul(h, h).backward(vec({1, 1}));
  expect_values(h.grad(), {4, 8});            // retain_grad ran before the hook
  expect_values(x.grad(), {100, 180});        // (2h + 1) * 2 * 10
  EXPECT_TRUE(h.retains_grad());
  EXPECT_FALSE(x.retains_grad());
}

TEST(Autograd, GradModeGuards) {
  Tensor x = leaf({1});
  {
    autograd::NoGradGuard no_grad;
    EXPECT_FALSE(mul(x, x).requires_grad());
    {
      autograd::EnableGradGuard enable;
      EXPECT_TRUE(mul(x, x).requires_grad());
    }
    autograd::InferenceModeGuard off(false);  // inference_mode(False) turns grad back on
    EXPECT_TRUE(autograd::grad_enabled());
  }
  {
    autograd::InferenceModeGuard inference;
    EXPECT_TRUE(autograd::inference_mode_enabled());
    EXPECT_FALSE(mul(x, x).requires_grad());
  }
  EXPECT_TRUE(autograd::grad_enabled());
  EXPECT_FALSE(autograd::inference_mode_enabled());
}

TEST(Autograd, InPlaceRulesAndVersionChecks) {
  Tensor x = leaf({1, 2, 3});
  EXPECT_NE(error_of([&] { add_(x, wrap_scalar(1.0)); }).find("a leaf Variable that requires grad is being used in an in-place operation."),
            std::string::npos);
  Tensor a = mul(x, wrap_scalar(1.0));
  Tensor c = mul(a, a);
  mul_(a, wrap_scalar(2.0));
  std::string err = error_of([&] { c.backward(vec({1, 1, 1})); });
  EXPECT_NE(err.find("[ember.DoubleTensor [3]], which is output 0 of MulBackward0, is at version 1; expected version 0"),
            std::string::npos)
      << err;
  Tensor y = mul(x, wrap_scalar(2.0));
  EXPECT_NE(error_of([&] { y.requires_grad_(false); }).find("only change requires_grad flags of leaf variables"),
            std::string::npos);
  EXPECT_NE(error_of([&] { zeros({2}, Dtype::Int64).requires_grad_(); }).find("floating point"), std::string::npos);
}

TEST(Autograd, NanDetectionInAnomalyMode) {
  Tensor x = leaf({0.0});
  autograd::set_anomaly_enabled(true);
  Tensor y = mul(sqrt(x), wrap_scalar(0.0));
  std::string err = error_of([&] { y.backward(vec({1})); });
  autograd::set_anomaly_enabled(false);
  EXPECT_NE(err.find("Function 'SqrtBackward0' returned nan values in its 0th output."), std::string::npos) << err;
}

// ---------------------------------------------------------------- views
TEST(AutogradViews, InPlaceOnSliceRebasesBase) {
  Tensor b = leaf({1, 2, 3, 4, 5});
  Tensor x = b.clone();
  Tensor v = slice1d(x, 1, 2);
  mul_(v, wrap_scalar(2.0));
  EXPECT_EQ(x.grad_fn()->name(), "CopySlices");
  EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
  x.backward(vec({0, 1, 2, 3, 4}));
  expect_values(b.grad(), {0, 2, 4, 3, 4});
}

TEST(AutogradViews, CopyIntoNarrowedView) {
  Tensor b = leaf({1, 2, 3, 4, 5});
  Tensor y = leaf({0.5, -1});
  Tensor x = b.clone();
  Tensor v = slice1d(x, 1, 2);
  v.copy_(mul(y, wrap_scalar(3.0)));
  expect_values(x, {1, 1.5, -3, 4, 5});
  x.backward(vec({1, 2, 3, 4, 5}));
  expect_values(b.grad(), {1, 0, 0, 4, 5});
  expect_values(y.grad(), {6, 9});
}

TEST(AutogradViews, ViewOfViewAndEarlierViewSeeNewHistory) {
  Tensor b = leaf({1, 2, 3, 4, 5});
  Tensor c = leaf({2, -3});
  Tensor x = b.clone();
  Tensor early = slice1d(x, 2, 3);  // taken before the in-place op
  Tensor v = slice1d(x, 1, 4);
  Tensor vv = slice1d(v, 1, 2);     // x[2:4]
  mul_(vv, c);
  x.backward(vec({1, 2, 3, 4, 5}));
  expect_values(b.grad(), {1, 2, 6, -12, 5});
  expect_values(c.grad(), {9, 16});

  // early (x[2:5]) must now go through the multiplication: d early / d b[2:4] = c.
  EXPECT_EQ(early.grad_fn()->name(), "AsStridedBackward0");
  Tensor b2 = leaf({1, 2, 3, 4, 5}), c2 = leaf({2, -3});
  Tensor x2 = b2.clone();
  Tensor early2 = slice1d(x2, 2, 3);
  Tensor v2 = slice1d(x2, 2, 2);
  mul_(v2, c2);
  mul(early2, wrap_scalar(1.0)).backward(vec({1, 1, 1}));
  expect_values(b2.grad(), {0, 0, 2, -3, 1});
  expect_values(c2.grad(), {3, 4});
}

TEST(AutogradViews, NonContiguousBase) {
  // A base laid out column-major (strides {1, 3}); row 1 is then strided by 3.
  Tensor p = empty_strided({3, 3}, {1, 3}, Dtype::Float64);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) p.data_ptr<double>()[i + 3 * j] = 1 + 3 * i + j;
  p.requires_grad_();
  Tensor m = mul(p, wrap_scalar(1.0));
  ASSERT_EQ(m.strides(), Shape({1, 3}));
  Tensor row = view_of(m, {3}, {3}, 1);
  Tensor y = leaf({1, -1, 2});
  mul_(row, y);
  Tensor g = empty({3, 3}, Dtype::Float64);
  for (int k = 0; k < 9; ++k) g.data_ptr<double>()[k] = k;
  m.backward(g);
  expect_values(p.grad(), {0, 1, 2, 3, -4, 10, 6, 7, 8});
  expect_values(y.grad(), {12, 20, 30});
}

TEST(AutogradViews, DoubleBackwardThroughCopySlices) {
  Tensor b = leaf({1, 2, 3, 4, 5});
  Tensor c = leaf({2, -3});
  Tensor x = b.clone();
  Tensor v = slice1d(x, 1, 2);
  mul_(v, c);  // x = [b0, b1 c0, b2 c1, b3, b4]
  Tensor y = mul(x, x);
  TensorList g = autograd::grad({y}, {b, c}, {vec({1, 1, 1, 1, 1})}, std::nullopt, true, false);
  expect_values(g[0], {2, 2 * 2 * 4, 2 * 3 * 9, 8, 10});  // 2 b c^2 on the slice
  expect_values(g[1], {2 * 4 * 2, 2 * 9 * -3});           // 2 b^2 c
  TensorList h = autograd::grad({g[0]}, {c}, {vec({1, 1, 1, 1, 1})}, std::nullopt, false, false);
  expect_values(h[0], {4 * 2 * 2, 4 * 3 * -3});  // d/dc of 2 b c^2 = 4 b c
}

TEST(AutogradViews, OverlappingViewGradientSums) {
  // A stride-0 view (like expand) reads one element three times: its gradient is the sum.
  Tensor b = leaf({1, 2});
  Tensor x = b.clone();
  Tensor e = view_of(x, {3}, {0}, 1);
  mul(e, vec({1, 2, 3})).backward(vec({1, 1, 1}));
  expect_values(b.grad(), {0, 6});
}

// ---------------------------------------------------------------- C++ custom functions
namespace {

struct MulConst : autograd::Function<MulConst> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double k) {
    ctx->saved_data["k"] = k;
    return mul(x, wrap_scalar(k));
  }
  static TensorList backward(AutogradContext* ctx, TensorList grads) {
    return {mul(grads[0], wrap_scalar(ctx->saved_data["k"].toDouble())), Tensor()};
  }
};

struct ExpAndSquare : autograd::Function<ExpAndSquare> {
  static TensorList forward(AutogradContext* ctx, const Tensor& x, const Tensor& w) {
    Tensor e = exp(x);
    ctx->save_for_backward({e, w});
    return {e, mul(w, w)};
  }
  static TensorList backward(AutogradContext* ctx, TensorList grads) {
    TensorList s = ctx->get_saved_variables();
    Tensor gx = ctx->needs_input_grad(0) ? mul(grads[0], s[0]) : Tensor();
    Tensor gw = ctx->needs_input_grad(1) ? mul(grads[1], mul(s[1], wrap_scalar(2.0))) : Tensor();
    return {gx, gw};
  }
};

struct Cube : autograd::Function<Cube> {  // backward in differentiable ops: double backward works
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return mul(mul(x, x), x);
  }
  static TensorList backward(AutogradContext* ctx, TensorList grads) {
    Tensor x = ctx->get_saved_variables()[0];
    return {mul(grads[0], mul(mul(x, x), wrap_scalar(3.0)))};
  }
};

struct InPlaceDouble : autograd::Function<InPlaceDouble> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    mul_(x, wrap_scalar(2.0));
    ctx->mark_dirty({x});
    return x;
  }
  static TensorList backward(AutogradContext*, TensorList grads) { return {mul(grads[0], wrap_scalar(2.0))}; }
};

struct WrongCount : autograd::Function<WrongCount> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return mul(x, wrap_scalar(1.0)); }
  static TensorList backward(AutogradContext*, TensorList grads) { return {grads[0], grads[0]}; }
};

struct Indicator : autograd::Function<Indicator> {
  static TensorList forward(AutogradContext* ctx, const Tensor& x) {
    Tensor ind = gt(x, wrap_scalar(0.0)).to(Dtype::Float64);
    ctx->mark_non_differentiable({ind});
    ctx->set_materialize_grads(false);
    return {mul(x, wrap_scalar(2.0)), ind};
  }
  static TensorList backward(AutogradContext* ctx, TensorList grads) {
    ctx->saved_data["second_grad_defined"] = grads[1].defined();
    return {mul(grads[0], wrap_scalar(2.0))};
  }
};

}  // namespace

TEST(AutogradCustomFunction, NonTensorArgument) {
  Tensor x = leaf({1, 2});
  Tensor y = MulConst::apply(x, 2.5);
  EXPECT_EQ(y.grad_fn()->name(), "MulConstBackward");
  y.backward(vec({1, 1}));
  expect_values(x.grad(), {2.5, 2.5});
}

TEST(AutogradCustomFunction, MultipleOutputsSavedTensorsNeedsInputGrad) {
  Tensor x = leaf({0, 1});
  Tensor w = vec({3, 4});  // needs no gradient
  TensorList out = ExpAndSquare::apply(x, w);
  EXPECT_TRUE(out[0].requires_grad());
  EXPECT_TRUE(out[1].grad_fn() == out[0].grad_fn());
  out[0].backward(vec({1, 1}));
  expect_values(x.grad(), {1, std::exp(1.0)});
  EXPECT_NE(error_of([&] { out[1].backward(vec({1, 1})); }).find("second time"), std::string::npos);
}

TEST(AutogradCustomFunction, DoubleBackward) {
  Tensor x = leaf({2});
  TensorList g = autograd::grad({Cube::apply(x)}, {x}, {vec({1})}, std::nullopt, true, false);
  expect_values(g[0], {12});
  TensorList h = autograd::grad({g[0]}, {x}, {vec({1})}, std::nullopt, false, false);
  expect_values(h[0], {12});  // 6x
}

TEST(AutogradCustomFunction, MarkDirty) {
  Tensor x = leaf({1, 2});
  EXPECT_NE(error_of([&] { InPlaceDouble::apply(x); }).find("a leaf Variable that requires grad has been used in an in-place operation."),
            std::string::npos);
  Tensor x2 = leaf({1, 2});
  Tensor h = mul(x2, wrap_scalar(1.0));
  Tensor o = InPlaceDouble::apply(h);
  EXPECT_TRUE(o.is_same(h));
  EXPECT_EQ(h.grad_fn()->name(), "InPlaceDoubleBackward");
  h.backward(vec({1, 1}));
  expect_values(x2.grad(), {2, 2});
}

TEST(AutogradCustomFunction, ValidatesGradientCount) {
  Tensor x = leaf({1});
  std::string err = error_of([&] { WrongCount::apply(x).backward(vec({1})); });
  EXPECT_NE(err.find("returned an incorrect number of gradients (expected 1, got 2)"), std::string::npos) << err;
}

TEST(AutogradCustomFunction, NonDifferentiableOutputAndNoMaterialize) {
  Tensor x = leaf({-1, 2});
  TensorList out = Indicator::apply(x);
  EXPECT_FALSE(out[1].requires_grad());
  auto node = std::static_pointer_cast<autograd::CppNode<Indicator>>(out[0].grad_fn());
  out[0].backward(vec({1, 1}));
  expect_values(x.grad(), {2, 2});
  EXPECT_FALSE(node->ctx.saved_data["second_grad_defined"].toBool());
}

TEST(AutogradCustomFunction, NoGraphWithoutGradMode) {
  Tensor x = leaf({1});
  autograd::NoGradGuard no_grad;
  Tensor y = MulConst::apply(x, 3.0);
  EXPECT_FALSE(y.requires_grad());
  expect_values(y, {3});
}
