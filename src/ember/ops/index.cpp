// Advanced indexing and the ops built on it: index, index_put, index_select,
// index_add, index_copy, index_fill, take, take_along_dim.
//
// All of them reduce to one copy loop (cpu::index_copy_loop) over three
// blocks of dims: the dims before the indexed block (outer), the broadcast
// index positions (b) and the dims after it (inner). For every b the index
// values are turned into one element offset first, so out-of-range indices
// raise before anything is written.
#include <string>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/index_kernels.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/index_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using autograd::SavedTensor;
using detail::IndexOffsets;

namespace {

using OptTensors = std::vector<std::optional<Tensor>>;

// ---------------------------------------------------------------- the indexed block
// `index`/`index_put` arguments after bool masks became integer indices.
struct AdvIndex {
  std::vector<Tensor> tensors;  // int64 indices, tensors[k] indexes dims[k]
  std::vector<int64_t> dims;    // ascending
  Shape outer_sizes, outer_strides, inner_sizes, inner_strides;  // of self
  std::vector<int64_t> outer_dims, inner_dims;
  IndexOffsets off;
  Shape result_shape;           // outer + bshape + inner
  OptTensors expanded;          // the integer form, for backward
};

Tensor long_nonzero_column(const Tensor& nz, int64_t col);

// torch's expandTensors + the placement rules: adjacent indexed dims keep their
// place in the result; separated ones move the broadcast block to the front.
AdvIndex prepare(const Tensor& self, const OptTensors& indices, const char* op) {
  AdvIndex a;
  EMBER_CHECK_INDEX(int64_t(indices.size()) <= self.dim(), op, "too many indices for tensor of dimension ", self.dim(),
                    " (got ", indices.size(), ")");
  OptTensors& ex = a.expanded;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!indices[i] || !indices[i]->defined()) {
      ex.emplace_back();
      continue;
    }
    const Tensor& t = *indices[i];
    Dtype d = t.dtype();
    if (d == Dtype::Bool || d == Dtype::UInt8) {
      // A 0-d mask needs a new dim to select along: the Python layer turns x[True] into x[None][[0]].
      EMBER_CHECK_INDEX(t.dim() > 0, op, "a 0-dimensional boolean index needs a dimension to index");
      int64_t start = int64_t(ex.size());
      EMBER_CHECK_INDEX(start + t.dim() <= self.dim(), op, "too many indices for tensor of dimension ", self.dim());
      for (int64_t j = 0; j < t.dim(); ++j)
        EMBER_CHECK_INDEX(t.sizes()[j] == self.sizes()[start + j], op, "The shape of the mask ", shape_str(t.sizes()),
                          " at index ", j, " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
                          " at index ", start + j);
      Tensor nz = nonzero(t);
      for (int64_t j = 0; j < t.dim(); ++j) ex.emplace_back(long_nonzero_column(nz, j));
      continue;
    }
    EMBER_CHECK_INDEX(d == Dtype::Int64, op, "tensors used as indices must be long, byte or bool tensors (got ",
                      dtype_name(d), ")");
    ex.emplace_back(t);
  }
  EMBER_CHECK_INDEX(int64_t(ex.size()) <= self.dim(), op, "too many indices for tensor of dimension ", self.dim(),
                    " (got ", ex.size(), ")");
  for (size_t i = 0; i < ex.size(); ++i)
    if (ex[i]) {
      a.tensors.push_back(*ex[i]);
      a.dims.push_back(int64_t(i));
    }
  EMBER_CHECK_INDEX(!a.tensors.empty(), op, "at least one index tensor is needed");
  bool adjacent = a.dims.back() - a.dims.front() + 1 == int64_t(a.dims.size());
  a.off = detail::compute_index_offsets(a.tensors, a.dims, self.sizes(), self.strides(), op);
  std::vector<bool> indexed(size_t(self.dim()), false);
  for (int64_t d : a.dims) indexed[d] = true;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (indexed[d]) continue;
    bool before = adjacent && d < a.dims.front();
    (before ? a.outer_dims : a.inner_dims).push_back(d);
  }
  for (int64_t d : a.outer_dims) {
    a.outer_sizes.push_back(self.sizes()[d]);
    a.outer_strides.push_back(self.strides()[d]);
  }
  for (int64_t d : a.inner_dims) {
    a.inner_sizes.push_back(self.sizes()[d]);
    a.inner_strides.push_back(self.strides()[d]);
  }
  a.result_shape = a.outer_sizes;
  a.result_shape.insert(a.result_shape.end(), a.off.bshape.begin(), a.off.bshape.end());
  a.result_shape.insert(a.result_shape.end(), a.inner_sizes.begin(), a.inner_sizes.end());
  return a;
}

