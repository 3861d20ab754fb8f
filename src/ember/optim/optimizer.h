// ember::optim for C++ users: optimizers over a list of parameters, using the
// same fused update kernels as the Python package.
//
//   optim::Adam opt(model->parameters(), {.lr = 1e-3});
//   opt.zero_grad(); loss.backward(); opt.step();
#pragma once
#include <vector>

#include "ember/optim/fused.h"

namespace ember::optim {

class Optimizer {
 public:
  explicit Optimizer(TensorList params);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  void zero_grad(bool set_to_none = true);
  const TensorList& parameters() const { return params_; }

 protected:
  // Indices of the parameters that have a gradient this step.
  std::vector<size_t> with_grads() const;
  TensorList params_;
};

class SGD : public Optimizer {
 public:
  SGD(TensorList params, fused::SgdOptions options);
  void step() override;
  fused::SgdOptions options;

 private:
  TensorList momentum_buffers_;
};

class Adam : public Optimizer {
 public:
  Adam(TensorList params, fused::AdamOptions options = {});
  void step() override;
  fused::AdamOptions options;

 private:
  TensorList exp_avg_, exp_avg_sq_, max_exp_avg_sq_;
  std::vector<double> steps_;
};

// Adam with decoupled weight decay (default 1e-2), like torch.optim.AdamW.
class AdamW : public Adam {
 public:
  AdamW(TensorList params, fused::AdamOptions options = {.weight_decay = 1e-2});
};

}  // namespace ember::optim
