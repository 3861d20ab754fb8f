// Less common torch functions (the tail of torch's API): elementwise number ops, scatter-style
// and *_copy variants of views, statistics, geometry and creation helpers. Most are written
// with other ember ops, so their derivatives come from those ops; a few have kernels in
// ops/cpu/number_kernels.cpp. Names, argument orders and defaults follow torch.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "ember/ops/ops.h"

namespace ember {

// ---------------------------------------------------------------- elementwise (ops/elementwise_api.cpp)
Tensor copysign(const Tensor& a, const Tensor& b);     // |a| with b's sign bit; computed in float
Tensor& copysign_(Tensor& self, const Tensor& other);
Tensor heaviside(const Tensor& a, const Tensor& values);  // 0 below 0, values at 0, 1 above; one dtype
Tensor& heaviside_(Tensor& self, const Tensor& values);
Tensor gcd(const Tensor& a, const Tensor& b);  // integer dtypes; always >= 0
Tensor& gcd_(Tensor& self, const Tensor& other);
Tensor lcm(const Tensor& a, const Tensor& b);
Tensor& lcm_(Tensor& self, const Tensor& other);
Tensor ldexp(const Tensor& a, const Tensor& b);  // a * 2^b
Tensor& ldexp_(Tensor& self, const Tensor& other);
std::pair<Tensor, Tensor> frexp(const Tensor& t);  // (mantissa, int32 exponent)
Tensor nextafter(const Tensor& a, const Tensor& b);
Tensor& nextafter_(Tensor& self, const Tensor& other);
Tensor& xlogy_(Tensor& self, const Tensor& other);
Tensor& float_power_(Tensor& self, const Tensor& exponent);  // self must be float64
Tensor& threshold_(Tensor& self, double threshold, double value);
Tensor& celu_(Tensor& self, double alpha = 1);
bool is_nonzero(const Tensor& t);  // the truth value of a one-element tensor

// ---------------------------------------------------------------- scatter-style and copies of views (ops/scatter_api.cpp)
// input with one view (select, slice, diagonal, as_strided) replaced by src, which must have the view's shape.
Tensor select_scatter(const Tensor& input, const Tensor& src, int64_t dim, int64_t index);
Tensor slice_scatter(const Tensor& input, const Tensor& src, int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
                     std::optional<int64_t> end = std::nullopt, int64_t step = 1);
Tensor diagonal_scatter(const Tensor& input, const Tensor& src, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor as_strided_scatter(const Tensor& input, const Tensor& src, const Shape& size, const Shape& stride,
                          std::optional<int64_t> storage_offset = std::nullopt);
// reduce: "prod", "mean", "amax" or "amin" of source slices into input's slices along dim at index.
Tensor index_reduce(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                    bool include_self = true);
Tensor& index_reduce_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const std::string& reduce,
                      bool include_self = true);
// Writes source into input viewed as 1-D (row-major) at index; accumulate adds instead.
Tensor put(const Tensor& input, const Tensor& index, const Tensor& source, bool accumulate = false);
Tensor& put_(Tensor& self, const Tensor& index, const Tensor& source, bool accumulate = false);
Tensor sum_to_size(const Tensor& t, const Shape& size);  // checks that size expands to t's shape
Tensor diagflat(const Tensor& t, int64_t offset = 0);
Tensor narrow_copy(const Tensor& t, int64_t dim, int64_t start, int64_t length);  // contiguous
// A view's values in new memory (clone's layout rule: dense views keep their strides).
Tensor copy_of_view(const Tensor& view);

// ---------------------------------------------------------------- statistics and distances (ops/stats_api.cpp),
// constructors (ops/construct_api.cpp), integration (ops/integrate_api.cpp), histograms
// (ops/histogram_api.cpp), windows (ops/window_api.cpp)
Tensor dist(const Tensor& a, const Tensor& b, const Scalar& p = 2);  // p-norm of a - b
// Covariance of the rows (variables) over the columns (observations) of a 1-D or 2-D input.
Tensor cov(const Tensor& t, int64_t correction = 1, const std::optional<Tensor>& fweights = std::nullopt,
           const std::optional<Tensor>& aweights = std::nullopt);
Tensor corrcoef(const Tensor& t);
// The divisor cov uses (observations or weight sums less the correction); torch warns when it is <= 0.
double cov_degrees_of_freedom(const Tensor& t, int64_t correction = 1, const std::optional<Tensor>& fweights = std::nullopt,
                              const std::optional<Tensor>& aweights = std::nullopt);
// Sub-tensors along dim whose p-norm exceeds maxnorm are scaled to norm maxnorm.
Tensor renorm(const Tensor& t, const Scalar& p, int64_t dim, const Scalar& maxnorm);
Tensor& renorm_(Tensor& self, const Scalar& p, int64_t dim, const Scalar& maxnorm);
// p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R).
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2,
             const std::string& compute_mode = "use_mm_for_euclid_dist_if_necessary");
