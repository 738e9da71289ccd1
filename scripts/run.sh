#!/usr/bin/env bash
# The main job on a fresh Debian machine: install what is missing, build, and run
# lrscope on the embedded sample, writing to runs/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
rm -rf runs/demo
build/tools/lrscope/lrscope demo runs/demo
build/tools/lrscope/lrscope dump runs/demo
echo "Open it in TensorBoard: tensorboard --logdir runs"
