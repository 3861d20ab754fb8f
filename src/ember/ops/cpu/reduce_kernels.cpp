// The shared reducer. A reduction is first put in canonical form: size-1 dims
// dropped, dims ordered innermost-first by input stride, neighbours merged where
// memory allows. It then runs in stages, each one of two vectorized shapes:
//   inner: the innermost dim is reduced and contiguous: each output folds a run
//          of memory (many independent accumulators, so the loop vectorizes);
//   outer: the innermost dim is kept and contiguous, a further dim is reduced:
//          whole rows are accumulated into a row of accumulators.
// A geometry that fits neither (several reduced dims apart, or a strided
// innermost dim) is reduced in stages through a contiguous buffer of
// accumulators (or, when the innermost stride is not 1, after a contiguous copy).
//
// Determinism: rows longer than kBlock, and row counts above kRowBlock, are cut
// into blocks whose bounds depend only on the shape; block results combine in a
// fixed tree order. Threads only decide who computes which block.
#include "ember/ops/cpu/reduce_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/cpu/reduce_util.h"

namespace ember::cpu {

namespace {

// ---------------------------------------------------------------- reduction ops
// An op reads compute values C (float for 16-bit floats) and folds them into A:
//   identity(), map(C) -> A, combine(A, A) -> A, project(A) -> A (applied once, at the end).
// `Combine` is the op that folds already-mapped accumulators (later stages).
template <class A> struct AddOp {
  using acc_t = A;
  using combine_op = AddOp<A>;
  static constexpr bool kProject = false;
  A identity() const { return A(0); }
  template <class C> A map(C x) const { return A(x); }
  A combine(A a, A b) const {
    if constexpr (std::is_integral_v<A>) return A(std::make_unsigned_t<A>(a) + std::make_unsigned_t<A>(b));  // wraps like torch
    else return a + b;
  }
  A project(A a) const { return a; }
  combine_op combiner() const { return {}; }
};
template <class A> struct MulOp {
  using acc_t = A;
  using combine_op = MulOp<A>;
  static constexpr bool kProject = false;
  A identity() const { return A(1); }
  template <class C> A map(C x) const { return A(x); }
  A combine(A a, A b) const {
    if constexpr (std::is_integral_v<A>) return A(std::make_unsigned_t<A>(a) * std::make_unsigned_t<A>(b));
    else return a * b;
  }
  A project(A a) const { return a; }
  combine_op combiner() const { return {}; }
};
// NaN-propagating max/min (a NaN anywhere gives NaN, like torch).
template <class A> struct MaxOp {
  using acc_t = A;
  using combine_op = MaxOp<A>;
  static constexpr bool kProject = false;
  A identity() const {
    if constexpr (std::is_floating_point_v<A>) return -std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::lowest();
  }
  template <class C> A map(C x) const { return A(x); }
  A combine(A a, A b) const {
    if constexpr (std::is_floating_point_v<A>) return (b > a || b != b) ? b : a;
    else return b > a ? b : a;
  }
  A project(A a) const { return a; }
  combine_op combiner() const { return {}; }
};
template <class A> struct MinOp {
  using acc_t = A;
  using combine_op = MinOp<A>;
  static constexpr bool kProject = false;
  A identity() const {
    if constexpr (std::is_floating_point_v<A>) return std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::max();
  }
  template <class C> A map(C x) const { return A(x); }
  A combine(A a, A b) const {
    if constexpr (std::is_floating_point_v<A>) return (b < a || b != b) ? b : a;
    else return b < a ? b : a;
  }
  A project(A a) const { return a; }
  combine_op combiner() const { return {}; }
};
struct AndOp {
  using acc_t = uint8_t;
  using combine_op = AndOp;
  static constexpr bool kProject = false;
  uint8_t identity() const { return 1; }
  template <class C> uint8_t map(C x) const { return x != C(0); }
  uint8_t combine(uint8_t a, uint8_t b) const { return a & b; }
  uint8_t project(uint8_t a) const { return a; }
  combine_op combiner() const { return {}; }
};
struct OrOp {
  using acc_t = uint8_t;
  using combine_op = OrOp;
  static constexpr bool kProject = false;
  uint8_t identity() const { return 0; }
  template <class C> uint8_t map(C x) const { return x != C(0); }
  uint8_t combine(uint8_t a, uint8_t b) const { return a | b; }
  uint8_t project(uint8_t a) const { return a; }
  combine_op combiner() const { return {}; }
};

// A first-stage op: a different map and/or a projection over a base combine.
template <class Base, class MapF, class ProjF, bool Project>
struct MappedOp {
  using acc_t = typename Base::acc_t;
  using combine_op = Base;
  static constexpr bool kProject = Project;
  Base base;
  MapF mapf;
  ProjF projf;
  acc_t identity() const { return base.identity(); }
  template <class C> acc_t map(C x) const { return mapf(x); }
  acc_t combine(acc_t a, acc_t b) const { return base.combine(a, b); }
  acc_t project(acc_t a) const { return projf(a); }
  combine_op combiner() const { return base; }
};
template <bool Project, class Base, class MapF, class ProjF>
MappedOp<Base, MapF, ProjF, Project> mapped(Base b, MapF m, ProjF p) { return {b, m, p}; }

// Accumulation type of a compute type: floats as themselves, integers and bool as int64.
template <class C> using widen_t = std::conditional_t<std::is_floating_point_v<C>, C, int64_t>;

// ---------------------------------------------------------------- geometry
struct RDim {
  int64_t size;
  int64_t stride;  // input, in elements
  bool red;
};
using RDims = std::vector<RDim>;  // innermost first

void merge_dims(RDims& d) {
  RDims out;
  for (const RDim& x : d) {
    if (!out.empty() && out.back().red == x.red && x.stride == out.back().stride * out.back().size) {
      out.back().size *= x.size;
      continue;
    }
    out.push_back(x);
  }
  d.swap(out);
}

// Strides of a contiguous buffer laid out in dims order.
void make_contiguous(RDims& d) {
  int64_t s = 1;
  for (RDim& x : d) {
    x.stride = s;
    s *= x.size;
  }
}

int64_t numel_of(const RDims& d) {
  int64_t n = 1;
  for (const RDim& x : d) n *= x.size;
  return n;
}

// Offsets of positions m, m+1, ... over dims (innermost first) with given strides.
struct Walker {
  const int64_t* sizes;
  const int64_t* strides;
  int nd;
  int64_t idx[kMaxWalkDims] = {0};
  int64_t off = 0;
  Walker(const std::vector<int64_t>& sz, const std::vector<int64_t>& st, int64_t start)
      : sizes(sz.data()), strides(st.data()), nd(int(sz.size())) {
    EMBER_CHECK(nd <= kMaxWalkDims, "reduce", "too many dimensions");
    for (int d = 0; d < nd; ++d) {
      idx[d] = start % sizes[d];
      start /= sizes[d];
      off += idx[d] * strides[d];
    }
  }
  void next() {
    for (int d = 0; d < nd; ++d) {
      off += strides[d];
      if (++idx[d] < sizes[d]) return;
      off -= idx[d] * strides[d];
      idx[d] = 0;
    }
  }
};

struct DimList {
  std::vector<int64_t> sizes, strides;
  explicit DimList(const RDims& d) {
    for (const RDim& x : d) {
      sizes.push_back(x.size);
      strides.push_back(x.stride);
    }
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    return n;
  }
};

// ---------------------------------------------------------------- folding contiguous runs
// Many independent accumulators (eight AVX registers' worth) so the loop vectorizes
// and the adds' latency hides behind the loads; lanes combine in a fixed tree at the end.
template <class Op> struct Lanes {
  using A = typename Op::acc_t;
  static constexpr int L = int(256 / sizeof(A)) < 8 ? 8 : int(256 / sizeof(A));
  // Software prefetch this many bytes ahead: the hardware prefetcher alone leaves a
  // single core ~20% short of its read bandwidth on long runs (measured on 64 MB sums).
  static constexpr int64_t kPrefetchBytes = 8192;
  A a[L];
  explicit Lanes(const Op& op) {
    for (int k = 0; k < L; ++k) a[k] = op.identity();
  }
  template <class C> void feed(const Op& op, const C* __restrict p, int64_t n) {
    constexpr int64_t ahead = kPrefetchBytes / int64_t(sizeof(C));
    constexpr int64_t line = 64 / int64_t(sizeof(C));
    int64_t i = 0;
    for (; i + L <= n; i += L) {
      for (int64_t k = 0; k < L; k += line) __builtin_prefetch(p + i + ahead + k);
      for (int k = 0; k < L; ++k) a[k] = op.combine(a[k], op.map(p[i + k]));
    }
    for (int k = 0; i + k < n; ++k) a[k] = op.combine(a[k], op.map(p[i + k]));
  }
  A finish(const Op& op) {
    for (int w = L / 2; w >= 1; w /= 2)
      for (int k = 0; k < w; ++k) a[k] = op.combine(a[k], a[k + w]);
    return a[0];
  }
};

template <class In, class Op> typename Op::acc_t fold_run(const In* p, int64_t n, const Op& op) {
  if (n < 2 * Lanes<Op>::L) {
    // short runs: setting up and folding the lanes would cost more than the run
    typename Op::acc_t a = op.identity();
    for (int64_t i = 0; i < n; ++i) a = op.combine(a, op.map(compute_t<In>(p[i])));
    return a;
  }
  Lanes<Op> acc(op);
  if constexpr (is_reduced_float_v<In>) {
    alignas(32) float buf[kConvertChunk];
    for (int64_t i = 0; i < n; i += kConvertChunk) {
      int64_t m = std::min<int64_t>(kConvertChunk, n - i);
      to_float(p + i, buf, m);
      acc.feed(op, buf, m);
    }
  } else {
    acc.feed(op, p, n);
  }
  return acc.finish(op);
}

template <class Op> typename Op::acc_t fold_tree(typename Op::acc_t* v, int64_t n, const Op& op) {
  for (int64_t w = 1; w < n; w *= 2)
    for (int64_t i = 0; i + w < n; i += 2 * w) v[i] = op.combine(v[i], v[i + w]);
  return v[0];
}

// ---------------------------------------------------------------- stages
// inner: the run of R contiguous elements at each row of `rows` folds into res[row].
template <class In, class Op>
void inner_stage(const In* in, int64_t R, const RDims& rows, typename Op::acc_t* res, const Op& op) {
  using A = typename Op::acc_t;
  DimList rl(rows);
  const int64_t M = rl.numel();
  const int64_t nb = (R + kBlock - 1) / kBlock;
  if (nb == 1) {
    parallel_for(0, M, std::max<int64_t>(1, kGrain / R), [&](int64_t b, int64_t e) {
      Walker w(rl.sizes, rl.strides, b);
      for (int64_t m = b; m < e; ++m, w.next()) res[m] = fold_run(in + w.off, R, op);
    });
    return;
  }
  std::unique_ptr<A[]> part(new A[size_t(M * nb)]);
  parallel_for(0, M * nb, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t m = t / nb, blk = t % nb;
      Walker w(rl.sizes, rl.strides, m);
      int64_t start = blk * kBlock;
      part[t] = fold_run(in + w.off + start, std::min(kBlock, R - start), op);
    }
  });
  for (int64_t m = 0; m < M; ++m) res[m] = fold_tree(part.get() + m * nb, nb, op);
}

