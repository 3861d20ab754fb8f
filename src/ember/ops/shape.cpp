// Views: ops that return a new window (sizes, strides, offset) onto the input's
// storage and never copy. Each output shares storage (make_view), is marked as
// a view of its input (so in-place ops on it rebase the graph) and records its
// derivative, written with ember ops.
#include <algorithm>
#include <numeric>

#include "ember/ops/shape_util.h"

namespace ember {

using detail::finish_view;
using detail::view_scatter;

namespace detail {

bool geometry_may_overlap(const Shape& sizes, const Shape& strides) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (|stride|, size) of dims with more than one element
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) return false;
    if (sizes[d] > 1) dims.emplace_back(std::abs(strides[d]), sizes[d]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t extent = 0;  // max offset reachable with the dims so far
  for (auto [st, sz] : dims) {
    if (st <= extent) return true;
    extent += st * (sz - 1);
  }
  return false;
}

Shape infer_size(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  int64_t known = 1;
  std::optional<size_t> infer;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(!infer, op, "only one dimension can be inferred");
      infer = i;
    } else {
      EMBER_CHECK(shape[i] >= 0, op, "invalid shape dimension ", shape[i]);
      known *= shape[i];
    }
  }
  if (infer) {
    EMBER_CHECK(known != 0, op, "cannot reshape tensor of 0 elements into shape ", shape_str(shape),
                " because the unspecified dimension size -1 can be any value and is ambiguous");
    EMBER_CHECK(numel % known == 0, op, "shape '", shape_str(shape), "' is invalid for input of size ", numel);
    out[*infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, op, "shape '", shape_str(shape), "' is invalid for input of size ", numel);
  }
  return out;
}

