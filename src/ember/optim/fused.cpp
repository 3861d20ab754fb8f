#include "ember/optim/fused.h"

#include <cmath>
#include <type_traits>

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

// The loops below have no branches on the data path: every element is loaded up front,
// maximize and L2 weight decay are compile-time flags (or selects), and an optional state
// tensor (amsgrad's max, rmsprop's centered average and momentum) picks its own loop with
// `if constexpr`; a conditional load or store keeps a loop from vectorizing. The arithmetic
// per element is what it was, so results are unchanged bit for bit.
template <class F> void with_flag(bool on, F&& f) {
  if (on) f(std::true_type{});
  else f(std::false_type{});
}
// The two options every update has: maximize (negate the gradient) and L2 weight decay.
template <class F> void with_grad_flags(bool maximize, bool l2, F&& f) {
  with_flag(maximize, [&](auto mx) { with_flag(l2, [&](auto wd) { f(mx, wd); }); });
}
// The gradient as the update sees it.
template <class T, class Max, class L2> inline T effective_grad(T g, T p, T wd, Max, L2) {
  if constexpr (Max::value) g = -g;
  if constexpr (L2::value) g = g + wd * p;
  return g;
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

// One Adam/AdamW update over n contiguous elements. A function of its own, with the options as
// compile-time flags and every operand a local: GCC vectorizes it (inside the caller's lambdas
// it did not).
template <class T> struct AdamScalars {
  T b1, b2, omb1, omb2, eps, wd, decay, ss, bcs;
};
template <class T, class Max, class L2, class Decoupled, class Ams>
void adam_run(T* __restrict p, const T* __restrict gr, T* __restrict m, T* __restrict v, T* __restrict vmax, int64_t n,
              const AdamScalars<T> c) {
  for (int64_t k = 0; k < n; ++k) {
    T pk = p[k];
    if constexpr (Decoupled::value) pk = pk * c.decay;
    const T g = effective_grad(gr[k], pk, c.wd, Max{}, L2{});
    const T mk = m[k] * c.b1 + c.omb1 * g;
    const T vk = v[k] * c.b2 + c.omb2 * g * g;
    m[k] = mk;
    v[k] = vk;
    T vhat = vk;
    if constexpr (Ams::value) {
      vhat = vmax[k] > vk ? vmax[k] : vk;
      vmax[k] = vhat;
    }
    const T denom = std::sqrt(vhat) / c.bcs + c.eps;
    p[k] = pk + c.ss * (mk / denom);
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
      const AdamScalars<T> c{b1, b2, omb1, omb2, eps, wd, decay, ss, bcs};
      const bool decoupled = o.weight_decay != 0 && o.decoupled_weight_decay;
      for_elements<T>({p, grads[i], m[i], v[i], o.amsgrad ? vmax[i] : Tensor()}, [&](std::vector<T*>& x, int64_t b, int64_t e) {
        with_grad_flags(o.maximize, o.weight_decay != 0 && !decoupled, [&](auto maximize, auto l2) {
          with_flag(decoupled, [&](auto dec) {
            with_flag(o.amsgrad, [&](auto ams) {
              adam_run<T, decltype(maximize), decltype(l2), decltype(dec), decltype(ams)>(
                  x[0] + b, x[1] + b, x[2] + b, x[3] + b, x[4] ? x[4] + b : nullptr, e - b, c);
            });
          });
        });
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
        T* __restrict pp = x[0];
        T* __restrict gg = x[1];
        T* __restrict s = x[2];
        T* __restrict av = x[3];
        T* __restrict bb = x[4];
        const bool maximize = o.maximize, l2 = o.weight_decay != 0;
        with_flag(o.centered, [&](auto centered) {
          with_flag(o.momentum > 0, [&](auto momentum) {
            for (int64_t k = b; k < e; ++k) {
              const T pk = pp[k];
              T g = maximize ? -gg[k] : gg[k];
              g = l2 ? g + wd * pk : g;
              const T sk = s[k] * a + oma * g * g;
              s[k] = sk;
              T avg;
              if constexpr (decltype(centered)::value) {
                const T ak = av[k] * a + oma * g;
                av[k] = ak;
                avg = std::sqrt(sk + T(-1) * ak * ak) + eps;
              } else {
                avg = std::sqrt(sk) + eps;
              }
              if constexpr (decltype(momentum)::value) {
                const T bk = bb[k] * mom + g / avg;
                bb[k] = bk;
                pp[k] = pk + (-lr) * bk;
              } else {
                pp[k] = pk + (-lr) * (g / avg);
              }
            }
          });
        });
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
        T* __restrict pp = x[0];
        T* __restrict gg = x[1];
        T* __restrict s = x[2];
        with_grad_flags(o.maximize, o.weight_decay != 0, [&](auto maximize, auto l2) {
          for (int64_t k = b; k < e; ++k) {
            const T pk = pp[k];
            const T g = effective_grad(gg[k], pk, wd, maximize, l2);
            const T sk = s[k] + g * g;
            s[k] = sk;
            const T std_ = std::sqrt(sk) + eps;
            pp[k] = pk + nclr * (g / std_);
          }
        });
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
        T* __restrict pp = x[0];
        T* __restrict gg = x[1];
        T* __restrict s = x[2];
        T* __restrict a = x[3];
        with_grad_flags(o.maximize, o.weight_decay != 0, [&](auto maximize, auto l2) {
          for (int64_t k = b; k < e; ++k) {
            const T pk = pp[k];
            const T g = effective_grad(gg[k], pk, wd, maximize, l2);
            const T sk = s[k] * rho + omr * g * g;
            s[k] = sk;
            const T std_ = std::sqrt(sk + eps);
            const T delta = std::sqrt(a[k] + eps) / std_ * g;
            a[k] = a[k] * rho + omr * delta * delta;
            pp[k] = pk + (-lr) * delta;
          }
        });
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
        T* __restrict pp = x[0];
        T* __restrict gg = x[1];
        T* __restrict mm = x[2];
        T* __restrict uu = x[3];
        with_grad_flags(o.maximize, o.weight_decay != 0, [&](auto maximize, auto l2) {
          for (int64_t k = b; k < e; ++k) {
            const T pk = pp[k];
            const T g = effective_grad(gg[k], pk, wd, maximize, l2);
            const T mk = mm[k] * b1 + omb1 * g;
            mm[k] = mk;
            const T a = uu[k] * b2, c = std::abs(g) + eps;
            const T uk = (a != a || c != c) ? a + c : (a > c ? a : c);  // NaN-propagating max
            uu[k] = uk;
            pp[k] = pk + nclr * (mk / uk);
          }
        });
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
        T* __restrict pp = x[0];
        T* __restrict gg = x[1];
        T* __restrict mm = x[2];
        T* __restrict vv = x[3];
        with_grad_flags(false, o.weight_decay != 0, [&](auto maximize, auto l2) {
          for (int64_t k = b; k < e; ++k) {
            const T pk = pp[k];
            const T g = effective_grad(gg[k], pk, wd, maximize, l2);
            const T mk = mm[k] * b1 + omb1 * g;
            const T vk = vv[k] * b2 + omb2 * g * g;
            mm[k] = mk;
            vv[k] = vk;
            const T denom = std::sqrt(vk / bc2t) + eps;
            const T p1 = pk + c1 * (g / denom);
            pp[k] = p1 + c2 * (mk / denom);
          }
        });
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
        T* __restrict pp = x[0];
        T* __restrict gg = x[1];
        T* __restrict mm = x[2];
        T* __restrict vv = x[3];
        const bool rect = rect_on;
        with_grad_flags(false, o.weight_decay != 0, [&](auto maximize, auto l2) {
          for (int64_t k = b; k < e; ++k) {
            const T pk = pp[k];
            const T g = effective_grad(gg[k], pk, wd, maximize, l2);
            const T mk = mm[k] * b1 + omb1 * g;
            const T vk = vv[k] * b2 + omb2 * g * g;
            mm[k] = mk;
            vv[k] = vk;
            const T corrected = mk / bc1t;
            const T adaptive = bc2s / (std::sqrt(vk) + eps);
            pp[k] = rect ? pk + T(-1) * (corrected * lr * adaptive * rectt) : pk + T(-1) * (corrected * lr);
          }
        });
      });
    });
    p.bump_version();
  }
}

}  // namespace ember::optim::fused
