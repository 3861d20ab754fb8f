// Ops along one dimension driven by an index of the same rank: gather,
// scatter (assign or reduce), scatter_add, scatter_reduce.
#include <limits>
#include <string>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/index_kernels.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/index_util.h"
#include "ember/ops/tensor_index.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using cpu::ScatterOp;

namespace {

int64_t rank(const Tensor& t) { return std::max<int64_t>(t.dim(), 1); }
int64_t size_at(const Tensor& t, int64_t d) { return t.dim() == 0 ? 1 : t.sizes()[d]; }

void check_gather(const char* op, const Tensor& self, int64_t dim, const Tensor& index) {
  EMBER_CHECK(index.dtype() == Dtype::Int64, op, "Expected dtype int64 for index, but got ", dtype_name(index.dtype()));
  EMBER_CHECK(rank(index) == rank(self), op, "Index tensor must have the same number of dimensions as input tensor (",
              index.dim(), " vs ", self.dim(), ")");
  for (int64_t d = 0; d < index.dim(); ++d)
    EMBER_CHECK(d == dim || index.sizes()[d] <= size_at(self, d), op, "Size does not match at dimension ", d,
                " expected index ", shape_str(index.sizes()), " to be smaller than self ", shape_str(self.sizes()),
                " apart from dimension ", dim);
}

void check_scatter(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src) {
  EMBER_CHECK(index.dtype() == Dtype::Int64, op, "Expected dtype int64 for index, but got ", dtype_name(index.dtype()));
  if (src)
    EMBER_CHECK(self.dtype() == src->dtype(), op, "Expected self.dtype to be equal to src.dtype (got ",
                dtype_name(self.dtype()), " and ", dtype_name(src->dtype()), ")");
  EMBER_CHECK(rank(index) == rank(self), op, "Index tensor must have the same number of dimensions as self tensor (",
              index.dim(), " vs ", self.dim(), ")");
  if (src)
    EMBER_CHECK(rank(index) == rank(*src), op, "Index tensor must have the same number of dimensions as src tensor (",
                index.dim(), " vs ", src->dim(), ")");
  for (int64_t d = 0; d < index.dim(); ++d) {
    int64_t is = index.sizes()[d];
    bool ok = (d == dim || is <= size_at(self, d)) && (!src || is <= size_at(*src, d));
    EMBER_CHECK(ok, op, "Expected index ", shape_str(index.sizes()), " to be smaller than self ", shape_str(self.sizes()),
                " apart from dimension ", dim, src ? " and to be smaller size than src " : "",
                src ? shape_str(src->sizes()) : std::string());
  }
}

Tensor copy_of(const Tensor& t) {
  Tensor out = empty_like(t);
  cpu::copy_kernel(out, t);
  return out;
}

// A one-element tensor of `dtype` read at every index position.
Tensor value_src(const Scalar& v, Dtype dtype) { return scalar_tensor(v, dtype); }

ScatterOp parse_reduce(const std::optional<std::string>& reduce, const char* op) {
  if (!reduce) return ScatterOp::Assign;
  if (*reduce == "add") return ScatterOp::Sum;
  if (*reduce == "multiply") return ScatterOp::Prod;
  EMBER_CHECK(false, op, "reduce argument must be either add or multiply, got '", *reduce, "'");
  return ScatterOp::Assign;
}

TensorList no_derivative(const Tensor&) {
  EMBER_FAIL("scatter", "derivative for aten::scatter is not implemented (reduce= has no gradient in torch either)");
}

// src may be larger than index: only its leading block (index's shape) is read,
// so its gradient is g in that block and zero elsewhere.
Tensor embed_leading(const Tensor& g, const Shape& sizes) {
  if (g.sizes() == sizes) return g;
  std::vector<std::optional<Tensor>> idx(sizes.size());
  for (size_t d = 0; d < sizes.size(); ++d) {
    int64_t n = g.dim() == 0 ? 1 : g.sizes()[d];
    Shape shape(sizes.size(), 1);
    shape[d] = n;
    idx[d] = detail::raw_view(arange(0, n), shape);
  }
  return index_put(zeros(sizes, g.dtype()), idx, g, false);
}

// The scatter family's forward into a fresh copy of self (no autograd).
Tensor scatter_forward(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, ScatterOp op) {
  Tensor out = copy_of(t);
  cpu::scatter_kernel(out, dim, index, src, op);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- gather
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  dim = wrap_dim(dim, t.dim(), "gather");
  check_gather("gather()", t, dim, index);
  Tensor out = empty(index.sizes(), t.dtype());
  cpu::gather_kernel(out, t, dim, index);
  if (needs_grad(t)) {
    record("GatherBackward0", {t}, out, [sizes = t.sizes(), dim, si = save(index)](const Tensor& g) -> TensorList {
      return {scatter_add(zeros(sizes, g.dtype()), dim, si.unpack(), g)};
    });
  }
  return out;
}

// ---------------------------------------------------------------- scatter
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, const std::optional<std::string>& reduce) {
  dim = wrap_dim(dim, t.dim(), "scatter");
  check_scatter("scatter()", t, dim, index, &src);
  ScatterOp op = parse_reduce(reduce, "scatter()");
  Tensor out = scatter_forward(t, dim, index, src, op);
  if (needs_grad(t, src)) {
    if (op != ScatterOp::Assign) {
      record("ScatterBackward", {t, src}, out, no_derivative);
    } else {
      record("ScatterBackward0", {t, src}, out,
             [dim, si = save(index), ssizes = src.sizes()](const Tensor& g, const autograd::Node& n) -> TensorList {
               Tensor i = si.unpack();
               return {n.needs_input_grad(0) ? scatter(g, dim, i, Scalar(0)) : Tensor(),
                       n.needs_input_grad(1) ? embed_leading(gather(g, dim, i), ssizes) : Tensor()};
             });
    }
  }
  return out;
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value, const std::optional<std::string>& reduce) {
  dim = wrap_dim(dim, t.dim(), "scatter");
  check_scatter("scatter()", t, dim, index, nullptr);
  ScatterOp op = parse_reduce(reduce, "scatter()");
  Tensor v = value_src(value, t.dtype());
  Tensor out = scatter_forward(t, dim, index, v, op);
  if (needs_grad(t)) {
    if (op != ScatterOp::Assign) {
      record("ScatterBackward", {t}, out, no_derivative);
    } else {
      record("ScatterBackward1", {t}, out, [dim, si = save(index)](const Tensor& g) -> TensorList {
        return {scatter(g, dim, si.unpack(), Scalar(0))};
      });
    }
  }
  return out;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::optional<std::string>& reduce) {
  if (needs_grad(self, src)) return copy_(self, scatter(clone(self), dim, index, src, reduce));
  dim = wrap_dim(dim, self.dim(), "scatter_");
  check_scatter("scatter_()", self, dim, index, &src);
  ScatterOp op = parse_reduce(reduce, "scatter_()");
  autograd::check_inplace(self, "scatter_");
  cpu::scatter_kernel(self, dim, index, src.storage() == self.storage() ? copy_of(src) : src, op);
  self.bump_version();
  return self;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, const std::optional<std::string>& reduce) {
  if (needs_grad(self)) return copy_(self, scatter(clone(self), dim, index, value, reduce));
  dim = wrap_dim(dim, self.dim(), "scatter_");
  check_scatter("scatter_()", self, dim, index, nullptr);
  ScatterOp op = parse_reduce(reduce, "scatter_()");
  autograd::check_inplace(self, "scatter_");
  cpu::scatter_kernel(self, dim, index, value_src(value, self.dtype()), op);
  self.bump_version();
  return self;
}