Tensor long_nonzero_column(const Tensor& nz, int64_t col) {
  int64_t n = nz.sizes()[0];
  Tensor c = empty({n}, Dtype::Int64);
  const int64_t* p = nz.data_ptr<int64_t>();
  int64_t* q = c.data_ptr<int64_t>();
  int64_t w = nz.sizes()[1];
  for (int64_t i = 0; i < n; ++i) q[i] = p[i * w + col];
  return c;
}

// An operand laid out as outer + [b dims] + inner (a result, or values expanded to it).
cpu::IndexOperand result_operand(const Tensor& t, size_t n_outer, const Shape& bshape, size_t n_inner,
                                 std::vector<int64_t>& boff_storage) {
  cpu::IndexOperand o;
  o.base = static_cast<char*>(t.raw_data());
  const Shape& st = t.strides();
  o.outer_strides.assign(st.begin(), st.begin() + int64_t(n_outer));
  o.inner_strides.assign(st.end() - int64_t(n_inner), st.end());
  size_t nbd = bshape.size();
  if (nbd == 0) {
    o.bstride = 0;
  } else if (nbd == 1) {
    o.bstride = st[n_outer];
  } else {
    // Dense row-major b dims collapse to one stride; anything else gets a table.
    bool dense = true;
    for (size_t k = 0; k + 1 < nbd && dense; ++k)
      dense = bshape[k] == 1 || st[n_outer + k] == st[n_outer + k + 1] * bshape[k + 1];
    int64_t inner_b = st[n_outer + nbd - 1];
    if (dense) {
      o.bstride = inner_b;
    } else {
      int64_t nb = shape_numel(bshape);
      boff_storage.assign(size_t(nb), 0);
      for (int64_t b = 0; b < nb; ++b) {
        int64_t rem = b, off = 0;
        for (int64_t k = int64_t(nbd) - 1; k >= 0; --k) {
          off += (rem % bshape[k]) * st[n_outer + k];
          rem /= bshape[k];
        }
        boff_storage[b] = off;
      }
      o.boff = boff_storage.data();
    }
  }
  return o;
}

cpu::IndexOperand self_operand(const Tensor& self, const AdvIndex& a) {
  cpu::IndexOperand o;
  o.base = static_cast<char*>(self.raw_data());
  o.outer_strides = a.outer_strides;
  o.inner_strides = a.inner_strides;
  o.boff = a.off.offsets.data();
  return o;
}

Tensor index_forward(const Tensor& self, const AdvIndex& a) {
  Tensor out = empty(a.result_shape, self.dtype());
  std::vector<int64_t> unused;
  cpu::IndexOperand dst = result_operand(out, a.outer_sizes.size(), a.off.bshape, a.inner_sizes.size(), unused);
  cpu::index_copy_loop(dst, self_operand(self, a), a.outer_sizes, int64_t(a.off.offsets.size()), a.inner_sizes,
                       self.dtype(), false, false);
  return out;
}

