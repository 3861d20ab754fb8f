// Matrix products on strided memory: OpenBLAS for float32/float64, float32
// OpenBLAS through conversion buffers for float16/bfloat16, and a plain C++
// loop for integers. Like every kernel, these never allocate outputs, promote
// or touch autograd; operands arrive in one dtype with their final shapes.
//
// A matrix operand is (data, row stride, column stride) in elements. When one
// of its strides is 1 it goes to BLAS as it is (row-major, or transposed with
// CblasTrans); only operands with no unit stride (or a zero stride) are copied.
#pragma once
#include <cstdint>

#include "ember/core/dtype.h"
#include "ember/core/scalar.h"

namespace ember::cpu {

struct ConstMat {
  const void* data;
  int64_t rs, cs;  // element strides of rows and columns
};
struct MutMat {
  void* data;
  int64_t rs, cs;
};

// C = alpha * A @ B + beta * C with A m x k, B k x n, C m x n, all of `dtype`.
// beta == 0 never reads C (NaN or garbage there is ignored, like torch).
// Integer dtypes take alpha and beta truncated to integers.
void gemm(Dtype dtype, int64_t m, int64_t n, int64_t k, const Scalar& alpha, ConstMat a, ConstMat b,
          const Scalar& beta, MutMat c);

// The same over a batch: product i reads A at a_off[i], B at b_off[i] and writes
// C at c_off[i] (element offsets from the given data pointers; C blocks must not
// overlap). Small products run in parallel over the batch, large ones one after
// another with BLAS's own threads.
void gemm_batched(Dtype dtype, int64_t batch, int64_t m, int64_t n, int64_t k, const Scalar& alpha, ConstMat a,
                  const int64_t* a_off, ConstMat b, const int64_t* b_off, const Scalar& beta, MutMat c,
                  const int64_t* c_off);

// *out = sum_i x[i * incx] * y[i * incy], `out` a single element of `dtype`.
void dot(Dtype dtype, int64_t n, const void* x, int64_t incx, const void* y, int64_t incy, void* out);

// While alive, OpenBLAS runs each call on the calling thread, so ember's threads can share a
// batch of small products (or convolutions) without contending inside BLAS. OpenBLAS's thread
// count is process-wide: one guard is held at a time (another caller waits) and ember's count
// is put back at the end.
class SerialBlasGuard {
 public:
  SerialBlasGuard();
  ~SerialBlasGuard();
  SerialBlasGuard(const SerialBlasGuard&) = delete;
  SerialBlasGuard& operator=(const SerialBlasGuard&) = delete;
};

}  // namespace ember::cpu
