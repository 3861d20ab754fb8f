#include <gtest/gtest.h>

#include "ember/core/allocator.h"
#include "ember/core/parallel.h"
#include "ember/ops/ops.h"

using namespace ember;

TEST(Core, PromoteTypes) {
  EXPECT_EQ(promote_types(Dtype::Int32, Dtype::Float16), Dtype::Float16);
  EXPECT_EQ(promote_types(Dtype::UInt8, Dtype::Int8), Dtype::Int16);
  EXPECT_EQ(promote_types(Dtype::Float16, Dtype::BFloat16), Dtype::Float32);
  EXPECT_EQ(promote_types(Dtype::Bool, Dtype::UInt8), Dtype::UInt8);
  EXPECT_EQ(promote_types(Dtype::Int64, Dtype::Float32), Dtype::Float32);
}

TEST(Core, ResultTypeWithScalars) {
  Tensor i = zeros({3}, Dtype::Int32);
  EXPECT_EQ(result_type(i, wrap_scalar(1.5)), Dtype::Float32);   // int tensor + float -> default float
  EXPECT_EQ(result_type(i, wrap_scalar(int64_t(2))), Dtype::Int32);  // int scalar does not widen
  Tensor h = zeros({3}, Dtype::Float16);
  EXPECT_EQ(result_type(h, wrap_scalar(2.0)), Dtype::Float16);
  EXPECT_EQ(result_type(i, zeros({}, Dtype::Float64)), Dtype::Float64);  // 0-d of a higher category wins
  EXPECT_EQ(result_type(i, zeros({}, Dtype::Int64)), Dtype::Int32);      // 0-d of the same category does not
}

TEST(Core, HalfRoundTrip) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1e-5f, 1e-7f, 3.14159f}) {
    float back = float(Half(f));
    EXPECT_NEAR(back, f, std::abs(f) * 1e-3 + 1e-7) << f;
  }
  EXPECT_TRUE(std::isinf(float(Half(1e6f))));
  EXPECT_EQ(float(BFloat16(1.0f)), 1.0f);
}

TEST(Core, AllocatorReusesBlocks) {
  auto before = cpu_allocator::stats();
  { Tensor a = empty({1024}); }
  { Tensor b = empty({1000}); }  // same size class
  auto after = cpu_allocator::stats();
  EXPECT_GE(after.num_cache_hits, before.num_cache_hits + 1);
}

TEST(Core, ParallelForCoversRangeOnce) {
  set_num_threads(2);
  std::vector<int> hits(1 << 20, 0);
  parallel_for(0, int64_t(hits.size()), 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (int h : hits) ASSERT_EQ(h, 1);
  set_num_threads(1);
}

TEST(Core, ElementwiseBroadcastAndStrides) {
  Tensor a = arange(0, 6).to(Dtype::Float32);
  Tensor b = full({1}, 10.0);
  Tensor c = add(a, b);
  EXPECT_EQ(c.sizes(), Shape({6}));
  EXPECT_EQ(c.data_ptr<float>()[5], 15.0f);
}

TEST(Core, ErrorsNameTheOp) {
  Tensor a = zeros({2, 3}), b = zeros({4});
  try {
    add(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("add"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos);
  }
}
