// Convolution kernels. Float32 runs through oneDNN when it is built in, otherwise (and for
// float64 and integers) as im2col + GEMM (OpenBLAS, or a plain loop for integers). Work is
// split over the batch in fixed chunks; each thread owns its column buffer and calls BLAS
// and oneDNN single-threaded, so threads never contend inside them. The weight gradient
// sums the chunks in a fixed order, so no result depends on the thread count.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/cpu/blas.h"
#include "ember/ops/cpu/conv_kernels.h"


namespace ember::cpu {

namespace {

// Row-major C = alpha * op(A) * op(B) + beta * C.
template <class T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T beta,
          T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // BLAS rejects a zero leading dimension; the product is empty
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : C[i * ldc + j] * beta;
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
                1.0f, A, int(lda), B, int(ldb), beta, C, int(ldc));
  } else if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
                1.0, A, int(lda), B, int(ldb), beta, C, int(ldc));
  } else {
    // Integers: i-k-j order keeps the inner loop contiguous over C's row.
    for (int64_t i = 0; i < M; ++i) {
      T* c = C + i * ldc;
      if (beta == T(0)) std::fill(c, c + N, T(0));
      for (int64_t k = 0; k < K; ++k) {
        const T a = ta ? A[k * lda + i] : A[i * lda + k];
        if (a == T(0)) continue;
        if (!tb) {
          const T* b = B + k * ldb;
          for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
        } else {
          for (int64_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
        }
      }
    }
  }
}

template <class F> void visit_conv_dtype(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Float32: return f(TypeTag<float>{});
    case Dtype::Float64: return f(TypeTag<double>{});
    case Dtype::Int8: return f(TypeTag<int8_t>{});
    case Dtype::Int16: return f(TypeTag<int16_t>{});
    case Dtype::Int32: return f(TypeTag<int32_t>{});
    case Dtype::Int64: return f(TypeTag<int64_t>{});
    case Dtype::UInt8: return f(TypeTag<uint8_t>{});
    default: EMBER_FAIL("convolution", "unsupported dtype ", dtype_name(d));
  }
}

// Runs body(n0, n1) over [0, n): split over threads when there is enough work.
template <class F> void run_split(int64_t n, double work, F&& body) {
  if (n >= 2 && get_num_threads() > 1 && !in_parallel_region() && work >= 65536.0) {
    SerialBlasGuard serial;
    parallel_for(0, n, 1, body);
  } else {
    body(0, n);
  }
}

// Every convolution kernel walks the batch in the same fixed chunks (they do not depend on
// the thread count, so neither does any result); threads take whole chunks, and oneDNN runs
// single-threaded on each.
int64_t batch_chunks(const ConvGeom& g) { return std::max<int64_t>(1, std::min<int64_t>(g.N, 16)); }
ConvGeom sub_batch(const ConvGeom& g, int64_t n0, int64_t n1) {
  ConvGeom sub = g;
  sub.N = n1 - n0;
  return sub;
}

template <class T> void add_channel_bias(T* out, const T* b, int64_t C, int64_t L) {
  for (int64_t c = 0; c < C; ++c) {
    const T v = b[c];
    T* o = out + c * L;
    for (int64_t j = 0; j < L; ++j) o[j] += v;
  }
}

}  // namespace

