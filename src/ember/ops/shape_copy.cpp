// Ops that rearrange elements into a new tensor: repeat, tile,
// repeat_interleave, flip, roll, rot90, triangles, diag, diag_embed, trace.
// Their derivatives are other ops of this family (flip <-> flip, roll <->
// roll, repeat_interleave <-> segment sums through scatter_add_dim, ...).
#include <algorithm>

#include "ember/ops/shape_util.h"

namespace ember {

using detail::gather_dim;
using detail::scatter_add_dim;

namespace {

// t itself when contiguous, else a contiguous copy (no autograd: callers record their own node).
Tensor contiguous_nograd(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), t.dtype());
  cpu::copy_kernel(out, t);
  return out;
}

}  // namespace

namespace detail {

Tensor gather_dim(const Tensor& t, int64_t dim, const std::vector<int64_t>& idx, const char* name) {
  Shape sz = t.sizes();
  int64_t n = sz[dim];
  sz[dim] = int64_t(idx.size());
  Tensor out = empty(sz, t.dtype());
  cpu::gather_dim_kernel(out, contiguous_nograd(t), dim, idx);
  if (autograd::needs_grad(t))
    autograd::record(name, {t}, out, [dim, idx, n](const Tensor& g) -> TensorList {
      return {scatter_add_dim(g, dim, idx, n, "GatherDimBackward0")};
    });
  return out;
}

Tensor scatter_add_dim(const Tensor& g, int64_t dim, const std::vector<int64_t>& idx, int64_t size, const char* name) {
  Shape sz = g.sizes();
  sz[dim] = size;
  Tensor out = zeros(sz, g.dtype());
  cpu::scatter_add_dim_kernel(out, contiguous_nograd(g), dim, idx);
  if (autograd::needs_grad(g))
    autograd::record(name, {g}, out, [dim, idx](const Tensor& gg) -> TensorList {
      return {gather_dim(gg, dim, idx, "ScatterAddDimBackward0")};
    });
  return out;
}

}  // namespace detail

