// Matrix product kernels and ops against a plain triple loop: every operand
// layout BLAS can read directly (row-major, transposed, sliced, broadcast),
// column-major and strided outputs, beta == 0 ignoring NaN, and each dtype path.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ember/ops/cpu/blas.h"
#include "ember/ops/ops.h"

using namespace ember;

namespace {

// Deterministic small values, exact in every float type.
Tensor filled(const Shape& s, Dtype d, int seed) {
  Tensor t = empty(s, Dtype::Float64);
  double* p = t.data_ptr<double>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = double(((i * 7 + seed * 3) % 11) - 5);
  return to_dtype(t, d);
}

double at(const Tensor& t, const Shape& idx) {
  Tensor v = make_view(t, {}, {}, t.storage_offset() + [&] {
    int64_t off = 0;
    for (size_t i = 0; i < idx.size(); ++i) off += idx[i] * t.strides()[i];
    return off;
  }());
  return v.item().to_double();
}

// a (m x k) @ b (k x n) by definition
std::vector<double> reference_mm(const Tensor& a, const Tensor& b) {
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<double> r(size_t(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) r[size_t(i * n + j)] += at(a, {i, p}) * at(b, {p, j});
  return r;
}

void expect_matrix(const Tensor& c, const std::vector<double>& ref) {
  ASSERT_EQ(c.dim(), 2);
  for (int64_t i = 0; i < c.size(0); ++i)
    for (int64_t j = 0; j < c.size(1); ++j)
      EXPECT_DOUBLE_EQ(at(c, {i, j}), ref[size_t(i * c.size(1) + j)]) << "at " << i << "," << j;
}

// A view of `base` with the given geometry (base must be big enough).
Tensor view_of(const Tensor& base, Shape sizes, Shape strides, int64_t offset = 0) {
  return make_view(base, std::move(sizes), std::move(strides), offset);
}

}  // namespace

TEST(Linalg, MmEveryOperandLayout) {
  for (Dtype d : {Dtype::Float32, Dtype::Float64, Dtype::Float16, Dtype::BFloat16, Dtype::Int64, Dtype::Int8}) {
    Tensor big = filled({64}, d, 1), big2 = filled({64}, d, 2);
    // a: 3x4 row-major, column-major (transposed), sliced (strides 10, 2), broadcast rows (stride 0)
    std::vector<Tensor> as = {view_of(big, {3, 4}, {4, 1}), view_of(big, {3, 4}, {1, 3}), view_of(big, {3, 4}, {10, 2}, 1),
                              view_of(big, {3, 4}, {0, 1}, 5)};
    std::vector<Tensor> bs = {view_of(big2, {4, 5}, {5, 1}), view_of(big2, {4, 5}, {1, 4}), view_of(big2, {4, 5}, {12, 2}, 3),
                              view_of(big2, {4, 5}, {1, 0}, 7)};
    for (auto& a : as)
      for (auto& b : bs) expect_matrix(mm(a, b), reference_mm(a, b));
  }
}

TEST(Linalg, GemmIntoColumnMajorAndStridedOutputs) {
  Tensor a = filled({3, 4}, Dtype::Float32, 3), b = filled({4, 5}, Dtype::Float32, 4);
  auto ref = reference_mm(a, b);
  Tensor store = zeros({64}, Dtype::Float32);
  for (auto [rs, cs] : {std::pair<int64_t, int64_t>{1, 3}, {2, 7}, {10, 2}}) {
    Tensor c = view_of(store, {3, 5}, {rs, cs});
    cpu::gemm(Dtype::Float32, 3, 5, 4, 1, {a.raw_data(), 4, 1}, {b.raw_data(), 5, 1}, 0, {c.raw_data(), rs, cs});
    expect_matrix(c, ref);
  }
}

TEST(Linalg, BetaZeroIgnoresNanAndBetaScales) {
  for (Dtype d : {Dtype::Float32, Dtype::Float64, Dtype::BFloat16}) {
    for (auto [m, n] : {std::pair<int64_t, int64_t>{3, 5}, {3, 1}, {1, 5}}) {  // gemm, and both gemv paths
      Tensor a = filled({m, 4}, d, 5), b = filled({4, n}, d, 6);
      Tensor nan_self = full({m, n}, std::numeric_limits<double>::quiet_NaN(), d);
      expect_matrix(addmm(nan_self, a, b, 0, 1), reference_mm(a, b));
      Tensor self = filled({m, n}, d, 7);
      auto ref = reference_mm(a, b);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) ref[size_t(i * n + j)] = 2 * ref[size_t(i * n + j)] + 3 * at(self, {i, j});
      expect_matrix(addmm(self, a, b, 3, 2), ref);
    }
  }
}

