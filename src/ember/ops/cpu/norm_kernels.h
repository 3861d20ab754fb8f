// Fused layer normalization over the last n elements of each row.
#pragma once
#include "ember/core/tensor.h"

namespace ember::cpu {

// x, y: rows x n contiguous, one floating dtype; w, b: n elements of that dtype
// or undefined. mean, rstd: rows elements, float32 (float64 for float64 x).
void layer_norm_kernel(const Tensor& y, const Tensor& mean, const Tensor& rstd, const Tensor& x, const Tensor& w,
                       const Tensor& b, int64_t rows, int64_t n, double eps);

// The gradients of layer_norm_kernel's y for gy (rows x n contiguous): gx (rows x n),
// gw and gb (n); any of them may be undefined (not computed). w may be undefined.
void layer_norm_backward_kernel(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& gy, const Tensor& x,
                                const Tensor& mean, const Tensor& rstd, const Tensor& w, int64_t rows, int64_t n);

}  // namespace ember::cpu
