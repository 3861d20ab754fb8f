// Views and in-place ops on them. A view remembers its base (the tensor that
// owns the memory). An in-place op on a view changes the base too, so, like
// torch, the base's history is rebased through a CopySlices node, and every
// view of that base whose version moved on regenerates its grad_fn as
// AsStridedBackward0 onto the base's new history when it is next used.
#include <algorithm>

#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

namespace {

// Does some element of the geometry repeat (a stride-0 or interleaved view)?
// Conservative: an exotic non-overlapping layout may answer true, which only
// sends it down the slower summing path.
bool overlaps_itself(const Shape& sizes, const Shape& strides) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size)
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) return false;
    if (sizes[d] == 1) continue;
    if (strides[d] == 0) return true;
    dims.emplace_back(std::abs(strides[d]), sizes[d]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t extent = 0;  // furthest element reached by the dims so far
  for (auto [stride, size] : dims) {
    if (stride <= extent) return true;
    extent += (size - 1) * stride;
  }
  return false;
}

Tensor empty_base(const ViewGeometry& geo, Dtype dtype) { return empty_strided(geo.base_sizes, geo.base_strides, dtype); }

// out (laid out like the base) += g at the view's elements, one element at a time
// in float64: the path for views that reach an element more than once.
void scatter_add_overlapping(Tensor& out, const Tensor& g, const ViewGeometry& geo) {
  int64_t extent = 1;
  for (size_t d = 0; d < geo.base_sizes.size(); ++d) extent += (geo.base_sizes[d] - 1) * geo.base_strides[d];
  Tensor acc = zeros({extent}, Dtype::Float64);
  Tensor src = to_dtype(g, Dtype::Float64).contiguous();
  double* a = acc.data_ptr<double>();
  const double* s = src.data_ptr<double>();
  const size_t nd = geo.sizes.size();
  std::vector<int64_t> idx(nd, 0);
  for (int64_t i = 0, n = src.numel(); i < n; ++i) {
    int64_t pos = geo.offset;
    for (size_t d = 0; d < nd; ++d) pos += idx[d] * geo.strides[d];
    EMBER_CHECK(pos >= 0 && pos < extent, "backward", "view reaches outside its base");
    a[pos] += s[i];
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < geo.sizes[d]) break;
      idx[d] = 0;
    }
  }
  copy_(out, make_view(acc, geo.base_sizes, geo.base_strides, 0));
}

// Gradient of a view regenerated after an in-place op on its base.
struct AsStridedBackward : Node {
  ViewGeometry geo;
  TensorList apply(TensorList&& grads) override { return {view_scatter(grads[0], geo)}; }
  std::string name() const override { return "AsStridedBackward0"; }
};

// History of an in-place op applied to a view: base_new = base_old with the
// view's region replaced by inner(view_old, others...). Edge 0 goes to the
// base's old history, edges 1.. are inner's other inputs.
struct CopySlices : Node {
  ViewGeometry geo;
  std::shared_ptr<Node> inner;

  TensorList apply(TensorList&& grads) override {
    const Tensor& g = grads[0];
    TensorList res;
    {
      CurrentNodeGuard guard(inner.get());
      res = inner->apply({view_gather(g, geo)});
    }
    TensorList out(next_edges.size());
    for (size_t i = 1; i < res.size() && i < out.size(); ++i) out[i] = std::move(res[i]);
    if (!needs_input_grad(0)) return out;
    Tensor r0 = res.empty() ? Tensor() : res[0];
    if (r0.defined() && r0.sizes() != geo.sizes) r0 = sum_to(r0, geo.sizes);
    if (grad_enabled() && (requires_grad(g) || requires_grad(r0))) {
      // Double backward: the same function written with differentiable ops.
      Tensor kept = sub(g, view_scatter(view_gather(g, geo), geo));
      out[0] = r0.defined() ? add(kept, view_scatter(r0, geo)) : kept;
    } else {
      NoGradGuard no_grad;
      Tensor result = empty_base(geo, g.dtype());
      copy_(result, g);
      Tensor region = make_view(result, geo.sizes, geo.strides, geo.offset);
      if (r0.defined()) copy_(region, r0);
      else zero_(region);
      out[0] = std::move(result);
    }
    return out;
  }
  void release_variables() override { inner->release_variables(); }
  std::string name() const override { return "CopySlices"; }
};

