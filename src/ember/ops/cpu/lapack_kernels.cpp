#include "ember/ops/cpu/lapack_kernels.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/ops/cpu/blas.h"
#include "ember/ops/cpu/lapack.h"

namespace ember::cpu {

namespace {

// One name per routine over float and double, so each kernel is written once.
template <class T> struct Lapack;
#define EMBER_LAPACK_TRAITS(T, p)                                                                               \
  template <> struct Lapack<T> {                                                                                \
    static void getrf(int m, int n, T* a, int lda, int* ipiv, int* info) { p##getrf_(&m, &n, a, &lda, ipiv, info); } \
    static void getrs(char tr, int n, int nrhs, const T* a, int lda, const int* ipiv, T* b, int ldb, int* info) {  \
      p##getrs_(&tr, &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);                                               \
    }                                                                                                           \
    static void potrf(char uplo, int n, T* a, int lda, int* info) { p##potrf_(&uplo, &n, a, &lda, info, 1); }    \
    static void geqrf(int m, int n, T* a, int lda, T* tau, T* work, int lwork, int* info) {                     \
      p##geqrf_(&m, &n, a, &lda, tau, work, &lwork, info);                                                      \
    }                                                                                                           \
    static void orgqr(int m, int n, int k, T* a, int lda, const T* tau, T* work, int lwork, int* info) {        \
      p##orgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, info);                                                  \
    }                                                                                                           \
    static void syevd(char jobz, char uplo, int n, T* a, int lda, T* w, T* work, int lwork, int* iwork,         \
                      int liwork, int* info) {                                                                  \
      p##syevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info, 1, 1);                        \
    }                                                                                                           \
    static void gesdd(char jobz, int m, int n, T* a, int lda, T* s, T* u, int ldu, T* vt, int ldvt, T* work,    \
                      int lwork, int* iwork, int* info) {                                                       \
      p##gesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);                   \
    }                                                                                                           \
    static void gels(int m, int n, int nrhs, T* a, int lda, T* b, int ldb, T* work, int lwork, int* info) {     \
      char tr = 'N';                                                                                            \
      p##gels_(&tr, &m, &n, &nrhs, a, &lda, b, &ldb, work, &lwork, info, 1);                                    \
    }                                                                                                           \
    static void gelsy(int m, int n, int nrhs, T* a, int lda, T* b, int ldb, int* jpvt, T rcond, int* rank,      \
                      T* work, int lwork, int* info) {                                                          \
      p##gelsy_(&m, &n, &nrhs, a, &lda, b, &ldb, jpvt, &rcond, rank, work, &lwork, info);                       \
    }                                                                                                           \
    static void gelss(int m, int n, int nrhs, T* a, int lda, T* b, int ldb, T* s, T rcond, int* rank, T* work,  \
                      int lwork, int* info) {                                                                   \
      p##gelss_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, rank, work, &lwork, info);                          \
    }                                                                                                           \
    static void gelsd(int m, int n, int nrhs, T* a, int lda, T* b, int ldb, T* s, T rcond, int* rank, T* work,  \
                      int lwork, int* iwork, int* info) {                                                       \
      p##gelsd_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, rank, work, &lwork, iwork, info);                   \
    }                                                                                                           \
    static void trsm(CBLAS_UPLO ul, CBLAS_TRANSPOSE tr, CBLAS_DIAG dg, int n, int nrhs, const T* a, int lda, T* b, \
                     int ldb) {                                                                                 \
      cblas_##p##trsm(CblasColMajor, CblasLeft, ul, tr, dg, n, nrhs, T(1), a, lda, b, ldb);                     \
    }                                                                                                           \
  };
EMBER_LAPACK_TRAITS(float, s)
EMBER_LAPACK_TRAITS(double, d)
#undef EMBER_LAPACK_TRAITS

template <class F> void dispatch(Dtype d, const char* op, F&& f) {
  if (d == Dtype::Float32) f(float{});
  else if (d == Dtype::Float64) f(double{});
  else EMBER_FAIL(op, "LAPACK kernels take float32 or float64, got ", dtype_name(d));
}

int ld(int64_t rows) { return int(std::max<int64_t>(1, rows)); }

// body(b0, b1) over the batch: spread over ember's threads when there are several small
// matrices (LAPACK runs each on one thread anyway), with OpenBLAS held at one thread meanwhile
// as gemm_batched does (its thread count is global); one after another otherwise, so large
// matrices get OpenBLAS's own threads. Each matrix's result is the same either way.
template <class F> void for_batch(int64_t batch, int64_t n, F&& body) {
  const bool spread = batch > 1 && n <= 64 && get_num_threads() > 1 && !in_parallel_region();
  if (!spread) {
    body(int64_t(0), batch);
    return;
  }
  SerialBlasGuard serial;
  const int64_t work = std::max<int64_t>(1, n * n * n);
  parallel_for(0, batch, std::max<int64_t>(1, 32768 / work), body);
}

// LAPACK's workspace size answer (a float holding an integer) as an int of at least 1.
template <class T> int work_size(T w) { return std::max(1, int(w)); }

}  // namespace

void lu_factor(Dtype d, int64_t batch, int64_t m, int64_t n, void* a, int32_t* pivots, int32_t* info) {
  dispatch(d, "lu_factor", [&](auto tag) {
    using T = decltype(tag);
    const int64_t k = std::min(m, n);
    for_batch(batch, std::max(m, n), [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i)
        Lapack<T>::getrf(int(m), int(n), static_cast<T*>(a) + i * m * n, ld(m), pivots + i * k, info + i);
    });
  });
}

void lu_solve(Dtype d, int64_t batch, int64_t n, int64_t nrhs, const void* lu, const int32_t* pivots, void* b,
              bool transpose) {
  if (n == 0 || nrhs == 0) return;
  dispatch(d, "lu_solve", [&](auto tag) {
    using T = decltype(tag);
    for_batch(batch, std::max(n, nrhs), [&](int64_t b0, int64_t b1) {
      int info = 0;
      for (int64_t i = b0; i < b1; ++i)
        Lapack<T>::getrs(transpose ? 'T' : 'N', int(n), int(nrhs), static_cast<const T*>(lu) + i * n * n, ld(n),
                         pivots + i * n, static_cast<T*>(b) + i * n * nrhs, ld(n), &info);
    });
  });
}

void cholesky(Dtype d, int64_t batch, int64_t n, void* a, bool upper, int32_t* info) {
  dispatch(d, "cholesky", [&](auto tag) {
    using T = decltype(tag);
    for_batch(batch, n, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i)
        Lapack<T>::potrf(upper ? 'U' : 'L', int(n), static_cast<T*>(a) + i * n * n, ld(n), info + i);
    });
  });
}

