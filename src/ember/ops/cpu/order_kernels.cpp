// Kernels that look at one line at a time: arg max/min, median, mode, sorted
// lines, and moving values along a dim by index (what their gradients need).
#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

#include "ember/ops/cpu/reduce_kernels.h"
#include "ember/ops/cpu/reduce_util.h"

namespace ember::cpu {

namespace {

template <class C> inline bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}

template <class T> inline compute_t<T> load(const char* p) { return compute_t<T>(*reinterpret_cast<const T*>(p)); }

// ---- arg max/min: first occurrence; a NaN wins (the first one).
template <class C> struct Best {
  C v;
  int64_t i;
};
template <class C> inline bool better(bool is_max, C a, C b) { return is_max ? a > b : a < b; }

template <class T>
Best<compute_t<T>> scan_best(bool is_max, const char* p, int64_t step, int64_t begin, int64_t end) {
  using C = compute_t<T>;
  Best<C> r{load<T>(p + begin * step), begin};
  if (is_nan(r.v)) return r;
  for (int64_t i = begin + 1; i < end; ++i) {
    C v = load<T>(p + i * step);
    if (is_nan(v)) return {v, i};
    if (better(is_max, v, r.v)) r = {v, i};
  }
  return r;
}

template <class T> void arg_reduce_typed(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim) {
  using C = compute_t<T>;
  const int64_t n = in.sizes()[dim];
  const bool with_values = values.defined();
  Lines L = with_values ? Lines({&in, &indices, &values}, dim) : Lines({&in, &indices}, dim);
  auto write = [&](const std::array<char*, Lines::kMax>& p, Best<C> b) {
    *reinterpret_cast<int64_t*>(p[1]) = b.i;
    if (with_values) *reinterpret_cast<T*>(p[2]) = T(b.v);
  };
  const int64_t nb = (n + kBlock - 1) / kBlock;
  if (nb == 1 || L.count >= get_num_threads() * 4) {
    L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) { write(p, scan_best<T>(is_max, p[0], L.step[0], 0, n)); });
    return;
  }
  // few long lines: fixed blocks, combined in order (earlier block wins ties)
  std::vector<std::array<char*, Lines::kMax>> bases;
  L.for_each(L.count, [&](const std::array<char*, Lines::kMax>& p) { bases.push_back(p); });
  std::vector<Best<C>> part(size_t(L.count * nb));
  parallel_for(0, L.count * nb, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t l = t / nb, blk = t % nb;
      part[t] = scan_best<T>(is_max, bases[l][0], L.step[0], blk * kBlock, std::min(n, (blk + 1) * kBlock));
    }
  });
  for (int64_t l = 0; l < L.count; ++l) {
    Best<C> r = part[l * nb];
    for (int64_t blk = 1; blk < nb && !is_nan(r.v); ++blk) {
      const Best<C>& c = part[l * nb + blk];
      if (is_nan(c.v) || better(is_max, c.v, r.v)) r = c;
    }
    write(bases[l], r);
  }
}

// ---- median: the k-th element in (value, index) order, as torch's CPU kernel defines it.
template <class T> void median_typed(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, bool ignore_nan) {
  using C = compute_t<T>;
  const int64_t n = in.sizes()[dim];
  Lines L({&in, &values, &indices}, dim);
  L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) {
    std::unique_ptr<C[]> x(new C[size_t(n)]);
    for (int64_t i = 0; i < n; ++i) x[i] = load<T>(p[0] + i * L.step[0]);
    int64_t pick;
    const C* first_nan = std::find_if(x.get(), x.get() + n, [](C v) { return is_nan(v); });
    if (!ignore_nan && first_nan != x.get() + n) {
      pick = first_nan - x.get();
    } else {
      std::vector<int64_t> idx(static_cast<size_t>(n));
      std::iota(idx.begin(), idx.end(), 0);
      const C* ip = x.get();
      int64_t k;
      if (!ignore_nan) {
        k = (n - 1) / 2;
        std::nth_element(idx.begin(), idx.begin() + k, idx.end(),
                         [ip](int64_t i, int64_t j) { return ip[i] < ip[j] || (ip[i] == ip[j] && i < j); });
      } else {
        int64_t nans = std::count_if(x.get(), x.get() + n, [](C v) { return is_nan(v); });
        k = (n - nans - 1) / 2;
        std::nth_element(idx.begin(), idx.begin() + k, idx.end(), [ip](int64_t i, int64_t j) {
          return ip[i] < ip[j] || (ip[i] == ip[j] && i < j) || (is_nan(ip[j]) && !is_nan(ip[i]));
        });
      }
      pick = idx[size_t(k)];
    }
    *reinterpret_cast<T*>(p[1]) = T(x[pick]);
    *reinterpret_cast<int64_t*>(p[2]) = pick;
  });
}

