#include "ember/optim/fused.h"

#include <cmath>

#include "ember/core/parallel.h"
#include "ember/ops/ops.h"

namespace ember::optim::fused {

namespace {

void check_list(const char* op, const TensorList& params, const TensorList& other, const char* what) {
  EMBER_CHECK(other.size() == params.size(), op, "expected ", params.size(), " ", what, ", got ", other.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (!other[i].defined()) continue;
    EMBER_CHECK(other[i].sizes() == params[i].sizes(), op, what, " ", i, " has shape ", shape_str(other[i].sizes()),
                " but the parameter has shape ", shape_str(params[i].sizes()));
    EMBER_CHECK(other[i].dtype() == params[i].dtype(), op, what, " ", i, " has dtype ", dtype_name(other[i].dtype()),
                " but the parameter has dtype ", dtype_name(params[i].dtype()));
  }
}

// Runs f(ptrs..., begin, end) over the elements of parameter i. Non-contiguous
// tensors, and float16/bfloat16 ones (computed in float32), are updated through
// contiguous copies written back (and rounded) afterwards.
template <class T, class F> void for_elements(std::initializer_list<Tensor> ts, F f) {
  std::vector<Tensor> work;
  std::vector<bool> copied;
  for (const Tensor& t : ts) {
    if (!t.defined()) { work.emplace_back(); copied.push_back(false); continue; }
    bool direct = t.is_contiguous() && t.dtype() == dtype_of<T>;
    work.push_back(direct ? t : contiguous(to_dtype(t.detach(), dtype_of<T>, /*copy=*/true)));
    copied.push_back(!direct);
  }
  std::vector<T*> p;
  for (auto& w : work) p.push_back(w.defined() ? w.template data_ptr<T>() : nullptr);
  int64_t n = ts.begin()->numel();
  parallel_for(0, n, kGrainElementwise, [&](int64_t b, int64_t e) { f(p, b, e); });
  size_t k = 0;
  for (const Tensor& t : ts) {
    if (copied[k]) { Tensor dst = t; copy_(dst, work[k]); }
    ++k;
  }
}

template <class F> void dispatch(const char* op, Dtype d, F f) {
  if (d == Dtype::Float32 || d == Dtype::Float16 || d == Dtype::BFloat16) f(TypeTag<float>{});
  else if (d == Dtype::Float64) f(TypeTag<double>{});
  else EMBER_NOT_SUPPORTED(op, "optimizer updates for ", dtype_name(d), " parameters are not supported yet");
}

}  // namespace

void sgd(const TensorList& params, const TensorList& grads, TensorList& bufs, const SgdOptions& o) {
  check_list("sgd", params, grads, "gradients");
  bufs.resize(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    bool first = o.momentum != 0 && !bufs[i].defined();
    if (first) bufs[i] = empty(p.sizes(), p.dtype());
    dispatch("sgd", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T lr = T(o.lr), mom = T(o.momentum), damp = T(1 - o.dampening), wd = T(o.weight_decay);
      for_elements<T>({p, grads[i], o.momentum != 0 ? bufs[i] : Tensor()}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *bb = x[2];
        for (int64_t k = b; k < e; ++k) {
          T g = o.maximize ? -gg[k] : gg[k];
          if (o.weight_decay != 0) g = g + wd * pp[k];
          if (o.momentum != 0) {
            bb[k] = first ? g : bb[k] * mom + damp * g;
            g = o.nesterov ? g + mom * bb[k] : bb[k];
          }
          pp[k] = pp[k] + (-lr) * g;
        }
      });
    });
    p.bump_version();
  }
}

void adam(const TensorList& params, const TensorList& grads, const TensorList& m, const TensorList& v,
          const TensorList& vmax, const std::vector<double>& steps, const AdamOptions& o) {
  check_list("adam", params, grads, "gradients");
  check_list("adam", params, m, "exp_avgs");
  check_list("adam", params, v, "exp_avg_sqs");
  if (o.amsgrad) check_list("adam", params, vmax, "max_exp_avg_sqs");
  EMBER_CHECK(steps.size() == params.size(), "adam", "expected one step count per parameter");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    double step = steps[i];
    double bc1 = 1 - std::pow(o.beta1, step), bc2 = 1 - std::pow(o.beta2, step);
    double step_size = o.lr / bc1, bc2_sqrt = std::sqrt(bc2);
    dispatch("adam", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T b1 = T(o.beta1), b2 = T(o.beta2), omb1 = T(1 - o.beta1), omb2 = T(1 - o.beta2), eps = T(o.eps);
      const T wd = T(o.weight_decay), decay = T(1 - o.lr * o.weight_decay), ss = T(-step_size), bcs = T(bc2_sqrt);
      for_elements<T>({p, grads[i], m[i], v[i], o.amsgrad ? vmax[i] : Tensor()}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *mm = x[2], *vv = x[3], *mx = x[4];
        for (int64_t k = b; k < e; ++k) {
          T g = o.maximize ? -gg[k] : gg[k];
          if (o.weight_decay != 0) {
            if (o.decoupled_weight_decay) pp[k] = pp[k] * decay;
            else g = g + wd * pp[k];
          }
          mm[k] = mm[k] * b1 + omb1 * g;
          vv[k] = vv[k] * b2 + omb2 * g * g;
          T sq;
          if (o.amsgrad) {
            mx[k] = mx[k] > vv[k] ? mx[k] : vv[k];
            sq = std::sqrt(mx[k]);
          } else {
            sq = std::sqrt(vv[k]);
          }
          T denom = sq / bcs + eps;
          pp[k] = pp[k] + ss * (mm[k] / denom);
        }
      });
    });
    p.bump_version();
  }
}