// Values may alias self (x[i] = x[j]): read them from a private copy.
Tensor unaliased(const Tensor& values, const Tensor& self) {
  if (values.storage() != self.storage()) return values;
  Tensor c = empty(values.sizes(), values.dtype());
  cpu::copy_kernel(c, values);
  return c;
}

void index_put_forward(const Tensor& self, const AdvIndex& a, const Tensor& values, bool accumulate, const char* op) {
  EMBER_CHECK(values.dtype() == self.dtype(), op, "Index put requires the source and destination dtypes match, got ",
              dtype_name(self.dtype()), " for the destination and ", dtype_name(values.dtype()), " for the source.");
  EMBER_CHECK(is_expandable_to(values.sizes(), a.result_shape), op, "shape mismatch: value tensor of shape ",
              shape_str(values.sizes()), " cannot be broadcast to indexing result of shape ", shape_str(a.result_shape));
  Tensor v = detail::raw_expand(unaliased(values, self), a.result_shape);
  std::vector<int64_t> vboff;
  cpu::IndexOperand src = result_operand(v, a.outer_sizes.size(), a.off.bshape, a.inner_sizes.size(), vboff);
  cpu::index_copy_loop(self_operand(self, a), src, a.outer_sizes, int64_t(a.off.offsets.size()), a.inner_sizes,
                       self.dtype(), accumulate, true);
}

std::vector<SavedTensor> save_all(const OptTensors& ts) {
  std::vector<SavedTensor> r;
  r.reserve(ts.size());
  for (auto& t : ts) r.push_back(t ? save(*t) : SavedTensor());
  return r;
}
OptTensors unpack_all(const std::vector<SavedTensor>& ss) {
  OptTensors r;
  r.reserve(ss.size());
  for (auto& s : ss) r.push_back(s.defined() ? std::optional<Tensor>(s.unpack()) : std::nullopt);
  return r;
}

}  // namespace

// ---------------------------------------------------------------- index / index_put
Tensor index(const Tensor& t, const std::vector<std::optional<Tensor>>& indices) {
  AdvIndex a = prepare(t, indices, "index");
  Tensor out = index_forward(t, a);
  if (needs_grad(t)) {
    record("IndexBackward0", {t}, out, [sizes = t.sizes(), idx = save_all(a.expanded)](const Tensor& g) -> TensorList {
      return {index_put(zeros(sizes, g.dtype()), unpack_all(idx), g, true)};
    });
  }
  return out;
}

Tensor index_put(const Tensor& t, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
  Tensor out = empty_like(t);
  cpu::copy_kernel(out, t);
  AdvIndex a = prepare(out, indices, "index_put");
  index_put_forward(out, a, values, accumulate, "index_put");
  if (needs_grad(t, values)) {
    record("IndexPutBackward0", {t, values}, out,
           [idx = save_all(a.expanded), accumulate](const Tensor& g, const autograd::Node& n) -> TensorList {
             OptTensors ix = unpack_all(idx);
             Tensor gs, gv;
             if (n.needs_input_grad(0)) gs = accumulate ? g : index_put(g, ix, zeros({}, g.dtype()), false);
             if (n.needs_input_grad(1)) gv = index(g, ix);
             return {gs, gv};
           });
  }
  return out;
}

Tensor& index_put_(Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
  AdvIndex a = prepare(self, indices, "index_put_");
  autograd::check_inplace(self, "index_put_");
  index_put_forward(self, a, values, accumulate, "index_put_");
  autograd::record_inplace("IndexPutBackward0", self, {values},
                           [idx = save_all(a.expanded), accumulate](const Tensor& g, const autograd::Node& n) -> TensorList {
                             OptTensors ix = unpack_all(idx);
                             Tensor gs, gv;
                             if (n.needs_input_grad(0)) gs = accumulate ? g : index_put(g, ix, zeros({}, g.dtype()), false);
                             if (n.needs_input_grad(1)) gv = index(g, ix);
                             return {gs, gv};
                           });
  return self;
}

