// The LAPACK-backed ops from C++: small matrices with known answers, the
// column-major round trip on transposed input, and the LinAlg error kind that
// Python maps to torch.linalg.LinAlgError.
#include <gtest/gtest.h>

#include "ember/ops/ops.h"

using namespace ember;

namespace {

Tensor mat(const std::vector<double>& v, int64_t rows, int64_t cols) {
  Tensor t = empty({rows, cols}, Dtype::Float64);
  for (size_t i = 0; i < v.size(); ++i) t.data_ptr<double>()[i] = v[i];
  return t;
}

double at(const Tensor& t, int64_t i, int64_t j) { return t.select(0, i).select(0, j).item().to_double(); }

}  // namespace

TEST(Lapack, DetInvSolve) {
  Tensor a = mat({4, 3, 6, 3}, 2, 2);  // det = 12 - 18 = -6
  EXPECT_DOUBLE_EQ(linalg_det(a).item().to_double(), -6.0);
  auto [sign, logabs] = linalg_slogdet(a);
  EXPECT_DOUBLE_EQ(sign.item().to_double(), -1.0);
  EXPECT_NEAR(logabs.item().to_double(), std::log(6.0), 1e-14);
  Tensor inv = linalg_inv(a);  // [[3, -3], [-6, 4]] / -6
  EXPECT_NEAR(at(inv, 0, 0), -0.5, 1e-14);
  EXPECT_NEAR(at(inv, 0, 1), 0.5, 1e-14);
  EXPECT_NEAR(at(inv, 1, 0), 1.0, 1e-14);
  EXPECT_NEAR(at(inv, 1, 1), -2.0 / 3.0, 1e-14);
  Tensor x = linalg_solve(mT(a), mat({1, 2}, 2, 1));  // a transposed view goes through the same copies
  EXPECT_NEAR(at(x, 0, 0) * 4 + at(x, 1, 0) * 6, 1.0, 1e-14);
  EXPECT_NEAR(at(x, 0, 0) * 3 + at(x, 1, 0) * 3, 2.0, 1e-14);
}

TEST(Lapack, SingularInputIsALinAlgError) {
  Tensor s = mat({1, 2, 2, 4}, 2, 2);
  try {
    linalg_inv(s);
    FAIL() << "no error for a singular matrix";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::LinAlg);
    EXPECT_NE(std::string(e.what()).find("linalg.inv"), std::string::npos);
  }
  EXPECT_DOUBLE_EQ(linalg_det(s).item().to_double(), 0.0);
  auto [inv, info] = linalg_inv_ex(s);
  EXPECT_GT(info.item().to_int(), 0);
}

TEST(Lapack, CholeskyAndEigh) {
  Tensor a = mat({4, 2, 2, 3}, 2, 2);
  Tensor l = linalg_cholesky(a);  // [[2, 0], [1, sqrt(2)]]
  EXPECT_NEAR(at(l, 0, 0), 2.0, 1e-14);
  EXPECT_NEAR(at(l, 0, 1), 0.0, 0.0);
  EXPECT_NEAR(at(l, 1, 0), 1.0, 1e-14);
  EXPECT_NEAR(at(l, 1, 1), std::sqrt(2.0), 1e-14);
  auto [w, v] = linalg_eigh(a);  // eigenvalues (7 -+ sqrt(17)) / 2, ascending
  EXPECT_NEAR(at(unsqueeze(w, 0), 0, 0), (7 - std::sqrt(17.0)) / 2, 1e-13);
  EXPECT_NEAR(at(unsqueeze(w, 0), 0, 1), (7 + std::sqrt(17.0)) / 2, 1e-13);
  EXPECT_THROW(linalg_cholesky(neg(a)), Error);
}
