#include "ember/core/generator.h"

#include <cmath>
#include <cstring>
#include <random>

#include "ember/core/error.h"

namespace ember {

// ---------------------------------------------------------------- MT19937
namespace {
constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfu;
constexpr uint32_t kUpper = 0x80000000u;
constexpr uint32_t kLower = 0x7fffffffu;
inline uint32_t twist_word(uint32_t u, uint32_t v) {
  uint32_t mixed = (u & kUpper) | (v & kLower);
  return (mixed >> 1) ^ ((v & 1u) ? kMatrixA : 0u);
}
}  // namespace

void MT19937::init(uint64_t s) {
  seed = s;
  seeded = true;
  state[0] = uint32_t(s & 0xffffffffu);
  for (int j = 1; j < kN; ++j) state[j] = 1812433253u * (state[j - 1] ^ (state[j - 1] >> 30)) + uint32_t(j);
  // The first draw twists: torch keeps left = 1 after seeding and refills when it reaches 0.
  left = 1;
  next = 0;
}

void MT19937::twist() {
  left = kN;
  next = 0;
  uint32_t* p = state.data();
  int i = 0;
  for (; i < kN - kM; ++i) p[i] = p[i + kM] ^ twist_word(p[i], p[i + 1]);
  for (; i < kN - 1; ++i) p[i] = p[i + kM - kN] ^ twist_word(p[i], p[i + 1]);
  p[kN - 1] = p[kM - 1] ^ twist_word(p[kN - 1], p[0]);
}

uint32_t MT19937::operator()() {
  if (--left == 0) twist();
  uint32_t y = state[next++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

// ---------------------------------------------------------------- Generator
void Generator::manual_seed(uint64_t s) {
  engine_.init(s);
  next_double_normal_.reset();
  next_float_normal_.reset();
}

uint64_t Generator::seed() {
  std::random_device rd;
  uint64_t s = (uint64_t(rd()) << 32) | rd();
  manual_seed(s);
  return s;
}

// Byte layout of torch's CPUGeneratorImplState (x86-64, little endian):
//   0 u64 initial seed | 8 i32 left | 12 i32 seeded | 16 u64 next | 24 u64 state[624]
//   5016 f64 normal_x | 5024 f64 normal_y (the cached normal) | 5032 f64 normal_rho
//   5040 i32 normal_is_valid | 5048 f32 cached float normal | 5052 u8 its validity
// The legacy layout stops at 5048 and caches (x, rho) instead of the normal itself.
namespace {
constexpr size_t kOffState = 24, kOffNormalX = 5016, kOffNormalY = 5024, kOffRho = 5032, kOffNormalValid = 5040,
                 kOffFloat = 5048, kOffFloatValid = 5052;
template <class T> void put(std::vector<uint8_t>& b, size_t off, T v) { std::memcpy(b.data() + off, &v, sizeof(T)); }
template <class T> T get(const std::vector<uint8_t>& b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}
}  // namespace

std::vector<uint8_t> Generator::get_state() const {
  std::vector<uint8_t> b(kStateBytes, 0);
  put<uint64_t>(b, 0, engine_.seed);
  put<int32_t>(b, 8, engine_.left);
  put<int32_t>(b, 12, engine_.seeded ? 1 : 0);
  put<uint64_t>(b, 16, engine_.next);
  for (int i = 0; i < MT19937::kN; ++i) put<uint64_t>(b, kOffState + 8 * size_t(i), engine_.state[i]);
  if (next_double_normal_) {
    put<double>(b, kOffNormalY, *next_double_normal_);
    put<int32_t>(b, kOffNormalValid, 1);
  }
  if (next_float_normal_) {
    put<float>(b, kOffFloat, *next_float_normal_);
    b[kOffFloatValid] = 1;
  }
  return b;
}

void Generator::set_state(const std::vector<uint8_t>& b) {
  EMBER_CHECK(b.size() == kStateBytes || b.size() == kLegacyStateBytes, "set_state",
              "Expected either a CPUGeneratorImplStateLegacy of size ", kLegacyStateBytes,
              " or a CPUGeneratorImplState of size ", kStateBytes, " but found the input RNG state size to be ",
              b.size());
  MT19937 e;
  e.seed = get<uint64_t>(b, 0);
  e.left = get<int32_t>(b, 8);
  e.seeded = get<int32_t>(b, 12) != 0;
  e.next = uint32_t(get<uint64_t>(b, 16));
  for (int i = 0; i < MT19937::kN; ++i) e.state[i] = uint32_t(get<uint64_t>(b, kOffState + 8 * size_t(i)));
  EMBER_CHECK(e.valid(), "set_state", "Invalid mt19937 state");
  std::optional<double> dn;
  std::optional<float> fn;
  if (get<int32_t>(b, kOffNormalValid)) {
    if (b.size() == kStateBytes) {
      dn = get<double>(b, kOffNormalY);
    } else {  // legacy: the cached value is rho * sin(2 pi x)
      dn = get<double>(b, kOffRho) * std::sin(2.0 * M_PI * get<double>(b, kOffNormalX));
    }
  }
  if (b.size() == kStateBytes && b[kOffFloatValid]) fn = get<float>(b, kOffFloat);
  engine_ = e;
  next_double_normal_ = dn;
  next_float_normal_ = fn;
}

Generator& default_generator() {
  static Generator* g = new Generator();  // never destroyed: kernels may run during static destruction
  return *g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace ember