// ---------------------------------------------------------------- one index along a dim
namespace {

// `index` must be a vector (or a scalar); returns it as contiguous int64.
Tensor vector_index(const char* op, const Tensor& index, bool allow_int32, bool index_error_dtype, const char* not_vector) {
  detail::check_index_dtype(op, index, allow_int32, index_error_dtype);
  EMBER_CHECK_INDEX(index.dim() <= 1, op, not_vector);
  return detail::index_as_long(index);
}

// Offsets of a vector index along `dim` of self (negative values wrap when allowed).
AdvIndex along_dim(const Tensor& self1, int64_t dim, const Tensor& index_long, bool allow_negative, const char* op,
                   const char* oob_message) {
  AdvIndex a;
  Tensor idx = index_long.dim() == 0 ? detail::raw_view(index_long, {1}) : index_long;
  int64_t size = self1.sizes()[dim];
  const int64_t* p = idx.data_ptr<int64_t>();
  int64_t n = idx.numel(), stride = self1.strides()[dim];
  a.off.bshape = {n};
  a.off.offsets.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = p[i];
    bool ok = allow_negative ? (v >= -size && v < size) : (v >= 0 && v < size);
    if (!ok) {
      if (oob_message) detail::fail(ErrorKind::Index, op, oob_message);
      detail::fail(ErrorKind::Index, op, "index ", v, " is out of bounds for dimension ", dim, " with size ", size);
    }
    a.off.offsets[i] = (v < 0 ? v + size : v) * stride;
  }
  for (int64_t d = 0; d < self1.dim(); ++d) {
    if (d == dim) continue;
    if (d < dim) {
      a.outer_sizes.push_back(self1.sizes()[d]);
      a.outer_strides.push_back(self1.strides()[d]);
    } else {
      a.inner_sizes.push_back(self1.sizes()[d]);
      a.inner_strides.push_back(self1.strides()[d]);
    }
  }
  a.result_shape = self1.sizes();
  a.result_shape[dim] = n;
  return a;
}

// source laid out like self with `n` at dim: checks in torch's words (and order:
// index_copy_ checks the ranks first, index_add_ the number of indices).
void check_source(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                  bool ranks_first) {
  EMBER_CHECK(self.dtype() == source.dtype(), op, "self (", dtype_name(self.dtype()), ") and source (",
              dtype_name(source.dtype()), ") must have the same scalar type");
  bool scalar = source.dim() == 0 || self.dim() == 0;
  bool ranks_match = scalar || source.dim() == self.dim();
  if (ranks_first)
    EMBER_CHECK_INDEX(ranks_match, op, "When source and destination are not scalars, their dimensionality must match. "
                      "Source dimensionality (", source.dim(), "), destination dimensionality (", self.dim(), ")");
  int64_t ssize = source.dim() == 0 ? 1 : source.sizes()[std::min(dim, source.dim() - 1)];
  EMBER_CHECK(index.numel() == ssize, op, "Number of indices (", index.numel(), ") should be equal to source.size(dim): (",
              ssize, "), for dim: ", dim);
  EMBER_CHECK(ranks_match, op, "source ", shape_str(source.sizes()), " and self ", shape_str(self.sizes()),
              " must have the same number of dimensions");
  if (!scalar)
    for (int64_t d = 0; d < self.dim(); ++d)
      EMBER_CHECK(d == dim || source.sizes()[d] == self.sizes()[d], op, "source ", shape_str(source.sizes()),
                  " and self ", shape_str(self.sizes()), " must match in every dimension but ", dim);
}