// outer: rows of K contiguous elements, R of them `rstride` apart, fold into a row
// of K accumulators, for each position of `others`. res is laid out [others][K].
template <class In, class Op>
void outer_stage(const In* in, int64_t K, int64_t R, int64_t rstride, const RDims& others,
                 typename Op::acc_t* res, const Op& op) {
  using A = typename Op::acc_t;
  using C = compute_t<In>;
  DimList ol(others);
  const int64_t M = ol.numel();
  const int64_t Kt = std::min(K, kTile), nkt = (K + Kt - 1) / Kt;
  const int64_t nrb = (R + kRowBlock - 1) / kRowBlock;
  std::unique_ptr<A[]> part(nrb > 1 ? new A[size_t(M * nrb * K)] : nullptr);
  const int64_t work = std::min(R, kRowBlock) * Kt;
  parallel_for(0, M * nkt * nrb, std::max<int64_t>(1, kGrain / work), [&](int64_t b, int64_t e) {
    A acc[kTile];
    // 16-bit floats are widened one row tile at a time
    alignas(32) float cbuf[is_reduced_float_v<In> ? 4 : 1][is_reduced_float_v<In> ? kTile : 1];
    for (int64_t t = b; t < e; ++t) {
      const int64_t rb = t % nrb, kt = (t / nrb) % nkt, m = t / (nrb * nkt);
      Walker w(ol.sizes, ol.strides, m);
      const int64_t k0 = kt * Kt, kn = std::min(Kt, K - k0);
      const int64_t r0 = rb * kRowBlock, r1 = std::min(R, r0 + kRowBlock);
      const In* base = in + w.off + k0;
      for (int64_t k = 0; k < kn; ++k) acc[k] = op.identity();
      auto row = [&](int64_t r, int slot) -> const C* {
        const In* p = base + r * rstride;
        if constexpr (is_reduced_float_v<In>) {
          to_float(p, cbuf[slot], kn);
          return cbuf[slot];
        } else {
          (void)slot;
          return p;
        }
      };
      int64_t r = r0;
      for (; r + 4 <= r1; r += 4) {
        const C* __restrict p0 = row(r, 0);
        const C* __restrict p1 = row(r + 1, is_reduced_float_v<In> ? 1 : 0);
        const C* __restrict p2 = row(r + 2, is_reduced_float_v<In> ? 2 : 0);
        const C* __restrict p3 = row(r + 3, is_reduced_float_v<In> ? 3 : 0);
        for (int64_t k = 0; k < kn; ++k)
          acc[k] = op.combine(acc[k], op.combine(op.combine(op.map(p0[k]), op.map(p1[k])),
                                                 op.combine(op.map(p2[k]), op.map(p3[k]))));
      }
      for (; r < r1; ++r) {
        const C* __restrict p = row(r, 0);
        for (int64_t k = 0; k < kn; ++k) acc[k] = op.combine(acc[k], op.map(p[k]));
      }
      A* dst = nrb > 1 ? part.get() + (m * nrb + rb) * K + k0 : res + m * K + k0;
      std::memcpy(dst, acc, size_t(kn) * sizeof(A));
    }
  });
  if (nrb == 1) return;
  const auto comb = op.combiner();
  parallel_for(0, M * nkt, std::max<int64_t>(1, kGrain / (nrb * Kt)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t m = t / nkt, k0 = (t % nkt) * Kt, kn = std::min(Kt, K - k0);
      A* rows = part.get() + m * nrb * K + k0;
      for (int64_t w = 1; w < nrb; w *= 2)
        for (int64_t i = 0; i + w < nrb; i += 2 * w) {
          A* __restrict x = rows + i * K;
          const A* __restrict y = rows + (i + w) * K;
          for (int64_t k = 0; k < kn; ++k) x[k] = comb.combine(x[k], y[k]);
        }
      std::memcpy(res + m * K + k0, rows, size_t(kn) * sizeof(A));
    }
  });
}

