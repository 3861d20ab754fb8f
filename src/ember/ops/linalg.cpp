// Linear algebra: matrix products over BLAS (matmul, mm, bmm, mv, dot, the
// add* forms, linear), their derivatives, and the products composed from
// other ops (outer, tensordot, kron) plus cross. einsum is in einsum.cpp.
//
// Products never copy an operand that BLAS can read as it is: transposed,
// sliced and broadcast (stride 0 batch) operands are described to the kernel
// by their strides. Derivatives are written with ember ops, so they are
// themselves differentiable.
#include <algorithm>
#include <numeric>

#include "ember/autograd/function.h"
#include "ember/ops/cpu/blas.h"
#include "ember/ops/cpu/kernels.h"
#include "ember/ops/cpu/linalg_kernels.h"
#include "ember/ops/ops.h"

namespace ember {

using autograd::needs_grad;
using autograd::record;
using autograd::save;

namespace {

std::string dims_x(const Shape& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "x" : "") + std::to_string(s[i]);
  return s.empty() ? "scalar" : r;
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dtype() == b.dtype(), op, "expected scalar type ", scalar_type_name(a.dtype()), " but found ",
              scalar_type_name(b.dtype()));
}

void check_product_dtype(const char* op, Dtype d) {
  EMBER_CHECK(d != Dtype::Bool, op, "\"", op, "\" not implemented for 'Bool'");
}

cpu::ConstMat cmat(const Tensor& t) { return {t.raw_data(), t.stride(0), t.stride(1)}; }
cpu::MutMat mmat(const Tensor& t) { return {t.raw_data(), t.stride(0), t.stride(1)}; }

// beta == 0 means "ignore the input": torch truncates beta for integer dtypes first.
bool is_zero(const Scalar& s, Dtype d) { return is_floating(d) ? s.to_double() == 0.0 : s.to_int() == 0; }
bool is_one(const Scalar& s) { return s.to_double() == 1.0; }
Tensor scaled(const Tensor& t, const Scalar& s) { return is_one(s) ? t : mul(t, wrap_scalar(s)); }

// out (m x n, fresh) = beta * self + alpha * (a @ b): self is broadcast into
// out first so the product accumulates onto it in the same BLAS call.
void gemm_into(const Tensor& out, const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta,
               const Scalar& alpha) {
  bool use_self = self.defined() && !is_zero(beta, out.dtype());
  if (use_self) cpu::copy_kernel(out, self);
  cpu::gemm(out.dtype(), a.size(0), b.size(1), a.size(1), alpha, cmat(a), cmat(b), use_self ? beta : Scalar(0),
            mmat(out));
}

// The stride of dims [begin, end) merged into one, if they merge (size-1 dims never block).
std::optional<int64_t> merged_stride(const Shape& sizes, const Shape& strides, size_t begin, size_t end) {
  std::optional<int64_t> inner;
  int64_t expect = 0;
  for (size_t d = end; d-- > begin;) {
    if (sizes[d] == 1) continue;
    if (!inner) {
      inner = strides[d];
    } else if (strides[d] != expect) {
      return std::nullopt;
    }
    expect = strides[d] * sizes[d];
  }
  return inner ? inner : std::optional<int64_t>(1);
}