// self (in place) [.., index[i], ..] (op)= source[.., i, ..]
void put_along_dim(Tensor& self, int64_t dim, const Tensor& index_long, const Tensor& source, bool accumulate,
                   bool allow_negative, const char* op, const char* oob_message) {
  Tensor s1 = self.dim() == 0 ? make_view(self, {1}, {1}, self.storage_offset()) : self;
  AdvIndex a = along_dim(s1, dim, index_long, allow_negative, op, oob_message);
  Tensor src = source.dim() == 0 || source.dim() != s1.dim() ? detail::raw_expand(source, a.result_shape) : source;
  src = unaliased(src, self);
  std::vector<int64_t> unused;
  cpu::IndexOperand so = result_operand(src, a.outer_sizes.size(), a.off.bshape, a.inner_sizes.size(), unused);
  cpu::index_copy_loop(self_operand(s1, a), so, a.outer_sizes, int64_t(a.off.offsets.size()), a.inner_sizes,
                       self.dtype(), accumulate, true);
}

Tensor copy_of(const Tensor& t) {
  Tensor out = empty_like(t);
  cpu::copy_kernel(out, t);
  return out;
}

}  // namespace

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  dim = wrap_dim(dim, t.dim(), "index_select");
  Tensor idx = vector_index("index_select()", index, true, false, "Index is supposed to be a vector");
  Tensor out;
  if (t.dim() == 0) {
    // torch: a scalar self gives a scalar (every index must be 0).
    along_dim(make_view(t, {1}, {1}, t.storage_offset()), 0, idx, false, "index_select", "index out of range in self");
    out = empty({}, t.dtype());
    cpu::copy_kernel(out, t);
  } else {
    AdvIndex a = along_dim(t, dim, idx, false, "index_select", "index out of range in self");
    out = index_forward(t, a);
  }
  if (needs_grad(t)) {
    record("IndexSelectBackward0", {t}, out, [sizes = t.sizes(), dim, si = save(idx)](const Tensor& g) -> TensorList {
      return {index_add(zeros(sizes, g.dtype()), dim, si.unpack(), g)};
    });
  }
  return out;
}

namespace {
Tensor& index_add_impl(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha,
                       const char* op) {
  dim = wrap_dim(dim, self.dim(), op);
  Tensor idx = vector_index(op, index, true, false, "Index is supposed to be a vector");
  check_source(op, self, dim, idx, source, false);
  Tensor src = detach(source);
  if (alpha.to_double() != 1.0) {
    autograd::NoGradGuard ng;
    src = mul(src, scalar_tensor(alpha, self.dtype()));
  }
  put_along_dim(self, dim, idx, src, true, false, op, "index out of range in self");
  return self;
}
}  // namespace

Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  autograd::check_inplace(self, "index_add_");
  index_add_impl(self, dim, index, source, alpha, "index_add_");
  int64_t d = wrap_dim(dim, self.dim(), "index_add_");
  autograd::record_inplace("IndexAddBackward0", self, {source},
                           [d, si = save(detail::index_as_long(index)), alpha](const Tensor& g, const autograd::Node& n) -> TensorList {
                             Tensor gs;
                             if (n.needs_input_grad(1)) {
                               gs = index_select(g, d, si.unpack());
                               if (alpha.to_double() != 1.0) gs = mul(gs, wrap_scalar(alpha));
                             }
                             return {g, gs};
                           });
  return self;
}

Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  Tensor out = copy_of(t);
  index_add_impl(out, dim, index, source, alpha, "index_add");
  if (needs_grad(t, source)) {
    int64_t d = wrap_dim(dim, t.dim(), "index_add");
    record("IndexAddBackward0", {t, source}, out,
           [d, si = save(detail::index_as_long(index)), alpha](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor gs;
             if (n.needs_input_grad(1)) {
               gs = index_select(g, d, si.unpack());
               if (alpha.to_double() != 1.0) gs = mul(gs, wrap_scalar(alpha));
             }
             return {g, gs};
           });
  }
  return out;
}

