// Ops driven by a boolean mask: masked_fill, masked_select, masked_scatter,
// and nonzero (the integer form of a mask).
#include "ember/autograd/function.h"
#include "ember/ops/cpu/index_kernels.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/index_util.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;
using detail::cast_nograd;

namespace {

void check_mask(const char* op, const Tensor& mask) {
  EMBER_CHECK(mask.dtype() == Dtype::Bool || mask.dtype() == Dtype::UInt8, op,
              "expected BoolTensor or ByteTensor for mask, but got ", dtype_name(mask.dtype()));
}

void check_fill_value(const char* op, const Tensor& value) {
  EMBER_CHECK(value.dim() == 0, op, "only supports a 0-dimensional value tensor, but got tensor with ", value.dim(),
              " dimension(s).");
}

// Calls fn(flat_position) for every true element of `mask` (any layout), in row-major order.
template <class F> void for_each_true(const Tensor& mask, F&& fn) {
  int64_t n = mask.numel();
  if (n == 0) return;
  const uint8_t* base = static_cast<const uint8_t*>(mask.raw_data());  // bool and uint8 are one byte
  if (mask.is_contiguous()) {
    for (int64_t i = 0; i < n; ++i)
      if (base[i]) fn(i);
    return;
  }
  int64_t nd = mask.dim();
  std::vector<int64_t> ix(size_t(nd), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (base[off]) fn(i);
    for (int64_t d = nd - 1; d >= 0; --d) {
      off += mask.strides()[d];
      if (++ix[d] < mask.sizes()[d]) break;
      off -= mask.strides()[d] * mask.sizes()[d];
      ix[d] = 0;
    }
  }
}

// Element offset of flat (row-major) position `i` of t.
inline int64_t offset_of(const Tensor& t, int64_t i) {
  if (t.is_contiguous()) return i;
  int64_t o = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    o += (i % t.sizes()[d]) * t.strides()[d];
    i /= t.sizes()[d];
  }
  return o;
}

// out(flat positions `dpos`) = src(flat positions `spos`), element by element.
void copy_positions(const Tensor& dst, const std::vector<int64_t>& dpos, const Tensor& src,
                    const std::vector<int64_t>& spos) {
  std::vector<int64_t> doff(dpos.size()), soff(spos.size());
  for (size_t i = 0; i < dpos.size(); ++i) doff[i] = offset_of(dst, dpos[i]);
  for (size_t i = 0; i < spos.size(); ++i) soff[i] = offset_of(src, spos[i]);
  cpu::IndexOperand d, s;
  d.base = static_cast<char*>(dst.raw_data());
  d.boff = doff.data();
  s.base = static_cast<char*>(src.raw_data());
  s.boff = soff.data();
  cpu::index_copy_loop(d, s, {}, int64_t(doff.size()), {}, dst.dtype(), false, false);
}

Tensor as_bool(const Tensor& mask) { return cast_nograd(mask, Dtype::Bool); }

}  // namespace

// ---------------------------------------------------------------- masked_fill
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Tensor& value) {
  check_mask("masked_fill", mask);
  check_fill_value("masked_fill_", value);
  Shape shape = broadcast_shapes(t.sizes(), mask.sizes(), "masked_fill");
  Tensor out = detail::empty_elementwise(shape, t.dtype(), t);
  cpu::ternary_kernel(cpu::TernaryOp::Where, out, as_bool(mask), cast_nograd(value, t.dtype()), t);
  if (needs_grad(t, value) && is_floating(t.dtype())) {
    record("MaskedFillBackward0", {t, value}, out, [m = save(mask)](const Tensor& g, const autograd::Node& n) -> TensorList {
      Tensor mb = as_bool(m.unpack());
      Tensor z = zeros({}, g.dtype());
      return {n.needs_input_grad(0) ? where(mb, z, g) : Tensor(), n.needs_input_grad(1) ? sum(where(mb, g, z)) : Tensor()};
    });
  }
  return out;
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  check_mask("masked_fill_", mask);
  check_fill_value("masked_fill_", value);
  EMBER_CHECK(is_expandable_to(mask.sizes(), self.sizes()), "masked_fill_", "mask of shape ", shape_str(mask.sizes()),
              " cannot be broadcast to self of shape ", shape_str(self.sizes()));
  autograd::check_inplace(self, "masked_fill_");
  cpu::ternary_kernel(cpu::TernaryOp::Where, self, as_bool(mask), cast_nograd(value, self.dtype()), self);
  autograd::record_inplace("MaskedFillBackward0", self, {value}, [m = save(mask)](const Tensor& g, const autograd::Node& n) -> TensorList {
    Tensor mb = as_bool(m.unpack());
    Tensor z = zeros({}, g.dtype());
    return {n.needs_input_grad(0) ? where(mb, z, g) : Tensor(), n.needs_input_grad(1) ? sum(where(mb, g, z)) : Tensor()};
  });
  return self;
}

