// Ops that index along one dim, or the flattened tensor: index_select,
// index_add, index_copy, index_fill, take, take_along_dim. The copies go
// through detail::copy_block_out/_in like advanced indexing (the indexed
// block is one dim here).
#include <string>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/index_kernels.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/index_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;

// ---------------------------------------------------------------- one index along a dim
namespace {

using OptTensors = std::vector<std::optional<Tensor>>;

// `index` must be a vector (or a scalar); returns it as contiguous int64.
Tensor vector_index(const char* op, const Tensor& index, bool allow_int32, bool index_error_dtype, const char* not_vector) {
  detail::check_index_dtype(op, index, allow_int32, index_error_dtype);
  EMBER_CHECK_INDEX(index.dim() <= 1, op, not_vector);
  return detail::index_as_long(index);
}

// Offsets of a vector index along `dim` of self (negative values wrap when allowed).
detail::IndexedBlock along_dim(const Tensor& self1, int64_t dim, const Tensor& index_long, bool allow_negative,
                               const char* op, const char* oob_message) {
  detail::IndexedBlock a;
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
  detail::copy_block_in(s1, along_dim(s1, dim, index_long, allow_negative, op, oob_message), source, accumulate);
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
    out = detail::copy_block_out(t, along_dim(t, dim, idx, false, "index_select", "index out of range in self"));
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
