// Python-style indexing (getitem / setitem_) and the basic-indexing view.
//
// A run of basic indices (ints, slices, None, bools) becomes one view: its
// geometry is computed in a single pass and the view gets one autograd node,
// however many indices there were. That keeps `x[i]` and `x[i:j]` cheap. The
// node's derivative writes the gradient into zeros through the same view,
// and that write is itself differentiable (by taking the view again), so
// gradients of any order flow through indexing.
#include "ember/ops/tensor_index.h"

#include <limits>
#include <memory>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/index_util.h"

namespace ember {

using indexing::TensorIndex;
using Kind = indexing::TensorIndex::Kind;

namespace {

// ---------------------------------------------------------------- the basic view
struct ViewStep {
  enum Op : uint8_t { Select, Slice, Unsqueeze } op;
  int64_t dim;          // in the result built so far
  int64_t start = 0;    // Select: the index; Slice: first element
  int64_t step = 1;
  int64_t length = 0;
};

struct ViewPlan {
  Shape in_sizes;
  std::vector<ViewStep> steps;
};

void apply_step(const ViewStep& s, Shape& sizes, Shape& strides, int64_t& offset) {
  switch (s.op) {
    case ViewStep::Select:
      offset += s.start * strides[s.dim];
      sizes.erase(sizes.begin() + s.dim);
      strides.erase(strides.begin() + s.dim);
      break;
    case ViewStep::Slice:
      if (s.length > 0) offset += s.start * strides[s.dim];  // an empty slice keeps the offset in bounds
      sizes[s.dim] = s.length;
      strides[s.dim] *= s.step;
      break;
    case ViewStep::Unsqueeze: {
      int64_t st = s.dim < int64_t(sizes.size()) ? sizes[s.dim] * strides[s.dim] : 1;
      sizes.insert(sizes.begin() + s.dim, 1);
      strides.insert(strides.begin() + s.dim, st);
      break;
    }
  }
}

// The plan's view of t, without autograd.
Tensor raw_plan_view(const Tensor& t, const ViewPlan& plan) {
  Shape sizes = t.sizes(), strides = t.strides();
  int64_t offset = t.storage_offset();
  for (const auto& s : plan.steps) apply_step(s, sizes, strides, offset);
  return make_view(t, std::move(sizes), std::move(strides), offset);
}

// torch names the node after the last view op applied.
const char* node_name(const ViewPlan& plan, bool backward_of_backward) {
  if (plan.steps.empty()) return backward_of_backward ? "AliasBackwardBackward0" : "AliasBackward0";
  switch (plan.steps.back().op) {
    case ViewStep::Select: return backward_of_backward ? "SelectBackwardBackward0" : "SelectBackward0";
    case ViewStep::Slice: return backward_of_backward ? "SliceBackwardBackward0" : "SliceBackward0";
    case ViewStep::Unsqueeze: return backward_of_backward ? "UnsqueezeBackwardBackward0" : "UnsqueezeBackward0";
  }
  return "ViewBackward0";
}

Tensor plan_view(const Tensor& t, const std::shared_ptr<const ViewPlan>& plan);

// The view's derivative: g written into zeros shaped like the viewed tensor.
Tensor plan_view_backward(const Tensor& g, const std::shared_ptr<const ViewPlan>& plan) {
  Tensor out = zeros(plan->in_sizes, g.dtype());
  cpu::copy_kernel(raw_plan_view(out, *plan), g);
  if (autograd::needs_grad(g))
    autograd::record(node_name(*plan, true), {g}, out, [plan](const Tensor& gg) -> TensorList { return {plan_view(gg, plan)}; });
  return out;
}

// The plan's view of t, as an autograd view of t.
Tensor plan_view(const Tensor& t, const std::shared_ptr<const ViewPlan>& plan) {
  Tensor out = raw_plan_view(t, *plan);
  autograd::mark_view(out, t);
  if (autograd::needs_grad(t))
    autograd::record(node_name(*plan, false), {t}, out, [plan](const Tensor& g) -> TensorList { return {plan_view_backward(g, plan)}; });
  return out;
}

// ---------------------------------------------------------------- parsing an index
struct Parsed {
  std::shared_ptr<ViewPlan> plan;             // null when no basic index changes the geometry
  std::vector<std::optional<Tensor>> adv;     // advanced indices by dim of the view (empty: none)
};

Tensor bool_index_tensor(bool b) {
  Tensor t = empty({b ? 1 : 0}, Dtype::Int64);
  if (b) t.data_ptr<int64_t>()[0] = 0;
  return t;
}

bool is_mask(const Tensor& t) { return t.dtype() == Dtype::Bool || t.dtype() == Dtype::UInt8; }

Parsed parse(const Tensor& t, const std::vector<TensorIndex>& index) {
  const char* op = "index";
  // torch accepts several ellipses (each covers the unspecified dims; later ones cover none left)
  int64_t specified = 0;
  for (const auto& it : index) {
    switch (it.kind()) {
      case Kind::Int: case Kind::Slice: specified += 1; break;
      case Kind::Tensor: specified += is_mask(it.tensor()) ? it.tensor().dim() : 1; break;
      default: break;
    }
  }
  if (t.dim() == 0 && !index.empty() && index[0].kind() == Kind::Int)
    EMBER_CHECK_INDEX(false, op, "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                      "C++ to convert a 0-dim tensor to a number");
  EMBER_CHECK_INDEX(specified <= t.dim(), op, "too many indices for tensor of dimension ", t.dim());

  Parsed p;
  Shape sizes = t.sizes(), strides = t.strides();
  int64_t offset = t.storage_offset();
  int64_t dim = 0;
  auto add_step = [&](ViewStep s) {
    if (!p.plan) {
      p.plan = std::make_shared<ViewPlan>();
      p.plan->in_sizes = t.sizes();
    }
    apply_step(s, sizes, strides, offset);
    p.plan->steps.push_back(s);
  };
  auto add_adv = [&](const Tensor& idx) {
    if (int64_t(p.adv.size()) < dim) p.adv.resize(size_t(dim));
    p.adv.emplace_back(idx);
  };
  auto select = [&](int64_t i) {
    int64_t size = sizes[dim];
    EMBER_CHECK_INDEX(i >= -size && i < size, op, "index ", i, " is out of bounds for dimension ", dim, " with size ", size);
    add_step({ViewStep::Select, dim, i < 0 ? i + size : i});
  };
  auto boolean = [&](bool b) {
    add_step({ViewStep::Unsqueeze, dim});
    add_adv(bool_index_tensor(b));
    dim += 1;
  };
  for (const auto& it : index) {
    switch (it.kind()) {
      case Kind::Int: select(it.integer()); break;
      case Kind::Slice: {
        const auto& s = it.slice();
        EMBER_CHECK_VALUE(s.step > 0, op, "step must be greater than zero");
        int64_t size = sizes[dim];
        int64_t start = s.start.value_or(0), stop = s.stop.value_or(std::numeric_limits<int64_t>::max());
        if (start < 0) start += size;
        if (stop < 0) stop += size;
        start = start < 0 ? 0 : std::min(start, size);
        stop = stop < start ? start : std::min(stop, size);
        int64_t length = (stop - start + s.step - 1) / s.step;
        if (!(start == 0 && length == size && s.step == 1)) add_step({ViewStep::Slice, dim, start, s.step, length});
        dim += 1;
        break;
      }
      case Kind::None:
        add_step({ViewStep::Unsqueeze, dim});
        dim += 1;
        break;
      case Kind::Ellipsis: dim = std::min<int64_t>(dim + t.dim() - specified, int64_t(sizes.size())); break;
      case Kind::Bool: boolean(it.boolean()); break;
      case Kind::Tensor: {
        const Tensor& x = it.tensor();
        if (x.dim() == 0 && (is_integral(x.dtype(), true))) {
          // 0-d integers index like Python ints; 0-d bools like True/False
          if (is_mask(x)) boolean(x.item().to_bool());
          else select(x.item().to_int());
          break;
        }
        add_adv(x);
        dim += is_mask(x) ? x.dim() : 1;
        break;
      }
    }
  }
  return p;
}

// The basic part of a parsed index applied to t (t itself when there is none).
Tensor basic_view(const Tensor& t, const Parsed& p) {
  if (!p.plan) return t;
  return plan_view(t, p.plan);
}

// torch drops leading size-1 dims of a value that has more dims than the destination.
Tensor strip_leading_ones(const Tensor& value, int64_t target_dim) {
  if (value.dim() <= target_dim) return value;
  auto plan = std::make_shared<ViewPlan>();
  plan->in_sizes = value.sizes();
  int64_t drop = 0;
  while (value.dim() - drop > target_dim && value.sizes()[drop] == 1) {
    plan->steps.push_back({ViewStep::Select, 0, 0});
    drop += 1;
  }
  if (drop == 0) return value;
  return plan_view(value, plan);
}

// Shape of t[adv] without computing it (for the value's leading-ones rule).
int64_t advanced_result_dim(const Tensor& view, const std::vector<std::optional<Tensor>>& adv) {
  int64_t bdim = 0, covered = 0;
  for (const auto& a : adv) {
    if (!a) continue;
    bdim = std::max(bdim, is_mask(*a) ? int64_t(1) : a->dim());
    covered += is_mask(*a) ? a->dim() : 1;
  }
  return view.dim() - covered + bdim;
}

void check_fits(const Scalar& v, Dtype d) {
  if (!v.is_integral() || !is_integral(d)) return;
  int64_t x = v.to_int();
  visit_integral(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    EMBER_CHECK(x >= int64_t(std::numeric_limits<T>::lowest()) && x <= int64_t(std::numeric_limits<T>::max()), "setitem",
                "value cannot be converted to type ", dtype_name(d), " without overflow");
  });
}

}  // namespace

// ---------------------------------------------------------------- entry points
Tensor getitem(const Tensor& t, const std::vector<TensorIndex>& index) {
  Parsed p = parse(t, index);
  if (p.adv.empty()) {
    if (p.plan) return plan_view(t, p.plan);
    // x[...] / x[()] : a new tensor object sharing t's data
    auto plan = std::make_shared<ViewPlan>();
    plan->in_sizes = t.sizes();
    return plan_view(t, plan);
  }
  return ember::index(basic_view(t, p), p.adv);
}

Tensor& setitem_(Tensor& t, const std::vector<TensorIndex>& index, const Tensor& value) {
  Parsed p = parse(t, index);
  Tensor view = basic_view(t, p);
  if (p.adv.empty()) {
    Tensor v = strip_leading_ones(value, view.dim());
    if (view.is_same(t)) copy_(t, v);
    else copy_(view, v);
    return t;
  }
  Tensor v = strip_leading_ones(value, advanced_result_dim(view, p.adv));
  if (v.dtype() != t.dtype()) v = to_dtype(v, t.dtype());
  if (view.is_same(t)) index_put_(t, p.adv, v);
  else index_put_(view, p.adv, v);
  return t;
}

Tensor& setitem_(Tensor& t, const std::vector<TensorIndex>& index, const Scalar& value) {
  check_fits(value, t.dtype());
  Parsed p = parse(t, index);
  Tensor view = basic_view(t, p);
  if (p.adv.empty()) {
    if (view.is_same(t)) fill_(t, value);
    else fill_(view, value);
    return t;
  }
  Tensor v = scalar_tensor(value, t.dtype());
  if (view.is_same(t)) index_put_(t, p.adv, v);
  else index_put_(view, p.adv, v);
  return t;
}

namespace detail {
Tensor unsqueeze_grad(const Tensor& t, int64_t dim) {
  auto plan = std::make_shared<ViewPlan>();
  plan->in_sizes = t.sizes();
  plan->steps.push_back({ViewStep::Unsqueeze, dim});
  return plan_view(t, plan);
}
}  // namespace detail

}  // namespace ember
