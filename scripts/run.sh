#!/usr/bin/env bash
# The main job on a fresh Debian machine: install what is missing, build, then on the
# embedded Fashion-MNIST sample: choose the LR with a range test and train with it
# (lrscope train --lr auto), check the run for warning signs, and write an HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
lrscope=build/tools/lrscope/lrscope
rm -rf runs/sample runs/report.html
$lrscope train --data sample --model mlp:256 --optimizer sgd:momentum=0.9 --lr auto \
               --schedule onecycle --epochs 10 --logdir runs/sample
$lrscope check runs/sample
$lrscope report runs -o runs/report.html
echo "Look at it: tensorboard --logdir runs   (or open runs/report.html in a browser)"
