// The shared strided iterator for elementwise kernels. Broadcasting, views and
// threading are solved here once; a kernel is a scalar functor.
//
//   ElementwiseLoop L(out, {&a, &b});            // out first; inputs already in their compute dtype
//   run_elementwise<float, float>(L, [](float x, float y) { return x + y; });
//
// Operands are broadcast to out's shape, dimensions are ordered by out's
// strides and merged where every operand is contiguous across them, so most
// calls end as one flat loop the compiler vectorizes. Building a loop
// allocates nothing for up to kInlineDims dimensions: it runs on every op.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <tuple>
#include <utility>

#include "ember/core/parallel.h"
#include "ember/core/tensor.h"

namespace ember::cpu {

constexpr int kMaxOperands = 5;
constexpr int kInlineDims = 8;

// A short list kept inline, spilling to the heap past N elements.
template <class T, int N> class SmallVec {
 public:
  SmallVec() = default;
  SmallVec(const SmallVec&) = delete;
  SmallVec& operator=(const SmallVec&) = delete;

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T* data() { return p_; }
  const T* data() const { return p_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }
  T& back() { return p_[n_ - 1]; }
  const T& back() const { return p_[n_ - 1]; }
  const T* begin() const { return p_; }
  const T* end() const { return p_ + n_; }
  void push_back(const T& v) {
    if (n_ == cap_) grow();
    p_[n_++] = v;
  }
  void resize(size_t n) {
    while (cap_ < n) grow();
    n_ = n;
  }

 private:
  void grow() {
    auto bigger = std::make_unique<T[]>(cap_ * 2);
    for (size_t i = 0; i < n_; ++i) bigger[i] = p_[i];
    heap_ = std::move(bigger);
    p_ = heap_.get();
    cap_ *= 2;
  }
  T inline_[N];
  std::unique_ptr<T[]> heap_;
  T* p_ = inline_;
  size_t n_ = 0, cap_ = N;
};

using OperandStrides = std::array<int64_t, kMaxOperands>;

struct ElementwiseLoop {
  // `out` must already have the broadcast shape; inputs must be broadcastable to it.
  ElementwiseLoop(const Tensor& out, std::initializer_list<const Tensor*> inputs);

  int ntensors = 0;
  int64_t numel = 0;
  SmallVec<int64_t, kInlineDims> shape;            // dim 0 is the innermost
  SmallVec<OperandStrides, kInlineDims> strides;   // bytes, per dim per operand
  std::array<char*, kMaxOperands> data{};

