// Tensors built from other tensors or from sizes: cartesian_prod, combinations, block_diag,
// tril/triu_indices, vander, range, addr.
#include <cmath>
#include <functional>

#include "ember/autograd/function.h"
#include "ember/ops/elementwise_util.h"
#include "ember/ops/tensorapi.h"

namespace ember {

namespace {
Tensor S(const Scalar& v) { return wrap_scalar(v); }
}  // namespace

// ---------------------------------------------------------------- products and combinations of 1-D tensors
Tensor cartesian_prod(const TensorList& ts) {
  for (const Tensor& t : ts) EMBER_CHECK(t.dim() == 1, "", "Expect a 1D vector, but got shape ", shape_str(t.sizes()));
  if (ts.size() == 1) return ts[0];
  TensorList grids = meshgrid(ts, "ij");
  for (Tensor& g : grids) g = reshape(g, {-1});
  return stack(grids, 1);
}

Tensor combinations(const Tensor& t, int64_t r, bool with_replacement) {
  EMBER_CHECK(t.dim() == 1, "", "Expect a 1D vector, but got shape ", shape_str(t.sizes()));
  EMBER_CHECK(r >= 0, "", "Expect a non-negative number, but got ", r);
  if (r == 0) return empty({0}, t.dtype());
  const int64_t n = t.numel();
  // index tuples i1 <= i2 <= ... (or <) in lexicographic order, as torch's masked meshgrid gives them
  std::vector<std::vector<int64_t>> cols(static_cast<size_t>(r));
  std::vector<int64_t> cur(size_t(r), 0);
  auto valid_start = [&](int64_t k) { return with_replacement ? cur[size_t(k - 1)] : cur[size_t(k - 1)] + 1; };
  std::function<void(int64_t)> emit = [&](int64_t k) {
    if (k == r) {
      for (int64_t j = 0; j < r; ++j) cols[size_t(j)].push_back(cur[size_t(j)]);
      return;
    }
    for (int64_t i = k == 0 ? 0 : valid_start(k); i < n; ++i) {
      cur[size_t(k)] = i;
      emit(k + 1);
    }
  };
  emit(0);
  TensorList parts;
  for (auto& c : cols) {
    Tensor idx = empty({int64_t(c.size())}, Dtype::Int64);
    std::copy(c.begin(), c.end(), idx.data_ptr<int64_t>());
    parts.push_back(index_select(t, 0, idx));
  }
  return stack(parts, 1);
}

Tensor block_diag(const TensorList& ts) {
  if (ts.empty()) return empty({1, 0}, default_dtype());
  Dtype d = result_type(ts);
  int64_t rows = 0, cols = 0;
  TensorList mats;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    EMBER_CHECK(t.dim() <= 2, "", "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input ", i, " has ",
                t.dim(), " dimensions");
    Tensor m = t.dim() == 2 ? t : reshape(t, {1, -1});
    mats.push_back(to_dtype(m, d));
    rows += m.size(0);
    cols += m.size(1);
  }
  // each block padded with zeros to the full width, then the rows stacked
  TensorList bands;
  int64_t left = 0;
  for (const Tensor& m : mats) {
    const int64_t w = m.size(1);
    bands.push_back(pad(m, {left, cols - left - w}));
    left += w;
  }
  Tensor out = cat(bands, 0);
  return rows == 0 ? zeros({0, cols}, d) : out;
}

namespace {
// torch's tril/triu_indices: (2, N) coordinates in row-major order; tril keeps col - row <= offset.
Tensor tri_indices(int64_t row, int64_t col, int64_t offset, Dtype dtype, bool lower, const char* op) {
  EMBER_CHECK(row >= 0, "", "row must be non-negative, got", row);
  EMBER_CHECK(col >= 0, "", "col must be non-negative, got", col);
  EMBER_CHECK(!is_floating(dtype) && dtype != Dtype::Bool, "", "\"", op, "\" not implemented for '",
              scalar_type_name(dtype), "'");
  std::vector<int64_t> rs, cs;
  for (int64_t i = 0; i < row; ++i)
    for (int64_t j = 0; j < col; ++j)
      if (lower ? j - i <= offset : j - i >= offset) {
        rs.push_back(i);
        cs.push_back(j);
      }
  const int64_t n = int64_t(rs.size());
  Tensor out = empty({2, n}, Dtype::Int64);
  int64_t* p = out.data_ptr<int64_t>();
  std::copy(rs.begin(), rs.end(), p);
  std::copy(cs.begin(), cs.end(), p + n);
  return to_dtype(out, dtype);
}
}  // namespace

Tensor tril_indices(int64_t row, int64_t col, int64_t offset, Dtype dtype) {
  return tri_indices(row, col, offset, dtype, true, "tril_indices");
}
Tensor triu_indices(int64_t row, int64_t col, int64_t offset, Dtype dtype) {
  return tri_indices(row, col, offset, dtype, false, "triu_indices");
}

