"""ember.optim.lr_scheduler against torch.optim.lr_scheduler: the same learning-rate (and momentum)
sequences, get_last_lr, state_dict round trips and errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember

STEPS = 30


def make_opt(lib, kind="SGD"):
    """Two parameter groups with different learning rates, so per-group schedules are exercised."""
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))


class Scale:
    """A picklable-state callable (its __dict__ goes into LambdaLR's state_dict)."""

    def __init__(self, f):
        self.f = f

    def __call__(self, epoch):
        return self.f ** epoch


def sched_factory(lib, name, opt):
    S = lib.optim.lr_scheduler
    return {
        "StepLR": lambda: S.StepLR(opt, step_size=4, gamma=0.5),
        "MultiStepLR": lambda: S.MultiStepLR(opt, milestones=[3, 7, 7, 12], gamma=0.3),
        "ExponentialLR": lambda: S.ExponentialLR(opt, gamma=0.9),
        "CosineAnnealingLR": lambda: S.CosineAnnealingLR(opt, T_max=10, eta_min=0.001),
        "CosineAnnealingLR-noeta": lambda: S.CosineAnnealingLR(opt, T_max=7),
        "WarmRestarts": lambda: S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01),
        "WarmRestarts-1": lambda: S.CosineAnnealingWarmRestarts(opt, T_0=4),
        "OneCycle-cos": lambda: S.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=STEPS + 1),
        "OneCycle-linear": lambda: S.OneCycleLR(opt, max_lr=1.0, total_steps=STEPS + 1, anneal_strategy="linear",
                                                pct_start=0.4, div_factor=10, final_div_factor=100),
        "OneCycle-three": lambda: S.OneCycleLR(opt, max_lr=1.0, epochs=3, steps_per_epoch=11, three_phase=True),
        "OneCycle-three-linear": lambda: S.OneCycleLR(opt, max_lr=0.8, total_steps=STEPS + 2, three_phase=True,
                                                      anneal_strategy="linear", base_momentum=0.8,
                                                      max_momentum=0.9),
        "OneCycle-nomom": lambda: S.OneCycleLR(opt, max_lr=1.0, total_steps=STEPS + 1, cycle_momentum=False),
        "LambdaLR": lambda: S.LambdaLR(opt, lambda e: 0.95 ** e),
        "LambdaLR-list": lambda: S.LambdaLR(opt, [lambda e: 1 / (e + 1), Scale(0.9)]),
        "MultiplicativeLR": lambda: S.MultiplicativeLR(opt, lambda e: 0.9),
        "LinearLR": lambda: S.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=6),
        "LinearLR-default": lambda: S.LinearLR(opt),
        "ConstantLR": lambda: S.ConstantLR(opt, factor=0.5, total_iters=4),
        "PolynomialLR": lambda: S.PolynomialLR(opt, total_iters=12, power=2.0),
        "SequentialLR": lambda: S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.2, total_iters=3),
                                                     S.ExponentialLR(opt, gamma=0.8),
                                                     S.StepLR(opt, step_size=3, gamma=0.5)], milestones=[5, 12]),
        "ChainedScheduler": lambda: S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=4),
                                                        S.ExponentialLR(opt, gamma=0.9)]),
        "CyclicLR": lambda: S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="triangular2"),
        "CyclicLR-exp": lambda: S.CyclicLR(opt, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5,
                                           mode="exp_range", gamma=0.9),
    }[name]()


NAMES = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingLR-noeta", "WarmRestarts",
         "WarmRestarts-1", "OneCycle-cos", "OneCycle-linear", "OneCycle-three", "OneCycle-three-linear",
         "OneCycle-nomom", "LambdaLR", "LambdaLR-list", "MultiplicativeLR", "LinearLR", "LinearLR-default",
         "ConstantLR", "PolynomialLR", "SequentialLR", "ChainedScheduler", "CyclicLR", "CyclicLR-exp"]