// out[..., m, n] = alpha * a[..., m, k] @ b[..., k, n] + beta * out over equal batch
// dims (a and b may broadcast there with stride 0). A batch over a alone (b shared)
// folds into one tall product when a's and out's batch dims merge into their rows.
void batched_gemm(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha, const Scalar& beta) {
  const size_t nb = size_t(out.dim()) - 2;
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  const Shape batch(out.sizes().begin(), out.sizes().begin() + nb);
  const int64_t nbatch = shape_numel(batch);
  if (nbatch == 0 || m == 0 || n == 0) return;
  const Dtype d = out.dtype();
  bool b_shared = true;
  for (size_t i = 0; i < nb; ++i) b_shared = b_shared && (batch[i] == 1 || b.strides()[i] == 0);
  if (b_shared) {
    auto sa = merged_stride(a.sizes(), a.strides(), 0, nb + 1);
    auto so = merged_stride(out.sizes(), out.strides(), 0, nb + 1);
    if (sa && so) {
      cpu::gemm(d, nbatch * m, n, k, alpha, {a.raw_data(), *sa, a.stride(-1)}, {b.raw_data(), b.stride(-2), b.stride(-1)},
                beta, {out.raw_data(), *so, out.stride(-1)});
      return;
    }
  }
  std::vector<int64_t> ao(size_t(nbatch), 0), bo(size_t(nbatch), 0), co(size_t(nbatch), 0), idx(nb, 0);
  int64_t oa = 0, ob = 0, oo = 0;
  for (int64_t i = 0; i < nbatch; ++i) {
    ao[size_t(i)] = oa, bo[size_t(i)] = ob, co[size_t(i)] = oo;
    for (size_t dd = nb; dd-- > 0;) {  // odometer over the batch dims
      oa += a.strides()[dd], ob += b.strides()[dd], oo += out.strides()[dd];
      if (++idx[dd] < batch[dd]) break;
      oa -= a.strides()[dd] * batch[dd], ob -= b.strides()[dd] * batch[dd], oo -= out.strides()[dd] * batch[dd];
      idx[dd] = 0;
    }
  }
  cpu::gemm_batched(d, nbatch, m, n, k, alpha, {a.raw_data(), a.stride(-2), a.stride(-1)}, ao.data(),
                    {b.raw_data(), b.stride(-2), b.stride(-1)}, bo.data(), beta,
                    {out.raw_data(), out.stride(-2), out.stride(-1)}, co.data());
}

void check_matrix(const char* op, const Tensor& t, const char* what) {
  EMBER_CHECK(t.dim() == 2, op, what, " must be a matrix, got ", t.dim(), "-D tensor");
}
void check_batch(const char* op, const Tensor& t, const char* what) {
  EMBER_CHECK(t.dim() == 3, op, what, " must be a 3D tensor, got ", t.dim(), "-D tensor");
}
void check_mm_shapes(const char* op, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.size(1) == b.size(0), op, "mat1 and mat2 shapes cannot be multiplied (", dims_x(a.sizes()), " and ",
              dims_x(b.sizes()), ")");
}
void check_bmm_shapes(const char* op, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.size(0) == b.size(0), op, "batch1 and batch2 must have same number of batches, got ", a.size(0), " and ",
              b.size(0), " (shapes ", dims_x(a.sizes()), " and ", dims_x(b.sizes()), ")");
  EMBER_CHECK(a.size(2) == b.size(1), op, "batch1 and batch2 shapes cannot be multiplied (", dims_x(a.sizes()), " and ",
              dims_x(b.sizes()), ")");
}
void check_mv_shapes(const char* op, const Tensor& a, const Tensor& v) {
  EMBER_CHECK(a.dim() == 2 && v.dim() == 1, op, "vector + matrix @ vector expected, got matrix of shape ",
              shape_str(a.sizes()), " and vector of shape ", shape_str(v.sizes()));
  EMBER_CHECK(a.size(1) == v.size(0), op, "size mismatch, got matrix ", dims_x(a.sizes()), " and vector ",
              dims_x(v.sizes()));
}
void check_self(const char* op, const Tensor& self, const Tensor& mat, const Shape& out_shape) {
  EMBER_CHECK(self.dtype() == mat.dtype(), op, "self and mat2 must have the same dtype, but got ",
              scalar_type_name(self.dtype()), " and ", scalar_type_name(mat.dtype()));
  EMBER_CHECK(is_expandable_to(self.sizes(), out_shape), op, "self of shape ", shape_str(self.sizes()),
              " cannot be broadcast to the product's shape ", shape_str(out_shape));
}

