// Core value types: dtypes and promotion, 16-bit floats, the caching allocator, parallel_for.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "ember/core/allocator.h"
#include "ember/core/parallel.h"
#include "ember/ops/ops.h"

using namespace ember;

namespace {
float f32(uint32_t bits) { float f; std::memcpy(&f, &bits, 4); return f; }
uint32_t bits32(float f) { uint32_t b; std::memcpy(&b, &f, 4); return b; }

// Round-to-nearest-even float -> bfloat16 by comparing the two neighbours in double.
uint16_t reference_bf16(float f) {
  uint32_t b = bits32(f);
  if (std::isnan(f)) return 0x7fc0;
  uint32_t lo = b & 0xffff0000u, hi = lo + 0x10000u;  // same sign, magnitudes below and above
  // past the largest finite value the next step up is infinity, at the distance 2^128 would be
  double vhi = (hi & 0x7fffffffu) == 0x7f800000u ? std::copysign(0x1p128, double(f)) : double(f32(hi));
  double dlo = std::abs(double(f) - double(f32(lo))), dhi = std::abs(vhi - double(f));
  if (dlo < dhi) return uint16_t(lo >> 16);
  if (dhi < dlo) return uint16_t(hi >> 16);
  return uint16_t(((lo >> 16) & 1) ? hi >> 16 : lo >> 16);  // tie: even mantissa
}
}  // namespace

// ---------------------------------------------------------------- promotion
TEST(Core, PromoteTypes) {
  EXPECT_EQ(promote_types(Dtype::Int32, Dtype::Float16), Dtype::Float16);
  EXPECT_EQ(promote_types(Dtype::UInt8, Dtype::Int8), Dtype::Int16);
  EXPECT_EQ(promote_types(Dtype::UInt8, Dtype::Int16), Dtype::Int16);
  EXPECT_EQ(promote_types(Dtype::Float16, Dtype::BFloat16), Dtype::Float32);
  EXPECT_EQ(promote_types(Dtype::Bool, Dtype::UInt8), Dtype::UInt8);
  EXPECT_EQ(promote_types(Dtype::Int64, Dtype::Float32), Dtype::Float32);
  EXPECT_EQ(promote_types(Dtype::Int64, Dtype::BFloat16), Dtype::BFloat16);
  EXPECT_EQ(promote_types(Dtype::Float64, Dtype::Float16), Dtype::Float64);
  for (int a = 0; a < kNumDtypes; ++a)
    for (int b = 0; b < kNumDtypes; ++b) {
      Dtype x = Dtype(a), y = Dtype(b);
      EXPECT_EQ(promote_types(x, y), promote_types(y, x)) << dtype_name(x) << " " << dtype_name(y);
      EXPECT_EQ(promote_types(x, x), x);
    }
}

TEST(Core, ResultTypeWithScalars) {
  Tensor i = zeros({3}, Dtype::Int32);
  EXPECT_EQ(result_type(i, wrap_scalar(1.5)), Dtype::Float32);   // int tensor + float -> default float
  EXPECT_EQ(result_type(i, wrap_scalar(int64_t(2))), Dtype::Int32);  // int scalar does not widen
  EXPECT_EQ(result_type(i, wrap_scalar(true)), Dtype::Int32);
  Tensor h = zeros({3}, Dtype::Float16);
  EXPECT_EQ(result_type(h, wrap_scalar(2.0)), Dtype::Float16);
  EXPECT_EQ(result_type(i, zeros({}, Dtype::Float64)), Dtype::Float64);  // 0-d of a higher category wins
  EXPECT_EQ(result_type(i, zeros({}, Dtype::Int64)), Dtype::Int32);      // 0-d of the same category does not
  EXPECT_EQ(result_type(zeros({}, Dtype::Int8), zeros({}, Dtype::Int64)), Dtype::Int64);  // 0-d with 0-d: full promotion
  Tensor b = zeros({3}, Dtype::Bool);
  EXPECT_EQ(result_type(b, wrap_scalar(int64_t(1))), Dtype::Int64);
  EXPECT_EQ(result_type(TensorList{b, zeros({}, Dtype::UInt8), wrap_scalar(1.0)}), Dtype::Float32);
  set_default_dtype(Dtype::Float64);
  EXPECT_EQ(result_type(i, wrap_scalar(1.5)), Dtype::Float64);
  EXPECT_EQ(result_type(h, wrap_scalar(1.5)), Dtype::Float16);
  set_default_dtype(Dtype::Float32);
}

// ---------------------------------------------------------------- 16-bit floats
TEST(Half, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t b = 0; b < 65536; ++b) {
    Half h = Half::from_bits(uint16_t(b));
    float f = float(h);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(float(Half(f)))) << b;
      continue;
    }
    ASSERT_EQ(Half(f).bits, b) << "bits " << b << " value " << f;
  }
}