void rmsprop(const TensorList& params, const TensorList& grads, const TensorList& sq, const TensorList& ga,
             const TensorList& bufs, const RmspropOptions& o) {
  check_list("rmsprop", params, grads, "gradients");
  check_list("rmsprop", params, sq, "square_avgs");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    dispatch("rmsprop", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T a = T(o.alpha), oma = T(1 - o.alpha), eps = T(o.eps), wd = T(o.weight_decay), mom = T(o.momentum), lr = T(o.lr);
      for_elements<T>({p, grads[i], sq[i], o.centered ? ga[i] : Tensor(), o.momentum > 0 ? bufs[i] : Tensor()},
                      [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *s = x[2], *av = x[3], *bb = x[4];
        for (int64_t k = b; k < e; ++k) {
          T g = o.maximize ? -gg[k] : gg[k];
          if (o.weight_decay != 0) g = g + wd * pp[k];
          s[k] = s[k] * a + oma * g * g;
          T avg;
          if (o.centered) {
            av[k] = av[k] * a + oma * g;
            avg = std::sqrt(s[k] + T(-1) * av[k] * av[k]) + eps;
          } else {
            avg = std::sqrt(s[k]) + eps;
          }
          if (o.momentum > 0) {
            bb[k] = bb[k] * mom + g / avg;
            pp[k] = pp[k] + (-lr) * bb[k];
          } else {
            pp[k] = pp[k] + (-lr) * (g / avg);
          }
        }
      });
    });
    p.bump_version();
  }
}

void adagrad(const TensorList& params, const TensorList& grads, const TensorList& sums, const std::vector<double>& steps,
             const AdagradOptions& o) {
  check_list("adagrad", params, grads, "gradients");
  check_list("adagrad", params, sums, "state_sums");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    double clr = o.lr / (1 + (steps[i] - 1) * o.lr_decay);
    dispatch("adagrad", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T wd = T(o.weight_decay), eps = T(o.eps), nclr = T(-clr);
      for_elements<T>({p, grads[i], sums[i]}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *s = x[2];
        for (int64_t k = b; k < e; ++k) {
          T g = o.maximize ? -gg[k] : gg[k];
          if (o.weight_decay != 0) g = g + wd * pp[k];
          s[k] = s[k] + g * g;
          T std_ = std::sqrt(s[k]) + eps;
          pp[k] = pp[k] + nclr * (g / std_);
        }
      });
    });
    p.bump_version();
  }
}

void adadelta(const TensorList& params, const TensorList& grads, const TensorList& sq, const TensorList& acc,
              const AdadeltaOptions& o) {
  check_list("adadelta", params, grads, "gradients");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    dispatch("adadelta", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T rho = T(o.rho), omr = T(1 - o.rho), eps = T(o.eps), wd = T(o.weight_decay), lr = T(o.lr);
      for_elements<T>({p, grads[i], sq[i], acc[i]}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *s = x[2], *a = x[3];
        for (int64_t k = b; k < e; ++k) {
          T g = o.maximize ? -gg[k] : gg[k];
          if (o.weight_decay != 0) g = g + wd * pp[k];
          s[k] = s[k] * rho + omr * g * g;
          T std_ = std::sqrt(s[k] + eps);
          T delta = std::sqrt(a[k] + eps) / std_ * g;
          a[k] = a[k] * rho + omr * delta * delta;
          pp[k] = pp[k] + (-lr) * delta;
        }
      });
    });
    p.bump_version();
  }
}