Tensor pdist(const Tensor& t, double p = 2);  // upper triangle of cdist(t, t), row by row
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2, double eps = 1e-6, bool keepdim = false);
Tensor cartesian_prod(const TensorList& ts);
Tensor combinations(const Tensor& t, int64_t r = 2, bool with_replacement = false);
Tensor block_diag(const TensorList& ts);
Tensor tril_indices(int64_t row, int64_t col, int64_t offset = 0, Dtype dtype = Dtype::Int64);
Tensor triu_indices(int64_t row, int64_t col, int64_t offset = 0, Dtype dtype = Dtype::Int64);
Tensor vander(const Tensor& x, std::optional<int64_t> n = std::nullopt, bool increasing = false);
Tensor trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1);
Tensor trapezoid(const Tensor& y, const Scalar& dx = 1, int64_t dim = -1);
Tensor cumulative_trapezoid(const Tensor& y, const Tensor& x, int64_t dim = -1);
Tensor cumulative_trapezoid(const Tensor& y, const Scalar& dx = 1, int64_t dim = -1);
// torch.range: start, start + step, ... up to and including end; floating by default.
Tensor range(const Scalar& start, const Scalar& end, const Scalar& step = 1, std::optional<Dtype> dtype = std::nullopt);
// beta * input + alpha * outer(vec1, vec2); input is ignored when beta is 0.
Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor& addr_(Tensor& self, const Tensor& vec1, const Tensor& vec2, const Scalar& beta = 1, const Scalar& alpha = 1);
// (hist, bin_edges): bins equal-width bins over range (default: the input's min and max), or the given edges.
std::pair<Tensor, Tensor> histogram(const Tensor& t, int64_t bins, std::optional<std::pair<double, double>> range = std::nullopt,
                                    const std::optional<Tensor>& weight = std::nullopt, bool density = false);
std::pair<Tensor, Tensor> histogram(const Tensor& t, const Tensor& bin_edges, const std::optional<Tensor>& weight = std::nullopt,
                                    bool density = false);
// (hist, bin_edges per dim) of the points along t's last dim; bins per dim, range as (min, max) pairs.
std::pair<Tensor, TensorList> histogramdd(const Tensor& t, const std::vector<int64_t>& bins,
                                          const std::optional<std::vector<double>>& range = std::nullopt,
                                          const std::optional<Tensor>& weight = std::nullopt, bool density = false);
std::pair<Tensor, TensorList> histogramdd(const Tensor& t, const TensorList& bin_edges,
                                          const std::optional<Tensor>& weight = std::nullopt, bool density = false);
// Window functions (periodic: the first window_length points of a window one longer).
Tensor bartlett_window(int64_t window_length, bool periodic = true, Dtype dtype = Dtype::Float32);
Tensor blackman_window(int64_t window_length, bool periodic = true, Dtype dtype = Dtype::Float32);
Tensor hamming_window(int64_t window_length, bool periodic = true, double alpha = 0.54, double beta = 0.46,
                      Dtype dtype = Dtype::Float32);
Tensor hann_window(int64_t window_length, bool periodic = true, Dtype dtype = Dtype::Float32);
Tensor kaiser_window(int64_t window_length, bool periodic = true, double beta = 12.0, Dtype dtype = Dtype::Float32);

// ---------------------------------------------------------------- more of torch's surface (ops/misc_api.cpp;
// nanquantile in ops/stats.cpp, as_strided_ in ops/shape_inplace.cpp)
// quantile over the non-NaN values (an all-NaN line gives NaN)
Tensor nanquantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                   const std::string& interpolation = "linear");
// t takes the geometry of as_strided(t, size, stride, storage_offset), keeping its storage
Tensor& as_strided_(Tensor& t, const Shape& size, const Shape& stride, std::optional<int64_t> storage_offset = std::nullopt);
Tensor fill(const Tensor& t, const Tensor& value);  // a new tensor like t filled with a 0-d value
Tensor& fill_diagonal_(Tensor& self, const Scalar& value, bool wrap = false);
Tensor angle(const Tensor& t);  // real inputs: pi for negatives, 0 otherwise, NaN kept
// torch.gradient: one tensor per dim in dims (all when empty), by central differences with
// uniform spacing (one value for all dims, or one per dim) or along coordinate tensors.
TensorList gradient(const Tensor& t, const std::vector<Scalar>& spacing = {}, const Dims& dims = {}, int64_t edge_order = 1);
TensorList gradient(const Tensor& t, const Scalar& spacing, const Dims& dims = {}, int64_t edge_order = 1);
TensorList gradient(const Tensor& t, const TensorList& coordinates, const Dims& dims = {}, int64_t edge_order = 1);

}  // namespace ember