TEST(Half, RoundsToNearestEven) {
  EXPECT_EQ(Half(1.0f + 0x1p-11f).bits, Half(1.0f).bits);          // tie, even stays
  EXPECT_EQ(Half(1.0f + 3 * 0x1p-11f).bits, Half(1.0f + 0x1p-9f).bits);  // tie, rounds up to even
  EXPECT_EQ(Half(1.0f + 0x1p-11f + 0x1p-20f).bits, Half(1.0f + 0x1p-10f).bits);  // above the tie
  EXPECT_EQ(float(Half(65504.0f)), 65504.0f);
  EXPECT_EQ(float(Half(65519.0f)), 65504.0f);   // below the midpoint to infinity
  EXPECT_TRUE(std::isinf(float(Half(65520.0f))));
  EXPECT_TRUE(std::isinf(float(Half(1e6f))));
  EXPECT_EQ(Half(-0.0f).bits, 0x8000);
}

TEST(Half, SubnormalsInfAndNan) {
  EXPECT_EQ(Half(0x1p-24f).bits, 0x0001);           // smallest subnormal
  EXPECT_EQ(Half(0x1p-25f).bits, 0x0000);           // half of it: tie to even (zero)
  EXPECT_EQ(Half(0x1.8p-25f).bits, 0x0001);         // above the tie
  EXPECT_EQ(Half(3 * 0x1p-25f).bits, 0x0002);       // 1.5 ulp: tie to even (2)
  EXPECT_EQ(Half(0x1p-14f).bits, 0x0400);           // smallest normal
  EXPECT_EQ(Half(0x1p-14f - 0x1p-25f).bits, 0x0400);  // rounds up into the normals
  EXPECT_EQ(float(Half::from_bits(0x03ff)), 0x3ffp-24f);
  EXPECT_EQ(Half(INFINITY).bits, 0x7c00);
  EXPECT_EQ(Half(-INFINITY).bits, 0xfc00);
  EXPECT_TRUE(std::isnan(float(Half(NAN))));
  EXPECT_NE(Half(NAN).bits & 0x3ff, 0);             // stays NaN, not infinity
  EXPECT_TRUE(std::isnan(float(Half(f32(0x7f800001u)))));  // signalling NaN payload in the low bits
}

#ifdef __FLT16_MAX__
TEST(Half, MatchesTheCompilersConversion) {
  // a spread of float bit patterns over every exponent: ember's conversion vs _Float16's
  for (uint64_t b = 0; b < (uint64_t(1) << 32); b += 4099) {
    float f = f32(uint32_t(b));
    if (std::isnan(f)) continue;
    _Float16 ref = _Float16(f);
    uint16_t rb;
    std::memcpy(&rb, &ref, 2);
    ASSERT_EQ(Half(f).bits, rb) << "float bits " << b;
  }
}
#endif

TEST(BFloat16, RoundsToNearestEvenKeepsNanAndInf) {
  for (uint64_t b = 0; b < (uint64_t(1) << 32); b += 3001) {
    float f = f32(uint32_t(b));
    uint16_t got = BFloat16(f).bits;
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(float(BFloat16::from_bits(got)))) << b;
      continue;
    }
    ASSERT_EQ(got, reference_bf16(f)) << "float bits " << b;
  }
  EXPECT_EQ(BFloat16(INFINITY).bits, 0x7f80);
  EXPECT_EQ(BFloat16(-INFINITY).bits, 0xff80);
  EXPECT_TRUE(std::isinf(float(BFloat16(3.4028235e38f))));  // above bfloat16's largest: rounds to infinity
  EXPECT_EQ(float(BFloat16(f32(0x00010000u))), f32(0x00010000u));  // subnormals are exact at bf16 precision
  EXPECT_TRUE(std::isnan(float(BFloat16(f32(0x7f800001u)))));  // NaN with only low payload bits
  for (uint32_t b = 0; b < 65536; ++b) {
    float f = float(BFloat16::from_bits(uint16_t(b)));
    if (!std::isnan(f)) ASSERT_EQ(BFloat16(f).bits, b);
  }
}

// ---------------------------------------------------------------- allocator
TEST(Allocator, ReusesBlocksOfASizeClass) {
  auto before = cpu_allocator::stats();
  { Tensor a = empty({1024}); }
  { Tensor b = empty({1000}); }  // same size class (4000 and 4096 bytes round alike)
  auto after = cpu_allocator::stats();
  EXPECT_GE(after.num_cache_hits, before.num_cache_hits + 1);
  EXPECT_EQ(after.num_allocs, before.num_allocs + 2);
}

