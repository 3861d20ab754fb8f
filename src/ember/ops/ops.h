// The op surface: every tensor operation as a free function, grouped by family.
// Each family's forward, derivative and kernel call live together in
// ops/<family>.cpp; kernels are in ops/cpu/. Names, argument orders and
// defaults follow torch. In-place variants end in `_` and return self.
//
// Python numbers reach ops as "wrapped number" 0-d tensors (see wrap_scalar) so
// type promotion treats them like torch does.
#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember {

using Dims = std::vector<int64_t>;  // a list of dimensions; empty means "all" where torch allows None

// ---------------------------------------------------------------- type promotion (ops/promote.cpp)
// torch.result_type over tensors, where 0-d tensors and wrapped numbers only
// raise the category (bool < int < float), never the width within a category.
Dtype result_type(const TensorList& ts);
Dtype result_type(const Tensor& a, const Tensor& b);
Tensor wrap_scalar(const Scalar& s);  // 0-d tensor flagged as a wrapped number
bool is_wrapped_number(const Tensor& t);
// Shape two or more shapes broadcast to; throws naming `op` and the shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast");
bool is_expandable_to(const Shape& shape, const Shape& desired);

// ---------------------------------------------------------------- creation (ops/creation.cpp)
Tensor zeros(const Shape& size, Dtype dtype = Dtype::Float32);
Tensor ones(const Shape& size, Dtype dtype = Dtype::Float32);
Tensor full(const Shape& size, const Scalar& value, std::optional<Dtype> dtype = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt);
Tensor full_like(const Tensor& t, const Scalar& value, std::optional<Dtype> dtype = std::nullopt);
Tensor empty_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1, std::optional<Dtype> dtype = std::nullopt);
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, std::optional<Dtype> dtype = std::nullopt);
Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base = 10.0, std::optional<Dtype> dtype = std::nullopt);
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, Dtype dtype = Dtype::Float32);
Tensor& fill_(Tensor& self, const Scalar& value);
Tensor& fill_(Tensor& self, const Tensor& value);  // 0-d tensor value
Tensor& zero_(Tensor& self);
// May s be stored as dtype d? torch's rule (c10::overflows): integers must be in range (unsigned
// types also take negatives down to -max, which wrap), floats must be finite-in-range or inf/nan.
bool scalar_fits(const Scalar& s, Dtype d);
inline void check_scalar_fits(const Scalar& s, Dtype d, const char* op) {
  EMBER_CHECK(scalar_fits(s, d), op, "value cannot be converted to type ", dtype_name(d), " without overflow");
}

// ---------------------------------------------------------------- random (ops/random.cpp)
Tensor rand(const Shape& size, Dtype dtype = Dtype::Float32, Generator* gen = nullptr);
Tensor randn(const Shape& size, Dtype dtype = Dtype::Float32, Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const Shape& size, Dtype dtype = Dtype::Int64, Generator* gen = nullptr);
Tensor randperm(int64_t n, Dtype dtype = Dtype::Int64, Generator* gen = nullptr);
Tensor& uniform_(Tensor& self, double from = 0, double to = 1, Generator* gen = nullptr);
Tensor& normal_(Tensor& self, double mean = 0, double std = 1, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, double p = 0.5, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen = nullptr);
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
Tensor& random_(Tensor& self, int64_t from, std::optional<int64_t> to, Generator* gen = nullptr);
Tensor& exponential_(Tensor& self, double lambd = 1, Generator* gen = nullptr);
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false, Generator* gen = nullptr);
Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen = nullptr);
Tensor normal(const Tensor& mean, double std, Generator* gen = nullptr);
Tensor normal(double mean, const Tensor& std, Generator* gen = nullptr);
Tensor normal(double mean, double std, const Shape& size, Dtype dtype = Dtype::Float32, Generator* gen = nullptr);
Tensor rand_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt, Generator* gen = nullptr);
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, std::optional<Dtype> dtype = std::nullopt, Generator* gen = nullptr);
Tensor& random_(Tensor& self, Generator* gen = nullptr);  // [0, 2^mantissa] for floats, [0, max] for integers
Tensor bernoulli(const Tensor& input, double p, Generator* gen = nullptr);
Tensor& cauchy_(Tensor& self, double median = 0, double sigma = 1, Generator* gen = nullptr);
Tensor& log_normal_(Tensor& self, double mean = 1, double std = 2, Generator* gen = nullptr);
Tensor& geometric_(Tensor& self, double p, Generator* gen = nullptr);
Tensor poisson(const Tensor& rates, Generator* gen = nullptr);

