// Type promotion and broadcasting rules shared by every op.
#include "ember/ops/ops.h"

namespace ember {

bool is_wrapped_number(const Tensor& t) { return t.impl()->wrapped_number; }

Tensor wrap_scalar(const Scalar& s) {
  Dtype d = s.is_floating() ? Dtype::Float64 : s.is_bool() ? Dtype::Bool : Dtype::Int64;
  Tensor t = scalar_tensor(s, d);
  t.impl()->wrapped_number = true;
  return t;
}

namespace {
enum Category { kBool = 0, kInt = 1, kFloat = 2 };
Category category(Dtype d) { return d == Dtype::Bool ? kBool : is_floating(d) ? kFloat : kInt; }

struct PromotionState {
  std::optional<Dtype> dim, zero, wrapped;
  void update(const Tensor& t) {
    if (!t.defined()) return;
    Dtype d = t.dtype();
    std::optional<Dtype>* slot;
    if (t.impl()->wrapped_number) {
      slot = &wrapped;
      if (is_floating(d)) d = default_dtype();  // a Python float is weak: default float dtype
    } else {
      slot = t.dim() == 0 ? &zero : &dim;
    }
    *slot = slot->has_value() ? promote_types(**slot, d) : d;
  }
};

// A lower-priority group only matters when it brings a higher category.
std::optional<Dtype> combine(std::optional<Dtype> higher, std::optional<Dtype> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (category(*lower) > category(*higher)) return promote_types(*higher, *lower);
  return higher;
}
}  // namespace

Dtype result_type(const TensorList& ts) {
  PromotionState s;
  for (auto& t : ts) s.update(t);
  auto r = combine(s.dim, combine(s.zero, s.wrapped));
  return r.value_or(default_dtype());
}

Dtype result_type(const Tensor& a, const Tensor& b) {
  PromotionState s;
  s.update(a);
  s.update(b);
  return combine(s.dim, combine(s.zero, s.wrapped)).value_or(default_dtype());
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  if (a == b) return a;
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(da == db || da == 1 || db == 1, op, "The size of tensor a (", da, ") must match the size of tensor b (",
                db, ") at non-singleton dimension ", i, "; shapes ", shape_str(a), " and ", shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

bool is_expandable_to(const Shape& shape, const Shape& desired) {
  if (shape.size() > desired.size()) return false;
  size_t off = desired.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != desired[i + off] && shape[i] != 1) return false;
  return true;
}

}  // namespace ember