  // Calls fn(char** ptrs, const int64_t* inner_strides, int64_t n) over runs of the
  // innermost dimension, splitting the index space over threads when it is large.
  template <class F> void for_each(F&& fn, int64_t grain = kGrainElementwise) const;
};

template <class F> void ElementwiseLoop::for_each(F&& fn, int64_t grain) const {
  if (numel == 0) return;
  const int nd = int(shape.size());
  const int nt = ntensors;
  if (nd <= 1) {  // one flat run (the common case): chunks are plain offsets
    static const OperandStrides kZero{};
    const int64_t* inner = nd ? strides[0].data() : kZero.data();
    parallel_for(0, numel, grain, [&](int64_t begin, int64_t end) {
      std::array<char*, kMaxOperands> ptrs;
      for (int t = 0; t < nt; ++t) ptrs[t] = data[t] + begin * inner[t];
      fn(ptrs.data(), inner, end - begin);
    });
    return;
  }
  parallel_for(0, numel, grain, [&](int64_t begin, int64_t end) {
    // multi-index of `begin`
    SmallVec<int64_t, kInlineDims> ix;
    ix.resize(size_t(nd));
    int64_t rem = begin;
    for (int d = 0; d < nd; ++d) { ix[d] = rem % shape[d]; rem /= shape[d]; }
    std::array<char*, kMaxOperands> ptrs;
    for (int t = 0; t < nt; ++t) {
      char* p = data[t];
      for (int d = 0; d < nd; ++d) p += ix[d] * strides[d][t];
      ptrs[t] = p;
    }
    const int64_t* inner = strides[0].data();
    int64_t pos = begin;
    while (pos < end) {
      int64_t n = std::min(shape[0] - ix[0], end - pos);
      fn(ptrs.data(), inner, n);
      pos += n;
      if (pos >= end) break;
      // advance: the inner dim is done (ix[0] + n == shape[0]); carry into outer dims
      for (int t = 0; t < nt; ++t) ptrs[t] += n * strides[0][t];
      ix[0] += n;
      for (int d = 0; d < nd && ix[d] == shape[d]; ++d) {
        for (int t = 0; t < nt; ++t) ptrs[t] -= shape[d] * strides[d][t];
        ix[d] = 0;
        if (d + 1 < nd) {
          ix[d + 1]++;
          for (int t = 0; t < nt; ++t) ptrs[t] += strides[d + 1][t];
        }
      }
    }
  });
}

namespace detail {
template <class T> inline compute_t<T> load(const char* p) { return compute_t<T>(*reinterpret_cast<const T*>(p)); }
template <class T, class V> inline void store(char* p, V v) { *reinterpret_cast<T*>(p) = T(v); }
}  // namespace detail

// Runs out = f(in...) elementwise. Out is the storage type of the output, In...
// the storage types of the inputs; f receives compute types (float for 16-bit floats).
//
// The op layer guarantees that an input is either the output itself (in place) or
// disjoint from it (partial overlaps are refused or read from a copy), so the
// loops tell the vectorizer there is no dependence between iterations: __restrict
// when the output is a buffer of its own, ivdep when it is one of the inputs (in
// place). Without them GCC guards each loop with an overlap test that sends
// in-place ops to a scalar loop; with ivdep alone it left some out-of-place loops
// (float a + b, a * scalar) scalar, three times slower.
namespace detail {
// o[i] = g(i) for i < n. `in_place`: o is one of the inputs (ivdep: same index only);
// otherwise o is a buffer of its own (__restrict).
template <class Out, class G> inline void write_run(Out* o, bool in_place, int64_t n, G&& g) {
  if (in_place) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) o[i] = g(i);
  } else {
    Out* __restrict ro = o;
    for (int64_t i = 0; i < n; ++i) ro[i] = g(i);
  }
}
}  // namespace detail

template <class Out, class... In, class F> void run_elementwise(const ElementwiseLoop& L, F&& f, int64_t grain = kGrainElementwise) {
  constexpr int N = sizeof...(In);
  L.for_each([&](char** p, const int64_t* s, int64_t n) {
    auto body = [&]<size_t... I>(std::index_sequence<I...>) {
      constexpr std::array<int64_t, N + 1> sizes{int64_t(sizeof(Out)), int64_t(sizeof(In))...};
      Out* o = reinterpret_cast<Out*>(p[0]);
      bool contiguous = ((s[0] == sizes[0]) && ... && (s[I + 1] == sizes[I + 1]));
      if (contiguous) {
        std::tuple<const In*...> in{reinterpret_cast<const In*>(p[I + 1])...};
        const bool in_place = ((p[0] == p[I + 1]) || ...);
        detail::write_run(o, in_place, n, [&](int64_t i) { return Out(f(compute_t<In>(std::get<I>(in)[i])...)); });
        return;
      }
      if constexpr (N == 2) {
        // one operand broadcast along the inner dim: keep it in a register
        using A = std::tuple_element_t<0, std::tuple<In...>>;
        using B = std::tuple_element_t<1, std::tuple<In...>>;
        if (s[0] == sizes[0] && s[1] == sizes[1] && s[2] == 0) {
          const A* a = reinterpret_cast<const A*>(p[1]);
          const auto b = detail::load<B>(p[2]);
          detail::write_run(o, p[0] == p[1], n, [&](int64_t i) { return Out(f(compute_t<A>(a[i]), b)); });
          return;
        }
        if (s[0] == sizes[0] && s[1] == 0 && s[2] == sizes[2]) {
          const auto a = detail::load<A>(p[1]);
          const B* b = reinterpret_cast<const B*>(p[2]);
          detail::write_run(o, p[0] == p[2], n, [&](int64_t i) { return Out(f(a, compute_t<B>(b[i]))); });
          return;
        }
      }
      for (int64_t i = 0; i < n; ++i)
        detail::store<Out>(p[0] + i * s[0], f(detail::load<In>(p[I + 1] + i * s[I + 1])...));
    };
    body(std::make_index_sequence<N>{});
  }, grain);
}

}  // namespace ember::cpu