void triangular_solve(Dtype d, int64_t batch, int64_t n, int64_t nrhs, const void* a, void* b, bool upper,
                      bool transpose, bool unit_diagonal) {
  if (n == 0 || nrhs == 0) return;
  dispatch(d, "triangular_solve", [&](auto tag) {
    using T = decltype(tag);
    for_batch(batch, std::max(n, nrhs), [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i)
        Lapack<T>::trsm(upper ? CblasUpper : CblasLower, transpose ? CblasTrans : CblasNoTrans,
                        unit_diagonal ? CblasUnit : CblasNonUnit, int(n), int(nrhs),
                        static_cast<const T*>(a) + i * n * n, ld(n), static_cast<T*>(b) + i * n * nrhs, ld(n));
    });
  });
}

void geqrf(Dtype d, int64_t batch, int64_t m, int64_t n, void* a, void* tau) {
  const int64_t k = std::min(m, n);
  if (k == 0) return;
  dispatch(d, "qr", [&](auto tag) {
    using T = decltype(tag);
    int info = 0;
    T wq = 0;
    Lapack<T>::geqrf(int(m), int(n), nullptr, ld(m), nullptr, &wq, -1, &info);
    for_batch(batch, std::max(m, n), [&](int64_t b0, int64_t b1) {
      std::vector<T> work(size_t(work_size(wq)));
      int inf = 0;
      for (int64_t i = b0; i < b1; ++i)
        Lapack<T>::geqrf(int(m), int(n), static_cast<T*>(a) + i * m * n, ld(m), static_cast<T*>(tau) + i * k,
                         work.data(), int(work.size()), &inf);
    });
  });
}

