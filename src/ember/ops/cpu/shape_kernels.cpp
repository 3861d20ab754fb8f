// Block-copy kernels of the shape family. The copies move whole rows with
// memcpy where the layout allows, so cat/repeat_interleave/pad run at memory
// speed; work is split over threads by rows with a grain in bytes.
#include "ember/ops/cpu/shape_kernels.h"

#include <algorithm>
#include <cstring>

#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

namespace {

constexpr int64_t kGrainBytes = int64_t(1) << 18;  // below this, a thread costs more than it saves

// [outer, n, inner] around dim for a shape.
void split_around(const Shape& s, int64_t dim, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= s[d];
  for (int64_t d = dim + 1; d < int64_t(s.size()); ++d) inner *= s[d];
}

// Copies `bytes` bytes on several threads when it is large.
void parallel_memcpy(char* dst, const char* src, int64_t bytes) {
  parallel_for(0, bytes, int64_t(1) << 20, [&](int64_t b, int64_t e) { std::memcpy(dst + b, src + b, size_t(e - b)); });
}

}  // namespace

void cat_kernel(const Tensor& out, const std::vector<Tensor>& inputs, int64_t dim) {
  if (out.numel() == 0) return;
  int64_t outer, inner;
  split_around(out.sizes(), dim, outer, inner);
  const int64_t isz = int64_t(out.element_size());
  const int64_t out_row = out.sizes()[dim] * inner * isz;  // bytes of one outer row of out
  char* base = static_cast<char*>(out.raw_data());

  // Inputs with out's dtype and a contiguous layout are copied as raw rows; the
  // rest (other dtype, strided) go through the casting strided copy into their slot.
  struct Block { const char* src; int64_t row, offset; };
  std::vector<Block> blocks;
  int64_t offset = 0;  // along dim, in elements
  for (const Tensor& in : inputs) {
    int64_t n = in.sizes()[dim];
    if (n != 0 && in.numel() != 0) {
      if (in.dtype() == out.dtype() && in.is_contiguous()) {
        blocks.push_back({static_cast<const char*>(in.raw_data()), n * inner * isz, offset * inner * isz});
      } else {
        Shape strides = out.strides();
        Tensor slot = make_view(out, in.sizes(), strides, out.storage_offset() + offset * strides[dim]);
        copy_kernel(slot, in);
      }
    }
    offset += n;
  }
  if (blocks.empty()) return;
  if (outer == 1) {
    for (auto& b : blocks) parallel_memcpy(base + b.offset, b.src, b.row);
    return;
  }
  int64_t grain = std::max<int64_t>(1, kGrainBytes / std::max<int64_t>(out_row, 1));
  parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (auto& b : blocks) std::memcpy(base + o * out_row + b.offset, b.src + o * b.row, size_t(b.row));
  });
}

void strided_accumulate_kernel(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  // One thread, in order: overlapping destinations must see every contribution.
  visit_dtype(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t nd = dst.dim();
    T* d = reinterpret_cast<T*>(dst.raw_data());
    const T* s = reinterpret_cast<const T*>(src.raw_data());
    const Shape& sz = dst.sizes();
    const Shape& dst_st = dst.strides();
    const Shape& src_st = src.strides();
    const int64_t inner = nd ? sz[nd - 1] : 1, di = nd ? dst_st[nd - 1] : 0, si = nd ? src_st[nd - 1] : 0;
    std::vector<int64_t> idx(size_t(std::max<int64_t>(nd, 1)), 0);
    int64_t doff = 0, soff = 0;
    for (int64_t done = 0; done < n; done += inner) {
      for (int64_t i = 0; i < inner; ++i) {
        T& x = d[doff + i * di];
        x = T(compute_t<T>(x) + compute_t<T>(s[soff + i * si]));
      }
      for (int64_t k = nd - 2; k >= 0; --k) {
        doff += dst_st[k];
        soff += src_st[k];
        if (++idx[k] < sz[k]) break;
        doff -= sz[k] * dst_st[k];
        soff -= sz[k] * src_st[k];
        idx[k] = 0;
      }
    }
  });
}

