// Advanced-index copies and gather/scatter along a dimension.
#include "ember/ops/cpu/index_kernels.h"

#include <cmath>
#include <cstring>

#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

namespace {

// ---------------------------------------------------------------- dims of one loop level
// Sizes with the byte strides of the two operands, innermost first, with size-1
// dims dropped and neighbours merged where both operands are contiguous across them.
struct Geo {
  std::vector<int64_t> sizes, sd, ss;
  int64_t numel = 1;
};

Geo make_geo(const Shape& sizes, const Shape& dst_strides, const Shape& src_strides, int64_t dsz, int64_t ssz) {
  Geo g;
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    g.numel *= sizes[d];
    if (sizes[d] == 1) continue;
    int64_t a = dst_strides[d] * dsz, b = src_strides[d] * ssz;
    if (!g.sizes.empty() && a == g.sd.back() * g.sizes.back() && b == g.ss.back() * g.sizes.back()) {
      g.sizes.back() *= sizes[d];
      continue;
    }
    g.sizes.push_back(sizes[d]);
    g.sd.push_back(a);
    g.ss.push_back(b);
  }
  return g;
}

// Byte offsets of linear position `lin` (innermost fastest) in both operands.
inline void geo_offsets(const Geo& g, int64_t lin, int64_t& od, int64_t& os) {
  od = os = 0;
  for (size_t k = 0; k < g.sizes.size(); ++k) {
    int64_t c = lin % g.sizes[k];
    lin /= g.sizes[k];
    od += c * g.sd[k];
    os += c * g.ss[k];
  }
}

// Calls run(d, s, n, dstride, sstride) over runs of the innermost dim of g,
// restricted to the innermost-dim range [i0, i1) (the whole dim by default).
template <class Run> void for_runs(const Geo& g, char* d, const char* s, Run&& run, int64_t i0 = 0, int64_t i1 = -1) {
  size_t nd = g.sizes.size();
  if (nd == 0) { run(d, s, 1, 0, 0); return; }
  if (i1 < 0) i1 = g.sizes[0];
  if (nd == 1) { run(d + i0 * g.sd[0], s + i0 * g.ss[0], i1 - i0, g.sd[0], g.ss[0]); return; }
  int64_t outer = 1;
  for (size_t k = 1; k < nd; ++k) outer *= g.sizes[k];
  for (int64_t q = 0; q < outer; ++q) {
    int64_t od = i0 * g.sd[0], os = i0 * g.ss[0], lin = q;
    for (size_t k = 1; k < nd; ++k) {
      int64_t c = lin % g.sizes[k];
      lin /= g.sizes[k];
      od += c * g.sd[k];
      os += c * g.ss[k];
    }
    run(d + od, s + os, i1 - i0, g.sd[0], g.ss[0]);
  }
}

template <class U> struct CopyRun {
  void operator()(char* d, const char* s, int64_t n, int64_t sd, int64_t ss) const {
    if (n == 1) { *reinterpret_cast<U*>(d) = *reinterpret_cast<const U*>(s); return; }
    if (sd == int64_t(sizeof(U)) && ss == int64_t(sizeof(U))) { std::memcpy(d, s, size_t(n) * sizeof(U)); return; }
    for (int64_t i = 0; i < n; ++i) *reinterpret_cast<U*>(d + i * sd) = *reinterpret_cast<const U*>(s + i * ss);
  }
};

template <class T> struct AddRun {
  void operator()(char* d, const char* s, int64_t n, int64_t sd, int64_t ss) const {
    for (int64_t i = 0; i < n; ++i) {
      T* p = reinterpret_cast<T*>(d + i * sd);
      *p = T(compute_t<T>(*p) + compute_t<T>(*reinterpret_cast<const T*>(s + i * ss)));
    }
  }
};

inline int64_t boffset(const IndexOperand& o, int64_t b) { return o.boff ? o.boff[b] : b * o.bstride; }