// ---------------------------------------------------------------- copy and conversion (ops/copy.cpp)
Tensor& copy_(Tensor& self, const Tensor& src);  // broadcasts and casts src into self
Tensor to_dtype(const Tensor& t, Dtype dtype, bool copy = false);
Tensor clone(const Tensor& t);
Tensor contiguous(const Tensor& t);
Tensor detach(const Tensor& t);

// ---------------------------------------------------------------- elementwise binary (ops/binary.cpp)
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor rsub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);  // b - alpha * a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b, const std::optional<std::string>& rounding_mode = std::nullopt);
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, const Tensor& b);  // sign of divisor (Python %)
Tensor fmod(const Tensor& a, const Tensor& b);       // sign of dividend (C fmod)
Tensor pow(const Tensor& a, const Tensor& b);
Tensor atan2(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor hypot(const Tensor& a, const Tensor& b);
Tensor lerp(const Tensor& a, const Tensor& end, const Tensor& weight);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b);
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// torch.isclose / torch.allclose: |a - b| <= atol + rtol * |b| (same dtypes required).
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
// log(exp(a) + exp(b)) and log2(2^a + 2^b), stable (floating types only).
Tensor logaddexp(const Tensor& a, const Tensor& b);
Tensor logaddexp2(const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& t, const std::optional<Tensor>& min, const std::optional<Tensor>& max);
Tensor clamp(const Tensor& t, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& div_(Tensor& self, const Tensor& other, const std::optional<std::string>& rounding_mode = std::nullopt);
Tensor& floor_divide_(Tensor& self, const Tensor& other);
Tensor& remainder_(Tensor& self, const Tensor& other);
Tensor& fmod_(Tensor& self, const Tensor& other);
Tensor& pow_(Tensor& self, const Tensor& other);
Tensor& atan2_(Tensor& self, const Tensor& other);
Tensor& hypot_(Tensor& self, const Tensor& other);
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight);
Tensor& logical_and_(Tensor& self, const Tensor& other);
Tensor& logical_or_(Tensor& self, const Tensor& other);
Tensor& logical_xor_(Tensor& self, const Tensor& other);
Tensor& bitwise_and_(Tensor& self, const Tensor& other);
Tensor& bitwise_or_(Tensor& self, const Tensor& other);
Tensor& bitwise_xor_(Tensor& self, const Tensor& other);
Tensor& bitwise_left_shift_(Tensor& self, const Tensor& other);
Tensor& bitwise_right_shift_(Tensor& self, const Tensor& other);
Tensor& eq_(Tensor& self, const Tensor& other);
Tensor& ne_(Tensor& self, const Tensor& other);
Tensor& lt_(Tensor& self, const Tensor& other);
Tensor& le_(Tensor& self, const Tensor& other);
Tensor& gt_(Tensor& self, const Tensor& other);
Tensor& ge_(Tensor& self, const Tensor& other);
Tensor& clamp_(Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max);
Tensor& clamp_(Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
Tensor& maximum_(Tensor& self, const Tensor& other);  // internal helper, torch has none
// a + value * t1 * t2 and a + value * t1 / t2
Tensor addcmul(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
Tensor addcdiv(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);

// ---------------------------------------------------------------- elementwise unary (ops/unary.cpp)
#define EMBER_UNARY_OPS(_) \
  _(neg) _(abs) _(sign) _(exp) _(exp2) _(expm1) _(log) _(log2) _(log10) _(log1p) _(sqrt) _(rsqrt) \
  _(sin) _(cos) _(tan) _(asin) _(acos) _(atan) _(sinh) _(cosh) _(tanh) _(asinh) _(acosh) _(atanh) \
  _(sigmoid) _(erf) _(erfc) _(erfinv) _(floor) _(ceil) _(trunc) _(frac) _(reciprocal) _(square) \
  _(logical_not) _(bitwise_not) _(relu) _(silu) _(mish) _(hardsigmoid) _(hardswish) _(selu) _(relu6) \
  _(sgn) _(positive) _(logit) _(lgamma) _(digamma) _(sinc) _(deg2rad) _(rad2deg)
#define EMBER_DECLARE_UNARY(name) Tensor name(const Tensor& t); Tensor& name##_(Tensor& self);
EMBER_UNARY_OPS(EMBER_DECLARE_UNARY)
#undef EMBER_DECLARE_UNARY
Tensor round(const Tensor& t, int64_t decimals = 0);
Tensor& round_(Tensor& self, int64_t decimals = 0);
Tensor isnan(const Tensor& t);
Tensor isinf(const Tensor& t);
Tensor isposinf(const Tensor& t);
Tensor isneginf(const Tensor& t);
Tensor isfinite(const Tensor& t);
Tensor signbit(const Tensor& t);
Tensor nan_to_num(const Tensor& t, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
Tensor& nan_to_num_(Tensor& self, std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt);
// activations with parameters
Tensor gelu(const Tensor& t, const std::string& approximate = "none");
Tensor softplus(const Tensor& t, double beta = 1, double threshold = 20);
Tensor elu(const Tensor& t, double alpha = 1, double scale = 1, double input_scale = 1);
Tensor& elu_(Tensor& self, double alpha = 1, double scale = 1, double input_scale = 1);
Tensor celu(const Tensor& t, double alpha = 1);
Tensor leaky_relu(const Tensor& t, double negative_slope = 0.01);
Tensor& leaky_relu_(Tensor& self, double negative_slope = 0.01);
Tensor hardtanh(const Tensor& t, double min_val = -1, double max_val = 1);
Tensor& hardtanh_(Tensor& self, double min_val = -1, double max_val = 1);
Tensor logsigmoid(const Tensor& t);
Tensor hardshrink(const Tensor& t, double lambd = 0.5);
Tensor softshrink(const Tensor& t, double lambd = 0.5);
Tensor tanhshrink(const Tensor& t);
Tensor softsign(const Tensor& t);
Tensor threshold(const Tensor& t, double threshold, double value);
Tensor prelu(const Tensor& t, const Tensor& weight);
Tensor glu(const Tensor& t, int64_t dim = -1);
Tensor pow(const Tensor& a, const Scalar& exponent);
Tensor pow(const Scalar& base, const Tensor& exponent);
Tensor xlogy(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- reductions (ops/reduce.cpp)
Tensor sum(const Tensor& t, const Dims& dims = {}, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
Tensor mean(const Tensor& t, const Dims& dims = {}, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
Tensor nansum(const Tensor& t, const Dims& dims = {}, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
Tensor nanmean(const Tensor& t, const Dims& dims = {}, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
Tensor prod(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
            std::optional<Dtype> dtype = std::nullopt);
Tensor amax(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
Tensor max(const Tensor& t);  // all elements
Tensor min(const Tensor& t);
std::pair<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);  // values, indices
std::pair<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor var(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
Tensor std(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
std::pair<Tensor, Tensor> var_mean(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
std::pair<Tensor, Tensor> std_mean(const Tensor& t, const Dims& dims = {}, double correction = 1, bool keepdim = false);
Tensor norm(const Tensor& t, const std::optional<Scalar>& p = std::nullopt, const Dims& dims = {}, bool keepdim = false,
            std::optional<Dtype> dtype = std::nullopt);
Tensor vector_norm(const Tensor& t, double ord = 2, const Dims& dims = {}, bool keepdim = false,
                   std::optional<Dtype> dtype = std::nullopt);
Tensor matrix_norm(const Tensor& t, const std::string& ord = "fro", const Dims& dims = {-2, -1}, bool keepdim = false);
Tensor matrix_norm(const Tensor& t, double ord, const Dims& dims = {-2, -1}, bool keepdim = false);  // 1, -1, inf, -inf
Tensor logsumexp(const Tensor& t, const Dims& dims, bool keepdim = false);
Tensor all(const Tensor& t);
Tensor all(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor any(const Tensor& t);
Tensor any(const Tensor& t, int64_t dim, bool keepdim = false);
bool any_true(const Tensor& t);  // any(t).item() without autograd
Tensor count_nonzero(const Tensor& t, const Dims& dims = {});
Tensor cumsum(const Tensor& t, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor cumprod(const Tensor& t, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
std::pair<Tensor, Tensor> cummax(const Tensor& t, int64_t dim);
std::pair<Tensor, Tensor> cummin(const Tensor& t, int64_t dim);
Tensor logcumsumexp(const Tensor& t, int64_t dim);
Tensor softmax(const Tensor& t, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
// Sum `t` down to `shape` (the reverse of broadcasting); used by backward formulas.
Tensor sum_to(const Tensor& t, const Shape& shape);
std::pair<Tensor, Tensor> median(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor median(const Tensor& t);
std::pair<Tensor, Tensor> nanmedian(const Tensor& t, int64_t dim, bool keepdim = false);  // median of the non-NaN values
Tensor nanmedian(const Tensor& t);
std::pair<Tensor, Tensor> mode(const Tensor& t, int64_t dim = -1, bool keepdim = false);
Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                const std::string& interpolation = "linear");
std::pair<Tensor, Tensor> aminmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// ---------------------------------------------------------------- linear algebra (ops/linalg.cpp)
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& v);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor vdot(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
Tensor addmm(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor addmv(const Tensor& self, const Tensor& a, const Tensor& v, const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor baddbmm(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor addbmm(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor einsum(const std::string& equation, const TensorList& operands);
Tensor tensordot(const Tensor& a, const Tensor& b, const Dims& dims_a, const Dims& dims_b);
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());  // x @ w.T + b
Tensor kron(const Tensor& a, const Tensor& b);
Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim = std::nullopt);

// ---------------------------------------------------------------- decompositions and solvers over LAPACK (ops/linalg_lapack.cpp)
// Batches (..., m, n) of float32/float64 matrices, as torch.linalg. Singular or
// non-positive-definite inputs raise ErrorKind::LinAlg (torch.linalg.LinAlgError).
// Factorizations and solvers are in linalg_lapack.cpp, QR/eigh/SVD and what builds
// on them in linalg_spectral.cpp, the composite ops in linalg_compose.cpp.
Tensor linalg_det(const Tensor& a);
std::pair<Tensor, Tensor> linalg_slogdet(const Tensor& a);  // sign, logabsdet
Tensor logdet(const Tensor& a);                             // nan for a negative determinant
std::pair<Tensor, Tensor> linalg_inv_ex(const Tensor& a, bool check_errors = false);  // inverse, info
Tensor linalg_inv(const Tensor& a);
std::pair<Tensor, Tensor> linalg_solve_ex(const Tensor& a, const Tensor& b, bool left = true, bool check_errors = false);
Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left = true);
std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& a, bool pivot = true, bool check_errors = false);
std::pair<Tensor, Tensor> linalg_lu_factor(const Tensor& a, bool pivot = true);  // LU, int32 pivots (1-based)
std::tuple<Tensor, Tensor, Tensor> linalg_lu(const Tensor& a, bool pivot = true);  // P, L, U with A = P L U
Tensor linalg_lu_solve(const Tensor& lu, const Tensor& pivots, const Tensor& b, bool left = true, bool adjoint = false);
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& lu, const Tensor& pivots, bool unpack_data = true,
                                             bool unpack_pivots = true);
std::pair<Tensor, Tensor> linalg_cholesky_ex(const Tensor& a, bool upper = false, bool check_errors = false);
Tensor linalg_cholesky(const Tensor& a, bool upper = false);
Tensor cholesky_solve(const Tensor& b, const Tensor& l, bool upper = false);
Tensor cholesky_inverse(const Tensor& l, bool upper = false);
Tensor linalg_solve_triangular(const Tensor& a, const Tensor& b, bool upper, bool left = true, bool unitriangular = false);
std::pair<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& a, bool upper = true, bool transpose = false,
                                           bool unitriangular = false);  // solution, cloned_coefficient
std::pair<Tensor, Tensor> linalg_qr(const Tensor& a, const std::string& mode = "reduced");
std::pair<Tensor, Tensor> linalg_eigh(const Tensor& a, const std::string& uplo = "L");  // eigenvalues, eigenvectors
Tensor linalg_eigvalsh(const Tensor& a, const std::string& uplo = "L");
std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices = true);  // U, S, Vh
Tensor linalg_svdvals(const Tensor& a);
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& a, bool some = true, bool compute_uv = true);  // U, S, V
Tensor linalg_pinv(const Tensor& a, const std::optional<Tensor>& atol = std::nullopt,
                   const std::optional<Tensor>& rtol = std::nullopt, bool hermitian = false);
Tensor linalg_matrix_rank(const Tensor& a, const std::optional<Tensor>& atol = std::nullopt,
                          const std::optional<Tensor>& rtol = std::nullopt, bool hermitian = false);
// solution, residuals, rank, singular_values; driver gelsy (default), gels, gelsd or gelss
std::tuple<Tensor, Tensor, Tensor, Tensor> linalg_lstsq(const Tensor& a, const Tensor& b,
                                                        std::optional<double> rcond = std::nullopt,
                                                        const std::optional<std::string>& driver = std::nullopt);
Tensor linalg_cond(const Tensor& a, const std::optional<double>& p = std::nullopt);  // 2, -2, 1, -1, inf, -inf
Tensor linalg_cond(const Tensor& a, const std::string& p);                          // "fro", "nuc"
std::pair<Tensor, Tensor> linalg_eig(const Tensor& a);  // complex results: not supported yet
Tensor linalg_eigvals(const Tensor& a);                 // complex results: not supported yet
Tensor linalg_matrix_power(const Tensor& a, int64_t n);
Tensor linalg_matrix_exp(const Tensor& a);
Tensor linalg_multi_dot(const TensorList& ts);
Tensor linalg_householder_product(const Tensor& a, const Tensor& tau);
std::pair<Tensor, Tensor> geqrf(const Tensor& a);  // LAPACK's (a, tau); not differentiable
Tensor ormqr(const Tensor& a, const Tensor& tau, const Tensor& other, bool left = true, bool transpose = false);
Tensor linalg_vander(const Tensor& x, std::optional<int64_t> n = std::nullopt);
Tensor linalg_tensorinv(const Tensor& a, int64_t ind = 2);
Tensor linalg_tensorsolve(const Tensor& a, const Tensor& b, const std::optional<Dims>& dims = std::nullopt);

// ---------------------------------------------------------------- shape and views (ops/shape.cpp)
Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, std::optional<int64_t> storage_offset = std::nullopt);
Tensor view(const Tensor& t, const Shape& shape);  // one -1 allowed
Tensor view_dtype(const Tensor& t, Dtype dtype);
Tensor reshape(const Tensor& t, const Shape& shape);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes);
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, const Dims& dims);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor transpose(const Tensor& t, int64_t d0, int64_t d1);
Tensor t(const Tensor& t);  // 2-D transpose (0-D/1-D unchanged)
Tensor mT(const Tensor& t);  // transpose of the last two dims
// In-place metadata versions: t takes the view's geometry (same storage).
Tensor& squeeze_(Tensor& t);
Tensor& squeeze_(Tensor& t, const Dims& dims);
Tensor& unsqueeze_(Tensor& t, int64_t dim);
Tensor& transpose_(Tensor& t, int64_t d0, int64_t d1);
Tensor& t_(Tensor& t);
// Tensor.resize_: contiguous strides for a new shape; grows the storage when needed.
Tensor& resize_(Tensor& t, const Shape& size);
Tensor permute(const Tensor& t, const Dims& dims);
Tensor movedim(const Tensor& t, const Dims& src, const Dims& dst);
Tensor expand(const Tensor& t, const Shape& shape);  // -1 keeps a size
Tensor expand_as(const Tensor& t, const Tensor& other);
Tensor broadcast_to(const Tensor& t, const Shape& shape);
TensorList broadcast_tensors(const TensorList& ts);
Tensor repeat(const Tensor& t, const Shape& repeats);
Tensor tile(const Tensor& t, const Shape& reps);
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim = std::nullopt);
Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim = std::nullopt);
Tensor cat(const TensorList& ts, int64_t dim = 0);
Tensor stack(const TensorList& ts, int64_t dim = 0);
Tensor hstack(const TensorList& ts);
Tensor vstack(const TensorList& ts);
Tensor dstack(const TensorList& ts);
TensorList split(const Tensor& t, int64_t split_size, int64_t dim = 0);
TensorList split_with_sizes(const Tensor& t, const Shape& sizes, int64_t dim = 0);
TensorList chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
TensorList tensor_split(const Tensor& t, int64_t sections, int64_t dim = 0);
TensorList tensor_split(const Tensor& t, const Shape& indices, int64_t dim = 0);  // split before each index
TensorList unbind(const Tensor& t, int64_t dim = 0);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
// torch.diff: n-th forward difference along dim (xor for bool), after prepend/append.
Tensor diff(const Tensor& t, int64_t n = 1, int64_t dim = -1, const Tensor& prepend = Tensor(), const Tensor& append = Tensor());
// torch.hsplit/vsplit/dsplit: tensor_split along dim 1 (0 for 1-D), 0 and 2; equal sections must divide.
TensorList hsplit(const Tensor& t, int64_t sections);
TensorList vsplit(const Tensor& t, int64_t sections);
TensorList dsplit(const Tensor& t, int64_t sections);
TensorList hsplit(const Tensor& t, const Shape& indices);
TensorList vsplit(const Tensor& t, const Shape& indices);
TensorList dsplit(const Tensor& t, const Shape& indices);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1);
Tensor flip(const Tensor& t, const Dims& dims);
Tensor fliplr(const Tensor& t);
Tensor flipud(const Tensor& t);
Tensor roll(const Tensor& t, const Shape& shifts, const Dims& dims = {});
Tensor rot90(const Tensor& t, int64_t k = 1, const Dims& dims = {0, 1});
Tensor tril(const Tensor& t, int64_t diagonal = 0);
Tensor triu(const Tensor& t, int64_t diagonal = 0);
Tensor& tril_(Tensor& self, int64_t diagonal = 0);
Tensor& triu_(Tensor& self, int64_t diagonal = 0);
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor diag(const Tensor& t, int64_t diagonal = 0);
Tensor diag_embed(const Tensor& t, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1);
Tensor unfold(const Tensor& t, int64_t dimension, int64_t size, int64_t step);
Tensor trace(const Tensor& t);
TensorList meshgrid(const TensorList& ts, const std::string& indexing = "ij");
Tensor pad(const Tensor& t, const Shape& pad, const std::string& mode = "constant", double value = 0);
Tensor atleast_1d(const Tensor& t);
Tensor atleast_2d(const Tensor& t);
Tensor atleast_3d(const Tensor& t);

// ---------------------------------------------------------------- indexing (ops/index.cpp)
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, const std::optional<std::string>& reduce = std::nullopt);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value, const std::optional<std::string>& reduce = std::nullopt);
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter_reduce(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce, bool include_self = true);
Tensor& scatter_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce, bool include_self = true);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::optional<std::string>& reduce = std::nullopt);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, const std::optional<std::string>& reduce = std::nullopt);
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha = 1);
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha = 1);
Tensor index_copy(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source);
Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
// Advanced indexing: indices[i] indexes dim i (undefined = take the whole dim), torch's placement rules.
Tensor index(const Tensor& t, const std::vector<std::optional<Tensor>>& indices);
Tensor index_put(const Tensor& t, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate = false);
Tensor& index_put_(Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate = false);
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);
Tensor masked_select(const Tensor& t, const Tensor& mask);
Tensor masked_scatter(const Tensor& t, const Tensor& mask, const Tensor& source);
Tensor& masked_scatter_(Tensor& self, const Tensor& mask, const Tensor& source);
Tensor take(const Tensor& t, const Tensor& index);
Tensor take_along_dim(const Tensor& t, const Tensor& indices, std::optional<int64_t> dim = std::nullopt);
Tensor nonzero(const Tensor& t);
TensorList nonzero_tuple(const Tensor& t);
Tensor argwhere(const Tensor& t);
std::pair<Tensor, Tensor> sort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
Tensor msort(const Tensor& t);
std::pair<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
std::pair<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim = -1, bool keepdim = false);
// unique: values, inverse (if asked), counts (if asked)
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& t, bool sorted = true, bool return_inverse = false,
                                          bool return_counts = false, std::optional<int64_t> dim = std::nullopt);
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& t, bool return_inverse = false,
                                                      bool return_counts = false, std::optional<int64_t> dim = std::nullopt);