def momenta(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"][0] if "betas" in g else g.get("momentum"))
    return out


def trace(lib, name, kind="SGD", steps=STEPS):
    opt = make_opt(lib, kind)
    sched = sched_factory(lib, name, opt)
    lrs = [list(sched.get_last_lr())]
    moms = [momenta(opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
        moms.append(momenta(opt))
    return lrs, moms, sched, opt


@pytest.mark.parametrize("name", NAMES)
def test_lr_sequence_matches_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        le, me, _, _ = trace(ember, name)
        lt, mt, _, _ = trace(torch, name)
    np.testing.assert_allclose(np.array(le), np.array(lt), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.array(me, dtype=float), np.array(mt, dtype=float), rtol=1e-12, atol=1e-15)
    assert len(set(map(tuple, lt))) > 1  # the schedule really changes the lr


@pytest.mark.parametrize("name", ["OneCycle-cos", "OneCycle-three-linear", "CyclicLR"])
def test_cycle_momentum_with_adam_betas(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "CyclicLR":  # torch 1.13's CyclicLR needs a 'momentum' key: Adam is refused
            for lib in (ember, torch):
                with pytest.raises(ValueError, match="optimizer must support momentum"):
                    trace(lib, name, "Adam")
            return
        le, me, _, _ = trace(ember, name, "Adam")
        lt, mt, _, _ = trace(torch, name, "Adam")
    np.testing.assert_allclose(np.array(le), np.array(lt), rtol=1e-12)
    np.testing.assert_allclose(np.array(me), np.array(mt), rtol=1e-12)


def plain(v):
    """state_dict values without library objects (for comparing keys and numbers)."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items() if k not in ("_schedulers", "optimizer")}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if callable(v) and not isinstance(v, type):
        return "<fn>"
    return v


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_matches_torch_and_round_trips(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, _, se, oe = trace(ember, name, steps=10)
        _, _, st, ot = trace(torch, name, steps=10)
        sde, sdt = se.state_dict(), st.state_dict()
        assert sorted(sde.keys()) == sorted(sdt.keys())
        pe, pt = plain(sde), plain(sdt)
        for k in pt:
            if k in ("_scale_fn_ref", "scale_fn", "_scale_fn_custom", "_get_lr_called_within_step", "lr_lambdas"):
                continue
            if isinstance(pt[k], float):
                assert pe[k] == pytest.approx(pt[k], rel=1e-12), k
            else:
                assert pe[k] == pt[k], k

        # resume: a fresh optimizer and scheduler loaded from the state dicts continue identically
        opt_sd, sched_sd = oe.state_dict(), se.state_dict()
        opt2 = make_opt(ember)
        sched2 = sched_factory(ember, name, opt2)
        opt2.load_state_dict(opt_sd)
        sched2.load_state_dict(sched_sd)
        assert sched2.get_last_lr() == se.get_last_lr()
        cont, resumed = [], []
        for _ in range(8):
            for o, sch, out in ((oe, se, cont), (opt2, sched2, resumed)):
                o.step()
                sch.step()
                out.append(list(sch.get_last_lr()) + momenta(o))
    np.testing.assert_allclose(np.array(resumed), np.array(cont), rtol=1e-13)


def test_closed_form_with_epoch_argument():
    """step(epoch) uses the closed form where torch has one (with its deprecation warning)."""
    res = []
    for lib in (ember, torch):
        opt = make_opt(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        out = []
        for epoch in [5, 2, 9, 9, 0]:
            with pytest.warns(UserWarning, match="epoch parameter"):
                sched.step(epoch)
            out.append(sched.get_last_lr())
        res.append(out)
    assert res[0] == res[1]


def test_warm_restarts_fractional_epochs():
    res = []
    for lib in (ember, torch):
        opt = make_opt(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)
        out = []
        for epoch in [0.5, 1.25, 3.0, 4.5, 10.0, 20.7]:
            sched.step(epoch)
            out.append(sched.get_last_lr())
        res.append(out)
    np.testing.assert_allclose(np.array(res[0]), np.array(res[1]), rtol=1e-12)


# ------------------------------------------------------------------ ReduceLROnPlateau
METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.9, 0.89, 0.9, 0.9, 0.9, 0.9, 0.88, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.6, 0.6, 0.4, 0.4, 0.4, 0.4, 0.4]

PLATEAU = [
    dict(),
    dict(mode="max"),
    dict(patience=2, factor=0.5),
    dict(patience=1, threshold=0.05, threshold_mode="abs"),
    dict(patience=1, threshold=0.05, threshold_mode="rel", mode="max"),
    dict(patience=1, cooldown=3, factor=0.3),
    dict(patience=0, min_lr=[0.02, 0.001], factor=0.5),
    dict(patience=0, min_lr=0.03, eps=1e-3, factor=0.9),
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()) or "default")
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    res = []
    for lib in (ember, torch):
        opt = make_opt(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for m in METRICS:
            opt.step()
            sched.step(m)
            seq.append([g["lr"] for g in opt.param_groups] + [sched.num_bad_epochs, sched.cooldown_counter])
        res.append((seq, sched.best, sched.last_epoch, sorted(sched.state_dict().keys())))
    np.testing.assert_allclose(np.array(res[0][0]), np.array(res[1][0]), rtol=1e-12)
    assert res[0][1:] == res[1][1:]


def test_reduce_lr_on_plateau_metric_tensor_and_state_dict():
    opt = make_opt(ember)
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    for m in METRICS[:10]:
        sched.step(ember.tensor(m))
    sd = sched.state_dict()
    opt2 = make_opt(ember)
    sched2 = ember.optim.lr_scheduler.ReduceLROnPlateau(opt2, patience=1)
    sched2.load_state_dict(sd)
    for m in METRICS[10:]:
        sched.step(m)
        sched2.step(m)
        # the second scheduler applies the same reductions (relative to its own optimizer's lr)
        assert sched.num_bad_epochs == sched2.num_bad_epochs and sched.best == sched2.best
    assert float(sched.best) == pytest.approx(0.4)


@pytest.mark.parametrize("kwargs, exc", [
    (dict(factor=1.0), ValueError), (dict(mode="avg"), ValueError), (dict(threshold_mode="x"), ValueError),
    (dict(min_lr=[0.1]), ValueError),
])
def test_reduce_lr_on_plateau_errors(kwargs, exc):
    msgs = []
    for lib in (ember, torch):
        with pytest.raises(exc) as info:
            lib.optim.lr_scheduler.ReduceLROnPlateau(make_opt(lib), **kwargs)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


BAD = [
    lambda S, o: S.LambdaLR(o, [lambda e: 1.0]),
    lambda S, o: S.ConstantLR(o, factor=1.5),
    lambda S, o: S.LinearLR(o, start_factor=1.5),
    lambda S, o: S.LinearLR(o, end_factor=1.5),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda S, o: S.OneCycleLR(o, max_lr=1.0),
    lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=-1),
    lambda S, o: S.OneCycleLR(o, max_lr=1.0, epochs=0, steps_per_epoch=3),
    lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5),
    lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="exp"),
    lambda S, o: S.OneCycleLR(o, max_lr=[1.0], total_steps=10),
    lambda S, o: S.SequentialLR(o, [S.ExponentialLR(o, 0.9)], milestones=[3]),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_arguments_raise_torch_errors(i):
    msgs = []
    for lib in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError) as info:
                BAD[i](lib.optim.lr_scheduler, make_opt(lib))
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def test_onecycle_too_many_steps():
    for lib in (ember, torch):
        opt = make_opt(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 5 times. The specified number of total steps is 3"):
            sched.step()


def test_not_an_optimizer():
    for lib in (ember, torch):
        with pytest.raises(TypeError, match="is not an Optimizer"):
            lib.optim.lr_scheduler.StepLR(object(), 3)


def test_resume_requires_initial_lr():
    for lib in (ember, torch):
        with pytest.raises(KeyError, match="initial_lr"):
            lib.optim.lr_scheduler.StepLR(make_opt(lib), 3, last_epoch=4)


def test_step_order_warning():
    """Calling scheduler.step() before optimizer.step() warns like torch."""
    for lib in (ember, torch):
        opt = make_opt(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        with pytest.warns(UserWarning, match="lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)"):
            sched.step()


def test_cosine_formula_spot_check():
    """An independent check of one value, so matching torch is not the only evidence."""
    opt = make_opt(ember)
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.0)
    for _ in range(5):
        opt.step()
        sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(0.1 * (1 + math.cos(math.pi * 5 / 10)) / 2)


def test_get_lr_outside_step_warns():
    for lib in (ember, torch):
        sched = lib.optim.lr_scheduler.ExponentialLR(make_opt(lib), gamma=0.5)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()