void gather_dim_kernel(const Tensor& out, const Tensor& in, int64_t dim, const std::vector<int64_t>& idx) {
  if (out.numel() == 0) return;
  int64_t outer, inner;
  split_around(out.sizes(), dim, outer, inner);
  const int64_t m = out.sizes()[dim], n = in.sizes()[dim];
  const int64_t isz = int64_t(out.element_size());
  const int64_t row = inner * isz;
  char* o_base = static_cast<char*>(out.raw_data());
  const char* i_base = static_cast<const char*>(in.raw_data());
  int64_t grain = std::max<int64_t>(1, kGrainBytes / std::max<int64_t>(row, 1));
  if (inner == 1) {
    // single elements: typed copies instead of tiny memcpys
    visit_dtype(out.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* o = reinterpret_cast<T*>(o_base);
      const T* s = reinterpret_cast<const T*>(i_base);
      const int64_t* ix = idx.data();
      parallel_for(0, outer * m, kGrainElementwise, [&](int64_t b, int64_t e) {
        // walk row by row so the inner loop is a plain indexed load
        int64_t p = b;
        while (p < e) {
          int64_t row = p / m, j0 = p % m, j1 = std::min(m, j0 + (e - p));
          T* dst = o + row * m;
          const T* src = s + row * n;
          for (int64_t j = j0; j < j1; ++j) dst[j] = src[ix[j]];
          p += j1 - j0;
        }
      });
    });
    return;
  }
  parallel_for(0, outer * m, grain, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      int64_t o = p / m, j = p % m;
      std::memcpy(o_base + p * row, i_base + (o * n + idx[size_t(j)]) * row, size_t(row));
    }
  });
}

void scatter_add_dim_kernel(const Tensor& out, const Tensor& in, int64_t dim, const std::vector<int64_t>& idx) {
  if (in.numel() == 0) return;
  int64_t outer, inner;
  split_around(in.sizes(), dim, outer, inner);
  const int64_t m = out.sizes()[dim], n = in.sizes()[dim];
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    T* o = reinterpret_cast<T*>(out.raw_data());
    const T* s = reinterpret_cast<const T*>(in.raw_data());
    // Threads own disjoint (outer, inner) positions; each walks j in order, so
    // sums are the same whatever the thread count.
    int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(n, 1));
    parallel_for(0, outer * inner, grain, [&](int64_t b, int64_t e) {
      int64_t p = b;
      while (p < e) {
        int64_t oi = p / inner, i0 = p % inner, i1 = std::min(inner, i0 + (e - p));
        for (int64_t j = 0; j < n; ++j) {
          T* dst = o + (oi * m + idx[size_t(j)]) * inner;
          const T* src = s + (oi * n + j) * inner;
          for (int64_t i = i0; i < i1; ++i) dst[i] = T(C(dst[i]) + C(src[i]));
        }
        p += i1 - i0;
      }
    });
  });
}

namespace {
template <class U> void flip_rows(U* dst, const U* src, const Shape& sizes, const std::vector<bool>& flipped) {
  const int64_t nd = int64_t(sizes.size());
  const int64_t C = sizes[nd - 1];
  const int64_t rows = C == 0 ? 0 : shape_numel(sizes) / C;
  const bool last = flipped[nd - 1];
  std::vector<int64_t> row_stride(size_t(nd), 1);  // in rows, for dims before the last
  for (int64_t k = nd - 3; k >= 0; --k) row_stride[k] = row_stride[k + 1] * sizes[k + 1];
  int64_t grain = std::max<int64_t>(1, kGrainBytes / std::max<int64_t>(C * int64_t(sizeof(U)), 1));
  parallel_for(0, rows, grain, [&](int64_t b, int64_t e) {
    std::vector<int64_t> idx(size_t(nd), 0);
    int64_t src_row = 0, rem = b;
    for (int64_t k = nd - 2; k >= 0; --k) {
      idx[k] = rem % sizes[k];
      rem /= sizes[k];
      src_row += (flipped[k] ? sizes[k] - 1 - idx[k] : idx[k]) * row_stride[k];
    }
    for (int64_t r = b; r < e; ++r) {
      const U* s = src + src_row * C;
      U* d = dst + r * C;
      if (last)
        for (int64_t j = 0; j < C; ++j) d[j] = s[C - 1 - j];
      else
        std::memcpy(d, s, size_t(C) * sizeof(U));
      for (int64_t k = nd - 2; k >= 0; --k) {
        src_row += flipped[k] ? -row_stride[k] : row_stride[k];
        if (++idx[k] < sizes[k]) break;
        src_row -= (flipped[k] ? -row_stride[k] : row_stride[k]) * sizes[k];
        idx[k] = 0;
      }
    }
  });
}
}  // namespace

