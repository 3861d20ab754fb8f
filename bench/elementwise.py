#!/usr/bin/env python3
"""Eager elementwise workloads, the same code on torch or on ember.

usage: elementwise.py --lib torch|ember [--threads N] [--json FILE]

Inputs come from NumPy (from_numpy), so the script needs nothing of either library but
tensors and elementwise ops. Each number is the best of several repeats: the machine is
shared, and the minimum is the least disturbed run.
"""
import argparse
import importlib
import json
import os
import sys
import time

# Thread pools read their size when their library loads: set it first.
_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "EMBER_NUM_THREADS"):
    os.environ[_var] = _threads
import numpy as np  # noqa: E402


def per_call_us(fn, n=20000, repeat=5):
    for _ in range(200):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


def best_s(fn, repeat=5):
    fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def workloads(torch):
    rng = np.random.default_rng(0)

    def arr(*shape, dtype=np.float32):
        return torch.from_numpy(rng.standard_normal(shape).astype(dtype))

    out = {}
    # per-op overhead on 16 elements (the eager hot path: operator -> op -> kernel -> result object)
    a, b = arr(16), arr(16)
    out["add_16_us"] = per_call_us(lambda: a + b)
    out["add_scalar_16_us"] = per_call_us(lambda: a + 1.5)
    out["mul_inplace_16_us"] = per_call_us(lambda: a.mul_(1.0))
    out["exp_16_us"] = per_call_us(lambda: torch.exp(a))
    out["lt_16_us"] = per_call_us(lambda: a < b)
    # large elementwise: a * b + c on 16M floats, fresh outputs; GB/s over the 6 x 64 MiB moved
    n = 1 << 24
    a, b, c = arr(n), arr(n), arr(n)
    s = best_s(lambda: a * b + c)
    out["mul_add_16M_s"] = s
    out["mul_add_16M_GBps"] = 6 * 4 * n / s / 1e9
    out["exp_16M_s"] = best_s(lambda: torch.exp(a))
    out["add_inplace_16M_s"] = best_s(lambda: a.add_(b))
    # strided and broadcast: a transposed operand, a row broadcast over a matrix
    m_np = rng.standard_normal((4096, 4096)).astype(np.float32)
    m, mt = torch.from_numpy(m_np), torch.from_numpy(m_np.T)  # a transposed view, through NumPy
    row = arr(4096)
    out["add_transposed_4096_s"] = best_s(lambda: m + mt)
    out["add_broadcast_row_4096_s"] = best_s(lambda: m + row)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default="torch")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    torch = importlib.import_module(args.lib)
    torch.set_num_threads(args.threads)
    try:
        results = workloads(torch)
    except Exception as e:  # report what failed, like workloads.py
        results = {"FAILED": f"{type(e).__name__}: {e}"}
    print(f"{args.lib:6s} threads={args.threads} {json.dumps(results)}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"lib": args.lib, "threads": args.threads, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
