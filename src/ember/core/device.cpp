#include "ember/core/device.h"

#include "ember/core/error.h"

namespace ember {

Device::Device(const std::string& spec) {
  std::string name = spec;
  int idx = -1;
  auto colon = spec.find(':');
  if (colon != std::string::npos) {
    name = spec.substr(0, colon);
    std::string num = spec.substr(colon + 1);
    EMBER_CHECK(!num.empty() && num.find_first_not_of("0123456789") == std::string::npos, "device",
                "invalid device string: '", spec, "'");
    idx = std::stoi(num);
  }
  if (name == "cpu") type = DeviceType::CPU;
  else if (name == "cuda") type = DeviceType::CUDA;
  else EMBER_FAIL("device", "Expected one of cpu, cuda device type at start of device string: ", spec);
  index = int8_t(idx);
}

std::string Device::str() const {
  std::string s = is_cpu() ? "cpu" : "cuda";
  if (index >= 0) s += ":" + std::to_string(index);
  return s;
}

bool cuda_is_available() { return false; }

void check_device_available(const Device& d, const char* op) {
  if (d.is_cuda()) EMBER_FAIL(op, "ember was built without CUDA support; device '", d.str(), "' is not available");
}

}  // namespace ember
