// isclose / allclose: |a - b| <= atol + rtol * |b|, elementwise, with torch's rules
// for infinities (equal ones are close), NaN (close to NaN only with equal_nan),
// integer inputs (compared in the default float dtype) and bool (plain equality).
#include "ember/autograd/grad_mode.h"
#include "ember/ops/ops.h"

namespace ember {

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  EMBER_CHECK(a.dtype() == b.dtype(), "isclose", scalar_type_name(a.dtype()), " did not match ",
              scalar_type_name(b.dtype()));
  EMBER_CHECK(rtol >= 0, "isclose", "rtol must be greater than or equal to zero, but got ", rtol);
  EMBER_CHECK(atol >= 0, "isclose", "atol must be greater than or equal to zero, but got ", atol);
  autograd::GradModeGuard no_grad(false);  // a comparison: nothing to differentiate
  Tensor close = eq(a, b);
  if (a.dtype() == Dtype::Bool) return close;
  if (equal_nan && is_floating(a.dtype())) close = logical_or(close, logical_and(isnan(a), isnan(b)));
  if (rtol == 0 && atol == 0) return close;
  Tensor x = is_floating(a.dtype()) ? a : to_dtype(a, default_dtype());
  Tensor y = is_floating(b.dtype()) ? b : to_dtype(b, default_dtype());
  Tensor allowed = add(wrap_scalar(Scalar(atol)), abs(mul(y, wrap_scalar(Scalar(rtol)))));
  Tensor actual = abs(sub(x, y));
  return logical_or(close, logical_and(isfinite(actual), le(actual, allowed)));
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all(isclose(a, b, rtol, atol, equal_nan)).item().to<bool>();
}

}  // namespace ember
