// Matrix product kernels. float32/float64 call OpenBLAS directly on the
// caller's memory whenever each operand has a unit stride; float16/bfloat16
// convert to float32 buffers around sgemm; integers use a row-parallel loop
// in wrapping unsigned arithmetic (torch's integer results, without signed
// overflow being undefined).
#include "ember/ops/cpu/blas.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <mutex>
#include <type_traits>

#include "ember/core/error.h"
#include "ember/core/parallel.h"

namespace ember::cpu {

namespace {

// OpenBLAS runs a product single-threaded when m*n*k is at most this
// (SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD in its interface/gemm.c),
// and a matrix-vector product when m*n is below 2304 * 4 (interface/gemv.c).
// Such products can run side by side on ember's threads.
constexpr double kBlasSingleThreadGemm = 65536.0 * 4;
constexpr double kBlasSingleThreadGemv = 2304.0 * 4;
// Up to this size, a batch of products with several per thread runs faster side
// by side, each on one BLAS thread, than one after another with BLAS splitting
// each (no thread handoff per product; measured on attention-sized batches).
constexpr double kParallelBatchMaxMNK = 4.0 * 1024 * 1024;

// How BLAS can read an r x c operand: row-major with leading dimension ld, or
// (trans) as the transpose of a row-major c x r matrix. Strides of size-1
// dimensions never matter, so they never force a copy.
struct Layout {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

Layout blas_layout(int64_t r, int64_t c, int64_t rs, int64_t cs) {
  const int64_t rmax = std::max<int64_t>(r, 1), cmax = std::max<int64_t>(c, 1);
  if (cs == 1 || c == 1) {
    int64_t ld = r == 1 ? cmax : rs;
    if (ld >= cmax && ld <= INT_MAX) return {true, false, ld};
  }
  if (rs == 1 || r == 1) {
    int64_t ld = c == 1 ? rmax : cs;
    if (ld >= rmax && ld <= INT_MAX) return {true, true, ld};
  }
  return {};
}

CBLAS_TRANSPOSE op(const Layout& l) { return l.trans ? CblasTrans : CblasNoTrans; }

void check_int_dims(int64_t m, int64_t n, int64_t k) {
  EMBER_CHECK(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX, "gemm", "matrix dimensions (", m, ", ", n, ", ", k,
              ") exceed what BLAS can index");
}

template <class T> const T* at(const ConstMat& a, int64_t i, int64_t j) {
  return static_cast<const T*>(a.data) + i * a.rs + j * a.cs;
}
template <class T> T* at(const MutMat& a, int64_t i, int64_t j) { return static_cast<T*>(a.data) + i * a.rs + j * a.cs; }

// Gathers a strided r x c operand into a row-major buffer of type B.
template <class T, class B> std::unique_ptr<B[]> gather(const ConstMat& a, int64_t r, int64_t c) {
  std::unique_ptr<B[]> buf(new B[size_t(std::max<int64_t>(r * c, 1))]);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) buf[i * c + j] = B(*at<T>(a, i, j));
  return buf;
}

// C = beta * C over an m x n strided block (k == 0 products); beta == 0 writes zeros.
template <class T> void scale_c(int64_t m, int64_t n, T beta, MutMat c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T* p = at<T>(c, i, j);
      *p = beta == T(0) ? T(0) : T(beta * *p);
    }
}

// ---------------------------------------------------------------- float32 / float64 through OpenBLAS
void xgemm(float, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void xgemm(double, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha, const double* a,
           int lda, const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void xgemv(float, CBLAS_TRANSPOSE t, int m, int n, float alpha, const float* a, int lda, const float* x, int incx,
           float beta, float* y, int incy) {
  cblas_sgemv(CblasRowMajor, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
void xgemv(double, CBLAS_TRANSPOSE t, int m, int n, double alpha, const double* a, int lda, const double* x, int incx,
           double beta, double* y, int incy) {
  cblas_dgemv(CblasRowMajor, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

// A usable BLAS view of an operand: the caller's memory, or a row-major copy.
template <class T> struct BlasOperand {
  const T* data;
  Layout layout;
  std::unique_ptr<T[]> copy;
  BlasOperand(const ConstMat& a, int64_t r, int64_t c) {
    layout = blas_layout(r, c, a.rs, a.cs);
    data = static_cast<const T*>(a.data);
    if (!layout.ok) {
      copy = gather<T, T>(a, r, c);
      data = copy.get();
      layout = {true, false, std::max<int64_t>(c, 1)};
    }
  }
};

// y[i * incy] = alpha * (A x)[i] + beta * y[i * incy], A r x c (an operand), x strided.
template <class T> void blas_gemv(int64_t r, int64_t c, T alpha, const ConstMat& a, const T* x, int64_t incx, T beta,
                                  T* y, int64_t incy) {
  if (c == 1) incx = 1;  // unread strides: BLAS rejects 0
  if (r == 1) incy = 1;
  std::unique_ptr<T[]> xcopy;
  if (incx <= 0 || incx > INT_MAX) {
    xcopy.reset(new T[size_t(c)]);
    for (int64_t j = 0; j < c; ++j) xcopy[j] = x[j * incx];
    x = xcopy.get();
    incx = 1;
  }
  EMBER_CHECK(incy > 0 && incy <= INT_MAX, "gemv", "unsupported output stride ", incy);
  // BLAS scales y by beta; with beta == 0 make sure nothing from y (NaN) survives.
  if (beta == T(0))
    for (int64_t i = 0; i < r; ++i) y[i * incy] = T(0);
  BlasOperand<T> A(a, r, c);
  if (!A.layout.trans)
    xgemv(T(), CblasNoTrans, int(r), int(c), alpha, A.data, int(A.layout.ld), x, int(incx), beta, y, int(incy));
  else  // stored as a row-major c x r matrix
    xgemv(T(), CblasTrans, int(c), int(r), alpha, A.data, int(A.layout.ld), x, int(incx), beta, y, int(incy));
}

template <class T> void blas_gemm(int64_t m, int64_t n, int64_t k, T alpha, ConstMat a, ConstMat b, T beta, MutMat c) {
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_c<T>(m, n, beta, c);
  check_int_dims(m, n, k);
  Layout lc = blas_layout(m, n, c.rs, c.cs);
  if (lc.ok && lc.trans) {
    // C is column-major: compute C^T = B^T A^T, which is row-major.
    return blas_gemm<T>(n, m, k, alpha, {b.data, b.cs, b.rs}, {a.data, a.cs, a.rs}, beta, {c.data, c.cs, c.rs});
  }
  if (!lc.ok) {
    // No unit stride in C: compute into a row-major buffer and scatter back.
    std::unique_ptr<T[]> buf(new T[size_t(m * n)]);
    MutMat tmp{buf.get(), n, 1};
    if (beta != T(0))
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) buf[i * n + j] = *at<T>(c, i, j);
    blas_gemm<T>(m, n, k, alpha, a, b, beta, tmp);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) *at<T>(c, i, j) = buf[i * n + j];
    return;
  }
  T* cp = static_cast<T*>(c.data);
  if (n == 1)  // matrix @ vector
    return blas_gemv<T>(m, k, alpha, a, static_cast<const T*>(b.data), b.rs, beta, cp, c.rs);
  if (m == 1)  // vector @ matrix = (B^T x)^T
    return blas_gemv<T>(n, k, alpha, {b.data, b.cs, b.rs}, static_cast<const T*>(a.data), a.cs, beta, cp, c.cs);
  BlasOperand<T> A(a, m, k), B(b, k, n);
  xgemm(T(), op(A.layout), op(B.layout), int(m), int(n), int(k), alpha, A.data, int(A.layout.ld), B.data,
        int(B.layout.ld), beta, cp, int(lc.ld));
}

// ---------------------------------------------------------------- float16 / bfloat16 via float32
template <class T> void reduced_gemm(int64_t m, int64_t n, int64_t k, float alpha, ConstMat a, ConstMat b, float beta,
                                     MutMat c) {
  if (m == 0 || n == 0) return;
  auto A = gather<T, float>(a, m, k);
  auto B = gather<T, float>(b, k, n);
  std::unique_ptr<float[]> C(new float[size_t(m * n)]);
  if (beta != 0.0f)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) C[i * n + j] = float(*at<T>(c, i, j));
  blas_gemm<float>(m, n, k, alpha, {A.get(), k, 1}, {B.get(), n, 1}, beta, {C.get(), n, 1});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) *at<T>(c, i, j) = T(C[i * n + j]);
}

// ---------------------------------------------------------------- integers
template <class T> void int_gemm(int64_t m, int64_t n, int64_t k, uint64_t alpha, ConstMat a, ConstMat b, uint64_t beta,
                                 MutMat c) {
  if (m == 0 || n == 0) return;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(n * k, 1));
  parallel_for(0, m, grain, [&](int64_t r0, int64_t r1) {
    std::unique_ptr<uint64_t[]> acc(new uint64_t[size_t(n)]);
    for (int64_t i = r0; i < r1; ++i) {
      std::fill(acc.get(), acc.get() + n, uint64_t(0));
      for (int64_t p = 0; p < k; ++p) {
        const uint64_t av = uint64_t(int64_t(*at<T>(a, i, p)));
        if (av == 0) continue;
        const T* brow = at<T>(b, p, 0);
        for (int64_t j = 0; j < n; ++j) acc[j] += av * uint64_t(int64_t(brow[j * b.cs]));
      }
      for (int64_t j = 0; j < n; ++j) {
        T* out = at<T>(c, i, j);
        uint64_t v = alpha * acc[j];
        if (beta != 0) v += beta * uint64_t(int64_t(*out));
        *out = T(v);  // modular, like torch's wrapping integer arithmetic
      }
    }
  });
}

void check_gemm_dtype(Dtype d) {
  EMBER_CHECK(d != Dtype::Bool, "gemm", "\"addmm_impl_cpu_\" not implemented for 'Bool'");
}

}  // namespace

void gemm(Dtype dtype, int64_t m, int64_t n, int64_t k, const Scalar& alpha, ConstMat a, ConstMat b,
          const Scalar& beta, MutMat c) {
  check_gemm_dtype(dtype);
  switch (dtype) {
    case Dtype::Float32: return blas_gemm<float>(m, n, k, alpha.to<float>(), a, b, beta.to<float>(), c);
    case Dtype::Float64: return blas_gemm<double>(m, n, k, alpha.to<double>(), a, b, beta.to<double>(), c);
    case Dtype::Float16: return reduced_gemm<Half>(m, n, k, alpha.to<float>(), a, b, beta.to<float>(), c);
    case Dtype::BFloat16: return reduced_gemm<BFloat16>(m, n, k, alpha.to<float>(), a, b, beta.to<float>(), c);
    default:
      return visit_integral(dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        int_gemm<T>(m, n, k, uint64_t(alpha.to_int()), a, b, uint64_t(beta.to_int()), c);
      });
  }
}