// ---- mode: sort (value, position) pairs by value and take the longest run
// (the smallest value on ties), reporting the position that sorts last in its
// run. Same algorithm as torch's CPU kernel, so the same position on ties.
template <class T> void mode_typed(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim) {
  using C = compute_t<T>;
  const int64_t n = in.sizes()[dim];
  Lines L({&in, &values, &indices}, dim);
  L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) {
    std::vector<std::pair<C, int64_t>> el(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) el[i] = {load<T>(p[0] + i * L.step[0]), i};
    std::sort(el.begin(), el.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    C mode = C(0);
    int64_t mode_i = 0, run = 0, best = 0;
    for (int64_t i = 0; i < n; ++i) {
      ++run;
      if (i == n - 1 || el[i].first != el[i + 1].first) {
        if (run > best) {
          mode = el[i].first;
          mode_i = el[i].second;
          best = run;
        }
        run = 0;
      }
    }
    *reinterpret_cast<T*>(p[1]) = T(mode);
    *reinterpret_cast<int64_t*>(p[2]) = mode_i;
  });
}

// ---- stable sort of each line, NaN last
template <class T> void sort_typed(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim) {
  using C = compute_t<T>;
  const int64_t n = in.sizes()[dim];
  Lines L({&in, &values, &indices}, dim);
  L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) {
    std::unique_ptr<C[]> x(new C[size_t(n)]);
    for (int64_t i = 0; i < n; ++i) x[i] = load<T>(p[0] + i * L.step[0]);
    std::vector<int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    const C* xp = x.get();
    std::stable_sort(idx.begin(), idx.end(), [xp](int64_t i, int64_t j) {
      return is_nan(xp[j]) ? !is_nan(xp[i]) : xp[i] < xp[j];
    });
    for (int64_t i = 0; i < n; ++i) {
      *reinterpret_cast<T*>(p[1] + i * L.step[1]) = T(x[idx[size_t(i)]]);
      *reinterpret_cast<int64_t*>(p[2] + i * L.step[2]) = idx[size_t(i)];
    }
  });
}

}  // namespace

void arg_reduce_kernel(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim) {
  if (indices.numel() == 0) return;
  visit_dtype(in.dtype(), [&](auto tag) { arg_reduce_typed<typename decltype(tag)::type>(is_max, values, indices, in, dim); });
}

void median_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, bool ignore_nan) {
  if (indices.numel() == 0) return;
  visit_dtype(in.dtype(), [&](auto tag) { median_typed<typename decltype(tag)::type>(values, indices, in, dim, ignore_nan); });
}

void mode_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim) {
  if (indices.numel() == 0) return;
  visit_dtype(in.dtype(), [&](auto tag) { mode_typed<typename decltype(tag)::type>(values, indices, in, dim); });
}

void sort_lines_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim) {
  if (in.numel() == 0) return;
  visit_dtype(in.dtype(), [&](auto tag) { sort_typed<typename decltype(tag)::type>(values, indices, in, dim); });
}

void take_along_dim_kernel(const Tensor& out, const Tensor& src, const Tensor& index, int64_t dim) {
  if (out.numel() == 0) return;
  const int64_t n = index.sizes()[dim], limit = src.sizes()[dim];
  visit_dtype(src.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Lines L({&index, &out, &src}, dim);
    L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t j = *reinterpret_cast<const int64_t*>(p[0] + i * L.step[0]);
        EMBER_CHECK_INDEX(j >= 0 && j < limit, "take_along_dim", "index ", j, " is out of bounds for size ", limit);
        *reinterpret_cast<T*>(p[1] + i * L.step[1]) = *reinterpret_cast<const T*>(p[2] + j * L.step[2]);
      }
    });
  });
}

void put_along_dim_add_kernel(const Tensor& out, const Tensor& src, const Tensor& index, int64_t dim) {
  if (src.numel() == 0) return;
  const int64_t n = index.sizes()[dim], limit = out.sizes()[dim];
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    Lines L({&index, &src, &out}, dim);
    L.for_each(line_grain(n), [&](const std::array<char*, Lines::kMax>& p) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t j = *reinterpret_cast<const int64_t*>(p[0] + i * L.step[0]);
        EMBER_CHECK_INDEX(j >= 0 && j < limit, "put_along_dim", "index ", j, " is out of bounds for size ", limit);
        T* o = reinterpret_cast<T*>(p[2] + j * L.step[2]);
        if constexpr (std::is_same_v<T, bool>) *o = *o || *reinterpret_cast<const bool*>(p[1] + i * L.step[1]);
        else *o = T(C(*o) + C(*reinterpret_cast<const T*>(p[1] + i * L.step[1])));
      }
    });
  });
}

}  // namespace ember::cpu
