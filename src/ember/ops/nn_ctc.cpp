// Connectionist temporal classification loss: the forward-backward algorithm
// in log space, per batch element in parallel. Its gradient is computed by the
// same recurrences (not differentiable twice).
#include <cmath>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

inline double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

struct CtcProblem {
  int64_t T, N, C;
  const double* lp;          // (T, N, C) contiguous, float64
  std::vector<std::vector<int64_t>> labels;  // per batch element
  std::vector<int64_t> input_lengths;
};

}  // namespace

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Shape& input_lengths, const Shape& target_lengths,
                int64_t blank, const std::string& reduction, bool zero_infinity) {
  EMBER_CHECK_VALUE(reduction == "none" || reduction == "mean" || reduction == "sum", "ctc_loss", reduction,
                    " is not a valid value for reduction");
  bool batched = log_probs.dim() == 3;
  EMBER_CHECK(log_probs.dim() == 3 || log_probs.dim() == 2, "ctc_loss",
              "log_probs must be (T, N, C) or (T, C), got ", shape_str(log_probs.sizes()));
  Tensor lp3 = batched ? log_probs : unsqueeze(log_probs, 1);
  int64_t T = lp3.size(0), N = lp3.size(1), C = lp3.size(2);
  EMBER_CHECK(int64_t(input_lengths.size()) == N && int64_t(target_lengths.size()) == N, "ctc_loss",
              "input_lengths and target_lengths must have ", N, " entries, got ", input_lengths.size(), " and ",
              target_lengths.size());
  EMBER_CHECK(blank >= 0 && blank < C, "ctc_loss", "blank must be in label range, got ", blank, " for ", C, " classes");
  // labels per batch element: padded (N, S) or concatenated 1-D
  Tensor tg = contiguous(to_dtype(targets.detach(), Dtype::Int64));
  const int64_t* tp = tg.data_ptr<int64_t>();
  CtcProblem prob{T, N, C, nullptr, {}, {}};
  prob.labels.resize(size_t(N));
  int64_t offset = 0;
  for (int64_t b = 0; b < N; ++b) {
    int64_t L = target_lengths[b], Tin = input_lengths[b];
    EMBER_CHECK(Tin >= 0 && Tin <= T, "ctc_loss", "Expected input_lengths to have value at most ", T, ", but got value ",
                Tin);
    EMBER_CHECK(L >= 0, "ctc_loss", "target lengths must be non-negative, got ", L);
    const int64_t* src;
    if (tg.dim() == 2 && batched) {
      EMBER_CHECK(L <= tg.size(1), "ctc_loss", "Expected tensor to have size at least ", L, " at dimension 1, but got size ",
                  tg.size(1), " for targets (while checking arguments for ctc_loss_cpu)");
      src = tp + b * tg.size(1);
    } else {
      EMBER_CHECK(offset + L <= tg.numel(), "ctc_loss", "targets has ", tg.numel(), " labels but target_lengths sum to more");
      src = tp + offset;
      offset += L;
    }
    prob.labels[b].assign(src, src + L);
    // a label equal to blank is accepted, as torch does (it is then an ordinary symbol of the target)
    for (int64_t l : prob.labels[b])
      EMBER_CHECK_INDEX(l >= 0 && l < C, "ctc_loss", "target label ", l, " is out of range for ", C, " classes");
    prob.input_lengths.push_back(Tin);
  }
  Tensor lpd = contiguous(to_dtype(lp3.detach(), Dtype::Float64));
  prob.lp = lpd.data_ptr<double>();

  Tensor nll = empty({N}, Dtype::Float64);
  Tensor grad = zeros({T, N, C}, Dtype::Float64);  // d nll_b / d log_probs, torch's convention
  double* nllp = nll.data_ptr<double>();
  double* gp = grad.data_ptr<double>();
  parallel_for(0, N, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const auto& lab = prob.labels[b];
      int64_t L = int64_t(lab.size()), S = 2 * L + 1, Tb = prob.input_lengths[b];
      auto lp = [&](int64_t t, int64_t c) { return prob.lp[(t * N + b) * C + c]; };
      auto ext = [&](int64_t s) { return s % 2 == 0 ? blank : lab[s / 2]; };
      if (Tb == 0) {
        nllp[b] = L == 0 ? 0.0 : std::numeric_limits<double>::infinity();
        continue;
      }
      std::vector<double> alpha(size_t(Tb * S), kNegInf), beta(size_t(Tb * S), kNegInf);
      alpha[0] = lp(0, blank);
      if (S > 1) alpha[1] = lp(0, ext(1));
      for (int64_t t = 1; t < Tb; ++t) {
        for (int64_t s = 0; s < S; ++s) {
          double a = alpha[(t - 1) * S + s];
          if (s > 0) a = log_add(a, alpha[(t - 1) * S + s - 1]);
          // skip a symbol when the one two back differs (torch's rule; even positions are all blank)
          if (s > 1 && ext(s) != ext(s - 2)) a = log_add(a, alpha[(t - 1) * S + s - 2]);
          alpha[t * S + s] = a == kNegInf ? kNegInf : a + lp(t, ext(s));
        }
      }
      double ll = alpha[(Tb - 1) * S + S - 1];
      if (S > 1) ll = log_add(ll, alpha[(Tb - 1) * S + S - 2]);
      nllp[b] = -ll;
      // beta (including the emission at t, like alpha)
      beta[(Tb - 1) * S + S - 1] = lp(Tb - 1, ext(S - 1));
      if (S > 1) beta[(Tb - 1) * S + S - 2] = lp(Tb - 1, ext(S - 2));
      for (int64_t t = Tb - 2; t >= 0; --t) {
        for (int64_t s = 0; s < S; ++s) {
          double v = beta[(t + 1) * S + s];
          if (s + 1 < S) v = log_add(v, beta[(t + 1) * S + s + 1]);
          if (s + 2 < S && ext(s) != ext(s + 2)) v = log_add(v, beta[(t + 1) * S + s + 2]);
          beta[t * S + s] = v == kNegInf ? kNegInf : v + lp(t, ext(s));
        }
      }
      if (!std::isfinite(ll)) continue;  // gradient handled by zero_infinity below (or stays nan-free zeros)
      std::vector<double> lcab(static_cast<size_t>(C));
      for (int64_t t = 0; t < Tb; ++t) {
        std::fill(lcab.begin(), lcab.end(), kNegInf);
        for (int64_t s = 0; s < S; ++s) lcab[ext(s)] = log_add(lcab[ext(s)], alpha[t * S + s] + beta[t * S + s]);
        for (int64_t c = 0; c < C; ++c) {
          double l = lp(t, c);
          gp[(t * N + b) * C + c] = std::exp(l) - std::exp(lcab[c] + nllp[b] - l);
        }
      }
    }
  });
  if (zero_infinity) {
    for (int64_t b = 0; b < N; ++b) {
      if (std::isinf(nllp[b])) {
        nllp[b] = 0.0;
        for (int64_t t = 0; t < T; ++t)
          for (int64_t c = 0; c < C; ++c) gp[(t * N + b) * C + c] = 0.0;
      }
    }
  }
  Tensor loss = to_dtype(nll, log_probs.dtype());
  if (autograd::needs_grad(log_probs)) {
    Tensor g_saved = to_dtype(grad, log_probs.dtype());
    bool was_batched = batched;
    autograd::record("CtcLossBackward0", {log_probs}, loss, [g_saved, was_batched](const Tensor& g) -> TensorList {
      EMBER_CHECK(!autograd::grad_enabled(), "ctc_loss", "double backward of ctc_loss is not supported yet");
      Tensor r = mul(g_saved, reshape(g, {1, -1, 1}));
      return {was_batched ? r : squeeze(r, {1})};
    });
  }
  if (reduction == "none") return batched ? loss : squeeze(loss, {0});
  if (reduction == "sum") return sum(loss);
  // mean: each loss divided by its target length (at least 1), then averaged over the batch
  Tensor lens = empty({N}, Dtype::Float64);
  double* lensp = lens.data_ptr<double>();
  for (int64_t b = 0; b < N; ++b) lensp[b] = double(std::max<int64_t>(1, target_lengths[b]));
  return mean(div(loss, to_dtype(lens, loss.dtype())));
}

}  // namespace ember
