// Dropout, embeddings and a small QR used by initialisers.
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

Tensor S(double v) { return wrap_scalar(v); }

// The noise tensor torch draws for dropout: same shape as x, or (N, C, 1, ...) for feature dropout.
Tensor dropout_noise(const Tensor& x, bool feature, double keep, Generator* gen) {
  Shape s = x.sizes();
  if (feature) {
    EMBER_CHECK(x.dim() >= 2, "feature_dropout", "Feature dropout requires at least 2 dimensions in the input, got ",
                shape_str(x.sizes()));
    for (int64_t i = 2; i < x.dim(); ++i) s[i] = 1;
  }
  Tensor noise = empty(s, x.dtype());
  bernoulli_(noise, keep, gen);
  return noise;
}

Tensor dropout_impl(const Tensor& x, double p, bool train, bool feature, bool alpha, Generator* gen) {
  EMBER_CHECK_VALUE(p >= 0 && p <= 1, "dropout", "dropout probability has to be between 0 and 1, but got ", p);
  if (!train || p == 0 || x.numel() == 0) return x;
  EMBER_CHECK(is_floating(x.dtype()), "dropout", "dropout expects a floating point input, got ", dtype_name(x.dtype()));
  if (p == 1) return mul(x, zeros_like(x));
  Tensor noise = dropout_noise(x, feature, 1 - p, gen);
  if (!alpha) {
    div_(noise, S(1 - p));
    return mul(x, noise);
  }
  constexpr double kAlpha = 1.7580993408473766;
  double a = 1.0 / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
  Tensor b = add(mul(sub(noise, S(1)), S(kAlpha * a)), S(kAlpha * a * p));
  mul_(noise, S(a));
  return add(mul(x, noise), b);
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool train, Generator* gen) { return dropout_impl(x, p, train, false, false, gen); }
Tensor feature_dropout(const Tensor& x, double p, bool train, Generator* gen) {
  return dropout_impl(x, p, train, true, false, gen);
}
Tensor alpha_dropout(const Tensor& x, double p, bool train, Generator* gen) { return dropout_impl(x, p, train, false, true, gen); }
Tensor feature_alpha_dropout(const Tensor& x, double p, bool train, Generator* gen) {
  return dropout_impl(x, p, train, true, true, gen);
}

// ---------------------------------------------------------------- embeddings
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq) {
  EMBER_CHECK(weight.dim() == 2, "embedding", "'weight' must be 2-D, got ", shape_str(weight.sizes()));
  EMBER_CHECK(indices.dtype() == Dtype::Int64 || indices.dtype() == Dtype::Int32, "embedding",
              "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ",
              dtype_name(indices.dtype()), " instead (while checking arguments for embedding)");
  Tensor flat = reshape(indices, {-1});
  Tensor out;
  {
    autograd::NoGradGuard ng;
    out = index_select(weight, 0, flat);
  }
  Shape shape = indices.sizes();
  shape.push_back(weight.size(1));
  out = reshape(out, shape);
  if (autograd::needs_grad(weight)) {
    int64_t rows = weight.size(0);
    autograd::record("EmbeddingBackward0", {weight}, out,
                     [flat = autograd::save(flat), rows, padding_idx, scale_grad_by_freq](const Tensor& g) -> TensorList {
                       Tensor idx = flat.unpack();
                       Tensor g2 = reshape(g, {idx.numel(), g.size(-1)});
                       if (padding_idx >= 0)
                         g2 = mul(g2, unsqueeze(ne(idx, wrap_scalar(padding_idx)).to(g2.dtype()), 1));
                       if (scale_grad_by_freq) {
                         Tensor counts = bincount(idx, Tensor(), rows).to(g2.dtype());
                         g2 = div(g2, unsqueeze(index_select(counts, 0, idx), 1));
                       }
                       return {index_add(zeros({rows, g.size(-1)}, g.dtype()), 0, idx, g2)};
                     });
  }
  return out;
}

