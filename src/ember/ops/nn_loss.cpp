// Loss functions, as compositions of ember ops (derivatives come from the ops).
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

Tensor S(double v) { return wrap_scalar(v); }

Tensor reduce_loss(const Tensor& loss, const std::string& reduction, const char* op) {
  if (reduction == "none") return loss;
  if (reduction == "sum") return sum(loss);
  EMBER_CHECK_VALUE(reduction == "mean", op, reduction, " is not a valid value for reduction");
  return mean(loss);
}

void check_reduction(const std::string& r, const char* op) {
  EMBER_CHECK_VALUE(r == "none" || r == "mean" || r == "sum", op, r, " is not a valid value for reduction");
}

// Validates (input, target) of a classification loss; returns the class count.
int64_t check_classification(const char* op, const Tensor& input, const Tensor& target) {
  EMBER_CHECK(input.dim() >= 1, op, "input must have at least 1 dimension, got ", shape_str(input.sizes()));
  EMBER_CHECK(target.dtype() == Dtype::Int64, op, "expected scalar type Long but found ", dtype_name(target.dtype()),
              " (target of shape ", shape_str(target.sizes()), ")");
  if (input.dim() == 1) {
    EMBER_CHECK(target.dim() == 0, op, "0D or 1D target tensor expected, multi-target not supported; input ",
                shape_str(input.sizes()), ", target ", shape_str(target.sizes()));
    return input.size(0);
  }
  EMBER_CHECK_VALUE(target.dim() >= 1 && input.size(0) == target.size(0), op, "Expected input batch_size (",
                    input.size(0), ") to match target batch_size (", target.dim() ? target.size(0) : 0, ").");
  Shape expect = input.sizes();
  expect.erase(expect.begin() + 1);
  EMBER_CHECK(target.sizes() == expect, op, "expected target of shape ", shape_str(expect), " for input of shape ",
              shape_str(input.sizes()), ", got ", shape_str(target.sizes()));
  return input.size(1);
}

