// One way to run work on several threads: parallel_for over an index range.
// Ranges at or below `grain` run inline on the caller, so small work never pays
// for a wake-up. Chunks are contiguous and their boundaries depend only on the
// range, the grain and the thread count.
#pragma once
#include <cstdint>
#include <type_traits>

namespace ember {

void set_num_threads(int n);
int get_num_threads();
bool in_parallel_region();

namespace detail {
// Type-erased reference to a callable; lives only during the call.
struct RangeFn {
  void* obj;
  void (*call)(void*, int64_t, int64_t);
  void operator()(int64_t b, int64_t e) const { call(obj, b, e); }
};
void parallel_run(int64_t begin, int64_t end, int64_t grain, RangeFn fn);
}  // namespace detail

template <class F> void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& f) {
  if (end <= begin) return;
  if (end - begin <= grain || get_num_threads() == 1 || in_parallel_region()) {
    f(begin, end);
    return;
  }
  using Fn = std::remove_reference_t<F>;
  detail::RangeFn rf{const_cast<void*>(static_cast<const void*>(&f)),
                     [](void* o, int64_t b, int64_t e) { (*static_cast<Fn*>(o))(b, e); }};
  detail::parallel_run(begin, end, grain, rf);
}

// Elements per chunk for cheap elementwise work: below this, threads cost more than they give.
// Not only the wake-up: a tensor split over cores leaves half of it in the other core's cache,
// and the next op on the main thread (a BLAS call, a small op) pays to bring it back. At 32k
// the ops of a small training step (SimpleNet: 100k-weight layer, batch 64) went parallel
// one by one and the step was ~5% slower at 2 threads than at 1.
constexpr int64_t kGrainElementwise = 131072;

}  // namespace ember
