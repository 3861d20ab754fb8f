#!/usr/bin/env bash
# Build, then run every test: the C++ unit tests and the Python tests against real PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
BUILD_DIR="${EMBER_BUILD_DIR:-build}"
echo "== C++ tests"
"$BUILD_DIR/ember_tests" --gtest_brief=1
echo "== Python tests"
PYTHONPATH=python /usr/bin/python3 -m pytest -q -x tests/python "$@"