Tensor index_copy(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
  dim = wrap_dim(dim, t.dim(), "index_copy");
  EMBER_CHECK(index.dtype() == Dtype::Int64, "index_copy_()", "Expected a long tensor for index, but got ",
              dtype_name(index.dtype()));
  Tensor idx = vector_index("index_copy_()", index, false, false, "Index should have dimension 1 or 0");
  check_source("index_copy_()", t, dim, idx, source, true);
  Tensor out = copy_of(t);
  put_along_dim(out, dim, idx, detach(source), false, false, "index_copy_()", nullptr);
  if (needs_grad(t, source)) {
    record("IndexCopyBackward0", {t, source}, out, [dim, si = save(idx)](const Tensor& g, const autograd::Node& n) -> TensorList {
      Tensor i = si.unpack();
      return {n.needs_input_grad(0) ? index_fill(g, dim, i, 0) : Tensor(),
              n.needs_input_grad(1) ? index_select(g, dim, i) : Tensor()};
    });
  }
  return out;
}

Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  if (!needs_grad(self, source)) {
    dim = wrap_dim(dim, self.dim(), "index_copy_");
    EMBER_CHECK(index.dtype() == Dtype::Int64, "index_copy_()", "Expected a long tensor for index, but got ",
                dtype_name(index.dtype()));
    Tensor idx = vector_index("index_copy_()", index, false, false, "Index should have dimension 1 or 0");
    check_source("index_copy_()", self, dim, idx, source, true);
    autograd::check_inplace(self, "index_copy_");
    put_along_dim(self, dim, idx, source, false, false, "index_copy_()", nullptr);
    self.bump_version();
    return self;
  }
  return copy_(self, index_copy(clone(self), dim, index, source));
}

Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  Tensor out = copy_of(t);
  {
    autograd::NoGradGuard ng;
    index_fill_(out, dim, index, value);
  }
  if (needs_grad(t)) {
    int64_t d = wrap_dim(dim, t.dim(), "index_fill");
    record("IndexFillBackward0", {t}, out, [d, si = save(detail::index_as_long(index))](const Tensor& g) -> TensorList {
      return {index_fill(g, d, si.unpack(), 0)};
    });
  }
  return out;
}

Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  dim = wrap_dim(dim, self.dim(), "index_fill_");
  detail::check_index_dtype("index_fill_()", index, false, true);
  EMBER_CHECK(index.dim() <= 1, "index_fill_()", "Index has to be a vector/scalar");
  Tensor idx = detail::index_as_long(index);
  autograd::check_inplace(self, "index_fill_");
  Tensor v = scalar_tensor(value, self.dtype());
  put_along_dim(self, dim, idx, v, false, true, "index_fill_()", nullptr);
  autograd::record_inplace("IndexFillBackward0", self, {}, [dim, si = save(idx)](const Tensor& g) -> TensorList {
    return {index_fill(g, dim, si.unpack(), 0)};
  });
  return self;
}

// ---------------------------------------------------------------- take, take_along_dim
namespace {

// Element offsets of flat (row-major) positions of t.
std::vector<int64_t> flat_offsets(const Tensor& t, const Tensor& index_long, const char* op) {
  int64_t n = index_long.numel(), numel = t.numel();
  const int64_t* p = index_long.data_ptr<int64_t>();
  std::vector<int64_t> off(static_cast<size_t>(n));
  const Shape& sz = t.sizes();
  const Shape& st = t.strides();
  bool contig = t.is_contiguous();
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = p[i];
    EMBER_CHECK_INDEX(v >= -numel && v < numel, op, "out of range: tried to access index ", v, " on a tensor of ", numel,
                      " elements.");
    if (v < 0) v += numel;
    if (contig) { off[i] = v; continue; }
    int64_t o = 0;
    for (int64_t d = t.dim() - 1; d >= 0; --d) {
      o += (v % sz[d]) * st[d];
      v /= sz[d];
    }
    off[i] = o;
  }
  return off;
}

