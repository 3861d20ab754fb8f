// More of torch's surface written with ember ops: fill, fill_diagonal_, angle (real inputs)
// and torch.gradient (torch's ReduceOps.cpp formulas for uniform and coordinate spacing).
#include <numbers>

#include "ember/autograd/function.h"
#include "ember/ops/tensorapi.h"

namespace ember {

namespace {
Tensor S(const Scalar& v) { return wrap_scalar(v); }
}  // namespace

Tensor fill(const Tensor& t, const Tensor& value) {
  EMBER_CHECK(value.dim() == 0, "fill", "fill only supports 0-dimension value tensor but got tensor with ", value.dim(),
              " dimensions.");
  // value broadcast to t's shape in t's dtype: the gradient reaches value (summed), not t
  return to_dtype(expand(value, t.sizes()), t.dtype(), true);
}

// torch's: the main diagonal as one strided view (stride = sum of strides), and for a tall
// matrix with wrap, the diagonals that restart every width + 1 rows.
Tensor& fill_diagonal_(Tensor& self, const Scalar& value, bool wrap) {
  const int64_t nd = self.dim();
  EMBER_CHECK(nd >= 2, "", "dimensions must larger than 1");
  const int64_t height = self.size(0), width = self.size(1);
  if (nd > 2)
    for (int64_t i = 1; i < nd; ++i)
      EMBER_CHECK(self.size(i) == height, "", "all dimensions of input must be of equal length");
  int64_t stride = 0;
  for (int64_t i = 0; i < nd; ++i) stride += self.strides()[size_t(i)];
  const int64_t size = std::min(height, width);
  Tensor diag_view = as_strided(self, {size}, {stride}, self.storage_offset());
  fill_(diag_view, value);
  if (wrap && nd == 2 && height > width + 1) {
    const int64_t step = width + 1;
    const int64_t wrap_size = (self.numel() + step - 1) / step - size;
    Tensor rest = as_strided(self, {wrap_size}, {stride}, self.storage_offset() + self.strides()[0] * (width + 1));
    fill_(rest, value);
  }
  return self;
}

Tensor angle(const Tensor& t) {
  Dtype d = is_floating(t.dtype()) ? t.dtype() : default_dtype();
  Tensor out;
  {
    autograd::NoGradGuard guard;
    Tensor x = to_dtype(t, d);
    Tensor half_turn = where(lt(x, S(0)), full({}, std::numbers::pi, d), zeros({}, d));
    out = where(isnan(x), x, half_turn);
  }
  // piecewise constant: the derivative is zero everywhere (torch's angle_backward for reals)
  if (autograd::needs_grad(t) && is_floating(t.dtype()))
    autograd::record("AngleBackward0", {t}, out, [](const Tensor& g) -> TensorList { return {zeros_like(g)}; });
  return out;
}

// ---------------------------------------------------------------- gradient
namespace {

void check_gradient(const Tensor& t, size_t spacing_size, bool has_spacing, const Dims& dims, bool has_dims,
                    int64_t edge_order) {
  EMBER_CHECK(t.dtype() != Dtype::UInt8, "", "torch.gradient does not support uint8 input.");
  if (has_spacing && !has_dims)
    EMBER_CHECK(spacing_size == 1 || int64_t(spacing_size) == t.dim(), "",
                "torch.gradient expected spacing to be unspecified, a scalar or a list of length ", t.dim(),
                " but got a list of length ", spacing_size);
  if (has_spacing && has_dims)
    EMBER_CHECK(spacing_size == dims.size(), "", "torch.gradient expected spacing to be unspecified, a scalar or it's "
                "spacing and dim arguments to have the same length, but got a spacing argument of length ",
                spacing_size, " and a dim argument of length ", dims.size(), ".");
  EMBER_CHECK(edge_order == 1 || edge_order == 2, "", "torch.gradient only supports edge_order=1 and edge_order=2.");
  std::vector<bool> seen(size_t(std::max<int64_t>(t.dim(), 1)), false);
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, t.dim(), "gradient");
    EMBER_CHECK(!seen[size_t(w)], "", "dim ", w, " appears multiple times in the list of dims");
    seen[size_t(w)] = true;
  }
  for (int64_t d = 0; d < t.dim(); ++d)
    if (!has_dims || seen[size_t(d)])
      EMBER_CHECK(t.size(d) >= edge_order + 1, "", "torch.gradient expected each dimension size to be at least edge_order+1");
}

Dims gradient_dims(const Tensor& t, const Dims& dims) {
  if (!dims.empty()) {
    Dims out;
    for (int64_t d : dims) out.push_back(wrap_dim(d, t.dim(), "gradient"));
    return out;
  }
  Dims all;
  for (int64_t d = 0; d < t.dim(); ++d) all.push_back(d);
  return all;
}

Tensor sl(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end) {
  return slice(t, dim, start, end, 1);
}

}  // namespace

