// Random number generation: a Mersenne Twister per Generator, the same engine
// and seeding as torch's CPU generator, so seeded streams can match.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

namespace ember {

class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;
  explicit Generator(uint64_t seed = kDefaultSeed) { manual_seed(seed); }

  void manual_seed(uint64_t seed) {
    seed_ = seed;
    engine_.seed(uint32_t(seed & 0xffffffffu));
    next_double_normal_.reset();
    next_float_normal_.reset();
  }
  uint64_t initial_seed() const { return seed_; }
  uint64_t seed();  // reseed from a non-deterministic source, return the new seed

  uint32_t random() { return uint32_t(engine_()); }
  uint64_t random64() {
    uint64_t hi = random(), lo = random();
    return (hi << 32) | lo;
  }

  // Serialized engine state (get_state/set_state).
  std::vector<uint8_t> get_state() const;
  void set_state(const std::vector<uint8_t>& state);

  std::optional<double> next_double_normal_;
  std::optional<float> next_float_normal_;
  std::mutex mutex;

 private:
  uint64_t seed_ = kDefaultSeed;
  std::mt19937 engine_;
};

Generator& default_generator();
inline Generator& generator_or_default(Generator* g) { return g ? *g : default_generator(); }
void manual_seed(uint64_t seed);

}  // namespace ember
