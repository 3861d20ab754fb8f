// Shared pieces of the LAPACK-backed linear algebra ops (linalg_lapack.cpp,
// linalg_spectral.cpp, linalg_compose.cpp): torch's input checks and messages,
// the column-major batch copies LAPACK works on, and LinAlgError reporting.
#pragma once
#include <string>

#include "ember/ops/ops.h"

namespace ember::linalg {

// Batch dims of a (..., m, n) tensor.
inline Shape batch_shape(const Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end() - 2); }
inline Shape with_matrix(Shape batch, int64_t rows, int64_t cols) {
  batch.push_back(rows), batch.push_back(cols);
  return batch;
}

// torch's checks: at least 2 dims, float32/float64, optionally square.
void check_input(const char* op, const Tensor& a, bool square, const char* name = "A");
void check_floating(const char* op, const Tensor& a, const char* name = "A");
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b, const char* na = "A", const char* nb = "B");

// A fresh copy of t's matrices (..., m, n) broadcast to `batch`, laid out column-major
// one after another: the result F is a contiguous (..., n, m) tensor whose memory is
// what LAPACK wants. Never aliases t, never records autograd.
Tensor fortran_copy(const Tensor& t, const Shape& batch);
inline Tensor fortran_copy(const Tensor& t) { return fortran_copy(t, batch_shape(t)); }
inline Tensor fortran_empty(const Shape& batch, int64_t rows, int64_t cols, Dtype d) {
  return empty(with_matrix(batch, cols, rows), d);
}
// The (..., m, n) matrices of a fortran_copy-style tensor F (a view of F's memory).
Tensor as_matrices(const Tensor& f);

// Throws for the first failed matrix (info != 0), with torch's "(Batch element i): " prefix
// when batched. `message(info)` words the failure; `linalg_error` picks LinAlgError.
template <class F> void check_infos(const char* op, const Tensor& infos, bool linalg_error, F&& message) {
  const int32_t* p = infos.data_ptr<int32_t>();
  for (int64_t i = 0; i < infos.numel(); ++i) {
    if (p[i] == 0) continue;
    std::string prefix = infos.dim() > 0 ? "(Batch element " + std::to_string(i) + "): " : "";
    if (linalg_error) EMBER_CHECK_LINALG(false, op, prefix, message(p[i]));
    EMBER_FAIL(op, prefix, message(p[i]));
  }
}

// info tensors: one int32 per matrix of the batch
inline Tensor infos_for(const Shape& batch) { return zeros(batch, Dtype::Int32); }

// The matrix norms that need singular values (linalg.matrix_norm's ord "nuc", 2 and -2) over dims (d0, d1).
Tensor svd_matrix_norm(const Tensor& t, const std::string& ord, const Dims& dims, bool keepdim);

// Identity matrices broadcast over a batch, as a plain tensor of dtype d.
Tensor eye_batch(const Shape& batch, int64_t n, Dtype d);

}  // namespace ember::linalg