Tensor bincount(const Tensor& t, const Tensor& weights = Tensor(), int64_t minlength = 0);
Tensor searchsorted(const Tensor& sorted, const Tensor& values, bool right = false, bool out_int32 = false);
Tensor bucketize(const Tensor& values, const Tensor& boundaries, bool right = false, bool out_int32 = false);
Tensor histc(const Tensor& t, int64_t bins = 100, double min = 0, double max = 0);
Tensor one_hot(const Tensor& t, int64_t num_classes = -1);
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert = false);

// ---------------------------------------------------------------- operators for C++ users
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, wrap_scalar(b)); }
inline Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, wrap_scalar(b)); }
inline Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, wrap_scalar(b)); }
inline Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, wrap_scalar(b)); }
inline Tensor operator+(const Scalar& a, const Tensor& b) { return add(wrap_scalar(a), b); }
inline Tensor operator-(const Scalar& a, const Tensor& b) { return sub(wrap_scalar(a), b); }
inline Tensor operator*(const Scalar& a, const Tensor& b) { return mul(wrap_scalar(a), b); }
inline Tensor operator/(const Scalar& a, const Tensor& b) { return div(wrap_scalar(a), b); }

// ---------------------------------------------------------------- convolution, pooling, resampling (ops/conv.cpp, ops/pool.cpp, ops/resample.cpp)
// Spatial parameters (stride, padding, ...) take one value per spatial dim or a single value for all.
// Every op accepts a batched (N, C, *) or an unbatched (C, *) input like torch.
// torch.convolution: weight (C_out, C_in/groups, *k) or, transposed, (C_in, C_out/groups, *k).
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                   const Shape& padding, const Shape& dilation, bool transposed, const Shape& output_padding,
                   int64_t groups);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Shape& stride = {1},
              const Shape& padding = {0}, const Shape& dilation = {1}, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Shape& stride = {1},
              const Shape& padding = {0}, const Shape& dilation = {1}, int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Shape& stride = {1},
              const Shape& padding = {0}, const Shape& dilation = {1}, int64_t groups = 1);
