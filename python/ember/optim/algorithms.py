"""The optimizers. Each step gathers one parameter group's tensors and makes a single fused C++ call
(ember/optim/fused.cpp) that updates every parameter and its state in one pass."""
from .. import _C
from .optimizer import Optimizer, _check_common, _step_tensor, required


def _with_grads(group):
    return [p for p in group["params"] if p.grad is not None]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""

    def __init__(self, params, lr=required, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                bufs = [self.state[p].get("momentum_buffer") for p in params]
                _C._fused_sgd(params, [p.grad for p in params], bufs, lr=group["lr"], momentum=group["momentum"],
                              dampening=group["dampening"], weight_decay=group["weight_decay"],
                              nesterov=group["nesterov"], maximize=group["maximize"])
                # torch records the buffer (None without momentum) for every parameter stepped
                for p, b in zip(params, bufs):
                    self.state[p]["momentum_buffer"] = b if group["momentum"] != 0 else None
        return self._run_step(closure, update)


class Adam(Optimizer):
    """Adam (Kingma & Ba), with amsgrad and maximize; AdamW is the decoupled-weight-decay variant."""

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=False):
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused)
        Optimizer.__init__(self, params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                amsgrad = group["amsgrad"]
                exp_avgs, exp_avg_sqs, max_sqs, steps = [], [], [], []
                for p in params:
                    st = self.state[p]
                    if len(st) == 0:
                        st["step"] = _step_tensor()
                        st["exp_avg"] = _C.zeros_like(p)
                        st["exp_avg_sq"] = _C.zeros_like(p)
                        if amsgrad:
                            st["max_exp_avg_sq"] = _C.zeros_like(p)
                    st["step"].add_(1)
                    steps.append(float(st["step"]))
                    exp_avgs.append(st["exp_avg"])
                    exp_avg_sqs.append(st["exp_avg_sq"])
                    max_sqs.append(st.get("max_exp_avg_sq"))
                beta1, beta2 = group["betas"]
                _C._fused_adam(params, [p.grad for p in params], exp_avgs, exp_avg_sqs, max_sqs, steps,
                               lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                               weight_decay=group["weight_decay"], amsgrad=amsgrad, maximize=group["maximize"],
                               decoupled_weight_decay=self._decoupled)
        return self._run_step(closure, update)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter); torch 1.13's signature and defaults."""
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False):
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, foreach=foreach,
                        maximize=maximize, capturable=capturable)
        Optimizer.__init__(self, params, defaults)