void adamax(const TensorList& params, const TensorList& grads, const TensorList& m, const TensorList& u,
            const std::vector<double>& steps, const AdamaxOptions& o) {
  check_list("adamax", params, grads, "gradients");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    double clr = o.lr / (1 - std::pow(o.beta1, steps[i]));
    dispatch("adamax", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T b1 = T(o.beta1), b2 = T(o.beta2), omb1 = T(1 - o.beta1), eps = T(o.eps), wd = T(o.weight_decay), nclr = T(-clr);
      for_elements<T>({p, grads[i], m[i], u[i]}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *mm = x[2], *uu = x[3];
        for (int64_t k = b; k < e; ++k) {
          T g = o.maximize ? -gg[k] : gg[k];
          if (o.weight_decay != 0) g = g + wd * pp[k];
          mm[k] = mm[k] * b1 + omb1 * g;
          T a = uu[k] * b2, c = std::abs(g) + eps;
          uu[k] = (a != a || c != c) ? a + c : (a > c ? a : c);
          pp[k] = pp[k] + nclr * (mm[k] / uu[k]);
        }
      });
    });
    p.bump_version();
  }
}

void nadam(const TensorList& params, const TensorList& grads, const TensorList& m, const TensorList& v,
           std::vector<double>& mu_products, const std::vector<double>& steps, const NadamOptions& o) {
  check_list("nadam", params, grads, "gradients");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    double step = steps[i];
    double bc2 = 1 - std::pow(o.beta2, step);
    double mu = o.beta1 * (1. - 0.5 * std::pow(0.96, step * o.momentum_decay));
    double mu_next = o.beta1 * (1. - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay));
    // torch keeps mu_product in a float32 tensor, so the running product is rounded to
    // float32 at every multiplication; torch 1.13 also multiplies mu in twice for the
    // next product (mu_product * mu * mu_next). Both are reproduced so trajectories match.
    float mu_prod_f = float(mu_products[i]) * float(mu);
    float mu_prod_next_f = (mu_prod_f * float(mu)) * float(mu_next);
    mu_products[i] = mu_prod_f;
    double mu_prod = mu_prod_f, mu_prod_next = mu_prod_next_f;
    dispatch("nadam", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T b1 = T(o.beta1), b2 = T(o.beta2), omb1 = T(1 - o.beta1), omb2 = T(1 - o.beta2), eps = T(o.eps);
      const T wd = T(o.weight_decay), bc2t = T(bc2);
      const T c1 = T(-o.lr * (1. - mu) / (1. - mu_prod)), c2 = T((-o.lr * mu_next) / (1. - mu_prod_next));
      for_elements<T>({p, grads[i], m[i], v[i]}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *mm = x[2], *vv = x[3];
        for (int64_t k = b; k < e; ++k) {
          T g = gg[k];
          if (o.weight_decay != 0) g = g + wd * pp[k];
          mm[k] = mm[k] * b1 + omb1 * g;
          vv[k] = vv[k] * b2 + omb2 * g * g;
          T denom = std::sqrt(vv[k] / bc2t) + eps;
          pp[k] = pp[k] + c1 * (g / denom);
          pp[k] = pp[k] + c2 * (mm[k] / denom);
        }
      });
    });
    p.bump_version();
  }
}

void radam(const TensorList& params, const TensorList& grads, const TensorList& m, const TensorList& v,
           const std::vector<double>& steps, const RadamOptions& o) {
  check_list("radam", params, grads, "gradients");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    double step = steps[i];
    double bc1 = 1 - std::pow(o.beta1, step), bc2 = 1 - std::pow(o.beta2, step);
    double rho_inf = 2 / (1 - o.beta2) - 1;
    double rho_t = rho_inf - 2 * step * std::pow(o.beta2, step) / bc2;
    bool rect_on = rho_t > 5.;
    double rect = rect_on ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0;
    dispatch("radam", p.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T b1 = T(o.beta1), b2 = T(o.beta2), omb1 = T(1 - o.beta1), omb2 = T(1 - o.beta2), eps = T(o.eps);
      const T wd = T(o.weight_decay), bc1t = T(bc1), lr = T(o.lr), bc2s = T(std::sqrt(bc2)), rectt = T(rect);
      for_elements<T>({p, grads[i], m[i], v[i]}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        T *pp = x[0], *gg = x[1], *mm = x[2], *vv = x[3];
        for (int64_t k = b; k < e; ++k) {
          T g = gg[k];
          if (o.weight_decay != 0) g = g + wd * pp[k];
          mm[k] = mm[k] * b1 + omb1 * g;
          vv[k] = vv[k] * b2 + omb2 * g * g;
          T corrected = mm[k] / bc1t;
          if (rect_on) {
            T adaptive = bc2s / (std::sqrt(vv[k]) + eps);
            pp[k] = pp[k] + T(-1) * (corrected * lr * adaptive * rectt);
          } else {
            pp[k] = pp[k] + T(-1) * (corrected * lr);
          }
        }
      });
    });
    p.bump_version();
  }
}

}  // namespace ember::optim::fused