// torch's: [1, x, x*x, ...] by a cumulative product, in x's dtype promoted with int64, then flipped.
Tensor vander(const Tensor& x, std::optional<int64_t> n_opt, bool increasing) {
  EMBER_CHECK(x.dim() == 1, "", "x must be a one-dimensional tensor.");
  const int64_t n = n_opt.value_or(x.size(0));
  EMBER_CHECK(n >= 0, "", "N must be non-negative.");
  Dtype d = promote_types(x.dtype(), Dtype::Int64);
  Tensor xd = to_dtype(x, d);
  Tensor out;
  if (n == 0) {
    out = empty({x.size(0), 0}, d);
  } else {
    TensorList parts{ones({x.size(0), 1}, d)};
    if (n > 1) parts.push_back(cumprod(expand(unsqueeze(xd, 1), {x.size(0), n - 1}), 1));
    out = cat(parts, 1);
  }
  return increasing ? out : flip(out, {1});
}

// ---------------------------------------------------------------- range, addr
Tensor range(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<Dtype> dtype) {
  Dtype d = dtype.value_or(default_dtype());
  EMBER_CHECK(d != Dtype::Bool, "", "\"range_cpu\" not implemented for 'Bool'");
  // an integer dtype takes integer bounds and step (truncated), as torch's int64 arithmetic does
  auto in_dtype = [&](const Scalar& v) { return is_floating(d) ? v.to_double() : std::trunc(v.to_double()); };
  const double s = in_dtype(start), e = in_dtype(end), st = in_dtype(step);
  EMBER_CHECK(st != 0, "", "step must be nonzero");
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "", "unsupported range: ", s, " -> ", e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "", "upper bound and lower bound inconsistent with step sign");
  const int64_t n = int64_t((e - s) / st + 1);
  // start + i * step in double, then one rounding to the dtype
  return to_dtype(add(mul(arange(0, n, 1, Dtype::Float64), S(st)), S(s)), d);
}

Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, const Scalar& beta, const Scalar& alpha) {
  EMBER_CHECK(vec1.dim() == 1, "", "addr: Expected 1-D argument vec1, but got ", vec1.dim(), "-D");
  EMBER_CHECK(vec2.dim() == 1, "", "addr: Expected 1-D argument vec2, but got ", vec2.dim(), "-D");
  Dtype d = result_type(TensorList{input, vec1, vec2});
  const bool zero_beta = beta.is_bool() ? !beta.to_bool() : beta.to_double() == 0;
  if (d != Dtype::Bool) {
    EMBER_CHECK(!beta.is_bool(), "", "Boolean beta only supported for Boolean results.");
    EMBER_CHECK(!alpha.is_bool(), "", "Boolean alpha only supported for Boolean results.");
  }
  if (!is_floating(d)) {
    EMBER_CHECK(!beta.is_floating(), "", "For integral input tensors, argument beta must not be a floating point number.");
    EMBER_CHECK(!alpha.is_floating(), "", "For integral input tensors, argument alpha must not be a floating point number.");
  }
  if (d == Dtype::Bool) {  // (beta and input) or (alpha and vec1 * vec2)
    Tensor prod = logical_and(unsqueeze(vec1, 1), vec2);
    if (!alpha.to_bool()) prod = zeros_like(prod);
    return zero_beta ? prod : logical_or(input, prod);
  }
  Tensor prod = mul(outer(to_dtype(vec1, d), to_dtype(vec2, d)), S(alpha));
  if (zero_beta) {  // input only contributes its shape (nan and inf do not propagate)
    EMBER_CHECK(is_expandable_to(input.sizes(), prod.sizes()), "", "The size of tensor a (", shape_str(input.sizes()),
                ") must match the size of tensor b (", shape_str(prod.sizes()), ")");
    return to_dtype(prod, d);
  }
  return to_dtype(add(mul(to_dtype(input, d), S(beta)), prod), d);
}

Tensor& addr_(Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta, const Scalar& alpha) {
  EMBER_CHECK(self.dim() == 2 && self.size(0) == vec1.size(0) && self.size(1) == vec2.size(0), "",
              "size mismatch, input: ", shape_str(self.sizes()), ", v1: ", shape_str(vec1.sizes()), ", v2: ",
              shape_str(vec2.sizes()));
  Tensor r = addr(autograd::needs_grad(self) ? clone(self) : self, vec1, vec2, beta, alpha);
  EMBER_CHECK(detail::can_cast(r.dtype(), self.dtype()), "", "result type ",
              scalar_type_name(r.dtype()), " can't be cast to the desired output type ", scalar_type_name(self.dtype()));
  return copy_(self, r);
}

}  // namespace ember