// ---------------------------------------------------------------- scatter_add
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  dim = wrap_dim(dim, t.dim(), "scatter_add");
  check_scatter("scatter_add()", t, dim, index, &src);
  Tensor out = scatter_forward(t, dim, index, src, ScatterOp::Sum);
  if (needs_grad(t, src)) {
    record("ScatterAddBackward0", {t, src}, out,
           [dim, si = save(index), ssizes = src.sizes()](const Tensor& g, const autograd::Node& n) -> TensorList {
             return {g, n.needs_input_grad(1) ? embed_leading(gather(g, dim, si.unpack()), ssizes) : Tensor()};
           });
  }
  return out;
}

Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  if (needs_grad(self, src)) return copy_(self, scatter_add(clone(self), dim, index, src));
  dim = wrap_dim(dim, self.dim(), "scatter_add_");
  check_scatter("scatter_add_()", self, dim, index, &src);
  autograd::check_inplace(self, "scatter_add_");
  cpu::scatter_kernel(self, dim, index, src.storage() == self.storage() ? copy_of(src) : src, ScatterOp::Sum);
  self.bump_version();
  return self;
}

// ---------------------------------------------------------------- scatter_reduce
namespace {

enum class Reduce { Sum, Prod, Mean, Amax, Amin };

Reduce parse_reduce_two(const std::string& r) {
  if (r == "sum") return Reduce::Sum;
  if (r == "prod") return Reduce::Prod;
  if (r == "mean") return Reduce::Mean;
  if (r == "amax") return Reduce::Amax;
  if (r == "amin") return Reduce::Amin;
  EMBER_CHECK(false, "scatter_reduce()", "reduce argument must be either sum, prod, mean, amax or amin, got ", r);
  return Reduce::Sum;
}

// The value a reduction starts from when self is excluded.
Scalar identity(Reduce r, Dtype d) {
  switch (r) {
    case Reduce::Sum: case Reduce::Mean: return 0;
    case Reduce::Prod: return 1;
    case Reduce::Amax:
    case Reduce::Amin: {
      bool mx = r == Reduce::Amax;
      return visit_dtype(d, [&](auto tag) -> Scalar {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) return mx ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        else if constexpr (std::is_same_v<T, bool>) return !mx;
        else return mx ? Scalar(int64_t(std::numeric_limits<T>::lowest())) : Scalar(int64_t(std::numeric_limits<T>::max()));
      });
    }
  }
  return 0;
}