void conv_forward(const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& y) {
  visit_conv_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* X = static_cast<const T*>(x.raw_data());
    const T* Wt = static_cast<const T*>(w.raw_data());
    const T* B = bias.defined() ? static_cast<const T*>(bias.raw_data()) : nullptr;
    T* Y = static_cast<T*>(y.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out), K = g.col_rows(), cin = g.cin_g(), cout = g.cout_g();
    const bool pw = g.is_pointwise();
    const int64_t chunks = batch_chunks(g);
    run_split(chunks, double(g.N) * g.C_out * out_sp * K, [&](int64_t c0, int64_t c1) {
      std::vector<T> col;
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t n0 = c * g.N / chunks, n1 = (c + 1) * g.N / chunks;
        if constexpr (std::is_same_v<T, float>) {
          if (n1 > n0 && dnnl_conv_forward(sub_batch(g, n0, n1), X + n0 * g.C_in * in_sp, Wt, B, Y + n0 * g.C_out * out_sp))
            continue;
        }
        if (col.empty() && !pw) col.resize(size_t(K * out_sp));
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t gi = 0; gi < g.groups; ++gi) {
            const T* xs = X + (n * g.C_in + gi * cin) * in_sp;
            const T* cm = xs;
            if (!pw) {
              im2col(xs, col.data(), cin, g);
              cm = col.data();
            }
            T* ys = Y + (n * g.C_out + gi * cout) * out_sp;
            gemm<T>(false, false, cout, out_sp, K, Wt + gi * cout * K, K, cm, out_sp, T(0), ys, out_sp);
            if (B) add_channel_bias(ys, B + gi * cout, cout, out_sp);
          }
      }
    });
  });
}

void conv_backward_input(const ConvGeom& g, const Tensor& y, const Tensor& w, const Tensor& bias, const Tensor& x) {
  visit_conv_dtype(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* Y = static_cast<const T*>(y.raw_data());
    const T* Wt = static_cast<const T*>(w.raw_data());
    const T* B = bias.defined() ? static_cast<const T*>(bias.raw_data()) : nullptr;
    T* X = static_cast<T*>(x.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out), K = g.col_rows(), cin = g.cin_g(), cout = g.cout_g();
    const bool pw = g.is_pointwise();
    const int64_t chunks = batch_chunks(g);
    run_split(chunks, double(g.N) * g.C_out * out_sp * K, [&](int64_t c0, int64_t c1) {
      std::vector<T> col;
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t n0 = c * g.N / chunks, n1 = (c + 1) * g.N / chunks;
        if constexpr (std::is_same_v<T, float>) {
          if (n1 > n0 && dnnl_conv_backward_input(sub_batch(g, n0, n1), Y + n0 * g.C_out * out_sp, Wt, X + n0 * g.C_in * in_sp)) {
            if (B)
              for (int64_t n = n0; n < n1; ++n) add_channel_bias(X + n * g.C_in * in_sp, B, g.C_in, in_sp);
            continue;
          }
        }
        if (col.empty() && !pw) col.resize(size_t(K * out_sp));
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t gi = 0; gi < g.groups; ++gi) {
            const T* ys = Y + (n * g.C_out + gi * cout) * out_sp;
            T* xs = X + (n * g.C_in + gi * cin) * in_sp;
            if (pw) {
              gemm<T>(true, false, K, out_sp, cout, Wt + gi * cout * K, K, ys, out_sp, T(0), xs, in_sp);
            } else {
              gemm<T>(true, false, K, out_sp, cout, Wt + gi * cout * K, K, ys, out_sp, T(0), col.data(), out_sp);
              std::fill(xs, xs + cin * in_sp, T(0));
              col2im_add(col.data(), xs, cin, g);
            }
            if (B) add_channel_bias(xs, B + gi * cin, cin, in_sp);
          }
      }
    });
  });
}

