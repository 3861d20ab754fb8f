#!/usr/bin/env bash
# Installs every system package ember needs to build, test and run its examples (Debian 12).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build ccache pkg-config \
  python3 python3-dev python3-numpy python3-pytest python3-tqdm python3-torch python3-onnx \
  pybind11-dev libopenblas-dev libdnnl-dev libgtest-dev libgmock-dev libbenchmark-dev \
  libzip-dev zlib1g-dev nlohmann-json3-dev \
  dataset-fashion-mnist

# Node.js with npm: machines that already have one (NodeSource's nodejs bundles npm and
# conflicts with Debian's npm package) keep it; others get Debian's.
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

# ONNX Runtime for the ONNX export tests (tests/onnx/run_ort.js), into a gitignored
# folder of the repo. The flag skips the package's own download step (its CPU
# binaries ship inside the npm package; the step fetches GPU extras and fails offline).
ORT_DIR="$(cd "$(dirname "$0")/.." && pwd)/third_party/ort"
if [ ! -f "$ORT_DIR/node_modules/onnxruntime-node/package.json" ]; then
  npm install --prefix "$ORT_DIR" --no-audit --no-fund onnxruntime-node@1.30.0 --onnxruntime-node-install=skip
fi