// torch's computeStride: walk both shapes from the innermost dim, matching
// chunks of the old shape that are contiguous in memory with groups of new dims.
std::optional<Shape> view_strides(const Shape& sizes, const Shape& strides, const Shape& shape) {
  const int64_t nnew = int64_t(shape.size());
  if (sizes.empty()) return Shape(size_t(nnew), 1);
  int64_t numel = shape_numel(sizes);
  if (numel == 0 && sizes == shape) return strides;
  Shape out(size_t(nnew), 0);
  if (numel == 0) {
    for (int64_t d = nnew - 1; d >= 0; --d)
      out[d] = d == nnew - 1 ? 1 : std::max<int64_t>(shape[d + 1], 1) * out[d + 1];
    return out;
  }
  int64_t view_d = nnew - 1;
  int64_t chunk_base = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t td = int64_t(sizes.size()) - 1; td >= 0; --td) {
    tensor_numel *= sizes[td];
    if (td == 0 || (sizes[td - 1] != 1 && strides[td - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (td > 0) {
        chunk_base = strides[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

Tensor transpose_copy_result(const Tensor& t, int64_t d0, int64_t d1) {
  Shape sz = t.sizes(), st = t.strides();
  std::swap(sz[d0], sz[d1]);
  std::swap(st[d0], st[d1]);
  Tensor out = make_view(t, sz, st, t.storage_offset());
  if (autograd::needs_grad(t))
    autograd::record("TransposeBackward0", {t}, out,
                     [d0, d1](const Tensor& g) -> TensorList { return {transpose(g, d0, d1)}; });
  return out;
}

Tensor diagonal_raw(const Tensor& t, int64_t offset, int64_t d1, int64_t d2) {
  const Shape& isz = t.sizes();
  const Shape& ist = t.strides();
  int64_t n = offset >= 0 ? std::min(isz[d1], isz[d2] - offset) : std::min(isz[d1] + offset, isz[d2]);
  n = std::max<int64_t>(n, 0);
  int64_t off = t.storage_offset();
  if (n > 0) off += offset >= 0 ? offset * ist[d2] : -offset * ist[d1];
  Shape sz, st;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d == d1 || d == d2) continue;
    sz.push_back(isz[d]);
    st.push_back(ist[d]);
  }
  sz.push_back(n);
  st.push_back(ist[d1] + ist[d2]);
  return make_view(t, sz, st, off);
}

}  // namespace detail

namespace {

// ---- raw geometry (no checks, no autograd): shared by the ops and their backward formulas
Tensor select_raw(const Tensor& t, int64_t dim, int64_t index) {
  Shape sz = t.sizes(), st = t.strides();
  int64_t off = t.storage_offset() + index * st[dim];
  sz.erase(sz.begin() + dim);
  st.erase(st.begin() + dim);
  return make_view(t, sz, st, off);
}

Tensor slice_raw(const Tensor& t, int64_t dim, int64_t start, int64_t length, int64_t step) {
  Shape sz = t.sizes(), st = t.strides();
  int64_t off = t.storage_offset() + (length > 0 ? start * st[dim] : 0);
  sz[dim] = length;
  st[dim] *= step;
  return make_view(t, sz, st, off);
}

Tensor unfold_raw(const Tensor& t, int64_t dim, int64_t size, int64_t step) {
  Shape sz = t.sizes(), st = t.strides();
  if (t.dim() == 0) return make_view(t, {size}, {1}, t.storage_offset());
  int64_t s = st[dim];
  sz[dim] = (sz[dim] - size) / step + 1;
  st[dim] = s * step;
  sz.push_back(size);
  st.push_back(s);
  return make_view(t, sz, st, t.storage_offset());
}

Tensor view_raw(const Tensor& t, const Shape& shape, const Shape& strides) {
  return make_view(t, shape, strides, t.storage_offset());
}

// Element offsets [lo, hi] a geometry touches (non-empty geometries only).
std::pair<int64_t, int64_t> geometry_range(const Shape& sizes, const Shape& strides, int64_t offset) {
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < sizes.size(); ++d) {
    int64_t ext = (sizes[d] - 1) * strides[d];
    if (ext < 0) lo += ext; else hi += ext;
  }
  return {lo, hi};
}

struct Geometry {
  Shape sizes, strides;
  int64_t offset;
};

// Move values between two geometries over one storage: scatter x (shaped like
// `from`) into a zero buffer covering both, divide by how often `divide` covers
// each element when it overlaps itself, and read it back through `to`. The
// backward of as_strided is transfer(out -> in); the adjoint of a transfer is the
// transfer the other way, so this op is its own derivative.
Tensor storage_transfer(const Tensor& x, const Geometry& from, const Geometry& to, const Geometry& divide) {
  Tensor result;
  if (shape_numel(to.sizes) == 0 || x.numel() == 0) {
    result = zeros(to.sizes, x.dtype());
  } else {
    auto [flo, fhi] = geometry_range(from.sizes, from.strides, from.offset);
    auto [tlo, thi] = geometry_range(to.sizes, to.strides, to.offset);
    int64_t lo = std::min(flo, tlo), hi = std::max(fhi, thi);
    Tensor buffer = zeros({hi - lo + 1}, x.dtype());
    cpu::strided_accumulate_kernel(make_view(buffer, from.sizes, from.strides, from.offset - lo), x);
    if (detail::geometry_may_overlap(divide.sizes, divide.strides)) {
      auto [dlo, dhi] = geometry_range(divide.sizes, divide.strides, divide.offset);
      (void)dhi;
      Tensor count = zeros({hi - lo + 1}, x.dtype());
      Tensor count_region = make_view(count, divide.sizes, divide.strides, divide.offset - lo);
      cpu::strided_accumulate_kernel(count_region, ones(divide.sizes, x.dtype()));
      (void)dlo;
      // elements no one reads through `divide` keep their value (count 0 -> 1)
      Tensor safe = where(eq(count, wrap_scalar(0)), ones_like(count), count);
      buffer = div(buffer, safe);
    }
    result = make_view(buffer, to.sizes, to.strides, to.offset - lo).contiguous();
  }
  if (autograd::needs_grad(x))
    autograd::record("AsStridedBackward0", {x}, result, [from, to, divide](const Tensor& g) -> TensorList {
      return {storage_transfer(g, to, from, divide)};
    });
  return result;
}

int64_t wrap_index(int64_t index, int64_t size, const char* op, int64_t dim, const Shape& shape) {
  EMBER_CHECK_INDEX(index >= -size && index < size, op, "index ", index, " out of range for tensor of size ",
                    shape_str(shape), " at dimension ", dim);
  return index < 0 ? index + size : index;
}

}  // namespace

// ---------------------------------------------------------------- as_strided, view, reshape
Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, std::optional<int64_t> storage_offset) {
  EMBER_CHECK(sizes.size() == strides.size(), "as_strided", "mismatch in length of strides and shape");
  int64_t off = storage_offset.value_or(t.storage_offset());
  EMBER_CHECK(off >= 0, "as_strided", "Tensor: invalid storage offset ", off);
  for (auto s : sizes) EMBER_CHECK(s >= 0, "as_strided", "Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes));
  for (auto s : strides)
    EMBER_CHECK(s >= 0, "as_strided", "Negative strides are not supported at the moment, got strides: ", shape_str(strides));
  if (shape_numel(sizes) > 0) {
    int64_t need = off + 1;
    for (size_t d = 0; d < sizes.size(); ++d) need += (sizes[d] - 1) * strides[d];
    int64_t have = int64_t(t.storage()->nbytes() / t.element_size());
    EMBER_CHECK(need <= have, "as_strided", "setStorage: sizes ", shape_str(sizes), ", strides ", shape_str(strides),
                ", storage offset ", off, ", and itemsize ", t.element_size(), " requiring a storage size of ",
                need * int64_t(t.element_size()), " are out of bounds for storage of size ", t.storage()->nbytes());
  }
  Tensor out = make_view(t, sizes, strides, off);
  Geometry in{t.sizes(), t.strides(), t.storage_offset()}, view{sizes, strides, off};
  return finish_view(t, out, "AsStridedBackward0",
                     [in, view](const Tensor& g) { return storage_transfer(g, view, in, in); });
}

Tensor view(const Tensor& t, const Shape& shape) {
  Shape sz = detail::infer_size(shape, t.numel());
  auto st = detail::view_strides(t.sizes(), t.strides(), sz);
  EMBER_CHECK(st.has_value(), "view",
              "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
              "two contiguous subspaces). Use .reshape(...) instead. (input of shape ", shape_str(t.sizes()),
              " and strides ", shape_str(t.strides()), ", requested shape ", shape_str(shape), ")");
  Shape in_sizes = t.sizes();
  return finish_view(t, view_raw(t, sz, *st), "ViewBackward0", [in_sizes](const Tensor& g) { return reshape(g, in_sizes); });
}

Tensor view_dtype(const Tensor& t, Dtype dtype) {
  const int64_t old_size = int64_t(t.element_size()), new_size = int64_t(itemsize(dtype));
  Shape sz = t.sizes(), st = t.strides();
  int64_t off = t.storage_offset();
  if (old_size != new_size) {
    EMBER_CHECK(t.dim() > 0, "view", "self.dim() cannot be 0 to view ", dtype_name(t.dtype()), " as ", dtype_name(dtype),
                " (different element sizes)");
    EMBER_CHECK(st.back() == 1, "view", "self.stride(-1) must be 1 to view ", dtype_name(t.dtype()), " as ",
                dtype_name(dtype), " (different element sizes), but got ", st.back());
    if (old_size > new_size) {
      int64_t r = old_size / new_size;
      for (int64_t d = 0; d + 1 < t.dim(); ++d) st[d] *= r;
      sz.back() *= r;
      off *= r;
    } else {
      int64_t r = new_size / old_size;
      EMBER_CHECK(sz.back() % r == 0, "view", "self.size(-1) must be divisible by ", r, " to view ",
                  dtype_name(t.dtype()), " as ", dtype_name(dtype), " (different element sizes), but got ", sz.back());
      EMBER_CHECK(off % r == 0, "view", "self.storage_offset() must be divisible by ", r, " to view ",
                  dtype_name(t.dtype()), " as ", dtype_name(dtype), " (different element sizes), but got ", off);
      for (int64_t d = 0; d + 1 < t.dim(); ++d) {
        EMBER_CHECK(st[d] % r == 0, "view", "self.stride(", d, ") must be divisible by ", r, " to view ",
                    dtype_name(t.dtype()), " as ", dtype_name(dtype), " (different element sizes), but got ", st[d]);
        st[d] /= r;
      }
      sz.back() /= r;
      off /= r;
    }
  }
  // Reinterpreting bits is not differentiable: the result shares storage but, like
  // torch's, is not an autograd view of t (no _base, no backward).
  return Tensor(make_ref<TensorImpl>(t.storage(), sz, st, off, dtype));
}

Tensor reshape(const Tensor& t, const Shape& shape) {
  Shape sz = detail::infer_size(shape, t.numel());
  if (auto st = detail::view_strides(t.sizes(), t.strides(), sz)) {
    Shape in_sizes = t.sizes();
    return finish_view(t, view_raw(t, sz, *st), "ViewBackward0", [in_sizes](const Tensor& g) { return reshape(g, in_sizes); });
  }
  // Not expressible as a view: copy into a fresh contiguous tensor (not a view of anything).
  Tensor buf = empty(t.sizes(), t.dtype());
  cpu::copy_kernel(buf, t);
  Tensor out = make_view(buf, sz, contiguous_strides(sz), 0);
  if (autograd::needs_grad(t)) {
    Shape in_sizes = t.sizes();
    autograd::record("UnsafeViewBackward0", {t}, out, [in_sizes](const Tensor& g) -> TensorList { return {reshape(g, in_sizes)}; });
  }
  return out;
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  int64_t s = wrap_dim(start_dim, t.dim(), "flatten"), e = wrap_dim(end_dim, t.dim(), "flatten");
  EMBER_CHECK(s <= e, "flatten", "flatten() has invalid args: start_dim cannot come after end_dim");
  if (t.dim() == 0) return reshape(t, {1});
  if (s == e) return t;  // torch returns the input itself
  Shape sz(t.sizes().begin(), t.sizes().begin() + s);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n *= t.sizes()[d];
  sz.push_back(n);
  sz.insert(sz.end(), t.sizes().begin() + e + 1, t.sizes().end());
  return reshape(t, sz);
}

Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes) {
  EMBER_CHECK_INDEX(t.dim() > 0, "unflatten", "Dimension specified as ", dim, " but tensor has no dimensions");
  int64_t d = wrap_dim(dim, t.dim(), "unflatten");
  EMBER_CHECK(!sizes.empty(), "unflatten", "sizes must be non-empty");
  Shape inferred = sizes;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      EMBER_CHECK(infer < 0, "unflatten", "only one dimension can be inferred");
      infer = int64_t(i);
    } else {
      known *= sizes[i];
    }
  }
  int64_t n = t.sizes()[d];
  if (infer >= 0 && known != 0 && n % known == 0) inferred[infer] = n / known;
  EMBER_CHECK(shape_numel(inferred) == n && (infer < 0 || known != 0), "unflatten", "Provided sizes ", shape_str(sizes),
              " don't multiply up to the size of dim ", dim, " (", n, ") in the input tensor");
  Shape shape(t.sizes().begin(), t.sizes().begin() + d);
  shape.insert(shape.end(), inferred.begin(), inferred.end());
  shape.insert(shape.end(), t.sizes().begin() + d + 1, t.sizes().end());
  return view(t, shape);
}