// ---- the general matmul: broadcast batch dims, 1-D operands as a row / a column.
Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  check_same_dtype("matmul", a, b);
  check_product_dtype("matmul", a.dtype());
  // operand geometry as (batch..., rows, cols)
  Shape as = a.sizes(), ast = a.strides(), bs = b.sizes(), bst = b.strides();
  if (a.dim() == 1) as.insert(as.begin(), 1), ast.insert(ast.begin(), 0);
  if (b.dim() == 1) bs.push_back(1), bst.push_back(0);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  EMBER_CHECK(bs[bs.size() - 2] == k, "matmul", "mat1 and mat2 shapes cannot be multiplied (", dims_x(a.sizes()),
              " and ", dims_x(b.sizes()), ")");
  Shape ba(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  Shape batch = broadcast_shapes(ba, bb, "matmul");
  auto expand_view = [&](const Tensor& t, const Shape& sz, const Shape& st, const Shape& own_batch) {
    Shape vs = batch, vst(batch.size(), 0);
    size_t off = batch.size() - own_batch.size();
    for (size_t i = 0; i < own_batch.size(); ++i)
      if (own_batch[i] != 1) vst[off + i] = st[i];
    vs.insert(vs.end(), sz.end() - 2, sz.end());
    vst.insert(vst.end(), st.end() - 2, st.end());
    return make_view(t, vs, vst, t.storage_offset());
  };
  Tensor av = expand_view(a, as, ast, ba), bv = expand_view(b, bs, bst, bb);
  Shape full = batch, result = batch;
  full.push_back(m), full.push_back(n);
  if (a.dim() > 1) result.push_back(m);
  if (b.dim() > 1) result.push_back(n);
  Tensor out = empty(result, a.dtype());
  Tensor out3 = make_view(out, full, contiguous_strides(full), 0);  // same memory: only size-1 dims differ
  batched_gemm(out3, av, bv, 1, 0);
  return out;
}

TensorList matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b, const autograd::Node& node) {
  // Work on matrices: a 1-D a is a row (1, k), a 1-D b a column (k, 1).
  Tensor am = a.dim() == 1 ? unsqueeze(a, 0) : a;
  Tensor bm = b.dim() == 1 ? unsqueeze(b, 1) : b;
  Tensor gm = g;
  if (a.dim() == 1) gm = unsqueeze(gm, b.dim() == 1 ? -1 : -2);
  if (b.dim() == 1) gm = unsqueeze(gm, -1);
  Tensor ga, gb;
  if (node.needs_input_grad(0)) {
    // g @ b^T is batched like the output; a broadcast batch is summed away.
    ga = reshape(sum_to(matmul(gm, mT(bm)), am.sizes()), a.sizes());
  }
  if (node.needs_input_grad(1)) {
    if (bm.dim() == 2 && am.dim() > 2) {
      // b shared by every batch: one product over all rows, a^T @ g with rows flattened
      Tensor af = reshape(am, {-1, am.size(-1)}), gf = reshape(gm, {-1, gm.size(-1)});
      gb = reshape(mm(mT(af), gf), b.sizes());
    } else {
      gb = reshape(sum_to(matmul(mT(am), gm), bm.sizes()), b.sizes());
    }
  }
  return {ga, gb};
}

}  // namespace

// ---------------------------------------------------------------- matmul and the plain products
Tensor matmul(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul", "both arguments to matmul need to be at least 1D, but they are ",
              a.dim(), "D and ", b.dim(), "D");
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 2 && b.dim() == 1) return mv(a, b);
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  Tensor out = matmul_forward(a, b);
  if (needs_grad(a, b) && is_floating(out.dtype()))
    record("MatmulBackward0", {a, b}, out, [sa = save(a), sb = save(b)](const Tensor& g, const autograd::Node& n) {
      return matmul_backward(g, sa.unpack(), sb.unpack(), n);
    });
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_matrix("mm", a, "self");
  check_matrix("mm", b, "mat2");
  check_same_dtype("mm", a, b);
  check_product_dtype("mm", a.dtype());
  check_mm_shapes("mm", a, b);
  Tensor out = empty({a.size(0), b.size(1)}, a.dtype());
  gemm_into(out, Tensor(), a, b, 0, 1);
  if (needs_grad(a, b) && is_floating(out.dtype()))
    record("MmBackward0", {a, b}, out, [sa = save(a), sb = save(b)](const Tensor& g, const autograd::Node& n) -> TensorList {
      return {n.needs_input_grad(0) ? mm(g, t(sb.unpack())) : Tensor(),
              n.needs_input_grad(1) ? mm(t(sa.unpack()), g) : Tensor()};
    });
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_batch("bmm", a, "batch1");
  check_batch("bmm", b, "batch2");
  check_same_dtype("bmm", a, b);
  check_product_dtype("bmm", a.dtype());
  check_bmm_shapes("bmm", a, b);
  Tensor out = empty({a.size(0), a.size(1), b.size(2)}, a.dtype());
  batched_gemm(out, a, b, 1, 0);
  if (needs_grad(a, b) && is_floating(out.dtype()))
    record("BmmBackward0", {a, b}, out, [sa = save(a), sb = save(b)](const Tensor& g, const autograd::Node& n) -> TensorList {
      return {n.needs_input_grad(0) ? bmm(g, mT(sb.unpack())) : Tensor(),
              n.needs_input_grad(1) ? bmm(mT(sa.unpack()), g) : Tensor()};
    });
  return out;
}