TensorList gradient(const Tensor& t, const std::vector<Scalar>& spacing, const Dims& dims_in, int64_t edge_order) {
  check_gradient(t, spacing.size(), !spacing.empty(), dims_in, !dims_in.empty(), edge_order);
  Dims dims = gradient_dims(t, dims_in);
  TensorList out;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = dims[i];
    const Scalar h = spacing.empty() ? Scalar(int64_t(1)) : spacing.size() == 1 ? spacing[0] : spacing[i];
    Tensor center = div(sub(sl(t, d, 2, std::nullopt), sl(t, d, 0, -2)), S(h));
    Tensor first, last;
    if (edge_order == 1) {
      first = div(sub(sl(t, d, 1, 2), sl(t, d, 0, 1)), S(h));
      last = div(sub(sl(t, d, -1, std::nullopt), sl(t, d, -2, -1)), S(h));
    } else {
      first = div(add(add(mul(sl(t, d, 0, 1), S(-1.5)), mul(sl(t, d, 1, 2), S(2))), mul(sl(t, d, 2, 3), S(-0.5))), S(h));
      last = div(add(add(mul(sl(t, d, -3, -2), S(0.5)), mul(sl(t, d, -2, -1), S(-2))), mul(sl(t, d, -1, std::nullopt), S(1.5))),
                 S(h));
    }
    out.push_back(cat({first, div(center, S(2)), last}, d));
  }
  return out;
}

// One spacing for every dim (no length check, unlike a list of one).
TensorList gradient(const Tensor& t, const Scalar& spacing, const Dims& dims, int64_t edge_order) {
  check_gradient(t, 0, false, dims, !dims.empty(), edge_order);
  const size_t n = dims.empty() ? size_t(t.dim()) : dims.size();
  return gradient(t, std::vector<Scalar>(n, spacing), dims, edge_order);
}

TensorList gradient(const Tensor& t, const TensorList& coordinates, const Dims& dims_in, int64_t edge_order) {
  check_gradient(t, coordinates.size(), true, dims_in, !dims_in.empty(), edge_order);
  Dims dims = gradient_dims(t, dims_in);
  EMBER_CHECK(coordinates.size() == dims.size(), "", "torch.gradient expected spacing to be unspecified, a scalar or a "
              "list of length ", dims.size(), " but got a list of length ", coordinates.size());
  TensorList out;
  for (size_t i = 0; i < dims.size(); ++i) {
    const Tensor& x = coordinates[i];
    EMBER_CHECK(x.dim() == 1, "", "torch.gradient expected each element of spacing to have one dimension, but got an "
                "element with ", x.dim(), " dimensions!");
    const int64_t d = dims[i];
    Shape shape(size_t(t.dim()), 1);
    shape[size_t(d)] = -1;
    Tensor dx = diff(x);
    Tensor dx1 = sl(dx, 0, 0, -1), dx2 = sl(dx, 0, 1, std::nullopt);
    // second-order weights of the three neighbours on a non-uniform grid
    Tensor a = reshape(div(neg(dx2), mul(dx1, add(dx1, dx2))), shape);
    Tensor b = reshape(div(sub(dx2, dx1), mul(dx1, dx2)), shape);
    Tensor c = reshape(div(dx1, mul(dx2, add(dx1, dx2))), shape);
    Tensor center = add(add(mul(a, sl(t, d, 0, -2)), mul(b, sl(t, d, 1, -1))), mul(c, sl(t, d, 2, std::nullopt)));
    Tensor h0 = select(dx, 0, 0), hl = select(dx, 0, -1);
    Tensor first, last;
    if (edge_order == 1) {
      first = div(sub(sl(t, d, 1, 2), sl(t, d, 0, 1)), h0);
      last = div(sub(sl(t, d, -1, std::nullopt), sl(t, d, -2, -1)), hl);
    } else {
      Tensor h1 = select(dx, 0, 1), hm = select(dx, 0, -2);
      Tensor fa = div(neg(add(mul(h0, S(2.0)), h1)), mul(h0, add(h0, h1)));
      Tensor fb = div(add(h0, h1), mul(h0, h1));
      Tensor fc = div(neg(h0), mul(h1, add(h0, h1)));
      first = add(add(mul(fa, sl(t, d, 0, 1)), mul(fb, sl(t, d, 1, 2))), mul(fc, sl(t, d, 2, 3)));
      Tensor la = div(hl, mul(hm, add(hl, hm)));
      Tensor lb = div(neg(add(hl, hm)), mul(hl, hm));
      Tensor lc = div(add(mul(hl, S(2)), hm), mul(hl, add(hl, hm)));
      last = add(add(mul(la, sl(t, d, -3, -2)), mul(lb, sl(t, d, -2, -1))), mul(lc, sl(t, d, -1, std::nullopt)));
    }
    out.push_back(cat({first, center, last}, d));
  }
  return out;
}

}  // namespace ember