// ---------------------------------------------------------------- size-1 dims
Tensor squeeze(const Tensor& t) {
  Shape sz, st;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.sizes()[d] != 1) {
      sz.push_back(t.sizes()[d]);
      st.push_back(t.strides()[d]);
    }
  Shape in_sizes = t.sizes();
  return finish_view(t, view_raw(t, sz, st), "SqueezeBackward0", [in_sizes](const Tensor& g) { return reshape(g, in_sizes); });
}

Tensor squeeze(const Tensor& t, const Dims& dims) {
  std::vector<bool> drop(size_t(std::max<int64_t>(t.dim(), 1)), false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, t.dim(), "squeeze");
    if (t.dim() > 0 && t.sizes()[w] == 1) drop[w] = true;
  }
  Shape sz, st;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (!drop[d]) {
      sz.push_back(t.sizes()[d]);
      st.push_back(t.strides()[d]);
    }
  Shape in_sizes = t.sizes();
  return finish_view(t, view_raw(t, sz, st), "SqueezeBackward1", [in_sizes](const Tensor& g) { return reshape(g, in_sizes); });
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim() + 1, "unsqueeze");
  Shape sz = t.sizes(), st = t.strides();
  int64_t s = d >= t.dim() ? 1 : sz[d] * st[d];
  sz.insert(sz.begin() + d, 1);
  st.insert(st.begin() + d, s);
  return finish_view(t, view_raw(t, sz, st), "UnsqueezeBackward0", [d](const Tensor& g) { return squeeze(g, Dims{d}); });
}