// padding "same" (output size = input size; stride 1 only) or "valid" (no padding). A type of its own,
// so that conv2d(x, w, b, {1}, {0}) stays unambiguous.
struct PaddingMode {
  std::string mode;
  template <size_t N> PaddingMode(const char (&s)[N]) : mode(s) {}
  explicit PaddingMode(std::string s) : mode(std::move(s)) {}
};
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const PaddingMode& padding, const Shape& dilation = {1}, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const PaddingMode& padding, const Shape& dilation = {1}, int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const PaddingMode& padding, const Shape& dilation = {1}, int64_t groups = 1);
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Shape& stride = {1},
                        const Shape& padding = {0}, const Shape& output_padding = {0}, int64_t groups = 1,
                        const Shape& dilation = {1});
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Shape& stride = {1},
                        const Shape& padding = {0}, const Shape& output_padding = {0}, int64_t groups = 1,
                        const Shape& dilation = {1});
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const Shape& stride = {1},
                        const Shape& padding = {0}, const Shape& output_padding = {0}, int64_t groups = 1,
                        const Shape& dilation = {1});
// nn.functional.unfold / fold: (N, C, H, W) <-> (N, C * kh * kw, L) sliding blocks.
Tensor im2col(const Tensor& input, const Shape& kernel_size, const Shape& dilation = {1}, const Shape& padding = {0},
              const Shape& stride = {1});