void conv_backward_weight(const ConvGeom& g, const Tensor& x, const Tensor& y, const Tensor& w) {
  visit_conv_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* X = static_cast<const T*>(x.raw_data());
    const T* Y = static_cast<const T*>(y.raw_data());
    T* Wt = static_cast<T*>(w.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out), K = g.col_rows(), cin = g.cin_g(), cout = g.cout_g();
    const int64_t wnumel = g.C_out * K;
    const bool pw = g.is_pointwise();
    // Fixed chunking of the batch: partial sums land in their own buffers, then add up in order.
    const int64_t chunks = batch_chunks(g);
    std::vector<T> partial(size_t((chunks - 1) * wnumel));
    run_split(chunks, double(g.N) * g.C_out * out_sp * K, [&](int64_t c0, int64_t c1) {
      std::vector<T> col;
      for (int64_t c = c0; c < c1; ++c) {
        T* dst = c == 0 ? Wt : partial.data() + (c - 1) * wnumel;
        const int64_t n0 = c * g.N / chunks, n1 = (c + 1) * g.N / chunks;
        if constexpr (std::is_same_v<T, float>) {
          if (n1 > n0 && dnnl_conv_backward_weight(sub_batch(g, n0, n1), X + n0 * g.C_in * in_sp, Y + n0 * g.C_out * out_sp, dst))
            continue;
        }
        if (col.empty() && !pw) col.resize(size_t(K * out_sp));
        std::fill(dst, dst + wnumel, T(0));
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t gi = 0; gi < g.groups; ++gi) {
            const T* xs = X + (n * g.C_in + gi * cin) * in_sp;
            const T* cm = xs;
            if (!pw) {
              im2col(xs, col.data(), cin, g);
              cm = col.data();
            }
            const T* ys = Y + (n * g.C_out + gi * cout) * out_sp;
            gemm<T>(false, true, cout, K, out_sp, ys, out_sp, cm, out_sp, T(1), dst + gi * cout * K, K);
          }
      }
    });
    for (int64_t c = 1; c < chunks; ++c) {
      const T* p = partial.data() + (c - 1) * wnumel;
      for (int64_t i = 0; i < wnumel; ++i) Wt[i] += p[i];
    }
  });
}

void channel_sum(const Tensor& t, int64_t outer, int64_t C, int64_t inner, const Tensor& out) {
  visit_conv_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    const T* src = static_cast<const T*>(t.raw_data());
    T* dst = static_cast<T*>(out.raw_data());
    parallel_for(0, C, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, outer * inner)), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        // eight independent partial sums: the loop vectorizes and is not bound by add latency
        Acc acc[8] = {};
        for (int64_t o = 0; o < outer; ++o) {
          const T* p = src + (o * C + c) * inner;
          int64_t i = 0;
          for (; i + 8 <= inner; i += 8)
            for (int j = 0; j < 8; ++j) acc[j] += Acc(p[i + j]);
          for (; i < inner; ++i) acc[i & 7] += Acc(p[i]);
        }
        dst[c] = T(((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])));
      }
    });
  });
}

void channel_broadcast(const Tensor& b, int64_t outer, int64_t C, int64_t inner, const Tensor& out) {
  visit_conv_dtype(b.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = static_cast<const T*>(b.raw_data());
    T* dst = static_cast<T*>(out.raw_data());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < C; ++c) std::fill(dst + (o * C + c) * inner, dst + (o * C + c + 1) * inner, src[c]);
  });
}

void im2col_batch(const ConvGeom& g, const Tensor& x, const Tensor& col) {
  visit_conv_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* X = static_cast<const T*>(x.raw_data());
    T* Col = static_cast<T*>(col.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out), rows = g.C_in * prod3(g.k);
    parallel_for(0, g.N, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, rows * out_sp)), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) im2col(X + n * g.C_in * in_sp, Col + n * rows * out_sp, g.C_in, g);
    });
  });
}

void col2im_batch(const ConvGeom& g, const Tensor& col, const Tensor& x) {
  visit_conv_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* Col = static_cast<const T*>(col.raw_data());
    T* X = static_cast<T*>(x.raw_data());
    const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out), rows = g.C_in * prod3(g.k);
    parallel_for(0, g.N, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, rows * out_sp)), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        T* xs = X + n * g.C_in * in_sp;
        std::fill(xs, xs + g.C_in * in_sp, T(0));
        col2im_add(Col + n * rows * out_sp, xs, g.C_in, g);
      }
    });
  });
}

}  // namespace ember::cpu
