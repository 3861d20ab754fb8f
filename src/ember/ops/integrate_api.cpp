// The trapezoid rule (torch's Integration.cpp): trapezoid/trapz and cumulative_trapezoid
// over sample spacing given as a number or as sample coordinates.
#include "ember/ops/tensorapi.h"

namespace ember {

namespace {
Tensor S(const Scalar& v) { return wrap_scalar(v); }
}  // namespace

// ---------------------------------------------------------------- trapezoid rule (torch's Integration.cpp)
namespace {

int64_t integration_dim(const Tensor& y, int64_t dim) {
  EMBER_CHECK_INDEX(y.dim() > 0, "", "Dimension specified as ", dim, " but tensor has no dimensions");
  return wrap_dim(dim, y.dim(), "trapezoid");
}

Tensor zeros_except(const Tensor& y, int64_t dim) {
  Shape s = y.sizes();
  s.erase(s.begin() + dim);
  return zeros(s, y.dtype());
}

// x viewed so that its differences along dim broadcast against y's (numpy's rule)
Tensor spacing(const Tensor& y, const Tensor& x, int64_t dim, const char* op) {
  Tensor xv = x;
  if (x.dim() == 1) {
    EMBER_CHECK(x.size(0) == y.size(dim), "", op, ": There must be one `x` value for each sample point");
    Shape s(size_t(y.dim()), 1);
    s[size_t(dim)] = x.size(0);
    xv = reshape(x, s);
  } else if (x.dim() < y.dim()) {
    Shape s(size_t(y.dim() - x.dim()), 1);
    s.insert(s.end(), x.sizes().begin(), x.sizes().end());
    xv = reshape(x, s);
  }
  return sub(slice(xv, dim, 1, std::nullopt), slice(xv, dim, 0, -1));
}

}  // namespace

Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  dim = integration_dim(y, dim);
  if (y.size(dim) == 0) return zeros_except(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool && x.dtype() != Dtype::Bool, "",
              "trapezoid: received a bool input for `x` or `y`, but bool is not supported");
  Tensor dx = spacing(y, x, dim, "trapezoid");
  const int64_t n = y.size(dim);
  return div(sum(mul(dx, add(narrow(y, dim, 1, n - 1), narrow(y, dim, 0, n - 1))), {dim}), S(2.0));
}

Tensor trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  dim = integration_dim(y, dim);
  if (y.size(dim) == 0) return zeros_except(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool, "", "trapezoid: received a bool input for `y`, but bool is not supported");
  EMBER_CHECK(!dx.is_bool(), "", "trapezoid: Currently, we only support dx as a real number.");
  Tensor ends = add(select(y, dim, 0), select(y, dim, -1));
  return mul(sub(sum(y, {dim}), mul(ends, S(0.5))), S(dx.to_double()));
}

Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim) {
  dim = integration_dim(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool && x.dtype() != Dtype::Bool, "",
              "cumulative_trapezoid: received a bool input for `x` or `y`, but bool is not supported");
  Tensor dx = spacing(y, x, dim, "cumulative_trapezoid");
  Tensor sides = add(slice(y, dim, 0, -1), slice(y, dim, 1, std::nullopt));
  return div(cumsum(mul(sides, dx), dim), S(2.0));
}

Tensor cumulative_trapezoid(const Tensor& y, const Scalar& dx, int64_t dim) {
  dim = integration_dim(y, dim);
  EMBER_CHECK(y.dtype() != Dtype::Bool, "", "cumulative_trapezoid: received a bool input for `y`, but bool is not supported");
  EMBER_CHECK(!dx.is_bool(), "", "cumulative_trapezoid: Currently, we only support dx as a real number.");
  Tensor sides = add(slice(y, dim, 0, -1), slice(y, dim, 1, std::nullopt));
  return cumsum(mul(S(dx.to_double() / 2.0), sides), dim);
}

}  // namespace ember
