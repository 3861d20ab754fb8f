#!/usr/bin/env bash
# From a fresh Debian 12 machine: install packages, build, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
PYTHONPATH=python /usr/bin/python3 examples/main.py "$@"
