// Whether ops record the graph, per thread. RAII guards mirror torch's context managers.
#pragma once

namespace ember::autograd {

bool grad_enabled();
void set_grad_enabled(bool on);
bool inference_mode_enabled();
void set_inference_mode(bool on);
bool anomaly_enabled();
void set_anomaly_enabled(bool on, bool check_nan = true);
bool anomaly_check_nan();

struct GradModeGuard {
  explicit GradModeGuard(bool on) : prev_(grad_enabled()) { set_grad_enabled(on); }
  ~GradModeGuard() { set_grad_enabled(prev_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};

struct NoGradGuard : GradModeGuard {
  NoGradGuard() : GradModeGuard(false) {}
};

struct InferenceModeGuard {
  explicit InferenceModeGuard(bool on = true) : prev_grad_(grad_enabled()), prev_inf_(inference_mode_enabled()) {
    set_inference_mode(on);
    if (on) set_grad_enabled(false);
  }
  ~InferenceModeGuard() {
    set_inference_mode(prev_inf_);
    set_grad_enabled(prev_grad_);
  }

 private:
  bool prev_grad_, prev_inf_;
};

}  // namespace ember::autograd