// ---------------------------------------------------------------- dim order
Tensor transpose(const Tensor& t, int64_t d0, int64_t d1) {
  int64_t a = wrap_dim(d0, t.dim(), "transpose"), b = wrap_dim(d1, t.dim(), "transpose");
  Shape sz = t.sizes(), st = t.strides();
  if (t.dim() > 0) {
    std::swap(sz[a], sz[b]);
    std::swap(st[a], st[b]);
  }
  return finish_view(t, view_raw(t, sz, st), "TransposeBackward0", [a, b](const Tensor& g) {
    return g.dim() > 0 ? transpose(g, a, b) : g;
  });
}

Tensor t(const Tensor& x) {
  EMBER_CHECK(x.dim() <= 2, "t", "t() expects a tensor with <= 2 dimensions, but self is ", x.dim(), "D");
  return transpose(x, 0, x.dim() < 2 ? 0 : 1);
}

Tensor mT(const Tensor& x) {
  if (x.dim() == 0) return x;  // like torch
  EMBER_CHECK(x.dim() >= 2, "mT", "tensor.mT is only supported on matrices or batches of matrices. Got ", x.dim(), "-D tensor.");
  return transpose(x, -2, -1);
}

Tensor permute(const Tensor& t, const Dims& dims) {
  EMBER_CHECK(int64_t(dims.size()) == t.dim(), "permute",
              "number of dimensions in the tensor input does not match the length of the desired ordering of "
              "dimensions i.e. input.dim() = ", t.dim(), " is not equal to len(dims) = ", dims.size());
  Shape sz(dims.size()), st(dims.size());
  Dims inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], t.dim(), "permute");
    EMBER_CHECK(!seen[d], "permute", "duplicate dims are not allowed.");
    seen[d] = true;
    sz[i] = t.sizes()[d];
    st[i] = t.strides()[d];
    inverse[d] = int64_t(i);
  }
  return finish_view(t, view_raw(t, sz, st), "PermuteBackward0", [inverse](const Tensor& g) { return permute(g, inverse); });
}