// No dim left to reduce: res[i] = map(in[i]).
template <class In, class Op>
void map_stage(const In* in, const RDims& dims, typename Op::acc_t* res, const Op& op) {
  DimList dl(dims);
  parallel_for(0, dl.numel(), kGrain, [&](int64_t b, int64_t e) {
    Walker w(dl.sizes, dl.strides, b);
    for (int64_t m = b; m < e; ++m, w.next()) res[m] = op.combine(op.identity(), op.map(compute_t<In>(in[w.off])));
  });
}

template <class In, class Op>
void reduce_stage(const In* in, RDims dims, typename Op::acc_t* res, const Op& op);

// Fold what is left of `dims` after a first stage wrote `tmp` (contiguous over `rest`).
template <class Op>
void next_stage(std::unique_ptr<typename Op::acc_t[]> tmp, RDims rest, typename Op::acc_t* res, const Op& op) {
  make_contiguous(rest);
  merge_dims(rest);
  reduce_stage(tmp.get(), std::move(rest), res, op.combiner());
}

template <class In, class Op>
void reduce_stage(const In* in, RDims dims, typename Op::acc_t* res, const Op& op) {
  using A = typename Op::acc_t;
  auto is_red = [](const RDim& d) { return d.red; };
  if (std::none_of(dims.begin(), dims.end(), is_red)) return map_stage(in, dims, res, op);
  if (dims[0].stride != 1) {
    // strided innermost dim (a slice with steps, a broadcast): fold a contiguous copy instead
    std::unique_ptr<In[]> buf(new In[size_t(numel_of(dims))]);
    DimList src(dims);
    In* dst = buf.get();
    parallel_for(0, src.numel(), kGrain, [&](int64_t b, int64_t e) {
      Walker w(src.sizes, src.strides, b);
      for (int64_t m = b; m < e; ++m, w.next()) dst[m] = in[w.off];
    });
    make_contiguous(dims);
    merge_dims(dims);
    return reduce_stage(static_cast<const In*>(buf.get()), std::move(dims), res, op);
  }
  RDims rest(dims.begin() + 1, dims.end());
  if (dims[0].red) {
    if (std::none_of(rest.begin(), rest.end(), is_red)) return inner_stage(in, dims[0].size, rest, res, op);
    std::unique_ptr<A[]> tmp(new A[size_t(numel_of(rest))]);
    inner_stage(in, dims[0].size, rest, tmp.get(), op);
    return next_stage(std::move(tmp), std::move(rest), res, op);
  }
  size_t j = 1;
  while (!dims[j].red) ++j;
  RDims others;
  for (size_t i = 1; i < dims.size(); ++i)
    if (i != j) others.push_back(dims[i]);
  if (std::none_of(others.begin(), others.end(), is_red))
    return outer_stage(in, dims[0].size, dims[j].size, dims[j].stride, others, res, op);
  RDims left(dims);
  left.erase(left.begin() + j);
  std::unique_ptr<A[]> tmp(new A[size_t(numel_of(left))]);
  outer_stage(in, dims[0].size, dims[j].size, dims[j].stride, others, tmp.get(), op);
  next_stage(std::move(tmp), std::move(left), res, op);
}