namespace {
// out (m, fresh) = beta * self + alpha * a @ v
void gemv_into(const Tensor& out, const Tensor& self, const Tensor& a, const Tensor& v, const Scalar& beta,
               const Scalar& alpha) {
  bool use_self = self.defined() && !is_zero(beta, out.dtype());
  if (use_self) cpu::copy_kernel(out, self);
  cpu::gemm(out.dtype(), a.size(0), 1, a.size(1), alpha, cmat(a), {v.raw_data(), v.stride(0), 1},
            use_self ? beta : Scalar(0), {out.raw_data(), out.dim() ? out.stride(0) : 1, 1});
}
}  // namespace

Tensor mv(const Tensor& a, const Tensor& v) {
  check_mv_shapes("mv", a, v);
  check_same_dtype("mv", a, v);
  check_product_dtype("mv", a.dtype());
  Tensor out = empty({a.size(0)}, a.dtype());
  gemv_into(out, Tensor(), a, v, 0, 1);
  if (needs_grad(a, v) && is_floating(out.dtype()))
    record("MvBackward0", {a, v}, out, [sa = save(a), sv = save(v)](const Tensor& g, const autograd::Node& n) -> TensorList {
      return {n.needs_input_grad(0) ? outer(g, sv.unpack()) : Tensor(),
              n.needs_input_grad(1) ? mv(t(sa.unpack()), g) : Tensor()};
    });
  return out;
}

namespace {
Tensor dot_impl(const char* op, const char* node_name, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, op, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(), "D tensors");
  EMBER_CHECK(a.numel() == b.numel(), op, "inconsistent tensor size, expected tensor [", a.numel(), "] and src [",
              b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
              " elements respectively");
  EMBER_CHECK(a.dtype() == b.dtype(), op, "expected both vectors to have same dtype, but found ",
              scalar_type_name(a.dtype()), " and ", scalar_type_name(b.dtype()));
  check_product_dtype(op, a.dtype());
  Tensor out = empty({}, a.dtype());
  cpu::dot(a.dtype(), a.numel(), a.raw_data(), a.stride(0), b.raw_data(), b.stride(0), out.raw_data());
  if (needs_grad(a, b) && is_floating(out.dtype()))
    record(node_name, {a, b}, out, [sa = save(a), sb = save(b)](const Tensor& g, const autograd::Node& n) -> TensorList {
      return {n.needs_input_grad(0) ? mul(g, sb.unpack()) : Tensor(), n.needs_input_grad(1) ? mul(g, sa.unpack()) : Tensor()};
    });
  return out;
}
}  // namespace

Tensor dot(const Tensor& a, const Tensor& b) { return dot_impl("dot", "DotBackward0", a, b); }
Tensor vdot(const Tensor& a, const Tensor& b) { return dot_impl("vdot", "VdotBackward0", a, b); }  // real: no conjugate

Tensor outer(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1, "outer", "Expected 1-D argument self, but got ", a.dim(), "-D");
  EMBER_CHECK(b.dim() == 1, "outer", "Expected 1-D argument vec2, but got ", b.dim(), "-D");
  return mul(unsqueeze(a, 1), b);  // promotes like torch
}