Tensor movedim(const Tensor& t, const Dims& src, const Dims& dst) {
  EMBER_CHECK(src.size() == dst.size(), "movedim", "Invalid source or destination dims: source (", shape_str(src),
              " dims) should contain the same number of dims as destination (", shape_str(dst), " dims)");
  const int64_t n = t.dim();
  std::vector<int64_t> order(size_t(std::max<int64_t>(n, 1)), -1);
  std::vector<bool> src_used(order.size(), false), dst_used(order.size(), false);
  for (size_t i = 0; i < src.size(); ++i) {
    int64_t s = wrap_dim(src[i], n, "movedim"), d = wrap_dim(dst[i], n, "movedim");
    EMBER_CHECK(!src_used[s], "movedim", "repeated dim in `source` (", shape_str(src), ")");
    EMBER_CHECK(!dst_used[d], "movedim", "repeated dim in `destination` (", shape_str(dst), ")");
    src_used[s] = dst_used[d] = true;
    order[d] = s;
  }
  if (n == 0) return permute(t, {});
  // The dims not moved keep their relative order in the free destination slots.
  int64_t next = 0;
  for (int64_t d = 0; d < n; ++d) {
    if (order[d] >= 0) continue;
    while (src_used[next]) ++next;
    order[d] = next++;
  }
  return permute(t, order);
}