std::shared_ptr<Node> as_strided_node(const Tensor& view, const Tensor& base) {
  auto node = std::make_shared<AsStridedBackward>();
  node->geo = view_geometry(view, base);
  node->next_edges.push_back(gradient_edge(base));
  node->input_meta.push_back({base.sizes(), base.dtype()});
  node->output_shapes = {view.sizes()};
  node->output_dtypes = {view.dtype()};
  return node;
}

}  // namespace

ViewGeometry view_geometry(const Tensor& view, const Tensor& base) {
  return {base.sizes(), base.strides(), view.sizes(), view.strides(), view.storage_offset() - base.storage_offset()};
}

Tensor view_scatter(const Tensor& g, const ViewGeometry& geo) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = empty_base(geo, g.dtype());
    zero_(out);
    if (g.numel() > 0) {
      if (overlaps_itself(geo.sizes, geo.strides)) {
        scatter_add_overlapping(out, g, geo);
      } else {
        Tensor region = make_view(out, geo.sizes, geo.strides, geo.offset);
        copy_(region, g);
      }
    }
  }
  if (needs_grad(g))
    record("AsStridedScatterBackward0", {g}, out, [geo](const Tensor& gg) -> TensorList { return {view_gather(gg, geo)}; });
  return out;
}

Tensor view_gather(const Tensor& t, const ViewGeometry& geo) {
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor tmp = empty_base(geo, t.dtype());
    copy_(tmp, t);
    out = make_view(tmp, geo.sizes, geo.strides, geo.offset);
    // A gradient may be written into later (accumulation): never hand out aliased elements.
    if (overlaps_itself(geo.sizes, geo.strides)) out = clone(out);
  }
  if (needs_grad(t))
    record("AsStridedBackward0", {t}, out, [geo](const Tensor& gg) -> TensorList { return {view_scatter(gg, geo)}; });
  return out;
}

bool view_requires_grad_slow(const Tensor& view) {
  auto* m = meta_if(view);
  return m->attr_version != view.version() && requires_grad(m->base);
}

const std::shared_ptr<Node>& grad_fn_of(const Tensor& t) {
  static const std::shared_ptr<Node> none;
  auto* m = meta_if(t);
  if (!m) return none;
  if (m->base.defined() && m->attr_version != t.version() && (m->grad_fn || requires_grad(m->base))) {
    set_grad_fn(t, as_strided_node(t, m->base), 0);
  }
  return m->grad_fn;
}

void mark_view(Tensor& view, const Tensor& base) {
  auto* bm = meta_if(base);
  auto& m = meta(view);
  m.base = bm && bm->is_view() ? bm->base : base;
  m.attr_version = view.version();
}

void set_history_inplace(Tensor& self, const std::shared_ptr<Node>& node, const TensorList& others) {
  auto* sm = meta_if(self);
  if (!(sm && sm->is_view())) {
    TensorList inputs{self};
    for (auto& o : others) inputs.push_back(o);
    connect(node, inputs, {&self});
    return;
  }
  Tensor base = sm->base;
  // inner computes the op's gradients as if the view were a tensor of its own.
  // Its gradient for the old view is only asked for, never followed: CopySlices
  // routes it into the base, so edge 0 just says whether it is needed.
  node->next_edges.push_back(gradient_edge(base));
  node->input_meta.push_back({self.sizes(), self.dtype()});
  for (auto& o : others) {
    bool rg = requires_grad(o);
    node->next_edges.push_back(rg ? gradient_edge(o) : Edge{});
    node->input_meta.push_back(rg ? InputMeta{o.sizes(), o.dtype()} : InputMeta{});
  }
  node->output_shapes = {self.sizes()};
  node->output_dtypes = {self.dtype()};
  auto cs = std::make_shared<CopySlices>();
  cs->geo = view_geometry(self, base);
  cs->inner = node;
  TensorList cs_inputs{base};
  for (auto& o : others) cs_inputs.push_back(o);
  connect(cs, cs_inputs, {&base});
  // The view now reads from the rebased base.
  set_grad_fn(self, as_strided_node(self, base), 0);
}

}  // namespace ember::autograd