void gemm_batched(Dtype dtype, int64_t batch, int64_t m, int64_t n, int64_t k, const Scalar& alpha, ConstMat a,
                  const int64_t* a_off, ConstMat b, const int64_t* b_off, const Scalar& beta, MutMat c,
                  const int64_t* c_off) {
  check_gemm_dtype(dtype);
  const size_t isz = itemsize(dtype);
  auto one = [&](int64_t i) {
    ConstMat ai{static_cast<const char*>(a.data) + a_off[i] * isz, a.rs, a.cs};
    ConstMat bi{static_cast<const char*>(b.data) + b_off[i] * isz, b.rs, b.cs};
    MutMat ci{static_cast<char*>(c.data) + c_off[i] * isz, c.rs, c.cs};
    gemm(dtype, m, n, k, alpha, ai, bi, beta, ci);
  };
  auto run_all = [&](int64_t grain) {
    parallel_for(0, batch, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i) one(i);
    });
  };
  const double mnk = double(m) * double(n) * double(k);
  const bool is_gemv = m == 1 || n == 1;  // see blas_gemm
  const int64_t threads = get_num_threads();
  if (batch > 1 && mnk <= (is_gemv ? kBlasSingleThreadGemv : kBlasSingleThreadGemm)) {
    // BLAS runs each of these on the calling thread: spread the batch over ours.
    run_all(std::max<int64_t>(1, int64_t(32768.0 / std::max(mnk, 1.0))));
  } else if (threads > 1 && !in_parallel_region() && mnk <= kParallelBatchMaxMNK &&
             (batch % threads == 0 || batch >= 4 * threads)) {
    SerialBlasGuard serial;
    run_all(1);
  } else {
    for (int64_t i = 0; i < batch; ++i) one(i);
  }
}