// ---------------------------------------------------------------- broadcasting
Tensor expand(const Tensor& t, const Shape& shape) {
  const int64_t n = int64_t(shape.size()), nd = t.dim();
  EMBER_CHECK(n >= nd, "expand", "expand(", dtype_name(t.dtype()), "{", shape_str(t.sizes()), "}, size=",
              shape_str(shape), "): the number of sizes provided (", n,
              ") must be greater or equal to the number of dimensions in the tensor (", nd, ")");
  Shape sz(static_cast<size_t>(n)), st(static_cast<size_t>(n));
  for (int64_t i = n - 1; i >= 0; --i) {
    int64_t d = i - (n - nd);
    int64_t target = shape[i];
    if (d < 0) {
      EMBER_CHECK(target >= 0, "expand", "The expanded size of the tensor (", target,
                  ") isn't allowed in a leading, non-existing dimension ", i);
      sz[i] = target;
      st[i] = target != 1 ? 0 : i + 1 < n ? sz[i + 1] * st[i + 1] : 1;
      continue;
    }
    int64_t cur = t.sizes()[d];
    if (target == -1) target = cur;
    if (cur == target) {
      sz[i] = cur;
      st[i] = t.strides()[d];
    } else {
      EMBER_CHECK(cur == 1, "expand", "The expanded size of the tensor (", target,
                  ") must match the existing size (", cur, ") at non-singleton dimension ", i, ".  Target sizes: ",
                  shape_str(shape), ".  Tensor sizes: ", shape_str(t.sizes()));
      EMBER_CHECK(target >= 0, "expand", "Trying to create tensor with negative dimension ", target, ": ", shape_str(shape));
      sz[i] = target;
      st[i] = 0;
    }
  }
  Shape in_sizes = t.sizes();
  return finish_view(t, view_raw(t, sz, st), "ExpandBackward0", [in_sizes](const Tensor& g) { return sum_to(g, in_sizes); });
}

Tensor expand_as(const Tensor& t, const Tensor& other) { return expand(t, other.sizes()); }

Tensor broadcast_to(const Tensor& t, const Shape& shape) { return expand(t, shape); }

TensorList broadcast_tensors(const TensorList& ts) {
  if (ts.empty()) return {};
  Shape shape = ts[0].sizes();
  for (size_t i = 1; i < ts.size(); ++i) shape = broadcast_shapes(shape, ts[i].sizes(), "broadcast_tensors");
  TensorList out;
  out.reserve(ts.size());
  // torch hands back an input that already has the shape itself, not a view of it
  for (auto& t : ts) out.push_back(t.sizes() == shape ? t : expand(t, shape));
  return out;
}