template <class Run>
void index_loop_impl(const IndexOperand& dst, const IndexOperand& src, const Shape& outer_sizes, int64_t nb,
                     const Shape& inner_sizes, int64_t es, bool dst_repeats, const Run& run) {
  Geo outer = make_geo(outer_sizes, dst.outer_strides, src.outer_strides, es, es);
  Geo inner = make_geo(inner_sizes, dst.inner_strides, src.inner_strides, es, es);
  int64_t nouter = outer.numel, ninner = inner.numel;
  if (nouter == 0 || nb == 0 || ninner == 0) return;
  if (!dst_repeats) {
    // Every (p, b) pair writes its own elements: split pairs across threads.
    int64_t grain = std::max<int64_t>(1, kGrainElementwise / ninner);
    parallel_for(0, nouter * nb, grain, [&](int64_t begin, int64_t end) {
      for (int64_t q = begin; q < end;) {
        int64_t p = q / nb, b = q % nb;
        int64_t od, os;
        geo_offsets(outer, p, od, os);
        char* dp = dst.base + od;
        const char* sp = src.base + os;
        for (; b < nb && q < end; ++b, ++q)
          for_runs(inner, dp + boffset(dst, b) * es, sp + boffset(src, b) * es, run);
      }
    });
    return;
  }
  // Several b may hit one destination element: b stays serial and in order.
  if (nouter > 1 || inner.sizes.size() != 1) {
    int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, nb * ninner));
    parallel_for(0, nouter, grain, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        int64_t od, os;
        geo_offsets(outer, p, od, os);
        for (int64_t b = 0; b < nb; ++b)
          for_runs(inner, dst.base + od + boffset(dst, b) * es, src.base + os + boffset(src, b) * es, run);
      }
    });
    return;
  }
  // One outer position and one inner dim: split the inner dim across threads.
  int64_t od, os;
  geo_offsets(outer, 0, od, os);
  int64_t grain = std::max<int64_t>(1, kGrainElementwise / nb);
  parallel_for(0, ninner, grain, [&](int64_t i0, int64_t i1) {
    for (int64_t b = 0; b < nb; ++b)
      for_runs(inner, dst.base + od + boffset(dst, b) * es, src.base + os + boffset(src, b) * es, run, i0, i1);
  });
}

}  // namespace

void index_copy_loop(const IndexOperand& dst, const IndexOperand& src, const Shape& outer_sizes, int64_t nb,
                     const Shape& inner_sizes, Dtype dtype, bool accumulate, bool dst_repeats) {
  int64_t es = int64_t(itemsize(dtype));
  if (accumulate) {
    visit_dtype(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      index_loop_impl(dst, src, outer_sizes, nb, inner_sizes, es, dst_repeats, AddRun<T>{});
    });
    return;
  }
  switch (es) {
    case 1: index_loop_impl(dst, src, outer_sizes, nb, inner_sizes, es, dst_repeats, CopyRun<uint8_t>{}); break;
    case 2: index_loop_impl(dst, src, outer_sizes, nb, inner_sizes, es, dst_repeats, CopyRun<uint16_t>{}); break;
    case 4: index_loop_impl(dst, src, outer_sizes, nb, inner_sizes, es, dst_repeats, CopyRun<uint32_t>{}); break;
    default: index_loop_impl(dst, src, outer_sizes, nb, inner_sizes, es, dst_repeats, CopyRun<uint64_t>{}); break;
  }
}