TEST(Allocator, AlignmentAccountingAndClasses) {
  auto base = cpu_allocator::stats();
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(65), size_t(1000), size_t(4097),
                   size_t(1) << 20, (size_t(1) << 20) + 1}) {
    void* p = cpu_allocator::allocate(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << n;
    std::memset(p, 0xab, n);  // the whole request is usable
    blocks.push_back({p, n});
  }
  auto mid = cpu_allocator::stats();
  EXPECT_GT(mid.allocated_bytes, base.allocated_bytes);
  EXPECT_GE(mid.peak_allocated_bytes, mid.allocated_bytes);
  for (auto [p, n] : blocks) cpu_allocator::deallocate(p, n);
  EXPECT_EQ(cpu_allocator::stats().allocated_bytes, base.allocated_bytes);
  // a freed small block is not handed out for a larger request of another class
  void* small = cpu_allocator::allocate(100);
  cpu_allocator::deallocate(small, 100);
  void* large = cpu_allocator::allocate(5000);
  EXPECT_NE(large, small);
  void* again = cpu_allocator::allocate(120);  // same class as 100: the cached block comes back
  EXPECT_EQ(again, small);
  cpu_allocator::deallocate(large, 5000);
  cpu_allocator::deallocate(again, 120);
}

TEST(Allocator, EmptyCacheAndLimit) {
  { Tensor a = empty({1 << 16}); }
  EXPECT_GT(cpu_allocator::stats().cached_bytes, 0u);
  cpu_allocator::empty_cache();
  EXPECT_EQ(cpu_allocator::stats().cached_bytes, 0u);
  cpu_allocator::set_cache_limit(1024);
  { Tensor a = empty({1 << 16}); }  // larger than the limit: returned to the system
  EXPECT_EQ(cpu_allocator::stats().cached_bytes, 0u);
  cpu_allocator::set_cache_limit(size_t(4) << 30);
}

TEST(Allocator, ThreadsAllocateAndFreeConcurrently) {
  auto base = cpu_allocator::stats().allocated_bytes;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([t] {
      for (int i = 0; i < 2000; ++i) {
        size_t n = size_t(64 * (1 + (i + t) % 37));
        void* p = cpu_allocator::allocate(n);
        static_cast<char*>(p)[n - 1] = char(i);
        cpu_allocator::deallocate(p, n);
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(cpu_allocator::stats().allocated_bytes, base);
}

// ---------------------------------------------------------------- parallel_for
TEST(Parallel, CoversTheRangeOnceForEveryThreadCountAndGrain) {
  int prev = get_num_threads();
  for (int threads : {1, 2, 3, 4}) {
    set_num_threads(threads);
    for (int64_t grain : {int64_t(1), int64_t(7), int64_t(1000), int64_t(1) << 20}) {
      std::vector<int> hits(100003, 0);
      parallel_for(0, int64_t(hits.size()), grain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[i]++;
      });
      for (int h : hits) ASSERT_EQ(h, 1) << threads << " threads, grain " << grain;
    }
  }
  set_num_threads(prev);
}

TEST(Parallel, SmallRangesRunInlineAndNestedCallsDoNotDeadlock) {
  int prev = get_num_threads();
  set_num_threads(2);
  auto caller = std::this_thread::get_id();
  bool inline_run = false;
  parallel_for(0, 10, 100, [&](int64_t, int64_t) { inline_run = std::this_thread::get_id() == caller; });
  EXPECT_TRUE(inline_run);
  parallel_for(5, 5, 1, [&](int64_t, int64_t) { FAIL() << "empty range must not call"; });
  std::atomic<int64_t> total{0};
  parallel_for(0, 4, 1, [&](int64_t b, int64_t e) {
    EXPECT_TRUE(in_parallel_region() || get_num_threads() == 1);
    parallel_for(0, 1000, 1, [&](int64_t bb, int64_t ee) { total += (ee - bb) * (e - b); });
  });
  EXPECT_EQ(total.load(), 4000);
  set_num_threads(prev);
}

TEST(Parallel, ExceptionsReachTheCaller) {
  int prev = get_num_threads();
  set_num_threads(2);
  EXPECT_THROW(parallel_for(0, 1000, 10, [&](int64_t b, int64_t) {
                 if (b > 0) EMBER_FAIL("test", "boom");
               }),
               Error);
  // the pool still works afterwards
  std::atomic<int> n{0};
  parallel_for(0, 100, 10, [&](int64_t b, int64_t e) { n += int(e - b); });
  EXPECT_EQ(n.load(), 100);
  set_num_threads(prev);
  EXPECT_THROW(set_num_threads(0), Error);
}

TEST(Core, ErrorsNameTheOpAndShapes) {
  Tensor a = zeros({2, 3}), b = zeros({4});
  try {
    add(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("add"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos);
  }
}