// ---------------------------------------------------------------- sub-ranges
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK(t.dim() > 0, "narrow", "narrow() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, t.dim(), "narrow");
  int64_t size = t.sizes()[d];
  if (start != size) start = wrap_dim(start, size, "narrow");  // start == size is allowed (an empty result)
  EMBER_CHECK(length >= 0 && start <= size - length, "narrow", "start (", start, ") + length (", length,
              ") exceeds dimension size (", size, ").");
  return slice(t, d, start, start + length, 1);
}

Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  EMBER_CHECK_INDEX(t.dim() > 0, "slice", "slice() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, t.dim(), "slice");
  EMBER_CHECK_VALUE(step > 0, "slice", "step must be greater than zero");
  int64_t size = t.sizes()[d];
  // Python slice semantics: negative bounds count from the end, then clamp into [0, size].
  int64_t s = start.value_or(0), e = end.value_or(size);
  if (s < 0) s += size;
  if (e < 0) e += size;
  s = std::clamp<int64_t>(s, 0, size);
  e = std::clamp<int64_t>(e, s, size);
  int64_t len = (e - s + step - 1) / step;
  Shape in_sizes = t.sizes();
  auto raw = [d, s, len, step](const Tensor& x) { return slice_raw(x, d, s, len, step); };
  auto op = [d, s, e, step](const Tensor& x) { return slice(x, d, s, e, step); };
  return finish_view(t, raw(t), "SliceBackward0", [in_sizes, raw, op](const Tensor& g) {
    return view_scatter(g, in_sizes, raw, op, "SliceBackwardBackward0");
  });
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  EMBER_CHECK_INDEX(t.dim() > 0, "select", "select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, t.dim(), "select");
  int64_t i = wrap_index(index, t.sizes()[d], "select", d, t.sizes());
  Shape in_sizes = t.sizes();
  auto raw = [d, i](const Tensor& x) { return select_raw(x, d, i); };
  auto op = [d, i](const Tensor& x) { return select(x, d, i); };
  return finish_view(t, raw(t), "SelectBackward0", [in_sizes, raw, op](const Tensor& g) {
    return view_scatter(g, in_sizes, raw, op, "SelectBackwardBackward0");
  });
}

Tensor diagonal(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  int64_t d1 = wrap_dim(dim1, t.dim(), "diagonal"), d2 = wrap_dim(dim2, t.dim(), "diagonal");
  EMBER_CHECK(d1 != d2, "diagonal", "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  Shape in_sizes = t.sizes();
  auto raw = [offset, d1, d2](const Tensor& x) { return detail::diagonal_raw(x, offset, d1, d2); };
  auto op = [offset, d1, d2](const Tensor& x) { return diagonal(x, offset, d1, d2); };
  return finish_view(t, raw(t), "DiagonalBackward0", [in_sizes, raw, op](const Tensor& g) {
    return view_scatter(g, in_sizes, raw, op, "DiagonalBackwardBackward0");
  });
}

Tensor unfold(const Tensor& t, int64_t dimension, int64_t size, int64_t step) {
  int64_t d = wrap_dim(dimension, t.dim(), "unfold");
  int64_t max_size = t.dim() == 0 ? 1 : t.sizes()[d];
  EMBER_CHECK(size <= max_size, "unfold", "maximum size for tensor at dimension ", d, " is ", max_size, " but size is ", size);
  EMBER_CHECK(size >= 0, "unfold", "size is ", size, " but must be >= 0");
  EMBER_CHECK(step > 0, "unfold", "step is ", step, " but must be > 0");
  Shape in_sizes = t.sizes();
  auto raw = [d, size, step](const Tensor& x) { return unfold_raw(x, d, size, step); };
  auto op = [d, size, step](const Tensor& x) { return unfold(x, d, size, step); };
  // windows overlap when step < size: their gradients add up
  bool overlap = step < size;
  return finish_view(t, raw(t), "UnfoldBackward0", [in_sizes, raw, op, overlap](const Tensor& g) {
    return view_scatter(g, in_sizes, raw, op, "UnfoldBackwardBackward0", overlap);
  });
}

// ---------------------------------------------------------------- at least n dims
Tensor atleast_1d(const Tensor& t) { return t.dim() >= 1 ? t : reshape(t, {1}); }

Tensor atleast_2d(const Tensor& t) {
  if (t.dim() >= 2) return t;
  return t.dim() == 0 ? reshape(t, {1, 1}) : unsqueeze(t, 0);
}

Tensor atleast_3d(const Tensor& t) {
  switch (t.dim()) {
    case 0: return reshape(t, {1, 1, 1});
    case 1: return unsqueeze(unsqueeze(t, 0), -1);
    case 2: return unsqueeze(t, -1);
    default: return t;
  }
}

}  // namespace ember
