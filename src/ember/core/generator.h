// Random number generation: a Mersenne Twister per Generator with torch's CPU
// seeding, draw order and state layout, so that a seeded ember program draws
// the same numbers as the same torch program, and RNG states are
// interchangeable byte for byte (get_state/set_state, 5056 bytes).
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>  // kept: code across the tree gets <cmath>/<random> through ops.h
#include <vector>

namespace ember {

// MT19937 whose state is kept in the form torch serializes it: the seed it
// was initialised with, how many outputs remain before the next twist
// (`left`), and the index of the next word to temper (`next`).
struct MT19937 {
  static constexpr int kN = 624;
  uint64_t seed = 5489;
  int32_t left = 1;
  bool seeded = false;
  uint32_t next = 0;
  std::array<uint32_t, kN> state{};

  explicit MT19937(uint64_t s = 5489) { init(s); }
  void init(uint64_t s);  // only the low 32 bits enter the state, as in torch
  uint32_t operator()();
  bool valid() const { return seeded && left > 0 && left <= kN && next <= uint32_t(kN); }

 private:
  void twist();
};

class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;
  static constexpr size_t kStateBytes = 5056;        // torch's CPUGeneratorImplState
  static constexpr size_t kLegacyStateBytes = 5048;  // older states without the float cache
  explicit Generator(uint64_t seed = kDefaultSeed) { manual_seed(seed); }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const { return engine_.seed; }
  uint64_t seed();  // reseed from a non-deterministic source (53 bits, like torch), return the new seed

  // One 32-bit draw, and a 64-bit value from two draws (first draw = high word).
  uint32_t random() { return engine_(); }
  uint64_t random64() {
    uint64_t hi = engine_();
    uint64_t lo = engine_();
    return (hi << 32) | lo;
  }

  // torch's serialized CPU generator state (a uint8 tensor's bytes in Python).
  std::vector<uint8_t> get_state() const;
  void set_state(const std::vector<uint8_t>& state);

  // The second value of the last Box-Muller pair, returned by the next serial normal draw.
  std::optional<double> next_double_normal_;
  std::optional<float> next_float_normal_;
  // Held by kernels while they draw, so concurrent users see whole, ordered streams.
  std::mutex mutex;

 private:
  MT19937 engine_;
};

Generator& default_generator();
inline Generator& generator_or_default(Generator* g) { return g ? *g : default_generator(); }
void manual_seed(uint64_t seed);

}  // namespace ember