void orgqr(Dtype d, int64_t batch, int64_t m, int64_t n, int64_t k, void* a, const void* tau) {
  if (m == 0 || n == 0) return;
  dispatch(d, "orgqr", [&](auto tag) {
    using T = decltype(tag);
    int info = 0;
    T wq = 0;
    Lapack<T>::orgqr(int(m), int(n), int(k), nullptr, ld(m), nullptr, &wq, -1, &info);
    for_batch(batch, m, [&](int64_t b0, int64_t b1) {
      std::vector<T> work(size_t(work_size(wq)));
      int inf = 0;
      for (int64_t i = b0; i < b1; ++i)
        Lapack<T>::orgqr(int(m), int(n), int(k), static_cast<T*>(a) + i * m * n, ld(m),
                         static_cast<const T*>(tau) + i * k, work.data(), int(work.size()), &inf);
    });
  });
}

void eigh(Dtype d, int64_t batch, int64_t n, void* a, void* w, bool upper, bool vectors, int32_t* info) {
  if (n == 0) return;
  dispatch(d, "eigh", [&](auto tag) {
    using T = decltype(tag);
    const char jobz = vectors ? 'V' : 'N', uplo = upper ? 'U' : 'L';
    T wq = 0;
    int iwq = 0, q = 0;
    Lapack<T>::syevd(jobz, uplo, int(n), nullptr, ld(n), nullptr, &wq, -1, &iwq, -1, &q);
    for_batch(batch, n, [&](int64_t b0, int64_t b1) {
      std::vector<T> work(size_t(work_size(wq)));
      std::vector<int> iwork(size_t(std::max(1, iwq)));
      for (int64_t i = b0; i < b1; ++i)
        Lapack<T>::syevd(jobz, uplo, int(n), static_cast<T*>(a) + i * n * n, ld(n), static_cast<T*>(w) + i * n,
                         work.data(), int(work.size()), iwork.data(), int(iwork.size()), info + i);
    });
  });
}

void svd(Dtype d, int64_t batch, int64_t m, int64_t n, void* a, void* s, void* u, void* vt, bool vectors, bool full,
         int32_t* info) {
  const int64_t k = std::min(m, n);
  if (k == 0) return;
  dispatch(d, "svd", [&](auto tag) {
    using T = decltype(tag);
    const char jobz = !vectors ? 'N' : full ? 'A' : 'S';
    const int64_t ucols = full ? m : k, vrows = full ? n : k;
    const int ldu = ld(m), ldvt = ld(vrows);
    std::vector<int> iwork(size_t(8 * k));
    T wq = 0;
    int q = 0;
    T dummy = 0;  // gesdd wants valid u/vt pointers even when it does not touch them
    Lapack<T>::gesdd(jobz, int(m), int(n), nullptr, ld(m), nullptr, &dummy, ldu, &dummy, ldvt, &wq, -1, iwork.data(), &q);
    for_batch(batch, std::max(m, n), [&](int64_t b0, int64_t b1) {
      std::vector<T> work(size_t(work_size(wq)));
      std::vector<int> iw(size_t(8 * k));
      T none = 0;
      for (int64_t i = b0; i < b1; ++i) {
        T* up = vectors ? static_cast<T*>(u) + i * m * ucols : &none;
        T* vp = vectors ? static_cast<T*>(vt) + i * vrows * n : &none;
        Lapack<T>::gesdd(jobz, int(m), int(n), static_cast<T*>(a) + i * m * n, ld(m), static_cast<T*>(s) + i * k, up,
                         ldu, vp, ldvt, work.data(), int(work.size()), iw.data(), info + i);
      }
    });
  });
}

