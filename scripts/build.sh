#!/usr/bin/env bash
# Configure (once) and build ember: libember, the Python extension and the C++ tests.
# The extension lands in python/ember/, so `PYTHONPATH=python python3 -c "import ember"` works.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${EMBER_BUILD_DIR:-build}"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3
fi
cmake --build "$BUILD_DIR" -- -j"${EMBER_JOBS:-$(nproc)}"
