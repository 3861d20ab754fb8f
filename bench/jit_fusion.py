#!/usr/bin/env python3
"""Traced (fused) vs eager on a model dominated by elementwise work, ember only.

Prints a Markdown table for bench/RESULTS.md. The model is the one in
tests/python/test_jit.py: ten elementwise ops that the trace fuses into one kernel.
"""
import time

import ember
import ember.nn.functional as F


def model(w, b):
    def f(x):
        y = x * w + b
        y = y * ember.sigmoid(y)
        y = (y - 0.5).clamp(-3.0, 3.0) * 0.25
        return F.leaky_relu(y, 0.1) + x.abs()
    return f


def best(fn, x, rounds=7, reps=5):
    out = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(reps):
            fn(x)
        out = min(out, (time.perf_counter() - t) / reps)
    return out


def main():
    ember.manual_seed(0)
    print("| input | threads | eager ms | traced ms | speedup |")
    print("| --- | --- | --- | --- | --- |")
    for rows in (1024, 4096):
        w, b = ember.rand(1024), ember.rand(1024)
        x = ember.rand(rows, 1024)
        f = model(w, b)
        with ember.no_grad():
            traced = ember.jit.trace(f, x)
            for threads in (1, 2):
                ember.set_num_threads(threads)
                e, t = best(f, x), best(traced, x)
                print(f"| {rows}x1024 float32 | {threads} | {e * 1e3:.2f} | {t * 1e3:.2f} | {e / t:.2f}x |")


if __name__ == "__main__":
    main()