void lu_det(Dtype d, int64_t batch, int64_t n, const void* lu, const int32_t* pivots, void* det, void* sign,
            void* logabsdet) {
  dispatch(d, "det", [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < batch; ++i) {
      const T* a = static_cast<const T*>(lu) + i * n * n;
      const int32_t* piv = pivots + i * n;
      T prod = 1, swaps = 1, sgn = 1, logabs = 0;  // sgn: of the product of the pivots and of U's diagonal
      for (int64_t j = 0; j < n; ++j) {
        const T u = a[j * n + j];
        prod *= u;
        if (piv[j] != j + 1) swaps = -swaps;
        if (u < 0) sgn = -sgn;
        logabs += std::log(std::abs(u));
      }
      sgn *= swaps;
      if (det) static_cast<T*>(det)[i] = swaps * prod;
      if (sign) static_cast<T*>(sign)[i] = logabs == -std::numeric_limits<T>::infinity() ? T(0) : sgn;
      if (logabsdet) static_cast<T*>(logabsdet)[i] = logabs;
    }
  });
}

void pivots_to_permutation(int64_t batch, int64_t m, int64_t k, const int32_t* pivots, int64_t* perm) {
  for (int64_t i = 0; i < batch; ++i) {
    int64_t* p = perm + i * m;
    for (int64_t j = 0; j < m; ++j) p[j] = j;
    for (int64_t j = 0; j < k; ++j) std::swap(p[j], p[pivots[i * k + j] - 1]);
  }
}

void lstsq(Dtype d, int64_t batch, int64_t m, int64_t n, int64_t nrhs, void* a, void* b, double rcond,
           LstsqDriver driver, int64_t* rank, void* s, int32_t* info) {
  const int64_t ldb = std::max<int64_t>(1, std::max(m, n)), k = std::min(m, n);
  dispatch(d, "lstsq", [&](auto tag) {
    using T = decltype(tag);
    const int M = int(m), N = int(n), R = int(nrhs), LDA = ld(m), LDB = int(ldb);
    T* A = static_cast<T*>(a);
    T* B = static_cast<T*>(b);
    std::vector<T> sv(size_t(std::max<int64_t>(1, k)));
    std::vector<int> jpvt(size_t(std::max<int64_t>(1, n)));
    T wq = 0;
    int q = 0, r = 0, iwq = 0;
    // workspace query, then one call per matrix
    switch (driver) {
      case LstsqDriver::Gels: Lapack<T>::gels(M, N, R, nullptr, LDA, nullptr, LDB, &wq, -1, &q); break;
      case LstsqDriver::Gelsy:
        Lapack<T>::gelsy(M, N, R, nullptr, LDA, nullptr, LDB, nullptr, T(rcond), &r, &wq, -1, &q);
        break;
      case LstsqDriver::Gelss:
        Lapack<T>::gelss(M, N, R, nullptr, LDA, nullptr, LDB, nullptr, T(rcond), &r, &wq, -1, &q);
        break;
      case LstsqDriver::Gelsd:
        Lapack<T>::gelsd(M, N, R, nullptr, LDA, nullptr, LDB, nullptr, T(rcond), &r, &wq, -1, &iwq, &q);
        break;
    }
    std::vector<T> work(size_t(work_size(wq)));
    std::vector<int> iwork(size_t(std::max(1, iwq)));
    const int W = int(work.size());
    for (int64_t i = 0; i < batch; ++i) {
      T* ai = A + i * m * n;
      T* bi = B + i * ldb * nrhs;
      T* si = s ? static_cast<T*>(s) + i * k : sv.data();
      r = 0;
      switch (driver) {
        case LstsqDriver::Gels: Lapack<T>::gels(M, N, R, ai, LDA, bi, LDB, work.data(), W, info + i); break;
        case LstsqDriver::Gelsy:
          std::fill(jpvt.begin(), jpvt.end(), 0);  // every column free to pivot
          Lapack<T>::gelsy(M, N, R, ai, LDA, bi, LDB, jpvt.data(), T(rcond), &r, work.data(), W, info + i);
          break;
        case LstsqDriver::Gelss: Lapack<T>::gelss(M, N, R, ai, LDA, bi, LDB, si, T(rcond), &r, work.data(), W, info + i); break;
        case LstsqDriver::Gelsd:
          Lapack<T>::gelsd(M, N, R, ai, LDA, bi, LDB, si, T(rcond), &r, work.data(), W, iwork.data(), info + i);
          break;
      }
      if (rank) rank[i] = r;
    }
  });
}

}  // namespace ember::cpu
