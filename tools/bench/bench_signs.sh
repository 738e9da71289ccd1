#!/bin/sh
# The warning signs on real training runs: lrscope train at too-high LRs (diverging,
# oscillating), too-low LRs (slow), good LRs and schedules that decay too early (plateau),
# with constant/step/cosine/onecycle schedules, SGD momentum 0.9 and Adam, on the sample
# (20 epochs, 640 steps) and on Fashion-MNIST (2 epochs, 938 steps), SGD also without momentum; plus the logs PyTorch's
# SummaryWriter wrote (tests/data/fixtures/tensorboard). Each run is labelled from how it
# was made and its outcome, before and without the detectors (bench_signs_score.py states
# the rules); then `lrscope check --json` judges every run and the score is printed per kind
# (recall, precision), with the healthy runs that got a warning or worse.
# The synthetic corpus (tests/signs/test_signs_corpus) is printed after.
# Run by hand: tools/bench/bench_signs.sh [BUILD_DIR] [OUT_DIR]   (about 3 minutes)
set -eu
build=${1:-build}
out=${2:-$(mktemp -d /tmp/bench-signs-XXXXXX)}
bin=$build/tools/lrscope/lrscope
here=$(dirname "$0")
fixtures=$here/../../tests/data/fixtures/tensorboard
mkdir -p "$out/runs"
: > "$out/runs.txt"

# run NAME INTENT DATA ARGS...: one training run, its intent (high, low, good, early-decay)
# recorded for the labelling rules.
run() {
    name=$1 intent=$2 data=$3
    shift 3
    if [ "$data" = sample ]; then length="--epochs 20"; else length="--epochs 2"; fi
    "$bin" train --threads 2 --on-sign off --data "$data" $length --logdir "$out/runs/$name" \
        --json "$@" > "$out/runs/$name.json" 2> /dev/null || true
    echo "$name $intent $data" >> "$out/runs.txt"
}

for data in sample fashion-mnist; do
    d=$(echo "$data" | cut -c1-4)
    third=$([ "$data" = sample ] && echo 213 || echo 312)
    sgd="--optimizer sgd:momentum=0.9"
    adam="--optimizer adam"
    for lr in 3 1; do run "$d-sgd-$lr" high "$data" $sgd --lr $lr; done
    run "$d-sgd-0.5" high "$data" $sgd --lr 0.5
    run "$d-sgd-0.3" high "$data" $sgd --lr 0.3
    run "$d-sgd-1-onecycle" high "$data" $sgd --lr 1 --schedule onecycle
    for lr in 1 0.8; do run "$d-sgd-$lr-nomomentum" high "$data" --optimizer sgd --lr $lr; done
    for lr in 0.1 0.03; do run "$d-sgd-$lr" good "$data" $sgd --lr $lr; done
    run "$d-sgd-0.1-step" good "$data" $sgd --lr 0.1 --schedule "step:size=$third,gamma=0.1"
    run "$d-sgd-0.1-cosine" good "$data" $sgd --lr 0.1 --schedule cosine
    run "$d-sgd-0.1-onecycle" good "$data" $sgd --lr 0.1 --schedule onecycle
    for lr in 1e-3 3e-4 1e-4; do run "$d-sgd-$lr" low "$data" $sgd --lr $lr; done
    run "$d-sgd-3e-5-cosine" low "$data" $sgd --lr 3e-5 --schedule cosine
    run "$d-sgd-0.1-exp" early-decay "$data" $sgd --lr 0.1 --schedule exp:gamma=0.95
    run "$d-sgd-0.03-step" early-decay "$data" $sgd --lr 0.03 --schedule step:size=40,gamma=0.01
    for lr in 0.1 0.05 0.02; do run "$d-adam-$lr" high "$data" $adam --lr $lr; done
    run "$d-adam-1e-3" good "$data" $adam --lr 1e-3
    run "$d-adam-1e-3-cosine" good "$data" $adam --lr 1e-3 --schedule cosine
    run "$d-adam-3e-3-onecycle" good "$data" $adam --lr 3e-3 --schedule onecycle
    for lr in 1e-5 3e-6; do run "$d-adam-$lr" low "$data" $adam --lr $lr; done
    run "$d-adam-3e-6-step" low "$data" $adam --lr 3e-6 --schedule "step:size=$third,gamma=0.5"
    run "$d-adam-1e-3-exp" early-decay "$data" $adam --lr 1e-3 --schedule exp:gamma=0.95
done

# Another framework's writer: PyTorch's SummaryWriter fixtures (their README says what the
# series hold: a NaN loss and an infinite gradient norm at known steps, then healthy curves).
for f in torch-scalars; do
    cp -r "$fixtures/$f" "$out/runs/fixture-$f"
    echo "fixture-$f nan fixture" >> "$out/runs.txt"
    for sub in loss_train loss_val; do
        mv "$out/runs/fixture-$f/$sub" "$out/runs/fixture-$f-$sub"
        echo "fixture-$f-$sub good fixture" >> "$out/runs.txt"
    done
done

for name in $(cut -d' ' -f1 "$out/runs.txt"); do
    "$bin" dump --format jsonl "$out/runs/$name" > "$out/runs/$name.points" 2> /dev/null || true
done
# Each run judged knowing its length, as the trainer's monitor does (--on-sign).
for group in "samp 640" "fash 938" "fixture 0"; do
    set -- $group
    length=$([ "$2" -gt 0 ] && echo "--total-steps $2" || true)
    "$bin" check --json $length $(grep " $1" "$out/runs.txt" | cut -d' ' -f1 | sed "s|^|$out/runs/|") \
        > "$out/check-$1.json" || true
done
/usr/bin/python3 -c '
import json, sys
runs = [r for f in sys.argv[1:] for r in json.load(open(f))["runs"]]
json.dump({"runs": runs}, sys.stdout)' "$out"/check-*.json > "$out/check.json"
/usr/bin/python3 "$here/bench_signs_score.py" "$out"
echo
echo "synthetic corpus (tests/signs/test_signs_corpus):"
"$build/tests/signs/test_signs_corpus" 2>&1 | grep -v '^\['
echo "runs, labels and check's verdicts kept in $out"
