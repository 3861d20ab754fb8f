#!/usr/bin/env python3
"""Turn the JSON runs of run_side_by_side.sh into bench/RESULTS.md (a Markdown table)."""
import glob
import json
import os
import platform
import sys
import time


def load(folder):
    """{(suite, lib, threads): {metric: best value}}; failures are kept as text."""
    best = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        suite = os.path.basename(path).split("_")[0]
        with open(path) as f:
            run = json.load(f)
        key = (suite, run["lib"], run["threads"])
        slot = best.setdefault(key, {})
        for workload, values in run["results"].items():
            if not isinstance(values, dict):  # elementwise.py: flat metrics
                values = {workload: values}
                workload = ""
            for metric, v in values.items():
                name = f"{workload}.{metric}" if workload else metric
                if isinstance(v, str) or name.endswith("FAILED"):
                    slot.setdefault(name, v)
                    continue
                higher_better = "GBps" in name or "gflops" in name or "acc" in name
                old = slot.get(name)
                if not isinstance(old, (int, float)):
                    slot[name] = v
                else:
                    slot[name] = max(old, v) if higher_better else min(old, v)
    return best


def fmt(v):
    if isinstance(v, str):
        return "FAILED"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def main():
    folder = sys.argv[1]
    best = load(folder)
    suites = sorted({k[0] for k in best})
    print("# Benchmarks: ember vs torch, side by side\n")
    print(f"One run of `bench/run_side_by_side.sh` ({time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, shared machine): each number is the best of the rounds. "
          "Times in seconds (`_s`) or microseconds (`_us`), lower is better; `GBps` higher is better. "
          "`ember gain` is how many times better ember is than torch on that line (> 1: ember is ahead); "
          "`ember 2T/1T` is how many times better ember does with 2 threads than with 1 (>= 1: more threads "
          "did not slow it down).\n")
    for suite in suites:
        print(f"## {suite}\n")
        print("| metric | threads | torch | ember | ember gain | ember 2T/1T |")
        print("| --- | --- | --- | --- | --- | --- |")
        metrics = []
        for (s, lib, th), vals in best.items():
            if s == suite:
                metrics += [m for m in vals if m not in metrics]
        for m in metrics:
            for th in (1, 2):
                t = best.get((suite, "torch", th), {}).get(m)
                e = best.get((suite, "ember", th), {}).get(m)
                if t is None and e is None:
                    continue
                gain = ""
                if isinstance(t, (int, float)) and isinstance(e, (int, float)) and t > 0 and e > 0:
                    gain = f"{(e / t) if ('GBps' in m or 'gflops' in m) else (t / e):.2f}x"
                scaling = ""
                e1 = best.get((suite, "ember", 1), {}).get(m)
                if th == 2 and isinstance(e1, (int, float)) and isinstance(e, (int, float)) and e1 > 0 and e > 0 \
                        and not ("acc" in m or "loss" in m):
                    scaling = f"{(e / e1) if ('GBps' in m or 'gflops' in m) else (e1 / e):.2f}x"
                print(f"| {m} | {th} | {fmt(t) if t is not None else ''} | {fmt(e) if e is not None else ''} | {gain} "
                      f"| {scaling} |")
        failures = {(lib, th): v for (s, lib, th), vals in best.items() if s == suite
                    for k, v in vals.items() if isinstance(v, str)}
        if failures:
            print("\nFailed runs (the workload needs ops of families not merged yet):\n")
            for (lib, th), v in sorted(failures.items()):
                print(f"- {lib}, {th} thread(s): {v}")
        print()


if __name__ == "__main__":
    main()