// ---------------------------------------------------------------- beta * self + alpha * product
Tensor addmm(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
  check_matrix("addmm", a, "mat1");
  check_matrix("addmm", b, "mat2");
  check_same_dtype("addmm", a, b);
  check_product_dtype("addmm", a.dtype());
  check_mm_shapes("addmm", a, b);
  Shape os{a.size(0), b.size(1)};
  check_self("addmm", self, b, os);
  Tensor out = empty(os, a.dtype());
  gemm_into(out, self, a, b, beta, alpha);
  if (needs_grad(self, a, b) && is_floating(out.dtype()))
    record("AddmmBackward0", {self, a, b}, out,
           [sa = save(a), sb = save(b), beta, alpha](const Tensor& g, const autograd::Node& n) -> TensorList {
             return {n.needs_input_grad(0) ? scaled(g, beta) : Tensor(),
                     n.needs_input_grad(1) ? scaled(mm(g, t(sb.unpack())), alpha) : Tensor(),
                     n.needs_input_grad(2) ? scaled(mm(t(sa.unpack()), g), alpha) : Tensor()};
           });
  return out;
}

Tensor addmv(const Tensor& self, const Tensor& a, const Tensor& v, const Scalar& beta, const Scalar& alpha) {
  check_mv_shapes("addmv", a, v);
  check_same_dtype("addmv", a, v);
  check_product_dtype("addmv", a.dtype());
  Shape os{a.size(0)};
  check_self("addmv", self, a, os);
  Tensor out = empty(os, a.dtype());
  gemv_into(out, self, a, v, beta, alpha);
  if (needs_grad(self, a, v) && is_floating(out.dtype()))
    record("AddmvBackward0", {self, a, v}, out,
           [sa = save(a), sv = save(v), beta, alpha](const Tensor& g, const autograd::Node& n) -> TensorList {
             return {n.needs_input_grad(0) ? scaled(g, beta) : Tensor(),
                     n.needs_input_grad(1) ? scaled(outer(g, sv.unpack()), alpha) : Tensor(),
                     n.needs_input_grad(2) ? scaled(mv(t(sa.unpack()), g), alpha) : Tensor()};
           });
  return out;
}

Tensor baddbmm(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
  check_batch("baddbmm", a, "batch1");
  check_batch("baddbmm", b, "batch2");
  check_same_dtype("baddbmm", a, b);
  check_product_dtype("baddbmm", a.dtype());
  check_bmm_shapes("baddbmm", a, b);
  Shape os{a.size(0), a.size(1), b.size(2)};
  check_self("baddbmm", self, b, os);
  Tensor out = empty(os, a.dtype());
  bool use_self = !is_zero(beta, out.dtype());
  if (use_self) cpu::copy_kernel(out, self);
  batched_gemm(out, a, b, alpha, use_self ? beta : Scalar(0));
  if (needs_grad(self, a, b) && is_floating(out.dtype()))
    record("BaddbmmBackward0", {self, a, b}, out,
           [sa = save(a), sb = save(b), beta, alpha](const Tensor& g, const autograd::Node& n) -> TensorList {
             return {n.needs_input_grad(0) ? scaled(g, beta) : Tensor(),
                     n.needs_input_grad(1) ? scaled(bmm(g, mT(sb.unpack())), alpha) : Tensor(),
                     n.needs_input_grad(2) ? scaled(bmm(mT(sa.unpack()), g), alpha) : Tensor()};
           });
  return out;
}

Tensor addbmm(const Tensor& self, const Tensor& a, const Tensor& b, const Scalar& beta, const Scalar& alpha) {
  check_batch("addbmm", a, "batch1");
  check_batch("addbmm", b, "batch2");
  check_same_dtype("addbmm", a, b);
  check_product_dtype("addbmm", a.dtype());
  check_bmm_shapes("addbmm", a, b);
  Shape os{a.size(1), b.size(2)};
  check_self("addbmm", self, b, os);
  Tensor out = empty(os, a.dtype());
  bool use_self = !is_zero(beta, out.dtype());
  if (use_self) cpu::copy_kernel(out, self);
  const int64_t nb = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  const size_t isz = out.element_size();
  Scalar acc_beta = use_self ? beta : Scalar(0);
  if (nb == 0) cpu::gemm(out.dtype(), m, n, 0, alpha, cmat(out), cmat(out), acc_beta, mmat(out));  // beta * self
  for (int64_t i = 0; i < nb; ++i) {  // accumulate the batch into out, in order
    const char* ap = static_cast<const char*>(a.raw_data()) + i * a.stride(0) * isz;
    const char* bp = static_cast<const char*>(b.raw_data()) + i * b.stride(0) * isz;
    cpu::gemm(out.dtype(), m, n, k, alpha, {ap, a.stride(1), a.stride(2)}, {bp, b.stride(1), b.stride(2)},
              i == 0 ? acc_beta : Scalar(1), mmat(out));
  }
  if (needs_grad(self, a, b) && is_floating(out.dtype()))
    record("AddbmmBackward0", {self, a, b}, out,
           [sa = save(a), sb = save(b), beta, alpha](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor gb = unsqueeze(g, 0);  // the same gradient for every batch
             return {n.needs_input_grad(0) ? scaled(g, beta) : Tensor(),
                     n.needs_input_grad(1) ? scaled(matmul(gb, mT(sb.unpack())), alpha) : Tensor(),
                     n.needs_input_grad(2) ? scaled(matmul(mT(sa.unpack()), gb), alpha) : Tensor()};
           });
  return out;
}

