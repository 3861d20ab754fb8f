// A refcounted buffer. Either ember allocated it (and returns it to the cache)
// or it wraps foreign memory (a NumPy array) and keeps the owner alive through
// `deleter`. The version counter lives here so every view of the buffer sees
// in-place writes made through any other view.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>

#include "ember/core/device.h"
#include "ember/core/ref.h"

namespace ember {

class Storage : public RefCounted {
 public:
  // Fresh memory from the CPU caching allocator.
  static Ref<Storage> allocate(size_t nbytes, Device device = Device());
  // Foreign memory; `deleter` runs when the last tensor using it dies.
  static Ref<Storage> wrap(void* data, size_t nbytes, std::function<void()> deleter, Device device = Device());
  ~Storage() override;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool owned() const { return !deleter_; }

  // Made while inference mode was on: the storage of inference tensors (Tensor.is_inference).
  bool inference() const { return inference_; }

  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }
  // Grows owned memory to at least nbytes, keeping the contents (Tensor.resize_);
  // every tensor on this storage sees the new memory. Foreign memory cannot grow.
  void grow(size_t nbytes);

 private:
  Storage() = default;
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::function<void()> deleter_;
  std::atomic<uint32_t> version_{0};
  bool inference_ = false;
};

// Whether storage made on this thread belongs to inference tensors; autograd's
// inference-mode switch sets it.
void set_inference_allocation(bool on);

}  // namespace ember
