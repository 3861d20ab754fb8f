// CPU kernels of the convolution, pooling and resampling families. Like every
// kernel they take contiguous operands in their final dtype, write into outputs
// the op layer allocated, and never touch autograd.
//
// Spatial geometry is always handled as 3-d (depth, height, width): a 1-d or
// 2-d problem pads the leading dims with size 1, so one loop nest serves all.
#pragma once
#include <array>
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember::cpu {

using Dim3 = std::array<int64_t, 3>;

inline int64_t prod3(const Dim3& d) { return d[0] * d[1] * d[2]; }

// One convolution, seen from the forward direction: x (N, C_in, in) * w (C_out, C_in/groups, k) -> y (N, C_out, out).
// A transposed convolution is the same geometry run backwards (y -> x).
struct ConvGeom {
  int nd = 2;  // spatial dims of the problem as the user wrote it (the last nd of in/out/k)
  int64_t N = 1, C_in = 1, C_out = 1, groups = 1;
  Dim3 in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0}, dil{1, 1, 1};
  int64_t cin_g() const { return C_in / groups; }
  int64_t cout_g() const { return C_out / groups; }
  int64_t col_rows() const { return cin_g() * prod3(k); }  // rows of one group's column matrix
  // 1x1, stride 1, no padding: the input is already its own column matrix.
  bool is_pointwise() const;
};

// ---- im2col / col2im for C channels of one sample.
// col is (C * kd * kh * kw, od * oh * ow); positions outside the input read as 0.
template <class T> void im2col(const T* x, T* col, int64_t C, const ConvGeom& g);
// x += the column matrix folded back (overlapping windows add up); x must be initialised.
template <class T> void col2im_add(const T* col, T* x, int64_t C, const ConvGeom& g);

// ---- convolution (all operands contiguous; float32/float64/integers; bias may be undefined)
// y = conv(x, w) + bias
void conv_forward(const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& y);
// x = conv_transpose(y, w) + bias (bias has C_in entries): the input gradient of conv_forward.
void conv_backward_input(const ConvGeom& g, const Tensor& y, const Tensor& w, const Tensor& bias, const Tensor& x);
// w = sum over the batch of y (x)^T correlations: the weight gradient of conv_forward.
void conv_backward_weight(const ConvGeom& g, const Tensor& x, const Tensor& y, const Tensor& w);
// out[c] = sum of t over (outer, inner) for t viewed as (outer, C, inner): the bias gradient.
void channel_sum(const Tensor& t, int64_t outer, int64_t C, int64_t inner, const Tensor& out);
// out (outer, C, inner) = b[c] broadcast: the adjoint of channel_sum.
void channel_broadcast(const Tensor& b, int64_t outer, int64_t C, int64_t inner, const Tensor& out);

// oneDNN versions of the three convolution kernels (float32, built with oneDNN) for a slice of
// the batch (g.N samples at the pointers), run on the calling thread: the caller splits the
// batch over ember's threads in fixed chunks (and sums the weight gradient's chunks in a fixed
// order, which oneDNN's own split would tie to the thread count). Each returns false when
// oneDNN is absent, disabled (EMBER_DNNL=0) or declines the problem, and the caller then runs
// the im2col + BLAS kernel. bias may be null.
bool dnnl_conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
bool dnnl_conv_backward_input(const ConvGeom& g, const float* y, const float* w, float* x);
bool dnnl_conv_backward_weight(const ConvGeom& g, const float* x, const float* y, float* w);

// nn.functional.unfold / fold over a batch: x (N, C_in, in) <-> col (N, C_in * k, out).
void im2col_batch(const ConvGeom& g, const Tensor& x, const Tensor& col);
void col2im_batch(const ConvGeom& g, const Tensor& col, const Tensor& x);  // x is overwritten

// ---- pooling. Planes are N*C independent (in) -> (out) windows problems.
struct PoolGeom {
  int64_t planes = 1;
  Dim3 in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0}, dil{1, 1, 1};
};
// values and flat indices (into one input plane) of each window's maximum; NaN wins like torch.
void max_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y, const Tensor& indices);
void avg_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y, bool count_include_pad,
                      int64_t divisor_override);  // 0: no override
// gx += avg_pool's adjoint applied to gy (gx zeroed by the caller)
void avg_pool_backward(const PoolGeom& g, const Tensor& gy, const Tensor& gx, bool count_include_pad,
                       int64_t divisor_override);
// Adaptive pools: window i spans [floor(i*in/out), ceil((i+1)*in/out)).
void adaptive_avg_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y);
void adaptive_avg_pool_backward(const PoolGeom& g, const Tensor& gy, const Tensor& gx);
void adaptive_max_pool_forward(const PoolGeom& g, const Tensor& x, const Tensor& y, const Tensor& indices);
// Per plane: dst[idx[j]] (+)= src[j], and its adjoint dst[j] = src[idx[j]]. Index tensors are int64.
void plane_scatter(const Tensor& src, const Tensor& idx, const Tensor& dst, int64_t planes, bool accumulate);
void plane_gather(const Tensor& src, const Tensor& idx, const Tensor& dst, int64_t planes);

// ---- resampling (interpolate). scales[d] <= 0 means "derive from sizes".
enum class Interp { Nearest, NearestExact, Linear, Cubic };
struct ResampleGeom {
  int64_t planes = 1;
  int nd = 1;  // spatial dims used (1..3), the last nd of in/out
  Dim3 in{1, 1, 1}, out{1, 1, 1};
  std::array<double, 3> scales{0, 0, 0};
  bool align_corners = false;
};
void upsample_forward(Interp mode, const ResampleGeom& g, const Tensor& x, const Tensor& y);
// gx = adjoint of upsample applied to gy (gx is overwritten)
void upsample_backward(Interp mode, const ResampleGeom& g, const Tensor& gy, const Tensor& gx);

// pixel_shuffle on (outer, C*r*r, H, W) -> (outer, C, H*r, W*r); `inverse` does pixel_unshuffle's
// direction with the same r (x is then the big-image side).
void pixel_shuffle_kernel(const Tensor& x, const Tensor& y, int64_t outer, int64_t C, int64_t H, int64_t W,
                          int64_t r, bool inverse);

}  // namespace ember::cpu
