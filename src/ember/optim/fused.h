// Optimizer updates as fused kernels: one pass over each parameter's elements
// updates the parameter and its state together. Used by ember.optim (Python)
// and ember::optim (C++). The arithmetic follows torch's per-op sequence so
// trajectories match. Gradients must be defined; tensors of one parameter share
// its shape; states are updated in place.
#pragma once
#include <vector>

#include "ember/core/tensor.h"

namespace ember::optim::fused {

struct SgdOptions {
  double lr, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
};
// momentum_buffers[i] undefined on the first step: it is created (clone of the gradient) and returned in place.
void sgd(const TensorList& params, const TensorList& grads, TensorList& momentum_buffers, const SgdOptions& o);

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool amsgrad = false, maximize = false, decoupled_weight_decay = false;  // decoupled: AdamW
};
// steps: the step count of each parameter after this step (1 on the first step).
void adam(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
          const TensorList& max_exp_avg_sqs, const std::vector<double>& steps, const AdamOptions& o);

struct RmspropOptions {
  double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;
};
void rmsprop(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
             const TensorList& grad_avgs, const TensorList& momentum_buffers, const RmspropOptions& o);

struct AdagradOptions {
  double lr = 1e-2, lr_decay = 0, weight_decay = 0, eps = 1e-10;
  bool maximize = false;
};
void adagrad(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
             const std::vector<double>& steps, const AdagradOptions& o);

struct AdadeltaOptions {
  double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0;
  bool maximize = false;
};
void adadelta(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
              const TensorList& acc_deltas, const AdadeltaOptions& o);

struct AdamaxOptions {
  double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool maximize = false;
};
void adamax(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_infs,
            const std::vector<double>& steps, const AdamaxOptions& o);

struct NadamOptions {
  double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0, momentum_decay = 4e-3;
};
// mu_products: running product of the momentum schedule per parameter (updated here).
void nadam(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
           std::vector<double>& mu_products, const std::vector<double>& steps, const NadamOptions& o);

struct RadamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};
void radam(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
           const std::vector<double>& steps, const RadamOptions& o);

}  // namespace ember::optim::fused
