// Pieces shared by the reduction kernel files: block sizes, bulk widening of
// 16-bit floats, and iteration over the lines along one dim.
#pragma once
#include <immintrin.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/core/tensor.h"

namespace ember::cpu {

// Block sizes. They fix where partial results are cut, so they are constants:
// results must not depend on anything but the shapes.
constexpr int64_t kBlock = 16384;       // elements of a long contiguous run folded as one partial
constexpr int64_t kTile = 4096;         // columns accumulated together when reducing over rows (whole
                                        // 16 KB rows: row pieces within one 4 KB page starve the prefetcher)
constexpr int64_t kRowBlock = 256;      // rows folded into one partial when reducing over rows
constexpr int64_t kGrain = 32768;       // elements of work below which a task stays on one thread
constexpr int64_t kConvertChunk = 512;  // 16-bit floats widened per step
constexpr int kMaxWalkDims = 64;

inline void to_float(const Half* s, float* d, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
  for (; i < n; ++i) d[i] = float(s[i]);
}
inline void to_float(const BFloat16* s, float* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t b = uint32_t(s[i].bits) << 16;
    std::memcpy(d + i, &b, 4);
  }
}
inline void from_float(const float* s, Half* d, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) d[i] = Half(s[i]);
}
inline void from_float(const float* s, BFloat16* d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = BFloat16(s[i]);
}

// The lines along one dim of up to 4 tensors whose shapes agree except at that
// dim. for_each gives each line's base pointers; lines are split over threads.
struct Lines {
  static constexpr int kMax = 4;
  int nt = 0;
  int64_t count = 1;
  std::vector<int64_t> sizes;                       // the other dims, innermost first
  std::vector<std::array<int64_t, kMax>> strides;   // bytes, per dim per tensor
  std::array<char*, kMax> base{};
  std::array<int64_t, kMax> step{};                 // bytes between neighbours along the dim

  // The shape of the other dims comes from `tensors[0]`.
  Lines(std::initializer_list<const Tensor*> tensors, int64_t dim) {
    nt = int(tensors.size());
    const Tensor& ref = **tensors.begin();
    for (int64_t d = ref.dim() - 1; d >= 0; --d) {
      if (d == dim || ref.sizes()[d] == 1) continue;
      sizes.push_back(ref.sizes()[d]);
      count *= ref.sizes()[d];
      std::array<int64_t, kMax> st{};
      int t = 0;
      for (const Tensor* x : tensors) st[t++] = x->strides()[d] * int64_t(x->element_size());
      strides.push_back(st);
    }
    int t = 0;
    for (const Tensor* x : tensors) {
      base[t] = static_cast<char*>(x->raw_data());
      step[t] = x->dim() == 0 ? 0 : x->strides()[dim] * int64_t(x->element_size());
      ++t;
    }
  }

  template <class F> void for_each(int64_t grain, F&& fn) const {
    if (count == 0) return;
    parallel_for(0, count, grain, [&](int64_t b, int64_t e) {
      const int nd = int(sizes.size());
      std::vector<int64_t> idx(nd, 0);
      std::array<char*, kMax> p = base;
      int64_t rem = b;
      for (int d = 0; d < nd; ++d) {
        idx[d] = rem % sizes[d];
        rem /= sizes[d];
        for (int t = 0; t < nt; ++t) p[t] += idx[d] * strides[d][t];
      }
      for (int64_t l = b; l < e; ++l) {
        fn(p);
        for (int d = 0; d < nd; ++d) {
          for (int t = 0; t < nt; ++t) p[t] += strides[d][t];
          if (++idx[d] < sizes[d]) break;
          for (int t = 0; t < nt; ++t) p[t] -= idx[d] * strides[d][t];
          idx[d] = 0;
        }
      }
    });
  }
};

// Lines per task so that a task holds about kGrain elements.
inline int64_t line_grain(int64_t line_len) { return line_len >= kGrain ? 1 : kGrain / (line_len > 0 ? line_len : 1); }

}  // namespace ember::cpu
