#include "ember/optim/optimizer.h"

#include "ember/ops/ops.h"

namespace ember::optim {

Optimizer::Optimizer(TensorList params) : params_(std::move(params)) {
  EMBER_CHECK_VALUE(!params_.empty(), "optimizer", "optimizer got an empty parameter list");
  for (auto& p : params_) EMBER_CHECK_VALUE(p.is_leaf(), "optimizer", "can't optimize a non-leaf Tensor");
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& p : params_) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) p.set_grad(Tensor());
    else zero_(g);
  }
}

std::vector<size_t> Optimizer::with_grads() const {
  std::vector<size_t> idx;
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].grad().defined()) idx.push_back(i);
  return idx;
}

SGD::SGD(TensorList params, fused::SgdOptions o) : Optimizer(std::move(params)), options(o) {
  EMBER_CHECK_VALUE(o.lr >= 0, "SGD", "Invalid learning rate: ", o.lr);
  EMBER_CHECK_VALUE(o.momentum >= 0, "SGD", "Invalid momentum value: ", o.momentum);
  EMBER_CHECK_VALUE(o.weight_decay >= 0, "SGD", "Invalid weight_decay value: ", o.weight_decay);
  EMBER_CHECK_VALUE(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "SGD",
                    "Nesterov momentum requires a momentum and zero dampening");
  momentum_buffers_.resize(params_.size());
}

void SGD::step() {
  auto idx = with_grads();
  TensorList p, g, b;
  for (size_t i : idx) {
    p.push_back(params_[i]);
    g.push_back(params_[i].grad());
    b.push_back(momentum_buffers_[i]);
  }
  fused::sgd(p, g, b, options);
  for (size_t k = 0; k < idx.size(); ++k) momentum_buffers_[idx[k]] = b[k];
}

Adam::Adam(TensorList params, fused::AdamOptions o) : Optimizer(std::move(params)), options(o) {
  EMBER_CHECK_VALUE(o.lr >= 0, "Adam", "Invalid learning rate: ", o.lr);
  EMBER_CHECK_VALUE(o.eps >= 0, "Adam", "Invalid epsilon value: ", o.eps);
  EMBER_CHECK_VALUE(o.beta1 >= 0 && o.beta1 < 1, "Adam", "Invalid beta parameter at index 0: ", o.beta1);
  EMBER_CHECK_VALUE(o.beta2 >= 0 && o.beta2 < 1, "Adam", "Invalid beta parameter at index 1: ", o.beta2);
  EMBER_CHECK_VALUE(o.weight_decay >= 0, "Adam", "Invalid weight_decay value: ", o.weight_decay);
  size_t n = params_.size();
  exp_avg_.resize(n);
  exp_avg_sq_.resize(n);
  max_exp_avg_sq_.resize(n);
  steps_.assign(n, 0);
}

void Adam::step() {
  auto idx = with_grads();
  TensorList p, g, m, v, mx;
  std::vector<double> st;
  for (size_t i : idx) {
    if (!exp_avg_[i].defined()) {
      exp_avg_[i] = zeros_like(params_[i]);
      exp_avg_sq_[i] = zeros_like(params_[i]);
      if (options.amsgrad) max_exp_avg_sq_[i] = zeros_like(params_[i]);
    }
    steps_[i] += 1;
    p.push_back(params_[i]);
    g.push_back(params_[i].grad());
    m.push_back(exp_avg_[i]);
    v.push_back(exp_avg_sq_[i]);
    mx.push_back(max_exp_avg_sq_[i]);
    st.push_back(steps_[i]);
  }
  fused::adam(p, g, m, v, mx, st, options);
}

AdamW::AdamW(TensorList params, fused::AdamOptions o) : Adam(std::move(params), [&] {
  o.decoupled_weight_decay = true;
  return o;
}()) {}

}  // namespace ember::optim
