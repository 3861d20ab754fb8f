// Sorting and selection along a dimension: sort, topk, kthvalue.
// Each line along dim is copied into a (value, index) buffer, ordered there,
// and written back; lines are independent and split across threads.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "ember/ops/cpu/index_kernels.h"
#include "ember/ops/cpu/loops.h"

namespace ember::cpu {

namespace {

template <class C> inline bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}

// NaN orders above every number, as in torch. Ties break on the index, which
// makes every order total: results never depend on the algorithm or threads.
template <class C> struct Ascending {
  bool operator()(const std::pair<C, int64_t>& a, const std::pair<C, int64_t>& b) const {
    bool an = is_nan(a.first), bn = is_nan(b.first);
    if (an != bn) return bn;
    if (!an && a.first != b.first) return a.first < b.first;
    return a.second < b.second;
  }
};
template <class C> struct Descending {
  bool operator()(const std::pair<C, int64_t>& a, const std::pair<C, int64_t>& b) const {
    bool an = is_nan(a.first), bn = is_nan(b.first);
    if (an != bn) return an;
    if (!an && a.first != b.first) return a.first > b.first;
    return a.second < b.second;
  }
};

// Runs fn(buffer, values_line, indices_line) for every line of `self` along dim.
// The buffer holds the line as (value, position) pairs; fn orders it and writes
// its output lines through the given pointers and byte steps.
struct LineGeometry {
  Tensor self_sq, values_sq, indices_sq;
  int64_t len = 0, self_step = 0, values_step = 0, indices_step = 0;
};

LineGeometry lines_of(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim) {
  LineGeometry g;
  if (self.dim() == 0) {
    g.len = 1;
    g.self_sq = make_view(self, {1}, {0}, self.storage_offset());
    g.values_sq = make_view(values, {1}, {0}, values.storage_offset());
    g.indices_sq = make_view(indices, {1}, {0}, indices.storage_offset());
    return g;
  }
  g.len = self.sizes()[dim];
  Shape sq = self.sizes();
  sq[dim] = 1;
  g.self_sq = make_view(self, sq, self.strides(), self.storage_offset());
  g.values_sq = make_view(values, sq, values.strides(), values.storage_offset());
  g.indices_sq = make_view(indices, sq, indices.strides(), indices.storage_offset());
  g.self_step = self.strides()[dim] * int64_t(self.element_size());
  g.values_step = values.strides()[dim] * int64_t(values.element_size());
  g.indices_step = indices.strides()[dim] * 8;
  return g;
}

template <class F> void for_each_line(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim, F&& fn) {
  if (self.numel() == 0) return;
  LineGeometry g = lines_of(values, indices, self, dim);
  ElementwiseLoop L(g.self_sq, {&g.values_sq, &g.indices_sq});
  int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(1, g.len));
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    L.for_each([&](char** p, const int64_t* s, int64_t n) {
      std::vector<std::pair<C, int64_t>> buf(size_t(g.len));
      for (int64_t k = 0; k < n; ++k) {
        const char* in = p[0] + k * s[0];
        for (int64_t j = 0; j < g.len; ++j) buf[j] = {C(*reinterpret_cast<const T*>(in + j * g.self_step)), j};
        auto write = [&](int64_t j, const std::pair<C, int64_t>& e) {
          *reinterpret_cast<T*>(p[1] + k * s[1] + j * g.values_step) = T(e.first);
          *reinterpret_cast<int64_t*>(p[2] + k * s[2] + j * g.indices_step) = e.second;
        };
        fn(buf, write, Ascending<C>{}, Descending<C>{});
      }
    }, grain);
  });
}

}  // namespace

void sort_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim, bool descending) {
  for_each_line(values, indices, self, dim, [&](auto& buf, auto&& write, auto asc, auto desc) {
    if (descending) std::sort(buf.begin(), buf.end(), desc);
    else std::sort(buf.begin(), buf.end(), asc);
    for (size_t j = 0; j < buf.size(); ++j) write(int64_t(j), buf[j]);
  });
}

void topk_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k, int64_t dim, bool largest,
                 bool sorted) {
  if (k == 0) return;
  (void)sorted;  // results always come sorted: a valid order for sorted=False too
  for_each_line(values, indices, self, dim, [&](auto& buf, auto&& write, auto asc, auto desc) {
    if (largest) std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), desc);
    else std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), asc);
    for (int64_t j = 0; j < k; ++j) write(j, buf[j]);
  });
}

void kthvalue_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k, int64_t dim) {
  for_each_line(values, indices, self, dim, [&](auto& buf, auto&& write, auto asc, auto) {
    std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), asc);
    write(0, buf[k - 1]);
  });
}

}  // namespace ember::cpu
