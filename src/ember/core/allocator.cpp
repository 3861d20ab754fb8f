#include "ember/core/allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace ember::cpu_allocator {

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMinBlock = 64;

// Size classes: powers of two split into 4 steps, so rounding wastes under 25%.
size_t round_size(size_t n) {
  if (n <= kMinBlock) return kMinBlock;
  size_t p = size_t(1) << (63 - __builtin_clzll(n - 1));  // largest power of two below n
  size_t step = p >= 256 ? p / 4 : p;
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;
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
  for (auto& [size, v] : c.free_blocks)
    for (void* p : v) std::free(p);
  c.free_blocks.clear();
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
    auto it = c.free_blocks.find(n);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
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
  std::lock_guard<std::mutex> g(c.mu);
  c.allocated -= n;
  if (c.cached + n > c.limit) {
    std::free(ptr);
    return;
  }
  c.free_blocks[n].push_back(ptr);
  c.cached += n;
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