// Number of values reduced into each position of self (self counted when included).
Tensor reduce_counts(const Tensor& self, int64_t dim, const Tensor& index, bool include_self) {
  Tensor counts = include_self ? ones(self.sizes(), self.dtype()) : zeros(self.sizes(), self.dtype());
  cpu::scatter_kernel(counts, dim, index, scalar_tensor(1, self.dtype()), ScatterOp::Sum);
  return counts;
}

Tensor scatter_reduce_forward(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, Reduce r,
                              bool include_self) {
  Tensor out = copy_of(t);
  if (index.numel() == 0) return out;
  if (!include_self) cpu::scatter_kernel(out, dim, index, scalar_tensor(identity(r, t.dtype()), t.dtype()), ScatterOp::Assign);
  ScatterOp op = r == Reduce::Prod ? ScatterOp::Prod : r == Reduce::Amax ? ScatterOp::Max
               : r == Reduce::Amin ? ScatterOp::Min : ScatterOp::Sum;
  cpu::scatter_kernel(out, dim, index, src, op);
  if (r == Reduce::Mean) {
    autograd::NoGradGuard ng;
    Tensor counts = reduce_counts(t, dim, index, include_self);
    counts = masked_fill(counts, eq(counts, wrap_scalar(0)), scalar_tensor(1, counts.dtype()));
    Tensor q = is_floating(t.dtype()) ? div(out, counts) : div(out, counts, std::string("floor"));
    cpu::copy_kernel(out, q);
  }
  return out;
}

