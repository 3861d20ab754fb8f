// Where a tensor lives. Only the CPU backend is built today; naming "cuda"
// parses, and using it raises a clear error instead of crashing.
#pragma once
#include <cstdint>
#include <string>

namespace ember {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int8_t index = -1;  // -1: "the current one"

  Device() = default;
  Device(DeviceType t, int idx = -1) : type(t), index(int8_t(idx)) {}
  explicit Device(const std::string& spec);  // "cpu", "cuda", "cuda:1"

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;  // "cpu", "cuda:0"
};

// Throws a clear error when the device's backend was not built into ember.
void check_device_available(const Device& d, const char* op);
bool cuda_is_available();

}  // namespace ember
