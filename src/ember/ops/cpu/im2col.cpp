// im2col / col2im: the column matrix of a convolution for one sample, and its adjoint.
// Rows are (channel, kd, kh, kw), columns are output positions (od, oh, ow). The
// innermost loop runs over ow on the valid range only, so the padding costs a fill
// and stride 1 is a straight copy.
#include <algorithm>
#include <cstring>

#include "ember/ops/cpu/conv_kernels.h"

namespace ember::cpu {

bool ConvGeom::is_pointwise() const {
  for (int d = 0; d < 3; ++d)
    if (k[d] != 1 || stride[d] != 1 || pad[d] != 0 || in[d] != out[d]) return false;
  return true;
}

namespace {

// ow in [lo, hi) maps to iw = ow * s + off inside [0, W).
inline void valid_range(int64_t off, int64_t s, int64_t W, int64_t OW, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = W - off <= 0 ? 0 : (W - off + s - 1) / s;
  lo = std::min(lo, OW);
  hi = std::clamp(hi, lo, OW);
}

// Calls f(row_out, row_in_or_null, off) for each (c, kd, kh, kw, od, oh) output row of length OW,
// where row_in is the input row (null when the row lies in the padding) and off = kw * dw - pw.
template <class F> void for_each_row(int64_t C, const ConvGeom& g, F&& f) {
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t out_sp = OD * OH * OW;
  int64_t row = 0;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t kd = 0; kd < g.k[0]; ++kd)
      for (int64_t kh = 0; kh < g.k[1]; ++kh)
        for (int64_t kw = 0; kw < g.k[2]; ++kw, ++row) {
          const int64_t off = kw * g.dil[2] - g.pad[2];
          int64_t col_off = row * out_sp;
          for (int64_t od = 0; od < OD; ++od) {
            const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dil[0];
            const bool dok = id >= 0 && id < D;
            for (int64_t oh = 0; oh < OH; ++oh, col_off += OW) {
              const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dil[1];
              const bool ok = dok && ih >= 0 && ih < H;
              f(col_off, ok ? ((c * D + id) * H + ih) * W : int64_t(-1), off);
            }
          }
        }
}

}  // namespace

template <class T> void im2col(const T* x, T* col, int64_t C, const ConvGeom& g) {
  const int64_t W = g.in[2], OW = g.out[2], s = g.stride[2];
  for_each_row(C, g, [&](int64_t co, int64_t xi, int64_t off) {
    T* dst = col + co;
    if (xi < 0) {
      std::fill(dst, dst + OW, T(0));
      return;
    }
    int64_t lo, hi;
    valid_range(off, s, W, OW, lo, hi);
    const T* src = x + xi + off;
    std::fill(dst, dst + lo, T(0));
    if (s == 1) {
      std::memcpy(dst + lo, src + lo, size_t(hi - lo) * sizeof(T));
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * s];
    }
    std::fill(dst + hi, dst + OW, T(0));
  });
}

template <class T> void col2im_add(const T* col, T* x, int64_t C, const ConvGeom& g) {
  const int64_t W = g.in[2], OW = g.out[2], s = g.stride[2];
  for_each_row(C, g, [&](int64_t co, int64_t xi, int64_t off) {
    if (xi < 0) return;
    int64_t lo, hi;
    valid_range(off, s, W, OW, lo, hi);
    const T* src = col + co;
    T* dst = x + xi + off;
    if (s == 1) {
      for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += src[ow];
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) dst[ow * s] += src[ow];
    }
  });
}

#define EMBER_INSTANTIATE(T)                                                \
  template void im2col<T>(const T*, T*, int64_t, const ConvGeom&);          \
  template void col2im_add<T>(const T*, T*, int64_t, const ConvGeom&);
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
EMBER_INSTANTIATE(int8_t)
EMBER_INSTANTIATE(int16_t)
EMBER_INSTANTIATE(int32_t)
EMBER_INSTANTIATE(int64_t)
EMBER_INSTANTIATE(uint8_t)
#undef EMBER_INSTANTIATE

}  // namespace ember::cpu
