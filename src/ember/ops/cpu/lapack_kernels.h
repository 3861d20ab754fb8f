// LAPACK-backed kernels for the matrix decompositions and solvers.
//
// Every routine works in place on `batch` column-major matrices stored back to
// back: an r x c operand's matrix i starts at element i * r * c and has leading
// dimension r (the layout of a contiguous (..., c, r) tensor, i.e. of mT of the
// matrices). Dtype is float32 or float64. `info` receives LAPACK's status per
// matrix (0: success, > 0: the routine's own failure code). Like every kernel,
// these never allocate outputs or touch autograd (LAPACK workspace aside).
#pragma once
#include <cstdint>

#include "ember/core/dtype.h"

namespace ember::cpu {

// a (m x n) <- L and U of P A = L U; pivots (min(m, n) per matrix) are 1-based rows, like LAPACK and torch.
void lu_factor(Dtype d, int64_t batch, int64_t m, int64_t n, void* a, int32_t* pivots, int32_t* info);
// b (n x nrhs) <- A^{-1} b, or A^{-T} b with `transpose`, from lu_factor's output.
void lu_solve(Dtype d, int64_t batch, int64_t n, int64_t nrhs, const void* lu, const int32_t* pivots, void* b,
              bool transpose);
// a (n x n) <- its Cholesky factor in the triangle `upper` names (the other triangle is left as it was).
void cholesky(Dtype d, int64_t batch, int64_t n, void* a, bool upper, int32_t* info);
// b (n x nrhs) <- op(A)^{-1} b for triangular A (n x n); a zero on the diagonal gives inf/nan like torch.
void triangular_solve(Dtype d, int64_t batch, int64_t n, int64_t nrhs, const void* a, void* b, bool upper,
                      bool transpose, bool unit_diagonal);
// a (m x n) <- R above the diagonal and Householder vectors below; tau gets min(m, n) scalars per matrix.
void geqrf(Dtype d, int64_t batch, int64_t m, int64_t n, void* a, void* tau);
// a (m x n, n <= m) <- the first n columns of the product of the k reflectors stored in a and tau (k per matrix).
void orgqr(Dtype d, int64_t batch, int64_t m, int64_t n, int64_t k, void* a, const void* tau);
// w (n per matrix) <- eigenvalues ascending of the symmetric a read from one triangle; a <- eigenvectors if asked.
void eigh(Dtype d, int64_t batch, int64_t n, void* a, void* w, bool upper, bool vectors, int32_t* info);
// s (min(m, n)) <- singular values, descending; with `vectors`, u (m x ucols) and vt (vrows x n), where
// ucols = vrows = min(m, n), or m and n with `full`. a is destroyed.
void svd(Dtype d, int64_t batch, int64_t m, int64_t n, void* a, void* s, void* u, void* vt, bool vectors, bool full,
         int32_t* info);

// From lu_factor's output (n x n): the determinant and/or its sign and log|det| per matrix (each may be null).
void lu_det(Dtype d, int64_t batch, int64_t n, const void* lu, const int32_t* pivots, void* det, void* sign,
            void* logabsdet);
// LAPACK's row swaps (k 1-based pivots per matrix, over m rows) as a permutation: perm[j] is the row of A
// that lands in row j of P^T A. perm is m int64 per matrix.
void pivots_to_permutation(int64_t batch, int64_t m, int64_t k, const int32_t* pivots, int64_t* perm);

enum class LstsqDriver { Gels, Gelsy, Gelsd, Gelss };
// Minimum-norm least squares of a (m x n) x = b; b is max(m, n) x nrhs (rows beyond m hold nothing on entry,
// its first n rows hold x on exit). rank (may be null) for gelsy/gelsd/gelss, s (may be null, min(m, n) per
// matrix) for gelsd/gelss. rcond < 0 means machine precision (LAPACK's own default).
void lstsq(Dtype d, int64_t batch, int64_t m, int64_t n, int64_t nrhs, void* a, void* b, double rcond,
           LstsqDriver driver, int64_t* rank, void* s, int32_t* info);

}  // namespace ember::cpu