// ---------------------------------------------------------------- repeat, tile, repeat_interleave
Tensor repeat(const Tensor& t, const Shape& repeats) {
  const int64_t n = int64_t(repeats.size());
  EMBER_CHECK(n >= t.dim(), "repeat", "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const int64_t lead = n - t.dim();
  Shape target(static_cast<size_t>(n)), pair_sizes, pair_strides;
  for (int64_t i = 0; i < n; ++i) {
    int64_t s = i < lead ? 1 : t.sizes()[i - lead];
    target[i] = s * repeats[i];
  }
  for (int64_t i = 0; i < n; ++i)
    EMBER_CHECK(repeats[i] >= 0, "repeat", "Trying to create tensor with negative dimension ", target[i], ": ", shape_str(target));
  // Read t through a view of shape [r0, s0, r1, s1, ...] whose r dims have stride 0,
  // write a contiguous tensor of that shape: its memory is the repeated tensor.
  for (int64_t i = 0; i < n; ++i) {
    bool own = i >= lead;
    pair_sizes.push_back(repeats[i]);
    pair_strides.push_back(0);
    pair_sizes.push_back(own ? t.sizes()[i - lead] : 1);
    pair_strides.push_back(own ? t.strides()[i - lead] : 0);
  }
  Tensor buf = empty(pair_sizes, t.dtype());
  cpu::copy_kernel(buf, make_view(t, pair_sizes, pair_strides, t.storage_offset()));
  Tensor out = make_view(buf, target, contiguous_strides(target), 0);
  if (autograd::needs_grad(t)) {
    Shape in_sizes = t.sizes();
    autograd::record("RepeatBackward0", {t}, out, [pair_sizes, in_sizes, n](const Tensor& g) -> TensorList {
      Dims rdims;
      for (int64_t i = 0; i < n; ++i) rdims.push_back(2 * i);
      return {reshape(sum(reshape(g, pair_sizes), rdims), in_sizes)};
    });
  }
  return out;
}

Tensor tile(const Tensor& t, const Shape& reps) {
  Shape r = reps;
  if (int64_t(r.size()) < t.dim()) r.insert(r.begin(), size_t(t.dim() - int64_t(r.size())), 1);
  return repeat(t, r);
}

namespace {

// repeat_interleave given one repeat count per slice along dim (dim given, t at least 1-D).
Tensor repeat_interleave_counts(const Tensor& t, const std::vector<int64_t>& counts, int64_t dim) {
  std::vector<int64_t> idx;
  for (size_t i = 0; i < counts.size(); ++i) idx.insert(idx.end(), size_t(counts[i]), int64_t(i));
  return gather_dim(t, dim, idx, "RepeatInterleaveBackward0");
}

// Input and dim for repeat_interleave: dim=None flattens.
std::pair<Tensor, int64_t> interleave_input(const Tensor& t, std::optional<int64_t> dim) {
  if (!dim) return {flatten(t), 0};
  EMBER_CHECK_INDEX(t.dim() > 0, "repeat_interleave", "Dimension specified as ", *dim, " but tensor has no dimensions");
  return {t, wrap_dim(*dim, t.dim(), "repeat_interleave")};
}

}  // namespace

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim) {
  EMBER_CHECK(repeats >= 0, "repeat_interleave", "repeats can not be negative");
  auto [x, d] = interleave_input(t, dim);
  return repeat_interleave_counts(x, std::vector<int64_t>(size_t(x.sizes()[d]), repeats), d);
}

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim) {
  EMBER_CHECK(repeats.dim() <= 1, "repeat_interleave", "repeats must be 0-dim or 1-dim tensor");
  EMBER_CHECK(is_integral(repeats.dtype()), "repeat_interleave", "\"repeat_interleave_cpu\" not implemented for '",
              dtype_name(repeats.dtype()), "'");
  auto [x, d] = interleave_input(t, dim);
  int64_t n = x.sizes()[d];
  Tensor r = contiguous_nograd(to_dtype(detach(repeats), Dtype::Int64));
  std::vector<int64_t> counts;
  const int64_t* p = r.data_ptr<int64_t>();
  if (r.numel() == 1) counts.assign(size_t(n), p[0]);
  else counts.assign(p, p + r.numel());
  EMBER_CHECK(int64_t(counts.size()) == n, "repeat_interleave", "repeats must have the same size as input along dim, but got repeats.size(0) = ",
              r.numel(), " and input.size(", d, ") = ", n);
  for (int64_t c : counts) EMBER_CHECK(c >= 0, "repeat_interleave", "repeats can not be negative");
  return repeat_interleave_counts(x, counts, d);
}

// ---------------------------------------------------------------- flip, roll, rot90
Tensor flip(const Tensor& t, const Dims& dims) {
  std::vector<bool> flipped(size_t(std::max<int64_t>(t.dim(), 1)), false);
  Dims wrapped;
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, t.dim(), "flip");
    EMBER_CHECK(!flipped[w], "flip", "dim ", w, " appears multiple times in the list of dims");
    flipped[w] = true;
    wrapped.push_back(w);
  }
  // Read through a view with negated strides (internal only: never handed out).
  Shape st = t.strides();
  int64_t off = t.storage_offset();
  for (int64_t w : wrapped) {
    if (t.dim() == 0) continue;  // flipping a 0-d tensor along dim 0 or -1 is a copy
    if (t.sizes()[w] > 0) off += (t.sizes()[w] - 1) * st[w];
    st[w] = -st[w];
  }
  Tensor out = empty(t.sizes(), t.dtype());
  if (t.numel() > 0 && t.is_contiguous() && t.dim() > 0 && t.sizes().back() >= 16) {
    // whole rows (reversed when the last dim flips)
    std::vector<bool> f(flipped.begin(), flipped.begin() + t.dim());
    cpu::flip_kernel(out, t, f);
  } else if (t.numel() > 0) {
    cpu::copy_kernel(out, make_view(t, t.sizes(), st, off));
  }
  if (autograd::needs_grad(t))
    autograd::record("FlipBackward0", {t}, out, [wrapped](const Tensor& g) -> TensorList { return {flip(g, wrapped)}; });
  return out;
}