// Integer indices, one per dim of `sizes`, addressing the flat positions `flat` (no grad).
OptTensors unravel(const Tensor& flat, const Shape& sizes) {
  autograd::NoGradGuard ng;
  int64_t numel = shape_numel(sizes);
  Tensor v = remainder(flat, wrap_scalar(numel == 0 ? 1 : numel));
  OptTensors r(sizes.size());
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    Tensor s = wrap_scalar(sizes[d]);
    r[d] = remainder(v, s);
    v = div(v, s, std::string("floor"));
  }
  return r;
}

// zeros(sizes) with `values` put (or added) at flat positions: the adjoint of take.
Tensor put_flat(const Shape& sizes, const Tensor& flat, const Tensor& values, bool accumulate) {
  if (sizes.empty()) {
    Tensor z = zeros({1}, values.dtype());
    Tensor r = index_put(z, unravel(flat, {1}), values, accumulate);
    return index(r, {zeros({}, Dtype::Int64)});
  }
  return index_put(zeros(sizes, values.dtype()), unravel(flat, sizes), values, accumulate);
}

}  // namespace

Tensor take(const Tensor& t, const Tensor& index) {
  EMBER_CHECK(index.dtype() == Dtype::Int64, "take()", "Expected a long tensor for index, but got ",
              dtype_name(index.dtype()));
  Tensor idx = detail::index_as_long(index);
  std::vector<int64_t> off = flat_offsets(t, idx, "take");
  Tensor out = empty(index.sizes(), t.dtype());
  cpu::IndexOperand dst, src;
  dst.base = static_cast<char*>(out.raw_data());
  dst.bstride = 1;
  src.base = static_cast<char*>(t.raw_data());
  src.boff = off.data();
  cpu::index_copy_loop(dst, src, {}, int64_t(off.size()), {}, t.dtype(), false, false);
  if (needs_grad(t)) {
    record("TakeBackward0", {t}, out, [sizes = t.sizes(), si = save(idx)](const Tensor& g) -> TensorList {
      return {put_flat(sizes, si.unpack(), g, true)};
    });
  }
  return out;
}

Tensor take_along_dim(const Tensor& t, const Tensor& indices, std::optional<int64_t> dim) {
  EMBER_CHECK(indices.dtype() == Dtype::Int64, "torch.take_along_dim()", "dtype of indices should be Long but got ",
              dtype_name(indices.dtype()));
  if (!dim) {
    Tensor flat = detail::index_as_long(indices);
    return take(t, detail::raw_view(flat, {flat.numel()}));
  }
  int64_t d = wrap_dim(*dim, t.dim(), "take_along_dim");
  EMBER_CHECK(t.dim() == indices.dim(), "torch.take_along_dim()",
              "input and indices should have the same number of dimensions, but got ", t.dim(),
              " dimensions for input, and ", indices.dim(), " dimensions for indices");
  if (t.dim() == 0) return gather(t, 0, indices);
  Shape ts = t.sizes(), is = indices.sizes();
  ts[d] = 1;
  is[d] = 1;
  Shape b = broadcast_shapes(ts, is, "take_along_dim");
  Shape tb = b, ib = b;
  tb[d] = t.sizes()[d];
  ib[d] = indices.sizes()[d];
  if (tb == t.sizes()) return gather(t, d, detail::raw_expand(indices, ib));
  // self is broadcast: gather from the expanded view; the engine sums the gradient back to self's shape.
  Tensor te = detail::raw_expand(detach(t), tb);
  Tensor ie = detail::raw_expand(indices, ib);
  Tensor out;
  {
    autograd::NoGradGuard ng;
    out = gather(te, d, ie);
  }
  if (needs_grad(t)) {
    record("TakeAlongDimBackward0", {t}, out, [tb, d, si = save(ie)](const Tensor& g) -> TensorList {
      return {scatter_add(zeros(tb, g.dtype()), d, si.unpack(), g)};
    });
  }
  return out;
}

}  // namespace ember
