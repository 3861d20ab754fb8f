#include "ember/core/allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace ember::cpu_allocator {

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMinBlock = 64;

// Size classes: 64, 128, 256, then four steps per power of two, so rounding
// wastes under 25%. Each class has a bin of free blocks, found by index: the
// lookup on every allocation is arithmetic, not a hash.
constexpr int kNumClasses = 4 + 4 * 64;

size_t round_size(size_t n) {
  if (n <= kMinBlock) return kMinBlock;
  size_t p = size_t(1) << (63 - __builtin_clzll(n - 1));  // largest power of two below n
  size_t step = p >= 256 ? p / 4 : p;
  return (n + step - 1) / step * step;
}

// Bin of a rounded size: 64 -> 1, 128 -> 2, 256 -> 4, then 4 per octave.
int size_class(size_t r) {
  if (r <= 256) return int(r / 64);
  int k = 63 - __builtin_clzll(r - 1);  // r in (2^k, 2^(k+1)]
  size_t p = size_t(1) << k;
  return 4 + (k - 8) * 4 + int((r - p) / (p / 4));
}

struct Cache {
  std::mutex mu;
  std::vector<void*> bins[kNumClasses];
  size_t cached = 0, allocated = 0, peak = 0;
  uint64_t allocs = 0, hits = 0;
  size_t limit = size_t(4) << 30;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may die during exit
  return *c;
}

void* system_alloc(size_t n) {
  void* p = std::aligned_alloc(kAlign, n);
  if (!p) throw std::bad_alloc();
  // Large blocks: ask for transparent huge pages, fewer faults on first touch.
  if (n >= (size_t(2) << 20)) madvise(p, n, MADV_HUGEPAGE);
  return p;
}

void release_all_locked(Cache& c) {
  for (auto& bin : c.bins) {
    for (void* p : bin) std::free(p);
    bin.clear();
  }
  c.cached = 0;
}

}  // namespace

void* allocate(size_t nbytes) {
  size_t n = round_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> g(c.mu);
    c.allocs++;
    c.allocated += n;
    if (c.allocated > c.peak) c.peak = c.allocated;
    auto& bin = c.bins[size_class(n)];
    if (!bin.empty()) {
      void* p = bin.back();
      bin.pop_back();
      c.cached -= n;
      c.hits++;
      return p;
    }
  }
  try {
    return system_alloc(n);
  } catch (const std::bad_alloc&) {
    // Out of memory with blocks parked in the cache: return them and try once more.
    {
      std::lock_guard<std::mutex> g(c.mu);
      release_all_locked(c);
    }
    void* p = std::aligned_alloc(kAlign, n);
    if (!p) {
      std::lock_guard<std::mutex> g(c.mu);
      c.allocated -= n;
      throw;
    }
    return p;
  }
}

void deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t n = round_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> g(c.mu);
    c.allocated -= n;
    if (c.cached + n <= c.limit) {
      c.bins[size_class(n)].push_back(ptr);
      c.cached += n;
      return;
    }
  }
  std::free(ptr);
}

AllocatorStats stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  return {c.allocated, c.cached, c.peak, c.allocs, c.hits};
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  release_all_locked(c);
}

void set_cache_limit(size_t bytes) {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  c.limit = bytes;
  if (c.cached > c.limit) release_all_locked(c);
}

}  // namespace ember::cpu_allocator
