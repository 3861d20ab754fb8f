#include "ember/core/storage.h"

#include <cstring>

#include "ember/core/allocator.h"
#include "ember/core/error.h"

namespace ember {

namespace {
thread_local bool t_inference_allocation = false;
}  // namespace

void set_inference_allocation(bool on) { t_inference_allocation = on; }

Ref<Storage> Storage::allocate(size_t nbytes, Device device) {
  check_device_available(device, "allocate");
  Ref<Storage> s(new Storage());
  s->data_ = cpu_allocator::allocate(nbytes);
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->inference_ = t_inference_allocation;
  return s;
}

Ref<Storage> Storage::wrap(void* data, size_t nbytes, std::function<void()> deleter, Device device) {
  Ref<Storage> s(new Storage());
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->deleter_ = deleter ? std::move(deleter) : [] {};
  s->inference_ = t_inference_allocation;
  return s;
}

void Storage::grow(size_t nbytes) {
  if (nbytes <= nbytes_) return;
  EMBER_CHECK(!deleter_, "resize_", "Trying to resize storage that is not resizable");
  void* p = cpu_allocator::allocate(nbytes);
  if (nbytes_) std::memcpy(p, data_, nbytes_);
  cpu_allocator::deallocate(data_, nbytes_);
  data_ = p;
  nbytes_ = nbytes;
}

Storage::~Storage() {
  if (deleter_) deleter_();
  else cpu_allocator::deallocate(data_, nbytes_);
}

}  // namespace ember