TEST(Linalg, IntegerProductsWrapLikeTorch) {
  Tensor a = full({1, 3}, 100, Dtype::Int8), b = full({3, 1}, 100, Dtype::Int8);
  EXPECT_EQ(mm(a, b).item().to_int(), 48);  // 30000 mod 256, as a signed byte
  Tensor v = full({3}, 100, Dtype::Int8);
  EXPECT_EQ(dot(v, v).item().to_int(), 48);
}

TEST(Linalg, MatmulBroadcastsBatchesWithoutCopies) {
  // (2, 1, 3, 4) @ (5, 4, 2) -> (2, 5, 3, 2), each batch a plain product
  Tensor a = filled({2, 1, 3, 4}, Dtype::Float64, 8), b = filled({5, 4, 2}, Dtype::Float64, 9);
  Tensor c = matmul(a, b);
  ASSERT_EQ(c.sizes(), (Shape{2, 5, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) {
      Tensor ai = view_of(a, {3, 4}, {4, 1}, i * 12), bj = view_of(b, {4, 2}, {2, 1}, j * 8);
      expect_matrix(view_of(c, {3, 2}, {2, 1}, (i * 5 + j) * 6), reference_mm(ai, bj));
    }
  // 1-D operands: (4,) @ (5, 4, 2) -> (5, 2) and (2, 3, 4) @ (4,) -> (2, 3)
  Tensor v = filled({4}, Dtype::Float64, 10);
  EXPECT_EQ(matmul(v, b).sizes(), (Shape{5, 2}));
  Tensor a3 = filled({2, 3, 4}, Dtype::Float64, 11);
  Tensor r = matmul(a3, v);
  ASSERT_EQ(r.sizes(), (Shape{2, 3}));
  Tensor r2 = mm(view_of(a3, {6, 4}, {4, 1}), view_of(v, {4, 1}, {1, 1}));
  for (int64_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(at(r, {i / 3, i % 3}), at(r2, {i, 0}));
}

TEST(Linalg, LinearMatchesDefinition) {
  Tensor x = filled({2, 3, 4}, Dtype::Float32, 12), w = filled({5, 4}, Dtype::Float32, 13), b = filled({5}, Dtype::Float32, 14);
  Tensor y = linear(x, w, b);
  ASSERT_EQ(y.sizes(), (Shape{2, 3, 5}));
  Tensor wt = view_of(w, {4, 5}, {1, 4});
  auto ref = reference_mm(view_of(x, {6, 4}, {4, 1}), wt);
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 5; ++j) EXPECT_DOUBLE_EQ(at(y, {i / 3, i % 3, j}), ref[size_t(i * 5 + j)] + at(b, {j}));
}

TEST(Linalg, ErrorsNameBothShapes) {
  Tensor a = zeros({2, 3}), b = zeros({4, 5});
  try {
    mm(a, b);
    FAIL() << "mm accepted mismatched shapes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(2x3 and 4x5)"), std::string::npos) << e.what();
  }
  try {
    mm(a, zeros({3, 5}, Dtype::Float64));
    FAIL() << "mm accepted mixed dtypes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected scalar type Float but found Double"), std::string::npos) << e.what();
  }
  EXPECT_THROW(matmul(zeros({}), zeros({3})), Error);
  EXPECT_THROW(mm(zeros({2, 2}, Dtype::Bool), zeros({2, 2}, Dtype::Bool)), Error);
}

TEST(Linalg, CrossProduct) {
  Tensor a = filled({2, 3}, Dtype::Float64, 15), b = filled({2, 3}, Dtype::Float64, 16);
  Tensor c = cross(a, b, 1);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t i = 0; i < 3; ++i) {
      int64_t j = (i + 1) % 3, k = (i + 2) % 3;
      EXPECT_DOUBLE_EQ(at(c, {r, i}), at(a, {r, j}) * at(b, {r, k}) - at(a, {r, k}) * at(b, {r, j}));
    }
}