namespace {
template <class T> void generic_dot(int64_t n, const void* x, int64_t incx, const void* y, int64_t incy, void* out) {
  const T* xp = static_cast<const T*>(x);
  const T* yp = static_cast<const T*>(y);
  if constexpr (is_floating_v<T>) {
    using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
    Acc s = 0;
    for (int64_t i = 0; i < n; ++i) s += Acc(xp[i * incx]) * Acc(yp[i * incy]);
    *static_cast<T*>(out) = T(s);
  } else {
    uint64_t s = 0;
    for (int64_t i = 0; i < n; ++i) s += uint64_t(int64_t(xp[i * incx])) * uint64_t(int64_t(yp[i * incy]));
    *static_cast<T*>(out) = T(s);
  }
}
}  // namespace

void dot(Dtype dtype, int64_t n, const void* x, int64_t incx, const void* y, int64_t incy, void* out) {
  EMBER_CHECK(dtype != Dtype::Bool, "dot", "\"dot\" not implemented for 'Bool'");
  const bool blas_ok = n <= INT_MAX && incx > 0 && incy > 0 && incx <= INT_MAX && incy <= INT_MAX;
  if (dtype == Dtype::Float32 && blas_ok) {
    *static_cast<float*>(out) = cblas_sdot(int(n), static_cast<const float*>(x), int(incx), static_cast<const float*>(y), int(incy));
    return;
  }
  if (dtype == Dtype::Float64 && blas_ok) {
    *static_cast<double*>(out) = cblas_ddot(int(n), static_cast<const double*>(x), int(incx), static_cast<const double*>(y), int(incy));
    return;
  }
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) generic_dot<T>(n, x, incx, y, incy, out);
  });
}

namespace {
std::mutex& serial_blas_mutex() {
  static std::mutex mu;
  return mu;
}
}  // namespace

SerialBlasGuard::SerialBlasGuard() {
  serial_blas_mutex().lock();
  openblas_set_num_threads(1);
}
SerialBlasGuard::~SerialBlasGuard() {
  openblas_set_num_threads(get_num_threads());
  serial_blas_mutex().unlock();
}

}  // namespace ember::cpu