Tensor fliplr(const Tensor& t) {
  EMBER_CHECK(t.dim() >= 2, "fliplr", "Input must be >= 2-d.");
  return flip(t, {1});
}

Tensor flipud(const Tensor& t) {
  EMBER_CHECK(t.dim() >= 1, "flipud", "Input must be >= 1-d.");
  return flip(t, {0});
}

namespace {

// out = t rolled by shift along dim: two block copies.
void roll_into(const Tensor& out, const Tensor& t, int64_t dim, int64_t shift) {
  int64_t n = t.sizes()[dim];
  auto part = [dim](const Tensor& x, int64_t start, int64_t len) {
    Shape sz = x.sizes();
    sz[dim] = len;
    return make_view(x, sz, x.strides(), x.storage_offset() + start * x.strides()[dim]);
  };
  if (n - shift > 0) cpu::copy_kernel(part(out, shift, n - shift), part(t, 0, n - shift));
  if (shift > 0) cpu::copy_kernel(part(out, 0, shift), part(t, n - shift, shift));
}

}  // namespace

Tensor roll(const Tensor& t, const Shape& shifts, const Dims& dims) {
  EMBER_CHECK(!shifts.empty(), "roll", "`shifts` required");
  Tensor out;
  if (dims.empty()) {
    EMBER_CHECK(shifts.size() == 1, "roll", "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:", dims.size());
    // roll the flattened tensor, then give it back its shape
    Tensor flat = contiguous_nograd(t);
    flat = make_view(flat, {t.numel()}, {1}, flat.storage_offset());
    Tensor buf = empty({t.numel()}, t.dtype());
    if (t.numel() > 0) roll_into(buf, flat, 0, ((shifts[0] % t.numel()) + t.numel()) % t.numel());
    out = make_view(buf, t.sizes(), contiguous_strides(t.sizes()), 0);
  } else {
    EMBER_CHECK(shifts.size() == dims.size(), "roll", "shifts and dimensions must align. shifts: ", shifts.size(),
                ", dims:", dims.size());
    Tensor cur = t;
    for (size_t i = 0; i < dims.size(); ++i) {
      EMBER_CHECK_INDEX(t.dim() > 0, "roll", "Dimension specified as ", dims[i], " but tensor has no dimensions");
      int64_t d = wrap_dim(dims[i], t.dim(), "roll");
      Tensor next = empty(t.sizes(), t.dtype());
      int64_t n = t.sizes()[d];
      if (t.numel() > 0) roll_into(next, cur, d, ((shifts[i] % n) + n) % n);
      cur = next;
    }
    out = cur.is_same(t) ? clone(detach(t)) : cur;
  }
  if (autograd::needs_grad(t)) {
    Shape back = shifts;
    for (auto& s : back) s = -s;
    autograd::record("RollBackward0", {t}, out, [back, dims](const Tensor& g) -> TensorList { return {roll(g, back, dims)}; });
  }
  return out;
}

Tensor rot90(const Tensor& t, int64_t k, const Dims& dims) {
  EMBER_CHECK(dims.size() == 2, "rot90", "expected total rotation dims == 2, but got dims = ", dims.size());
  EMBER_CHECK(t.dim() >= 2, "rot90", "expected total dims >= 2, but got total dims = ", t.dim());
  const int64_t n = t.dim();
  // torch's checks, in its order (all RuntimeError)
  EMBER_CHECK(dims[0] != dims[1] && std::abs(dims[0] - dims[1]) != n, "rot90",
              "expected rotation dims to be different, but got dim0 = ", dims[0], " and dim1 = ", dims[1]);
  EMBER_CHECK(dims[0] < n && dims[0] >= -n, "rot90", "Rotation dim0 out of range, dim0 = ", dims[0]);
  EMBER_CHECK(dims[1] < n && dims[1] >= -n, "rot90", "Rotation dim1 out of range, dim1 = ", dims[1]);
  int64_t d0 = wrap_dim(dims[0], n, "rot90"), d1 = wrap_dim(dims[1], n, "rot90");
  switch (((k % 4) + 4) % 4) {
    case 1: return detail::transpose_copy_result(flip(t, {d1}), d0, d1);
    case 2: return flip(t, {d0, d1});
    case 3: return detail::transpose_copy_result(flip(t, {d0}), d0, d1);
    default: return clone(t);
  }
}

