// Resampling kernels: upsampling as a separable sum over per-dimension taps
// (nearest: 1 tap, linear: 2, cubic: 4), with torch's source-index rules, and
// pixel_shuffle as a strided copy.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/cpu/conv_kernels.h"

namespace ember::cpu {

namespace {

struct Taps {
  int n = 1;                    // taps per output position
  std::vector<int64_t> index;   // out * n input positions
  std::vector<double> weight;   // out * n weights
};

// torch's compute_scales_value: the reciprocal of a given scale, else in / out.
template <class S> S scale_value(double scale, int64_t in, int64_t out) {
  return scale > 0 ? S(1.0 / scale) : S(in) / S(out);
}
// torch's area_pixel_compute_scale
template <class S> S area_scale(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? S(in - 1) / S(out - 1) : S(0);
  return scale_value<S>(scale, in, out);
}
template <class S> S source_index(S scale, int64_t dst, bool align_corners, bool cubic) {
  if (align_corners) return scale * S(dst);
  S src = scale * (S(dst) + S(0.5)) - S(0.5);
  return (!cubic && src < S(0)) ? S(0) : src;
}

double cubic1(double x, double A) { return ((A + 2) * x - (A + 3)) * x * x + 1; }
double cubic2(double x, double A) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }

// Index math runs in S, the precision torch uses for the dtype (float for float32), so
// positions on the edge of a rounding step pick the same source as torch.
template <class S> Taps make_taps(Interp mode, int64_t in, int64_t out, double scale, bool align_corners) {
  Taps t;
  t.n = mode == Interp::Linear ? 2 : mode == Interp::Cubic ? 4 : 1;
  t.index.resize(size_t(out * t.n));
  t.weight.resize(size_t(out * t.n));
  for (int64_t o = 0; o < out; ++o) {
    int64_t* ix = t.index.data() + o * t.n;
    double* w = t.weight.data() + o * t.n;
    switch (mode) {
      case Interp::Nearest: {
        if (out == in) ix[0] = o;
        else if (out == 2 * in) ix[0] = o >> 1;
        else ix[0] = std::min<int64_t>(int64_t(std::floor(float(o) * scale_value<float>(scale, in, out))), in - 1);
        w[0] = 1;
        break;
      }
      case Interp::NearestExact: {
        float s = scale_value<float>(scale, in, out);
        ix[0] = std::min<int64_t>(int64_t(std::floor((float(o) + 0.5f) * s)), in - 1);
        w[0] = 1;
        break;
      }
      case Interp::Linear: {
        S sc = area_scale<S>(in, out, align_corners, scale);
        S src = source_index<S>(sc, o, align_corners, false);
        int64_t i0 = std::min<int64_t>(int64_t(src), in - 1);
        int64_t step = i0 < in - 1 ? 1 : 0;
        S l1 = std::min(std::max(src - S(i0), S(0)), S(1));
        ix[0] = i0;
        ix[1] = i0 + step;
        w[0] = double(S(1) - l1);
        w[1] = double(l1);
        break;
      }
      case Interp::Cubic: {
        S sc = area_scale<S>(in, out, align_corners, scale);
        S src = source_index<S>(sc, o, align_corners, true);
        S fl = std::floor(src);
        int64_t i0 = int64_t(fl);
        double tt = double(src - fl), A = -0.75;
        double c[4] = {cubic2(tt + 1, A), cubic1(tt, A), cubic1(1 - tt, A), cubic2(2 - tt, A)};
        for (int k = 0; k < 4; ++k) {
          ix[k] = std::clamp<int64_t>(i0 - 1 + k, 0, in - 1);
          w[k] = c[k];
        }
        break;
      }
    }
  }
  return t;
}

template <class T> void run_upsample(Interp mode, const ResampleGeom& g, const T* X, T* Y, bool backward) {
  using S = std::conditional_t<std::is_same_v<T, double>, double, float>;
  Taps taps[3];
  for (int d = 0; d < 3; ++d) {
    if (d < 3 - g.nd) {
      taps[d].n = 1;
      taps[d].index.assign(size_t(g.out[d]), 0);
      taps[d].weight.assign(size_t(g.out[d]), 1.0);
    } else {
      taps[d] = make_taps<S>(mode, g.in[d], g.out[d], g.scales[d], g.align_corners);
    }
  }
  const int64_t in_sp = prod3(g.in), out_sp = prod3(g.out);
  const int n0 = taps[0].n, n1 = taps[1].n, n2 = taps[2].n;
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, out_sp * n0 * n1 * n2));
  parallel_for(0, g.planes, grain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* src = backward ? X + p * out_sp : X + p * in_sp;
      T* dst = backward ? Y + p * in_sp : Y + p * out_sp;
      if (backward) std::fill(dst, dst + in_sp, T(0));
      int64_t o = 0;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
            double acc = 0;
            const double gv = backward ? double(src[o]) : 0.0;
            for (int a = 0; a < n0; ++a) {
              const int64_t id = taps[0].index[od * n0 + a];
              const double wa = taps[0].weight[od * n0 + a];
              for (int b = 0; b < n1; ++b) {
                const int64_t ih = taps[1].index[oh * n1 + b];
                const double wb = wa * taps[1].weight[oh * n1 + b];
                const int64_t row = (id * g.in[1] + ih) * g.in[2];
                for (int c = 0; c < n2; ++c) {
                  const int64_t i = row + taps[2].index[ow * n2 + c];
                  const double w = wb * taps[2].weight[ow * n2 + c];
                  if (backward) dst[i] += T(w * gv);
                  else acc += w * double(src[i]);
                }
              }
            }
            if (!backward) dst[o] = T(acc);
          }
    }
  });
}

}  // namespace

void upsample_forward(Interp mode, const ResampleGeom& g, const Tensor& x, const Tensor& y) {
  if (x.dtype() == Dtype::Float64) run_upsample<double>(mode, g, x.data_ptr<double>(), y.data_ptr<double>(), false);
  else run_upsample<float>(mode, g, x.data_ptr<float>(), y.data_ptr<float>(), false);
}

void upsample_backward(Interp mode, const ResampleGeom& g, const Tensor& gy, const Tensor& gx) {
  if (gy.dtype() == Dtype::Float64) run_upsample<double>(mode, g, gy.data_ptr<double>(), gx.data_ptr<double>(), true);
  else run_upsample<float>(mode, g, gy.data_ptr<float>(), gx.data_ptr<float>(), true);
}

void pixel_shuffle_kernel(const Tensor& x, const Tensor& y, int64_t outer, int64_t C, int64_t H, int64_t W, int64_t r,
                          bool inverse) {
  // Small side: (outer, C, r, r, H, W); big side: (outer, C, H, r, W, r). Copy element by element
  // with the element size as the unit, so every dtype shares one loop.
  const size_t es = x.element_size();
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(y.raw_data());
  const int64_t total = outer * C;
  parallel_for(0, total, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, r * r * H * W)), [&](int64_t b, int64_t e) {
    for (int64_t oc = b; oc < e; ++oc) {
      const int64_t base = oc * r * r * H * W;
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < r; ++j)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t w = 0; w < W; ++w) {
              const int64_t small = base + ((i * r + j) * H + h) * W + w;
              const int64_t big = base + ((h * r + i) * W + w) * r + j;
              if (!inverse) std::memcpy(dst + big * es, src + small * es, es);
              else std::memcpy(dst + small * es, src + big * es, es);
            }
    }
  });
}

}  // namespace ember::cpu