// Class dim last: (N, C, d...) -> (N, d..., C).
Tensor classes_last(const Tensor& x) { return x.dim() >= 2 ? movedim(x, {1}, {-1}) : x; }

}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight, const std::string& reduction,
                int64_t ignore_index) {
  check_reduction(reduction, "nll_loss");
  int64_t c = check_classification("nll_loss", log_probs, target);
  if (weight.defined())
    EMBER_CHECK(weight.dim() == 1 && weight.numel() == c, "nll_loss", "weight tensor should be defined either for all ",
                c, " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  Tensor valid = ne(target, wrap_scalar(ignore_index));
  Tensor safe = where(valid, target, zeros({}, Dtype::Int64));
  if (safe.numel() > 0) {
    Tensor bad = logical_or(lt(safe, S(0)), ge(safe, wrap_scalar(c)));
    if (any_true(bad)) {
      int64_t v = masked_select(safe, bad).reshape({-1})[0].item().to_int();
      EMBER_CHECK_INDEX(false, "nll_loss", "Target ", v, " is out of bounds. (", c, " classes; input of shape ",
                        shape_str(log_probs.sizes()), ", target of shape ", shape_str(target.sizes()), ")");
    }
  }
  Tensor lp = classes_last(log_probs);
  Tensor picked = neg(squeeze(gather(lp, -1, unsqueeze(safe, -1)), {-1}));
  Tensor w = weight.defined() ? reshape(index_select(weight, 0, reshape(safe, {-1})), safe.sizes())
                              : ones(safe.sizes(), log_probs.dtype());
  w = where(valid, w, zeros({}, w.dtype()));
  Tensor loss = mul(picked, w);
  if (reduction == "none") return loss;
  if (reduction == "sum") return sum(loss);
  return div(sum(loss), sum(w));
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight, const std::string& reduction,
                     int64_t ignore_index, double label_smoothing) {
  check_reduction(reduction, "cross_entropy");
  EMBER_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "cross_entropy",
              "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  int64_t class_dim = logits.dim() == 1 ? 0 : 1;
  Tensor lsm = log_softmax(logits, class_dim);
  int64_t c = logits.dim() >= 1 ? logits.size(class_dim) : 1;
  Shape wshape(logits.dim(), 1);
  if (logits.dim() >= 1) wshape[class_dim] = c;

  if (is_floating(target.dtype())) {
    // class probabilities as target
    EMBER_CHECK(target.sizes() == logits.sizes(), "cross_entropy", "Expected target size ", shape_str(logits.sizes()),
                ", got ", shape_str(target.sizes()));
    Tensor t = target;
    if (label_smoothing > 0) t = add(mul(t, S(1.0 - label_smoothing)), S(label_smoothing / double(c)));
    Tensor prod = mul(lsm, t);
    if (weight.defined()) prod = mul(prod, reshape(weight, wshape));
    Tensor loss = neg(sum(prod, {class_dim}));
    if (reduction == "none") return loss;
    if (reduction == "sum") return sum(loss);
    int64_t n = logits.dim() == 1 ? 1 : logits.numel() / c;
    return div(sum(loss), wrap_scalar(double(n)));
  }

  Tensor nll = nll_loss(lsm, target, weight, reduction, ignore_index);
  if (label_smoothing <= 0.0) return nll;
  Tensor valid = ne(target, wrap_scalar(ignore_index));
  Tensor smooth = weight.defined() ? neg(sum(mul(lsm, reshape(weight, wshape)), {class_dim})) : neg(sum(lsm, {class_dim}));
  smooth = where(valid, smooth, zeros({}, smooth.dtype()));
  Tensor smooth_red;
  if (reduction == "none") smooth_red = smooth;
  else if (reduction == "sum") smooth_red = sum(smooth);
  else if (weight.defined()) {
    Tensor safe = where(valid, target, zeros({}, Dtype::Int64));
    Tensor w = where(valid, reshape(index_select(weight, 0, reshape(safe, {-1})), safe.sizes()), zeros({}, weight.dtype()));
    smooth_red = div(sum(smooth), sum(w));
  } else {
    smooth_red = div(sum(smooth), sum(valid.to(smooth.dtype())));
  }
  return add(mul(nll, S(1.0 - label_smoothing)), mul(smooth_red, S(label_smoothing / double(c))));
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  check_reduction(reduction, "mse_loss");
  Tensor d = sub(input, target);
  return reduce_loss(mul(d, d), reduction, "mse_loss");
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, const std::string& reduction) {
  check_reduction(reduction, "binary_cross_entropy");
  EMBER_CHECK(input.sizes() == target.sizes(), "binary_cross_entropy", "input of shape ", shape_str(input.sizes()),
              " and target of shape ", shape_str(target.sizes()), " must have the same shape");
  if (input.numel() > 0) {
    autograd::NoGradGuard ng;
    EMBER_CHECK(!any_true(logical_or(lt(input, S(0)), gt(input, S(1)))), "binary_cross_entropy",
                "all elements of input should be between 0 and 1");
  }
  // torch clamps each log term at -100 so that log(0) stays finite
  Tensor log_x = clamp(log(input), std::optional<Scalar>(-100.0), std::nullopt);
  Tensor log_1mx = clamp(log(rsub(input, S(1))), std::optional<Scalar>(-100.0), std::nullopt);
  Tensor loss = neg(add(mul(target, log_x), mul(rsub(target, S(1)), log_1mx)));
  if (weight.defined()) loss = mul(loss, weight);
  return reduce_loss(loss, reduction, "binary_cross_entropy");
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, const std::string& reduction) {
  check_reduction(reduction, "binary_cross_entropy_with_logits");
  EMBER_CHECK_VALUE(input.sizes() == target.sizes(), "binary_cross_entropy_with_logits", "Target size (",
                    shape_str(target.sizes()), ") must be the same as input size (", shape_str(input.sizes()), ")");
  Tensor max_val = clamp(neg(input), std::optional<Scalar>(0.0), std::nullopt);
  Tensor loss;
  if (pos_weight.defined()) {
    Tensor log_weight = add(mul(sub(pos_weight, S(1)), target), S(1));
    loss = add(mul(rsub(target, S(1)), input),
               mul(log_weight, add(log1p(exp(neg(abs(input)))), max_val)));
  } else {
    loss = add(add(mul(rsub(target, S(1)), input), max_val),
               log(add(exp(neg(max_val)), exp(sub(neg(input), max_val)))));
  }
  if (weight.defined()) loss = mul(loss, weight);
  return reduce_loss(loss, reduction, "binary_cross_entropy_with_logits");
}

}  // namespace ember
