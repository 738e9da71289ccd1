#!/bin/sh
# bench_train.sh: lrscope train next to PyTorch (Debian's python3-torch on OpenBLAS).
#
#   tools/bench/bench_train.sh [BUILD_DIR] [speed|memory|accuracy|all]   defaults: build speed
#
# speed     samples/s of one Fashion-MNIST epoch, mlp:256, batch 128, SGD momentum 0.9,
#           2 threads, data in memory; lrscope logs every step to an event file, PyTorch
#           logs nothing. Runs alternate (the machine may be shared), best of $REPEATS (5).
#           PyTorch gets its 2 threads as OPENBLAS_NUM_THREADS=2 + torch.set_num_threads(2)
#           with OMP_WAIT_POLICY=PASSIVE: with libgomp's default busy-waiting it ran at
#           ~3,000 samples/s here on 2 busy cores. Then bench_train: sgemm GFLOP/s on the
#           step's shapes, and the share of the step they take.
# memory    peak resident set of a Fashion-MNIST epoch (/usr/bin/time -v).
# accuracy  test accuracy after 10 epochs, seeds 1-3: adam lr 1e-3, and SGD momentum 0.9
#           with onecycle:max=0.1; lrscope and PyTorch.
# Needs: dataset-fashion-mnist, python3-torch, libopenblas0-pthread, time.
set -eu
BUILD=${1:-build}
MODE=${2:-speed}
REPEATS=${REPEATS:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
LRSCOPE="$BUILD/tools/lrscope/lrscope"
TORCH="/usr/bin/python3 $HERE/bench_train_torch.py"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

field() { sed -n "s/.*\"$1\": *\([-0-9.e+]*\).*/\1/p" | tail -1; }
best() { sort -g | tail -1; }

speed() {
    : >"$TMP/lrs"; : >"$TMP/torch"
    i=0
    while [ $i -lt "$REPEATS" ]; do
        "$LRSCOPE" train --data fashion-mnist --threads 2 --logdir "$TMP/run$i" --json |
            field samples_per_sec >>"$TMP/lrs"
        OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE $TORCH speed --threads 2 |
            field samples_per_sec >>"$TMP/torch"
        i=$((i + 1))
    done
    l=$(best <"$TMP/lrs"); t=$(best <"$TMP/torch")
    printf '%-40s %12s\n' "training samples/s (best of $REPEATS)" ""
    printf '%-40s %12.0f   (runs: %s)\n' "lrscope train, logging every step" "$l" "$(tr '\n' ' ' <"$TMP/lrs" | xargs printf '%.0f ')"
    printf '%-40s %12.0f   (runs: %s)\n' "PyTorch 1.13, no logging" "$t" "$(tr '\n' ' ' <"$TMP/torch" | xargs printf '%.0f ')"
    printf '%-40s %12.2f\n\n' "ratio lrscope / PyTorch" "$(echo "$l / $t" | bc -l)"
    "$BUILD/tools/bench/bench_train" fashion-mnist 2 3
}

memory() {
    /usr/bin/time -v "$LRSCOPE" train --data fashion-mnist --threads 2 --logdir "$TMP/mem" --json \
        2>"$TMP/time" >/dev/null
    printf '%-40s %9s kB\n' "peak RSS, one Fashion-MNIST epoch" \
        "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time")"
}

accuracy() {
    printf '%-14s %-5s %10s %10s\n' recipe seed lrscope pytorch
    for seed in 1 2 3; do
        a=$("$LRSCOPE" train --data fashion-mnist --optimizer adam --lr 1e-3 --epochs 10 --batch 128 \
            --seed $seed --threads 2 --logdir "$TMP/adam$seed" --json | field test_accuracy)
        b=$(OPENBLAS_NUM_THREADS=2 $TORCH accuracy --threads 1 --optimizer adam --seed $seed | field test_accuracy)
        printf '%-14s %-5s %10.4f %10.4f\n' adam $seed "$a" "$b"
        a=$("$LRSCOPE" train --data fashion-mnist --optimizer sgd:momentum=0.9 --schedule onecycle:max=0.1 \
            --epochs 10 --batch 128 --seed $seed --threads 2 --logdir "$TMP/sgd$seed" --json | field test_accuracy)
        b=$(OPENBLAS_NUM_THREADS=2 $TORCH accuracy --threads 1 --optimizer sgd-onecycle --seed $seed | field test_accuracy)
        printf '%-14s %-5s %10.4f %10.4f\n' sgd-onecycle $seed "$a" "$b"
    done
}

case "$MODE" in
speed) speed ;;
memory) memory ;;
accuracy) accuracy ;;
all) speed; echo; memory; echo; accuracy ;;
*) echo "bench_train.sh: MODE is speed, memory, accuracy or all, got '$MODE'" >&2; exit 2 ;;
esac
