#!/usr/bin/env bash
# Side-by-side: the same workloads on torch and on ember, 1 and 2 threads, in one session,
# written to bench/RESULTS.md. Libraries alternate and every run is repeated ROUNDS times;
# the table keeps each number's best run (the machine is shared and noisy).
#
#   bench/run_side_by_side.sh            # ROUNDS=2 by default
#   WORKLOADS=/path/to/workloads.py bench/run_side_by_side.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-2}"
WORKLOADS="${WORKLOADS:-/work/shared/bench/workloads.py}"
PY=/usr/bin/python3
RUNS="$(mktemp -d)"
trap 'rm -rf "$RUNS"' EXIT
for round in $(seq "$ROUNDS"); do
  for threads in 1 2; do
    for lib in torch ember; do
      PYTHONPATH=python "$PY" bench/elementwise.py --lib "$lib" --threads "$threads" \
        --json "$RUNS/elementwise_${lib}_${threads}_${round}.json"
      if [ -f "$WORKLOADS" ]; then
        PYTHONPATH=python "$PY" "$WORKLOADS" --lib "$lib" --threads "$threads" \
          --json "$RUNS/workloads_${lib}_${threads}_${round}.json" || true
      fi
    done
  done
done
"$PY" bench/make_table.py "$RUNS" > bench/RESULTS.md
{
  echo
  echo "## jit: traced (one fused kernel) vs eager, ember only"
  echo
  PYTHONPATH=python "$PY" bench/jit_fusion.py
} >> bench/RESULTS.md
cat bench/RESULTS.md