class RMSprop(Optimizer):
    """RMSprop: divides each gradient by a running root mean square of recent gradients.

    params: an iterable of tensors or of dicts (parameter groups with their own options).
    Defaults: lr=1e-2, alpha=0.99 (smoothing), eps=1e-8, weight_decay=0, momentum=0,
    centered=False (True normalises by the variance estimate instead), maximize=False.
    foreach and differentiable are accepted; every step is one fused C++ update.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 foreach=None, maximize=False, differentiable=False):
        _check_common(lr, eps)
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_common(lr, weight_decay=weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                sq, ga, bufs = [], [], []
                for p in params:
                    st = self.state[p]
                    if len(st) == 0:
                        st["step"] = 0
                        st["square_avg"] = _C.zeros_like(p)
                        if group["momentum"] > 0:
                            st["momentum_buffer"] = _C.zeros_like(p)
                        if group["centered"]:
                            st["grad_avg"] = _C.zeros_like(p)
                    st["step"] += 1
                    sq.append(st["square_avg"])
                    ga.append(st.get("grad_avg"))
                    bufs.append(st.get("momentum_buffer"))
                _C._fused_rmsprop(params, [p.grad for p in params], sq, ga, bufs, lr=group["lr"], alpha=group["alpha"],
                                  eps=group["eps"], weight_decay=group["weight_decay"], momentum=group["momentum"],
                                  centered=group["centered"], maximize=group["maximize"])
        return self._run_step(closure, update)


class Adagrad(Optimizer):
    """Adagrad: per-element learning rates scaled by the root of the summed squared gradients.

    params: an iterable of tensors or of dicts (parameter groups with their own options).
    Defaults: lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    maximize=False (keyword-only). foreach is accepted; each step is one fused C++ update.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False):
        _check_common(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        _check_common(lr, weight_decay=weight_decay)
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        _check_common(lr, eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                st["step"] = _step_tensor()
                st["sum"] = _C.full_like(p, initial_accumulator_value)

    def share_memory(self):
        pass

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                sums, steps = [], []
                for p in params:
                    st = self.state[p]
                    st["step"].add_(1)
                    steps.append(float(st["step"]))
                    sums.append(st["sum"])
                _C._fused_adagrad(params, [p.grad for p in params], sums, steps, lr=group["lr"],
                                  lr_decay=group["lr_decay"], weight_decay=group["weight_decay"], eps=group["eps"],
                                  maximize=group["maximize"])
        return self._run_step(closure, update)


class Adadelta(Optimizer):
    """Adadelta: an adaptive step from running averages of squared gradients and squared updates.

    params: an iterable of tensors or of dicts (parameter groups with their own options).
    Defaults: lr=1.0 (scales the computed update), rho=0.9, eps=1e-6, weight_decay=0,
    maximize=False (keyword-only). foreach is accepted; each step is one fused C++ update.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, maximize=False):
        _check_common(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_common(lr, eps, weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach)
        super().__init__(params, defaults)

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                sq, acc = [], []
                for p in params:
                    st = self.state[p]
                    if len(st) == 0:
                        st["step"] = 0
                        st["square_avg"] = _C.zeros_like(p)
                        st["acc_delta"] = _C.zeros_like(p)
                    st["step"] += 1
                    sq.append(st["square_avg"])
                    acc.append(st["acc_delta"])
                _C._fused_adadelta(params, [p.grad for p in params], sq, acc, lr=group["lr"], rho=group["rho"],
                                   eps=group["eps"], weight_decay=group["weight_decay"], maximize=group["maximize"])
        return self._run_step(closure, update)


class Adamax(Optimizer):
    """Adamax: the Adam variant whose second moment is an exponentially weighted infinity norm.

    params: an iterable of tensors or of dicts (parameter groups with their own options).
    Defaults: lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False
    (keyword-only). foreach is accepted; each step is one fused C++ update.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False):
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                ms, us, steps = [], [], []
                for p in params:
                    st = self.state[p]
                    if len(st) == 0:
                        st["step"] = _step_tensor()
                        st["exp_avg"] = _C.zeros_like(p)
                        st["exp_inf"] = _C.zeros_like(p)
                    st["step"].add_(1)
                    steps.append(float(st["step"]))
                    ms.append(st["exp_avg"])
                    us.append(st["exp_inf"])
                beta1, beta2 = group["betas"]
                _C._fused_adamax(params, [p.grad for p in params], ms, us, steps, lr=group["lr"], beta1=beta1,
                                 beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                                 maximize=group["maximize"])
        return self._run_step(closure, update)


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum (Dozat, 2016), with the momentum-decay schedule.

    params: an iterable of tensors or of dicts (parameter groups with their own options).
    Defaults: lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3.
    foreach is accepted; each step is one fused C++ update. No maximize option (as in torch 1.13).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 foreach=None):
        _check_common(lr, eps, weight_decay, betas)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        foreach=foreach)
        super().__init__(params, defaults)

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                ms, vs, mus, steps = [], [], [], []
                for p in params:
                    st = self.state[p]
                    if len(st) == 0:
                        st["step"] = _step_tensor()
                        st["mu_product"] = _C.tensor(1.0)
                        st["exp_avg"] = _C.zeros_like(p)
                        st["exp_avg_sq"] = _C.zeros_like(p)
                    st["step"].add_(1)
                    steps.append(float(st["step"]))
                    mus.append(float(st["mu_product"]))
                    ms.append(st["exp_avg"])
                    vs.append(st["exp_avg_sq"])
                beta1, beta2 = group["betas"]
                _C._fused_nadam(params, [p.grad for p in params], ms, vs, mus, steps, lr=group["lr"], beta1=beta1,
                                beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                                momentum_decay=group["momentum_decay"])
                for p, mu in zip(params, mus):
                    self.state[p]["mu_product"].fill_(mu)
        return self._run_step(closure, update)


class RAdam(Optimizer):
    """RAdam: Adam with a rectified variance estimate, plain momentum SGD in the first steps.

    params: an iterable of tensors or of dicts (parameter groups with their own options).
    Defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0. foreach is accepted;
    each step is one fused C++ update. No maximize option (as in torch 1.13).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None):
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach)
        super().__init__(params, defaults)

    def step(self, closure=None):
        def update():
            for group in self.param_groups:
                params = _with_grads(group)
                if not params:
                    continue
                ms, vs, steps = [], [], []
                for p in params:
                    st = self.state[p]
                    if len(st) == 0:
                        st["step"] = _step_tensor()
                        st["exp_avg"] = _C.zeros_like(p)
                        st["exp_avg_sq"] = _C.zeros_like(p)
                    st["step"].add_(1)
                    steps.append(float(st["step"]))
                    ms.append(st["exp_avg"])
                    vs.append(st["exp_avg_sq"])
                beta1, beta2 = group["betas"]
                _C._fused_radam(params, [p.grad for p in params], ms, vs, steps, lr=group["lr"], beta1=beta1,
                                beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"])
        return self._run_step(closure, update)