Tensor embedding_bag(const Tensor& weight, const Tensor& indices, const Tensor& offsets, const std::string& mode,
                     const Tensor& per_sample_weights, bool include_last_offset, int64_t padding_idx) {
  EMBER_CHECK(weight.dim() == 2, "embedding_bag", "'weight' must be 2-D, got ", shape_str(weight.sizes()));
  EMBER_CHECK(indices.dim() == 1 && offsets.dim() == 1, "embedding_bag", "input and offsets must be 1-D, got ",
              shape_str(indices.sizes()), " and ", shape_str(offsets.sizes()));
  EMBER_CHECK_VALUE(mode == "sum" || mode == "mean" || mode == "max", "embedding_bag", "mode has to be one of sum, mean or max");
  int64_t n = indices.numel();
  Tensor off = contiguous(to_dtype(offsets, Dtype::Int64));
  int64_t bags = include_last_offset ? off.numel() - 1 : off.numel();
  EMBER_CHECK(bags >= 0, "embedding_bag", "offsets must have at least one element with include_last_offset=True");
  // bag id of every index position
  Tensor seg = empty({n}, Dtype::Int64);
  {
    const int64_t* o = off.data_ptr<int64_t>();
    int64_t* sp = seg.data_ptr<int64_t>();
    EMBER_CHECK(bags == 0 || o[0] == 0, "embedding_bag", "offsets[0] has to be 0, i.e., the first sequence in the "
                "mini-batch has to start from position 0. However, got ", bags ? o[0] : 0);
    for (int64_t b = 0; b < bags; ++b) {
      int64_t s = o[b], e = b + 1 < off.numel() ? o[b + 1] : n;
      if (b + 1 == bags && !include_last_offset) e = n;
      EMBER_CHECK(s <= e && e <= n, "embedding_bag", "offsets must be non-decreasing and within the input length ", n);
      for (int64_t i = s; i < e; ++i) sp[i] = b;
    }
  }
  Tensor idx = to_dtype(indices, Dtype::Int64);
  Tensor keep = padding_idx >= 0 ? ne(idx, wrap_scalar(padding_idx)) : ones({n}, Dtype::Bool);
  Tensor rows = embedding(weight, idx, -1, false);  // (n, D), differentiable w.r.t. weight
  Tensor kf = unsqueeze(keep.to(rows.dtype()), 1);
  int64_t d = weight.size(1);
  if (mode == "max") {
    Tensor neg_inf = full({}, -INFINITY, rows.dtype());
    Tensor masked = where(unsqueeze(keep, 1), rows, neg_inf);
    Tensor base = full({bags, d}, -INFINITY, rows.dtype());
    Tensor out = scatter_reduce(base, 0, expand(unsqueeze(seg, 1), {n, d}), masked, "amax", true);
    return where(isinf(out), zeros({}, out.dtype()), out);  // empty bags give 0 like torch
  }
  Tensor contrib = mul(rows, kf);
  if (per_sample_weights.defined()) contrib = mul(contrib, unsqueeze(per_sample_weights, 1));
  Tensor out = index_add(zeros({bags, d}, rows.dtype()), 0, seg, contrib);
  if (mode == "mean") {
    Tensor counts = index_add(zeros({bags}, rows.dtype()), 0, seg, keep.to(rows.dtype()));
    out = div(out, unsqueeze(clamp(counts, std::optional<Scalar>(1.0), std::nullopt), 1));
  }
  return out;
}

Tensor& embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  autograd::NoGradGuard ng;
  auto [uniq, inv, cnt] = unique(reshape(indices, {-1}));
  Tensor rows = index_select(weight, 0, uniq);
  Tensor norms = vector_norm(rows, norm_type, {1}, true);
  Tensor scale = where(gt(norms, S(max_norm)), div(S(max_norm), add(norms, S(1e-7))), ones_like(norms));
  Tensor updated = index_copy(weight, 0, uniq, mul(rows, scale));
  copy_(weight, updated);
  return weight;
}

// ---------------------------------------------------------------- QR
std::pair<Tensor, Tensor> householder_qr(const Tensor& a_in) {
  EMBER_CHECK(a_in.dim() == 2 && a_in.size(0) >= a_in.size(1), "householder_qr",
              "expected a 2-D matrix with rows >= cols, got ", shape_str(a_in.sizes()));
  int64_t m = a_in.size(0), n = a_in.size(1);
  Tensor a = contiguous(to_dtype(a_in.detach(), Dtype::Float64)).clone();
  Tensor q = eye(m, m, Dtype::Float64);
  double* A = a.data_ptr<double>();
  double* Q = q.data_ptr<double>();
  std::vector<double> v(static_cast<size_t>(m));
  for (int64_t k = 0; k < n; ++k) {
    double norm = 0;
    for (int64_t i = k; i < m; ++i) norm += A[i * n + k] * A[i * n + k];
    norm = std::sqrt(norm);
    if (norm == 0) continue;
    double alpha = A[k * n + k] > 0 ? -norm : norm;
    double vnorm = 0;
    for (int64_t i = k; i < m; ++i) {
      v[i] = A[i * n + k] - (i == k ? alpha : 0.0);
      vnorm += v[i] * v[i];
    }
    if (vnorm == 0) continue;
    // A = (I - 2 v v^T / v^T v) A ; Q = Q (I - 2 v v^T / v^T v)
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[i] * A[i * n + j];
      double f = 2 * dot / vnorm;
      for (int64_t i = k; i < m; ++i) A[i * n + j] -= f * v[i];
    }
    for (int64_t r = 0; r < m; ++r) {
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += Q[r * m + i] * v[i];
      double f = 2 * dot / vnorm;
      for (int64_t i = k; i < m; ++i) Q[r * m + i] -= f * v[i];
    }
  }
  Tensor qr = contiguous(narrow(q, 1, 0, n));
  Tensor r = contiguous(narrow(a, 0, 0, n));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) r.data_ptr<double>()[i * n + j] = 0;
  return {to_dtype(qr, a_in.dtype()), to_dtype(r, a_in.dtype())};
}

}  // namespace ember