Tensor col2im(const Tensor& input, const Shape& output_size, const Shape& kernel_size, const Shape& dilation = {1},
              const Shape& padding = {0}, const Shape& stride = {1});
// Pooling over the last 1, 2 or 3 dims. An empty stride means stride = kernel_size.
// max_pool*_with_indices returns (values, int64 indices into each flattened input plane).
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                                                  const Shape& padding = {0}, const Shape& dilation = {1},
                                                  bool ceil_mode = false);
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                                                  const Shape& padding = {0}, const Shape& dilation = {1},
                                                  bool ceil_mode = false);
std::pair<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                                                  const Shape& padding = {0}, const Shape& dilation = {1},
                                                  bool ceil_mode = false);
Tensor max_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  const Shape& dilation = {1}, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  const Shape& dilation = {1}, bool ceil_mode = false);
Tensor max_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  const Shape& dilation = {1}, bool ceil_mode = false);
Tensor avg_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {}, const Shape& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor adaptive_avg_pool1d(const Tensor& input, const Shape& output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, const Shape& output_size);
Tensor adaptive_avg_pool3d(const Tensor& input, const Shape& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const Shape& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Shape& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, const Shape& output_size);
// Inverse of max pooling: zeros of the unpooled size with input scattered to indices.
// output_size may be empty (the size the pool came from) or the spatial (or full) size wanted.
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const Shape& kernel_size, const Shape& stride = {},
                    const Shape& padding = {0}, const Shape& output_size = {});
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const Shape& kernel_size, const Shape& stride = {},
                    const Shape& padding = {0}, const Shape& output_size = {});
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const Shape& kernel_size, const Shape& stride = {},
                    const Shape& padding = {0}, const Shape& output_size = {});