// ---------------------------------------------------------------- masked_select / masked_scatter
Tensor masked_select(const Tensor& t, const Tensor& mask) {
  check_mask("masked_select", mask);
  Shape shape = broadcast_shapes(t.sizes(), mask.sizes(), "masked_select");
  Tensor te = detail::raw_expand(t, shape), me = detail::raw_expand(mask, shape);
  std::vector<int64_t> pos;
  for_each_true(me, [&](int64_t i) { pos.push_back(i); });
  Tensor out = empty({int64_t(pos.size())}, t.dtype());
  std::vector<int64_t> dpos(pos.size());
  for (size_t i = 0; i < pos.size(); ++i) dpos[i] = int64_t(i);
  copy_positions(out, dpos, te, pos);
  if (needs_grad(t)) {
    record("MaskedSelectBackward0", {t}, out, [shape, m = save(mask)](const Tensor& g) -> TensorList {
      return {masked_scatter(zeros(shape, g.dtype()), m.unpack(), g)};
    });
  }
  return out;
}

namespace {

// masked_scatter's gradient for source: the first n elements (row-major) of a
// zero tensor shaped like source receive masked_select(g, mask).
Tensor source_grad(const Tensor& g, const Tensor& mask, const Shape& source_sizes) {
  Tensor sel = masked_select(g, mask);
  int64_t n = sel.numel();
  if (source_sizes.empty()) return n ? index(sel, {zeros({}, Dtype::Int64)}) : zeros({}, g.dtype());
  Tensor pos = arange(0, n);
  std::vector<std::optional<Tensor>> idx(source_sizes.size());
  {
    autograd::NoGradGuard ng;
    Tensor v = pos;
    for (int64_t d = int64_t(source_sizes.size()) - 1; d >= 0; --d) {
      Tensor s = wrap_scalar(source_sizes[d]);
      idx[d] = remainder(v, s);
      v = div(v, s, std::string("floor"));
    }
  }
  return index_put(zeros(source_sizes, g.dtype()), idx, sel, false);
}

}  // namespace

Tensor masked_scatter(const Tensor& t, const Tensor& mask, const Tensor& source) {
  check_mask("masked_scatter", mask);
  EMBER_CHECK(t.dtype() == source.dtype(), "masked_scatter", "expected self and source to have same dtypes but got ",
              dtype_name(t.dtype()), " and ", dtype_name(source.dtype()));
  Shape shape = broadcast_shapes(t.sizes(), mask.sizes(), "masked_scatter");
  Tensor out = empty(shape, t.dtype());
  cpu::copy_kernel(out, t);
  Tensor me = detail::raw_expand(mask, shape);
  std::vector<int64_t> pos;
  for_each_true(me, [&](int64_t i) { pos.push_back(i); });
  EMBER_CHECK(int64_t(pos.size()) <= source.numel(), "masked_scatter",
              "Number of elements of source < number of ones in mask (", source.numel(), " < ", pos.size(), ")");
  std::vector<int64_t> spos(pos.size());
  for (size_t i = 0; i < pos.size(); ++i) spos[i] = int64_t(i);
  copy_positions(out, pos, source, spos);
  if (needs_grad(t, source)) {
    record("MaskedScatterBackward0", {t, source}, out,
           [m = save(mask), ssizes = source.sizes()](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor mb = as_bool(m.unpack());
             return {n.needs_input_grad(0) ? where(mb, zeros({}, g.dtype()), g) : Tensor(),
                     n.needs_input_grad(1) ? source_grad(g, mb, ssizes) : Tensor()};
           });
  }
  return out;
}

Tensor& masked_scatter_(Tensor& self, const Tensor& mask, const Tensor& source) {
  EMBER_CHECK(is_expandable_to(mask.sizes(), self.sizes()), "masked_scatter_", "mask of shape ",
              shape_str(mask.sizes()), " cannot be broadcast to self of shape ", shape_str(self.sizes()));
  return copy_(self, masked_scatter(autograd::needs_grad(self, source) ? clone(self) : self, mask, source));
}

// ---------------------------------------------------------------- nonzero
Tensor nonzero(const Tensor& t) {
  int64_t nd = t.dim();
  Tensor mask = t.dtype() == Dtype::Bool ? t : ne(detach(t), wrap_scalar(0));
  std::vector<int64_t> pos;
  for_each_true(mask, [&](int64_t i) { pos.push_back(i); });
  int64_t n = int64_t(pos.size());
  Tensor out = empty({n, nd}, Dtype::Int64);
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = pos[i];
    for (int64_t d = nd - 1; d >= 0; --d) {
      o[i * nd + d] = v % t.sizes()[d];
      v /= t.sizes()[d];
    }
  }
  return out;
}

TensorList nonzero_tuple(const Tensor& t) {
  if (t.dim() == 0) {
    // torch treats a scalar as one element along one dim
    Tensor nz = nonzero(t);
    return {zeros({nz.sizes()[0]}, Dtype::Int64)};
  }
  Tensor nz = nonzero(t);
  int64_t n = nz.sizes()[0], nd = t.dim();
  TensorList r;
  const int64_t* p = nz.data_ptr<int64_t>();
  for (int64_t d = 0; d < nd; ++d) {
    Tensor c = empty({n}, Dtype::Int64);
    int64_t* q = c.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) q[i] = p[i * nd + d];
    r.push_back(c);
  }
  return r;
}

Tensor argwhere(const Tensor& t) { return nonzero(t); }

}  // namespace ember