void flip_kernel(const Tensor& out, const Tensor& in, const std::vector<bool>& flipped) {
  if (out.numel() == 0) return;
  // Only the bits move: dispatch on the element size.
  switch (out.element_size()) {
    case 1: flip_rows(static_cast<uint8_t*>(out.raw_data()), static_cast<const uint8_t*>(in.raw_data()), out.sizes(), flipped); break;
    case 2: flip_rows(static_cast<uint16_t*>(out.raw_data()), static_cast<const uint16_t*>(in.raw_data()), out.sizes(), flipped); break;
    case 4: flip_rows(static_cast<uint32_t*>(out.raw_data()), static_cast<const uint32_t*>(in.raw_data()), out.sizes(), flipped); break;
    default: flip_rows(static_cast<uint64_t*>(out.raw_data()), static_cast<const uint64_t*>(in.raw_data()), out.sizes(), flipped); break;
  }
}

void tri_kernel(const Tensor& out, const Tensor& in, int64_t k, bool upper) {
  if (out.numel() == 0) return;
  const int64_t nd = out.dim();
  const int64_t R = out.sizes()[nd - 2], C = out.sizes()[nd - 1];
  const int64_t batch = out.numel() / (R * C);
  const int64_t rs = in.strides()[nd - 2], cs = in.strides()[nd - 1];
  // storage offset of each batch matrix of `in` (batch dims may be strided)
  std::vector<int64_t> boff(size_t(batch), 0);
  {
    std::vector<int64_t> idx(size_t(nd), 0);
    int64_t off = 0;
    for (int64_t b = 0; b < batch; ++b) {
      boff[size_t(b)] = off;
      for (int64_t d = nd - 3; d >= 0; --d) {
        off += in.strides()[d];
        if (++idx[size_t(d)] < out.sizes()[d]) break;
        off -= out.sizes()[d] * in.strides()[d];
        idx[size_t(d)] = 0;
      }
    }
  }
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = reinterpret_cast<T*>(out.raw_data());
    const T* s = reinterpret_cast<const T*>(in.raw_data());
    int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(C, 1));
    parallel_for(0, batch * R, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t p = b0; p < b1; ++p) {
        int64_t b = p / R, r = p % R;
        T* orow = o + p * C;
        const T* irow = s + boff[size_t(b)] + r * rs;
        // kept columns: tril keeps c <= r + k, triu keeps c >= r + k
        int64_t lo = upper ? std::clamp<int64_t>(r + k, 0, C) : 0;
        int64_t hi = upper ? C : std::clamp<int64_t>(r + k + 1, 0, C);
        for (int64_t c = 0; c < lo; ++c) orow[c] = T(0);
        if (cs == 1 && irow != orow) std::memcpy(orow + lo, irow + lo, size_t(hi - lo) * sizeof(T));
        else if (irow != orow)
          for (int64_t c = lo; c < hi; ++c) orow[c] = irow[c * cs];
        for (int64_t c = hi; c < C; ++c) orow[c] = T(0);
      }
    });
  });
}

}  // namespace ember::cpu
