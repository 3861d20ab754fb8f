// CPU memory. Freed blocks are cached by size class and handed out again, so a
// training loop that makes the same activations every step stops paying for
// fresh pages (page faults and zeroing by the kernel) on each of them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ember {

struct AllocatorStats {
  size_t allocated_bytes;  // in live blocks handed out (rounded size)
  size_t cached_bytes;     // freed, kept for reuse
  size_t peak_allocated_bytes;
  uint64_t num_allocs;     // calls to allocate
  uint64_t num_cache_hits;
};

namespace cpu_allocator {
// Returns 64-byte aligned memory of at least `nbytes` (nbytes may be 0).
void* allocate(size_t nbytes);
void deallocate(void* ptr, size_t nbytes);  // nbytes as passed to allocate
AllocatorStats stats();
void empty_cache();  // give cached blocks back to the system
void set_cache_limit(size_t bytes);
}  // namespace cpu_allocator

}  // namespace ember
