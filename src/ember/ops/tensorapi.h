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

}  // namespace ember
