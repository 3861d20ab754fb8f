// Linear algebra kernels other than the BLAS products (see blas.h).
#pragma once
#include "ember/core/tensor.h"

namespace ember::cpu {

// out = a x b along `dim` (size 3 there); a and b share out's dtype and broadcast to out.
void cross_kernel(const Tensor& out, const Tensor& a, const Tensor& b, int64_t dim);

}  // namespace ember::cpu