// ---------------------------------------------------------------- gather / scatter
namespace {

// The geometry of a dim-wise op: every operand viewed with index's sizes and
// size 1 at `dim`, so one loop position is one line along dim.
struct DimOp {
  Tensor index_sq;
  int64_t dim = 0, len = 0;      // index.size(dim)
  int64_t index_step = 0;        // bytes between index elements along dim
  int64_t limit = 1;             // valid index values are [0, limit)
  Shape squashed;
};

DimOp make_dim_op(const Tensor& index, int64_t dim, int64_t limit) {
  DimOp op;
  op.limit = limit;
  if (index.dim() == 0) {
    op.squashed = {1};
    op.index_sq = make_view(index, {1}, {0}, index.storage_offset());
    op.len = 1;
    op.dim = 0;
    return op;
  }
  op.dim = dim;
  op.len = index.sizes()[dim];
  op.index_step = index.strides()[dim] * 8;
  op.squashed = index.sizes();
  op.squashed[dim] = 1;
  op.index_sq = make_view(index, op.squashed, index.strides(), index.storage_offset());
  return op;
}

// t viewed on the squashed grid; returns its byte stride along dim.
Tensor squash(const DimOp& op, const Tensor& t, int64_t& step) {
  if (t.dim() == 0) {
    step = 0;
    return make_view(t, op.squashed, Shape(op.squashed.size(), 0), t.storage_offset());
  }
  step = t.strides()[op.dim] * int64_t(t.element_size());
  return make_view(t, op.squashed, t.strides(), t.storage_offset());
}

[[noreturn]] void index_out_of_bounds(int64_t v, int64_t dim, int64_t size) {
  EMBER_FAIL("", "index ", v, " is out of bounds for dimension ", dim, " with size ", size);
}

template <class T> inline void combine(ScatterOp op, T* d, T s) {
  using C = compute_t<T>;
  switch (op) {
    case ScatterOp::Assign: *d = s; break;
    case ScatterOp::Sum: *d = T(C(*d) + C(s)); break;
    case ScatterOp::Prod: *d = T(C(*d) * C(s)); break;
    case ScatterOp::Max:
      if constexpr (is_floating_v<T>) { if (std::isnan(C(s))) { *d = s; break; } }
      if (C(s) > C(*d)) *d = s;
      break;
    case ScatterOp::Min:
      if constexpr (is_floating_v<T>) { if (std::isnan(C(s))) { *d = s; break; } }
      if (C(s) < C(*d)) *d = s;
      break;
  }
}

}  // namespace

namespace {

// The walk gather and scatter share: every index value v at position j of each line of
// `index` along dim, checked against the limit, with the line bases of `a` and `b` (squashed
// like index, so one loop position is one line along dim: no two threads share an element).
// fn(a_line, b_line, j, v, a_step, b_step).
template <class F> void for_each_index(const Tensor& index, int64_t dim, int64_t limit, const Tensor& a, const Tensor& b, F&& fn) {
  DimOp op = make_dim_op(index, dim, limit);
  int64_t a_step, b_step;
  Tensor a_sq = squash(op, a, a_step), b_sq = squash(op, b, b_step);
  ElementwiseLoop L(op.index_sq, {&a_sq, &b_sq});
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, op.len));
  L.for_each([&](char** p, const int64_t* s, int64_t n) {
    for (int64_t k = 0; k < n; ++k) {
      const char* ip = p[0] + k * s[0];
      char* pa = p[1] + k * s[1];
      char* pb = p[2] + k * s[2];
      for (int64_t j = 0; j < op.len; ++j) {
        int64_t v = *reinterpret_cast<const int64_t*>(ip + j * op.index_step);
        if (v < 0 || v >= op.limit) index_out_of_bounds(v, op.dim, op.limit);
        fn(pa, pb, j, v, a_step, b_step);
      }
    }
  }, grain);
}

}  // namespace

void gather_kernel(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  if (index.numel() == 0) return;
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_index(index, dim, self.dim() == 0 ? 1 : self.sizes()[dim], out, self,
                   [](char* o, const char* sp, int64_t j, int64_t v, int64_t out_step, int64_t self_step) {
                     *reinterpret_cast<T*>(o + j * out_step) = *reinterpret_cast<const T*>(sp + v * self_step);
                   });
  });
}

void scatter_kernel(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, ScatterOp sop) {
  if (index.numel() == 0) return;
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_index(index, dim, self.dim() == 0 ? 1 : self.sizes()[dim], self, src,
                   [sop](char* d, const char* sp, int64_t j, int64_t v, int64_t self_step, int64_t src_step) {
                     combine(sop, reinterpret_cast<T*>(d + v * self_step), *reinterpret_cast<const T*>(sp + j * src_step));
                   });
  });
}

}  // namespace ember::cpu