// ---------------------------------------------------------------- driver
template <class O, class A> inline O cast_out(A v) {
  if constexpr (std::is_same_v<O, bool>) return v != A(0);
  else if constexpr (is_reduced_float_v<O>) return O(float(v));
  else return O(v);
}

struct Plan {
  RDims dims;                            // reduction geometry (input strides)
  std::vector<int64_t> out_sizes, out_strides;  // kept dims, in the order results come out
};

Plan make_plan(const Tensor& out, const Tensor& in) {
  const int64_t nd = in.dim();
  EMBER_CHECK(out.dim() == nd, "reduce", "output of shape ", shape_str(out.sizes()), " does not match input of shape ",
              shape_str(in.sizes()));
  struct D { int64_t size, in_st, out_st; bool red; };
  std::vector<D> ds;
  for (int64_t d = nd - 1; d >= 0; --d) {
    if (in.sizes()[d] == 1) continue;
    bool red = out.sizes()[d] == 1;
    EMBER_CHECK(red || out.sizes()[d] == in.sizes()[d], "reduce", "output of shape ", shape_str(out.sizes()),
                " does not match input of shape ", shape_str(in.sizes()));
    ds.push_back({in.sizes()[d], in.strides()[d], red ? 0 : out.strides()[d], red});
  }
  // innermost first by input stride; broadcast (stride 0) dims go outermost
  auto key = [](const D& d) { return d.in_st == 0 ? std::numeric_limits<int64_t>::max() : d.in_st; };
  std::stable_sort(ds.begin(), ds.end(), [&](const D& a, const D& b) { return key(a) < key(b); });
  Plan p;
  for (const D& d : ds) {
    p.dims.push_back({d.size, d.in_st, d.red});
    if (!d.red) {
      if (!p.out_sizes.empty() && d.out_st == p.out_strides.back() * p.out_sizes.back()) {
        p.out_sizes.back() *= d.size;
      } else {
        p.out_sizes.push_back(d.size);
        p.out_strides.push_back(d.out_st);
      }
    }
  }
  merge_dims(p.dims);
  return p;
}

