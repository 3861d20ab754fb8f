#include "ember/core/generator.h"

#include <sstream>

#include "ember/core/error.h"

namespace ember {

uint64_t Generator::seed() {
  std::random_device rd;
  uint64_t s = (uint64_t(rd()) << 32) | rd();
  manual_seed(s);
  return s;
}

std::vector<uint8_t> Generator::get_state() const {
  std::ostringstream os;
  os << seed_ << ' ' << engine_;
  std::string s = os.str();
  return std::vector<uint8_t>(s.begin(), s.end());
}

void Generator::set_state(const std::vector<uint8_t>& state) {
  std::istringstream is(std::string(state.begin(), state.end()));
  uint64_t seed;
  std::mt19937 e;
  is >> seed >> e;
  EMBER_CHECK(!is.fail(), "set_state", "invalid generator state (", state.size(), " bytes)");
  seed_ = seed;
  engine_ = e;
  next_double_normal_.reset();
  next_float_normal_.reset();
}

Generator& default_generator() {
  static Generator* g = new Generator();
  return *g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace ember
