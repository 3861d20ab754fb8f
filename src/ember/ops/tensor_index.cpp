// Python-style indexing: getitem / setitem_ follow torch's applySlicing.
// Basic indices (ints, slices, None, bools) become the view ops of the shape
// family (select, slice, unsqueeze), so results are views with those ops'
// derivatives; index tensors go to ember::index / index_put_.
#include "ember/ops/tensor_index.h"

#include <limits>

#include "ember/autograd/function.h"
#include "ember/ops/index_util.h"

namespace ember {

using indexing::TensorIndex;
using Kind = indexing::TensorIndex::Kind;

namespace {

// x[...]: a new tensor object on the same data (torch's alias).
Tensor alias(const Tensor& t) {
  Tensor out = make_view(t, t.sizes(), t.strides(), t.storage_offset());
  autograd::mark_view(out, t);
  if (autograd::needs_grad(t)) autograd::record("AliasBackward0", {t}, out, [](const Tensor& g) -> TensorList { return {g}; });
  return out;
}

// ---------------------------------------------------------------- parsing an index
struct Parsed {
  Tensor view;                                // t with the basic indices applied (t itself when none)
  std::vector<std::optional<Tensor>> adv;     // advanced indices by dim of the view (empty: none)
};

Tensor bool_index_tensor(bool b) {
  Tensor t = empty({b ? 1 : 0}, Dtype::Int64);
  if (b) t.data_ptr<int64_t>()[0] = 0;
  return t;
}

bool is_mask(const Tensor& t) { return t.dtype() == Dtype::Bool || t.dtype() == Dtype::UInt8; }

// Walks the index like torch's applySlicing: basic indices become view ops
// (select, slice, unsqueeze) on the running result, tensors are collected by
// the result dim they index.
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
  Tensor r = t;
  int64_t dim = 0;
  auto add_adv = [&](const Tensor& idx) {
    if (int64_t(p.adv.size()) < dim) p.adv.resize(size_t(dim));
    p.adv.emplace_back(idx);
  };
  auto select = [&](int64_t i) {
    int64_t size = r.sizes()[dim];
    EMBER_CHECK_INDEX(i >= -size && i < size, op, "index ", i, " is out of bounds for dimension ", dim, " with size ", size);
    r = ember::select(r, dim, i);
  };
  auto boolean = [&](bool b) {
    r = unsqueeze(r, dim);
    add_adv(bool_index_tensor(b));
    dim += 1;
  };
  for (const auto& it : index) {
    switch (it.kind()) {
      case Kind::Int: select(it.integer()); break;
      case Kind::Slice: {
        const auto& s = it.slice();
        EMBER_CHECK_VALUE(s.step > 0, op, "step must be greater than zero");
        int64_t size = r.sizes()[dim];
        int64_t start = s.start.value_or(0), stop = s.stop.value_or(std::numeric_limits<int64_t>::max());
        if (start < 0) start += size;
        if (stop < 0) stop += size;
        start = start < 0 ? 0 : std::min(start, size);
        stop = stop < start ? start : std::min(stop, size);
        // a slice that keeps the whole dim is no view op at all (as in torch)
        if (!(start == 0 && stop == size && s.step == 1)) r = slice(r, dim, start, stop, s.step);
        dim += 1;
        break;
      }
      case Kind::None:
        r = unsqueeze(r, dim);
        dim += 1;
        break;
      case Kind::Ellipsis: dim = std::min<int64_t>(dim + t.dim() - specified, r.dim()); break;
      case Kind::Bool: boolean(it.boolean()); break;
      case Kind::Tensor: {
        const Tensor& x = it.tensor();
        if (x.dim() == 0 && is_integral(x.dtype(), true)) {
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
  p.view = r;
  return p;
}

// torch drops leading size-1 dims of a value that has more dims than the destination.
Tensor strip_leading_ones(const Tensor& value, int64_t target_dim) {
  Tensor v = value;
  while (v.dim() > target_dim && v.sizes()[0] == 1) v = ember::select(v, 0, 0);
  return v;
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
  if (!p.adv.empty()) return ember::index(p.view, p.adv);
  return p.view.is_same(t) ? alias(t) : p.view;  // x[...] and x[()] still give a new tensor object
}

Tensor& setitem_(Tensor& t, const std::vector<TensorIndex>& index, const Tensor& value) {
  Parsed p = parse(t, index);
  Tensor& view = p.view;
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
  Tensor& view = p.view;
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

}  // namespace ember