template <class In, class Op> void run_reduce(const Tensor& out, const Tensor& in, const Op& op) {
  using A = typename Op::acc_t;
  Plan plan = make_plan(out, in);
  int64_t M = 1;
  for (int64_t s : plan.out_sizes) M *= s;
  // Write straight into out when it already is the result buffer.
  bool direct = out.dtype() == dtype_of<A> && !Op::kProject;
  for (size_t i = 0, s = 1; direct && i < plan.out_sizes.size(); s *= size_t(plan.out_sizes[i]), ++i)
    direct = plan.out_strides[i] == int64_t(s);
  std::unique_ptr<A[]> buf(direct ? nullptr : new A[size_t(M)]);
  A* res = direct ? static_cast<A*>(out.raw_data()) : buf.get();
  reduce_stage(static_cast<const In*>(in.raw_data()), plan.dims, res, op);
  if (direct) return;
  visit_dtype(out.dtype(), [&](auto tag) {
    using O = typename decltype(tag)::type;
    O* o = static_cast<O*>(out.raw_data());
    parallel_for(0, M, kGrain, [&](int64_t b, int64_t e) {
      Walker w(plan.out_sizes, plan.out_strides, b);
      for (int64_t m = b; m < e; ++m, w.next()) o[w.off] = cast_out<O>(op.project(res[m]));
    });
  });
}