// torch's scatter_reduce_backward, term by term.
TensorList scatter_reduce_grad(const Tensor& g, const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src_full,
                               Reduce r, bool include_self, const Tensor& result, const autograd::Node& n) {
  // Only src's leading block (index's shape) takes part; the formulas work on that block.
  Tensor src = src_full;
  if (src.sizes() != index.sizes() && index.dim() > 0) {
    std::vector<indexing::TensorIndex> block;
    for (int64_t d = 0; d < index.dim(); ++d) block.emplace_back(indexing::Slice{0, index.sizes()[d]});
    src = getitem(src_full, block);
  }
  Tensor gs, gsrc;
  Tensor z = zeros({}, g.dtype());
  switch (r) {
    case Reduce::Sum:
      gs = g;
      if (n.needs_input_grad(1)) gsrc = gather(g, dim, index);
      break;
    case Reduce::Prod: {
      // Products that exclude one zero factor are recomputed with that factor masked to 1.
      Tensor masked_self = masked_fill(self, eq(self, wrap_scalar(0)), scalar_tensor(1, self.dtype()));
      Tensor masked_self_result = scatter_reduce(masked_self, dim, index, src, "prod", include_self);
      gs = div(mul(g, masked_self_result), masked_self);
      if (n.needs_input_grad(1)) {
        Tensor src_zero = eq(src, wrap_scalar(0));
        Tensor src_num_zeros = gather(scatter_add(zeros_like(self), dim, index, to_dtype(src_zero, self.dtype())), dim, index);
        Tensor src_single_zero = logical_and(src_zero, eq(src_num_zeros, wrap_scalar(1)));
        Tensor masked_src = masked_fill(src, src_single_zero, scalar_tensor(1, src.dtype()));
        Tensor masked_src_result = scatter_reduce(self, dim, index, masked_src, "prod", include_self);
        gsrc = where(src_single_zero, gather(mul(g, masked_src_result), dim, index),
                     div(gather(mul(g, result), dim, index), masked_fill(src, src_zero, scalar_tensor(1, src.dtype()))));
      }
      break;
    }
    case Reduce::Mean: {
      Tensor counts;
      {
        autograd::NoGradGuard ng;
        counts = reduce_counts(self, dim, index, include_self);
        counts = masked_fill(counts, eq(counts, wrap_scalar(0)), scalar_tensor(1, counts.dtype()));
      }
      gs = div(g, counts);
      if (n.needs_input_grad(1)) gsrc = gather(div(g, counts), dim, index);
      break;
    }
    case Reduce::Amax:
    case Reduce::Amin: {
      // Ties share the gradient evenly.
      Tensor value = gather(result, dim, index);
      Tensor self_is_result = to_dtype(eq(self, result), self.dtype());
      Tensor src_is_result = to_dtype(eq(src, value), self.dtype());
      Tensor n_share = scatter_add(self_is_result, dim, index, src_is_result);
      Tensor shared = div(g, n_share);
      gs = mul(self_is_result, shared);
      if (n.needs_input_grad(1)) gsrc = mul(src_is_result, gather(shared, dim, index));
      break;
    }
  }
  if (!include_self && gs.defined()) gs = scatter(gs, dim, index, Scalar(0));
  if (gsrc.defined()) gsrc = embed_leading(gsrc, src_full.sizes());
  return {n.needs_input_grad(0) ? gs : Tensor(), gsrc};
}

}  // namespace

Tensor scatter_reduce(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                      bool include_self) {
  dim = wrap_dim(dim, t.dim(), "scatter_reduce");
  Reduce r = parse_reduce_two(reduce);
  check_scatter("scatter_reduce()", t, dim, index, &src);
  Tensor out = scatter_reduce_forward(t, dim, index, src, r, include_self);
  if (needs_grad(t, src) && is_floating(t.dtype())) {
    record("ScatterReduceBackward0", {t, src}, out,
           [dim, r, include_self, si = save(index), st = save(t), ss = save(src), so = autograd::save_output(out)](
               const Tensor& g, const autograd::Node& n) -> TensorList {
             return scatter_reduce_grad(g, st.unpack(), dim, si.unpack(), ss.unpack(), r, include_self, so.unpack(), n);
           });
  }
  return out;
}

Tensor& scatter_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                        bool include_self) {
  if (needs_grad(self, src)) return copy_(self, scatter_reduce(clone(self), dim, index, src, reduce, include_self));
  dim = wrap_dim(dim, self.dim(), "scatter_reduce_");
  Reduce r = parse_reduce_two(reduce);
  check_scatter("scatter_reduce_()", self, dim, index, &src);
  autograd::check_inplace(self, "scatter_reduce_");
  cpu::copy_kernel(self, scatter_reduce_forward(self, dim, index, src, r, include_self));
  self.bump_version();
  return self;
}

}  // namespace ember
