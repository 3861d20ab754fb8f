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
