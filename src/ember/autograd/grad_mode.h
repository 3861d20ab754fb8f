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

struct EnableGradGuard : GradModeGuard {
  EnableGradGuard() : GradModeGuard(true) {}
};

// Like torch.inference_mode(mode): entering with mode=true turns grad off,
// entering with mode=false turns it back on; leaving restores both.
struct InferenceModeGuard {
  explicit InferenceModeGuard(bool on = true) : prev_grad_(grad_enabled()), prev_inf_(inference_mode_enabled()) {
    set_inference_mode(on);
    set_grad_enabled(!on);
  }
  ~InferenceModeGuard() {
    set_inference_mode(prev_inf_);
    set_grad_enabled(prev_grad_);
  }
  InferenceModeGuard(const InferenceModeGuard&) = delete;
  InferenceModeGuard& operator=(const InferenceModeGuard&) = delete;

 private:
  bool prev_grad_, prev_inf_;
};

}  // namespace ember::autograd