template <class In, class Op> void fill_identity(const Tensor& out, const Op& op) {
  visit_dtype(out.dtype(), [&](auto tag) {
    using O = typename decltype(tag)::type;
    O v = cast_out<O>(op.project(op.identity()));
    std::vector<int64_t> sz(out.sizes().begin(), out.sizes().end()), st(out.strides().begin(), out.strides().end());
    std::reverse(sz.begin(), sz.end());
    std::reverse(st.begin(), st.end());
    Walker w(sz, st, 0);
    O* o = static_cast<O*>(out.raw_data());
    for (int64_t m = 0; m < out.numel(); ++m, w.next()) o[w.off] = v;
  });
}

template <class In, class Op> void dispatch_run(const Tensor& out, const Tensor& in, const Op& op) {
  if (in.numel() == 0) fill_identity<In>(out, op);
  else run_reduce<In>(out, in, op);
}

template <class T> void reduce_typed(ReduceOp rop, const Tensor& out, const Tensor& in, double p) {
  using C = compute_t<T>;
  using A = widen_t<C>;
  switch (rop) {
    case ReduceOp::Sum: return dispatch_run<T>(out, in, AddOp<A>{});
    case ReduceOp::Prod: return dispatch_run<T>(out, in, MulOp<A>{});
    case ReduceOp::Max: return dispatch_run<T>(out, in, MaxOp<A>{});
    case ReduceOp::Min: return dispatch_run<T>(out, in, MinOp<A>{});
    case ReduceOp::All: return dispatch_run<T>(out, in, AndOp{});
    case ReduceOp::Any: return dispatch_run<T>(out, in, OrOp{});
    case ReduceOp::CountNonzero:
      return dispatch_run<T>(out, in, mapped<false>(AddOp<int64_t>{}, [](C x) { return int64_t(x != C(0)); },
                                                    [](int64_t a) { return a; }));
    default: break;
  }
  if constexpr (std::is_floating_point_v<C>) {
    const A pa = A(p);
    auto id = [](A a) { return a; };
    switch (rop) {
      case ReduceOp::NanSum: return dispatch_run<T>(out, in, mapped<false>(AddOp<A>{}, [](C x) { return x != x ? A(0) : A(x); }, id));
      case ReduceOp::Mean:
        return dispatch_run<T>(out, in, mapped<true>(AddOp<A>{}, [](C x) { return A(x); }, [pa](A a) { return a / pa; }));
      case ReduceOp::Norm0: return dispatch_run<T>(out, in, mapped<false>(AddOp<A>{}, [](C x) { return A(x != C(0)); }, id));
      case ReduceOp::Norm1: return dispatch_run<T>(out, in, mapped<false>(AddOp<A>{}, [](C x) { return A(std::abs(x)); }, id));
      case ReduceOp::Norm2:
        return dispatch_run<T>(out, in, mapped<true>(AddOp<A>{}, [](C x) { return A(x) * A(x); }, [](A a) { return std::sqrt(a); }));
      case ReduceOp::NormP:
        return dispatch_run<T>(out, in, mapped<true>(AddOp<A>{}, [pa](C x) { return std::pow(A(std::abs(x)), pa); },
                                                     [pa](A a) { return std::pow(a, A(1) / pa); }));
      case ReduceOp::NormInf: return dispatch_run<T>(out, in, mapped<false>(MaxOp<A>{}, [](C x) { return A(std::abs(x)); }, id));
      case ReduceOp::NormNegInf: return dispatch_run<T>(out, in, mapped<false>(MinOp<A>{}, [](C x) { return A(std::abs(x)); }, id));
      default: break;
    }
  }
  EMBER_FAIL("reduce", "reduction not implemented for dtype ", dtype_name(in.dtype()));
}

}  // namespace

void reduce_kernel(ReduceOp op, const Tensor& out, const Tensor& in, double p) {
  if (out.numel() == 0) return;
  visit_dtype(in.dtype(), [&](auto tag) { reduce_typed<typename decltype(tag)::type>(op, out, in, p); });
}

}  // namespace ember::cpu