// ---------------------------------------------------------------- triangles and diagonals
namespace {

Tensor tri(const Tensor& t, int64_t k, bool upper) {
  const char* name = upper ? "triu" : "tril";
  wrap_dim(-2, t.dim(), name);  // fewer than 2 dims: IndexError like torch
  Tensor out = empty(t.sizes(), t.dtype());
  cpu::tri_kernel(out, t, k, upper);
  if (autograd::needs_grad(t))
    autograd::record(upper ? "TriuBackward0" : "TrilBackward0", {t}, out, [k, upper](const Tensor& g) -> TensorList {
      return {upper ? triu(g, k) : tril(g, k)};
    });
  return out;
}

Tensor& tri_(Tensor& self, int64_t k, bool upper) {
  const char* name = upper ? "triu_" : "tril_";
  wrap_dim(-2, self.dim(), name);
  autograd::check_inplace(self, name);
  if (self.is_contiguous()) {
    cpu::tri_kernel(self, self, k, upper);
  } else {
    Tensor tmp = empty(self.sizes(), self.dtype());
    cpu::tri_kernel(tmp, self, k, upper);
    cpu::copy_kernel(self, tmp);
  }
  autograd::record_inplace(upper ? "TriuBackward0" : "TrilBackward0", self, {}, [k, upper](const Tensor& g) -> TensorList {
    return {upper ? triu(g, k) : tril(g, k)};
  });
  return self;
}

}  // namespace

Tensor tril(const Tensor& t, int64_t diagonal) { return tri(t, diagonal, false); }
Tensor triu(const Tensor& t, int64_t diagonal) { return tri(t, diagonal, true); }
Tensor& tril_(Tensor& self, int64_t diagonal) { return tri_(self, diagonal, false); }
Tensor& triu_(Tensor& self, int64_t diagonal) { return tri_(self, diagonal, true); }

Tensor diag_embed(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t nd = t.dim() + 1;
  int64_t d1 = wrap_dim(dim1, nd, "diag_embed"), d2 = wrap_dim(dim2, nd, "diag_embed");
  EMBER_CHECK(d1 != d2, "diag_embed", "diagonal dimensions cannot be identical ", dim1, ", ", dim2);  // also every 0-d input
  int64_t n = t.sizes().back() + std::abs(offset);
  Shape sizes;
  int64_t next = 0;
  for (int64_t p = 0; p < nd; ++p) sizes.push_back(p == d1 || p == d2 ? n : t.sizes()[next++]);
  // diag_embed writes t into the diagonal view of zeros: the backward of that view
  auto raw = [offset, d1, d2](const Tensor& x) { return detail::diagonal_raw(x, offset, d1, d2); };
  auto op = [offset, d1, d2](const Tensor& x) { return diagonal(x, offset, d1, d2); };
  return detail::view_scatter(t, sizes, raw, op, "DiagEmbedBackward0");
}

Tensor diag(const Tensor& t, int64_t diagonal_) {
  EMBER_CHECK(t.dim() == 1 || t.dim() == 2, "diag", "matrix or a vector expected (got a ", t.dim(), "-D tensor)");
  if (t.dim() == 1) return diag_embed(t, diagonal_, 0, 1);
  return clone(diagonal(t, diagonal_, 0, 1));
}

Tensor trace(const Tensor& t) {
  EMBER_CHECK(t.dim() == 2, "trace", "trace: expected a matrix, but got tensor with dim ", t.dim());
  EMBER_CHECK(t.dtype() != Dtype::Bool, "trace", "\"trace\" not implemented for 'Bool'");
  return sum(diagonal(t, 0, 0, 1));
}

}  // namespace ember