// ---------------------------------------------------------------- linear: x @ w^T + b in one gemm
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  if (w.dim() != 2) {
    EMBER_CHECK(!bias.defined(), "linear", "mat2 must be a matrix, got ", w.dim(), "-D tensor");
    return matmul(x, t(w));
  }
  EMBER_CHECK(x.dim() >= 1, "linear", "both arguments to matmul need to be at least 1D, but they are ", x.dim(),
              "D and 2D");
  check_same_dtype("linear", x, w);
  check_product_dtype("linear", x.dtype());
  const int64_t in = w.size(1), outf = w.size(0);
  const int64_t rows = x.size(-1) == 0 ? shape_numel(Shape(x.sizes().begin(), x.sizes().end() - 1)) : x.numel() / x.size(-1);
  EMBER_CHECK(x.size(-1) == in, "linear", "mat1 and mat2 shapes cannot be multiplied (", rows, "x", x.size(-1), " and ",
              in, "x", outf, ")");
  Shape os(x.sizes().begin(), x.sizes().end() - 1);
  os.push_back(outf);
  if (bias.defined()) {
    EMBER_CHECK(bias.dtype() == x.dtype(), "linear", "self and mat2 must have the same dtype, but got ",
                scalar_type_name(bias.dtype()), " and ", scalar_type_name(x.dtype()));
    EMBER_CHECK(is_expandable_to(bias.sizes(), os), "linear", "bias of shape ", shape_str(bias.sizes()),
                " cannot be broadcast to the output shape ", shape_str(os));
  }
  Tensor out = empty(os, x.dtype());
  if (out.numel() > 0) {
    // x's leading dims as one row dim; copied only when they do not merge
    Tensor xr = x;
    auto rs = merged_stride(x.sizes(), x.strides(), 0, size_t(x.dim() - 1));
    if (!rs) xr = contiguous(detach(x)), rs = in;
    if (bias.defined()) cpu::copy_kernel(out, bias);  // bias in the output, then beta = 1
    cpu::gemm(x.dtype(), rows, outf, in, 1, {xr.raw_data(), *rs, xr.stride(-1)},
              {w.raw_data(), w.stride(1), w.stride(0)},  // w^T without a copy: BLAS transposes
              bias.defined() ? 1 : 0, {out.raw_data(), outf, 1});
  }
  if (needs_grad(x, w, bias) && is_floating(out.dtype())) {
    Shape bshape = bias.defined() ? bias.sizes() : Shape{};
    record(bias.defined() ? "AddmmBackward0" : "MmBackward0", {x, w, bias}, out,
           [sx = save(x), sw = save(w), bshape](const Tensor& g, const autograd::Node& n) -> TensorList {
             Tensor gx, gw, gb;
             if (n.needs_input_grad(0)) gx = matmul(g, sw.unpack());
             if (n.needs_input_grad(1)) {
               Tensor xv = sx.unpack();
               Tensor g2 = reshape(g, {-1, g.size(-1)}), x2 = reshape(xv, {-1, xv.size(-1)});
               gw = mm(t(g2), x2);
             }
             if (n.needs_input_grad(2)) gb = sum_to(g, bshape);
             return {gx, gw, gb};
           });
  }
  return out;
}

