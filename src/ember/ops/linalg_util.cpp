#include "ember/ops/linalg_util.h"

#include "ember/ops/cpu/kernels.h"

namespace ember::linalg {

void check_floating(const char* op, const Tensor& a, const char* name) {
  const Dtype d = a.dtype();
  EMBER_CHECK(d != Dtype::Float16 && d != Dtype::BFloat16, op, "Low precision dtypes not supported. Got ",
              scalar_type_name(d));
  EMBER_CHECK(d == Dtype::Float32 || d == Dtype::Float64, op,
              "Expected a floating point or complex tensor as input. Got ", scalar_type_name(d));
  (void)name;
}

void check_input(const char* op, const Tensor& a, bool square, const char* name) {
  EMBER_CHECK(a.dim() >= 2, op, "The input tensor ", name, " must have at least 2 dimensions.");
  if (square)
    EMBER_CHECK(a.size(-1) == a.size(-2), op, name, " must be batches of square matrices, but they are ", a.size(-2),
                " by ", a.size(-1), " matrices");
  check_floating(op, a, name);
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b, const char* na, const char* nb) {
  EMBER_CHECK(a.dtype() == b.dtype(), op, "Expected ", na, " and ", nb, " to have the same dtype, but found ", na,
              " of type ", scalar_type_name(a.dtype()), " and ", nb, " of type ", scalar_type_name(b.dtype()),
              " instead");
}

Tensor fortran_copy(const Tensor& t, const Shape& batch) {
  const int64_t m = t.size(-2), n = t.size(-1);
  // t's matrices broadcast to `batch` (stride 0 where a dim is new or of size 1), then transposed
  const size_t nb = batch.size(), own = size_t(t.dim()) - 2, off = nb - own;
  Shape sizes = batch, strides(nb, 0);
  for (size_t i = 0; i < own; ++i)
    if (t.sizes()[i] != 1 || batch[off + i] == 1) strides[off + i] = t.strides()[i];
  sizes.push_back(n), sizes.push_back(m);
  strides.push_back(t.stride(-1)), strides.push_back(t.stride(-2));
  Tensor src = make_view(t, sizes, strides, t.storage_offset());
  Tensor f = empty(sizes, t.dtype());
  if (f.numel() > 0) cpu::copy_kernel(f, src);
  return f;
}

Tensor as_matrices(const Tensor& f) {
  Shape sizes = f.sizes(), strides = f.strides();
  std::swap(sizes[sizes.size() - 1], sizes[sizes.size() - 2]);
  std::swap(strides[strides.size() - 1], strides[strides.size() - 2]);
  return make_view(f, sizes, strides, f.storage_offset());
}

Tensor eye_batch(const Shape& batch, int64_t n, Dtype d) {
  return expand(eye(n, n, d), with_matrix(batch, n, n));
}

}  // namespace ember::linalg