Tensor lp_pool1d(const Tensor& input, double norm_type, const Shape& kernel_size, const Shape& stride = {},
                 bool ceil_mode = false);
Tensor lp_pool2d(const Tensor& input, double norm_type, const Shape& kernel_size, const Shape& stride = {},
                 bool ceil_mode = false);
// nn.functional.interpolate: modes nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area.
// scale_factor holds one value per spatial dim or a single value.
Tensor interpolate(const Tensor& input, const std::optional<Shape>& size = std::nullopt,
                   const std::optional<std::vector<double>>& scale_factor = std::nullopt,
                   const std::string& mode = "nearest", std::optional<bool> align_corners = std::nullopt,
                   std::optional<bool> recompute_scale_factor = std::nullopt, bool antialias = false);
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);

}  // namespace ember

// ---------------------------------------------------------------- neural-network layers (ops/nn_norm.cpp, ops/nn_loss.cpp, ops/nn_misc.cpp)
namespace ember {
// normalization; running stats are updated in place when training
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps);
Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                     const Tensor& running_var, bool use_input_stats, double momentum, double eps);
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps);
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps);
// losses; reduction is "none", "mean" or "sum"
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight = Tensor(),
                const std::string& reduction = "mean", int64_t ignore_index = -100);
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight = Tensor(),
                     const std::string& reduction = "mean", int64_t ignore_index = -100, double label_smoothing = 0.0);
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            const std::string& reduction = "mean");
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        const Tensor& pos_weight = Tensor(), const std::string& reduction = "mean");
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Shape& input_lengths, const Shape& target_lengths,
                int64_t blank = 0, const std::string& reduction = "mean", bool zero_infinity = false);
// dropout family: `train` false returns the input
Tensor dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor feature_dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor alpha_dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
Tensor feature_alpha_dropout(const Tensor& x, double p, bool train, Generator* gen = nullptr);
// embeddings
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1, bool scale_grad_by_freq = false);
Tensor embedding_bag(const Tensor& weight, const Tensor& indices, const Tensor& offsets, const std::string& mode,
                     const Tensor& per_sample_weights = Tensor(), bool include_last_offset = false,
                     int64_t padding_idx = -1);
Tensor& embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm, double norm_type);
// (Q, R) of a matrix with rows >= cols, by Householder reflections (used by nn.init.orthogonal_)
std::pair<Tensor, Tensor> householder_qr(const Tensor& a);
}  // namespace ember