// ---------------------------------------------------------------- composed products
Tensor tensordot(const Tensor& a, const Tensor& b, const Dims& dims_a, const Dims& dims_b) {
  EMBER_CHECK(dims_a.size() == dims_b.size(), "tensordot", "both dimension lists should have same length, got ",
              dims_a.size(), " and ", dims_b.size());
  Tensor ta = a, tb = b;
  std::vector<bool> ca(size_t(a.dim()), false), cb(size_t(b.dim()), false);
  Dims da, db;
  int64_t csize = 1;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    int64_t x = wrap_dim(dims_a[i], a.dim(), "tensordot"), y = wrap_dim(dims_b[i], b.dim(), "tensordot");
    EMBER_CHECK(!ca[size_t(x)] && !cb[size_t(y)], "tensordot", "a dimension appears more than once in dims");
    ca[size_t(x)] = cb[size_t(y)] = true;
    int64_t s1 = a.size(x), s2 = b.size(y);
    if (s1 != s2) {
      // a size-1 dim broadcasts against the other side, which is summed there
      EMBER_CHECK(s1 == 1 || s2 == 1, "tensordot", "contracted dimensions need to match, but first has size ", s1,
                  " in dim ", x, " and second has size ", s2, " in dim ", y, " (shapes ", shape_str(a.sizes()), " and ",
                  shape_str(b.sizes()), ")");
      if (s1 == 1) tb = sum(tb, {y}, true);
      else ta = sum(ta, {x}, true);
    }
    csize *= std::min(s1, s2);
    da.push_back(x), db.push_back(y);
  }
  Dims pa, pb;
  Shape out_shape;
  int64_t fa = 1, fb = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!ca[size_t(d)]) pa.push_back(d), out_shape.push_back(a.size(d)), fa *= a.size(d);
  pa.insert(pa.end(), da.begin(), da.end());
  pb = db;
  for (int64_t d = 0; d < b.dim(); ++d)
    if (!cb[size_t(d)]) pb.push_back(d), out_shape.push_back(b.size(d)), fb *= b.size(d);
  Tensor r = mm(reshape(permute(ta, pa), {fa, csize}), reshape(permute(tb, pb), {csize, fb}));
  return reshape(r, out_shape);
}

Tensor kron(const Tensor& a, const Tensor& b) {
  const int64_t nd = std::max(a.dim(), b.dim());
  Shape as(size_t(nd - a.dim()), 1), bs(size_t(nd - b.dim()), 1);
  as.insert(as.end(), a.sizes().begin(), a.sizes().end());
  bs.insert(bs.end(), b.sizes().begin(), b.sizes().end());
  // a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...): then merge each pair
  Shape ai, bi, out;
  for (int64_t d = 0; d < nd; ++d) {
    ai.push_back(as[d]), ai.push_back(1);
    bi.push_back(1), bi.push_back(bs[d]);
    out.push_back(as[d] * bs[d]);
  }
  return reshape(mul(reshape(a, ai), reshape(b, bi)), out);
}

Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim) {
  EMBER_CHECK(a.dim() == b.dim(), "linalg.cross", "inputs must have the same number of dimensions, got shapes ",
              shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  check_same_dtype("linalg.cross", a, b);
  check_product_dtype("cross", a.dtype());
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), "linalg.cross");
  int64_t d;
  if (dim) {
    d = wrap_dim(*dim, a.dim(), "linalg.cross");
  } else {  // torch.cross without dim: the first dimension of size 3
    auto it = std::find(shape.begin(), shape.end(), int64_t(3));
    EMBER_CHECK(it != shape.end(), "cross", "no dimension of size 3 in input of shape ", shape_str(shape));
    d = it - shape.begin();
  }
  EMBER_CHECK(a.size(d) == 3 && b.size(d) == 3, "linalg.cross", "inputs dimension ", d, " must have length 3. Got ",
              a.size(d), " and ", b.size(d));
  Tensor out = empty(shape, a.dtype());
  cpu::cross_kernel(out, a, b, d);
  if (needs_grad(a, b) && is_floating(out.dtype()))
    record("LinalgCrossBackward0", {a, b}, out,
           [sa = save(a), sb = save(b), d](const Tensor& g, const autograd::Node& n) -> TensorList {
             return {n.needs_input_grad(0) ? cross(sb.unpack(), g, d) : Tensor(),
                     n.needs_input_grad(1) ? cross(g, sa.unpack(), d) : Tensor()};
           });
  return out;
}

}  // namespace ember
