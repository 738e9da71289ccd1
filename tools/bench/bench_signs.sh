#!/bin/sh
# The warning signs on real training runs: lrscope train at too-high LRs (diverging,
# oscillating), too-low LRs (slow), good LRs and schedules that decay too early (plateau),
# with constant/step/cosine/onecycle/exp schedules, SGD (momentum 0.9 and plain), Adam and
# AdamW; plus the logs PyTorch's SummaryWriter wrote (tests/data/fixtures/tensorboard).
# The corpus was widened by design before the detectors were run on it:
#   full grid   every configuration on the sample (20 epochs, 640 steps) and Fashion-MNIST
#               (with, since session 5, warm restarts, warm-up + cosine and cyclic LRs)
#               (2 epochs, 938 steps), seeds 1 and 2 (names ending -s2), with too-high LRs
#               between "good" and "diverges" for every optimizer
#   core grid   19 configurations in groups of other shapes, seed 1: a deeper model
#               (mlp:512,256: fdeep, sdeep), batch 32 (fb32, sb32) and 512 (fb512 4 epochs,
#               sb512 60 epochs), longer runs (f10: Fashion-MNIST 10 epochs, s40: sample
#               40 epochs)
# A run's name starts with its group and optimizer family (fash-sgd-..., fb32-adam-...):
# the labels compare a run with the best run of its group and family. Each run is
# labelled from how it was made and its outcome, before and without the detectors
# (bench_signs_score.py states the rules); then `lrscope check --json` judges every run,
# knowing its planned length, and the score is printed per kind (recall, precision), with
# the healthy runs that got a warning or worse.
# The synthetic corpus (tests/signs/test_signs_corpus) is printed after.
# Run by hand: tools/bench/bench_signs.sh [BUILD_DIR] [OUT_DIR]   (about 10 minutes on
# 2 cores). SEEDS="3 4" FULL_ONLY=1 makes a held-out corpus: the full grid with other seeds
# (about 2 minutes per seed), to check detectors tuned on seeds 1 and 2; CORE_SEED=N (instead
# of FULL_ONLY) trains the core grid with seed N too. OTHER_DATA=CSV runs
# the full grid (20 epochs, 20% held out for validation) on that data instead, as group
# "csv" (bench_signs_teacher.py writes one unlike Fashion-MNIST). REJUDGE=1 with an OUT_DIR of an earlier run judges its runs again without
# training (a changed detector on the same curves); CHECK_ARGS="--set NAME=VALUE ..." passes
# thresholds to every check. The same runs as a coarser log would show them (every K-th
# step as logged, or K-step means): tools/bench/bench_signs_thin.py OUT_DIR THIN_DIR K
# pick|mean, then REJUDGE=1 with THIN_DIR. Runs trained in PyTorch and logged as Lightning,
# Hugging Face, Keras or a plain SummaryWriter log them: tools/bench/bench_signs_torch.py
# OUT_DIR, then REJUDGE=1 with that OUT_DIR.
set -eu
build=${1:-build}
out=${2:-$(mktemp -d /tmp/bench-signs-XXXXXX)}
bin=$build/tools/lrscope/lrscope
here=$(dirname "$0")
fixtures=$here/../../tests/data/fixtures/tensorboard
rejudge=${REJUDGE:-0}
mkdir -p "$out/runs"
if [ "$rejudge" != 1 ]; then
    : > "$out/runs.txt"
    rm -f "$out"/total-*.txt
fi

# run NAME INTENT DATA TOTAL_STEPS ARGS...: one training run, its intent (high, low, good,
# early-decay) recorded for the labelling rules, its planned length for check.
run() {
    name=$1 intent=$2 data=$3 total=$4
    shift 4
    [ "$rejudge" = 1 ] && return 0
    "$bin" train --threads 2 --on-sign off --data "$data" --logdir "$out/runs/$name" \
        --json "$@" > "$out/runs/$name.json" 2> /dev/null || true
    echo "$name $intent $data" >> "$out/runs.txt"
    echo "$name" >> "$out/total-$total.txt"
}

# steps DATA BATCH EPOCHS: the planned length (the sample has 4,000 training images,
# Fashion-MNIST 60,000, a CSV its rows less the 20% validation split; the last batch of an
# epoch may be short).
steps() {
    case $1 in
    sample) n=4000 ;;
    fashion-mnist) n=60000 ;;
    *) rows=$(($(wc -l < "$1") - 1)); n=$((rows - (rows + 2) / 5)) ;;
    esac
    echo $(( ($n + $2 - 1) / $2 * $3 ))
}

# full_grid PREFIX DATA EPOCHS SEED SUFFIX: every configuration.
full_grid() {
    p=$1 data=$2 epochs=$3 seed=$4 s=$5
    total=$(steps "$data" 128 "$epochs")
    third=$((total / 3))
    r() { n=$1 i=$2; shift 2; run "$p-$n$s" "$i" "$data" "$total" --epochs "$epochs" --seed "$seed" $split "$@"; }
    sgd="--optimizer sgd:momentum=0.9" adam="--optimizer adam" adamw="--optimizer adamw"
    for lr in 3 1 0.5 0.4 0.3 0.2; do r "sgd-$lr" high $sgd --lr $lr; done
    r "sgd-1-onecycle" high $sgd --lr 1 --schedule onecycle
    for lr in 1 0.8 0.6 0.5; do r "sgd-$lr-nomomentum" high --optimizer sgd --lr $lr; done
    for lr in 0.1 0.03; do r "sgd-$lr" good $sgd --lr $lr; done
    r "sgd-0.1-step" good $sgd --lr 0.1 --schedule "step:size=$third,gamma=0.1"
    r "sgd-0.1-cosine" good $sgd --lr 0.1 --schedule cosine
    r "sgd-0.1-onecycle" good $sgd --lr 0.1 --schedule onecycle
    r "sgd-0.1-restarts" good $sgd --lr 0.1 --schedule "restarts:T0=$((total / 4))"
    r "sgd-0.1-warmcos" good $sgd --lr 0.1 --schedule \
        "linear:start=0.01,steps=$((total / 10)) then@$((total / 10)) cosine:T=$((total - total / 10))"
    r "sgd-0.1-cyclic" good $sgd --lr 0.1 --schedule "cyclic:min=0.01,up=$((total / 8))"
    for lr in 1e-3 3e-4 1e-4; do r "sgd-$lr" low $sgd --lr $lr; done
    r "sgd-3e-5-cosine" low $sgd --lr 3e-5 --schedule cosine
    r "sgd-0.1-exp" early-decay $sgd --lr 0.1 --schedule exp:gamma=0.95
    r "sgd-0.03-step" early-decay $sgd --lr 0.03 --schedule step:size=40,gamma=0.01
    for lr in 0.1 0.05 0.03 0.02 0.01 5e-3; do r "adam-$lr" high $adam --lr $lr; done
    r "adam-1e-3" good $adam --lr 1e-3
    r "adam-1e-3-cosine" good $adam --lr 1e-3 --schedule cosine
    r "adam-3e-3-onecycle" good $adam --lr 3e-3 --schedule onecycle
    r "adam-3e-3-cyclic" good $adam --lr 3e-3 --schedule "cyclic:min=3e-4,up=$((total / 8))"
    for lr in 1e-5 3e-6; do r "adam-$lr" low $adam --lr $lr; done
    r "adam-3e-6-step" low $adam --lr 3e-6 --schedule "step:size=$third,gamma=0.5"
    r "adam-1e-3-exp" early-decay $adam --lr 1e-3 --schedule exp:gamma=0.95
    for lr in 0.03 0.01; do r "adamw-$lr" high $adamw --lr $lr; done
    r "adamw-1e-3" good $adamw --lr 1e-3
    r "adamw-1e-5" low $adamw --lr 1e-5
}

# core_grid PREFIX DATA EPOCHS BATCH SEED ARGS...: the main configurations in another shape.
core_grid() {
    p=$1 data=$2 epochs=$3 batch=$4 seed=$5
    shift 5
    extra="$*"
    total=$(steps "$data" "$batch" "$epochs")
    third=$((total / 3))
    cs=$([ "$seed" = 1 ] && echo "" || echo "-s$seed")
    r() { n=$1 i=$2; shift 2; run "$p-$n$cs" "$i" "$data" "$total" --epochs "$epochs" --batch "$batch" --seed "$seed" $extra "$@"; }
    sgd="--optimizer sgd:momentum=0.9" adam="--optimizer adam"
    for lr in 0.1 0.03; do r "sgd-$lr" good $sgd --lr $lr; done
    r "sgd-0.1-cosine" good $sgd --lr 0.1 --schedule cosine
    r "sgd-0.1-step" good $sgd --lr 0.1 --schedule "step:size=$third,gamma=0.1"
    for lr in 1 0.5 0.3; do r "sgd-$lr" high $sgd --lr $lr; done
    for lr in 0.8 0.5; do r "sgd-$lr-nomomentum" high --optimizer sgd --lr $lr; done
    for lr in 1e-3 1e-4; do r "sgd-$lr" low $sgd --lr $lr; done
    r "sgd-0.1-exp" early-decay $sgd --lr 0.1 --schedule exp:gamma=0.95
    r "adam-1e-3" good $adam --lr 1e-3
    r "adam-3e-3-onecycle" good $adam --lr 3e-3 --schedule onecycle
    for lr in 0.05 0.02 0.01; do r "adam-$lr" high $adam --lr $lr; done
    r "adam-1e-5" low $adam --lr 1e-5
    r "adam-1e-3-exp" early-decay $adam --lr 1e-3 --schedule exp:gamma=0.95
}

start=$(date +%s)
split=
for seed in ${SEEDS:-1 2}; do
    s=$([ $seed = 1 ] && echo "" || echo "-s$seed")
    if [ -n "${OTHER_DATA:-}" ]; then
        split="--val-split 0.2"
        full_grid csv "$OTHER_DATA" 20 $seed "$s"
        continue
    fi
    full_grid samp sample 20 $seed "$s"
    full_grid fash fashion-mnist 2 $seed "$s"
done
c=${CORE_SEED:-1}
[ "${FULL_ONLY:-0}" = 1 ] || [ -n "${OTHER_DATA:-}" ] || {
core_grid sdeep sample 20 128 $c --model mlp:512,256
core_grid fdeep fashion-mnist 2 128 $c --model mlp:512,256
core_grid sb32 sample 20 32 $c
core_grid fb32 fashion-mnist 2 32 $c
core_grid sb512 sample 60 512 $c
core_grid fb512 fashion-mnist 4 512 $c
core_grid s40 sample 40 128 $c
core_grid f10 fashion-mnist 10 128 $c
}

# Another framework's writer: PyTorch's SummaryWriter fixtures (their README says what the
# series hold: a NaN loss and an infinite gradient norm at known steps, then healthy curves).
if [ "$rejudge" != 1 ]; then
    for f in torch-scalars; do
        rm -rf "$out/runs/fixture-$f" "$out/runs/fixture-$f"-loss_*
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
fi
trained=$(date +%s)

# Each run judged knowing its planned length, as the trainer's monitor does (--on-sign);
# the fixtures from their last step. check.json: after the fact (what check says);
# live.json: each sign at the step watch or the trainer would have raised it (the delays).
merge() { /usr/bin/python3 -c '
import json, sys
runs = [r for f in sys.argv[1:] for r in json.load(open(f))["runs"]]
json.dump({"runs": runs}, sys.stdout)' "$@"; }
rm -f "$out"/check-*.json "$out"/live-*.json
fixture_runs=$(grep ' fixture$' "$out/runs.txt" | cut -d' ' -f1 | sed "s|^|$out/runs/|" || true)
for mode in check live; do
    flag=; [ $mode = check ] || flag=--live
    for list in "$out"/total-*.txt; do
        total=$(basename "$list" .txt | cut -d- -f2)
        "$bin" check --json $flag --total-steps "$total" ${CHECK_ARGS:-} $(sed "s|^|$out/runs/|" "$list") \
            > "$out/$mode-$total.json" || true
    done
    [ -z "$fixture_runs" ] || "$bin" check --json $flag ${CHECK_ARGS:-} $fixture_runs > "$out/$mode-fixture.json" || true
    merge "$out"/$mode-*.json > "$out/$mode.json"
done
/usr/bin/python3 "$here/bench_signs_score.py" "$out"
echo
echo "$(wc -l < "$out/runs.txt") runs: trained in $((trained - start)) s, judged in $(($(date +%s) - trained)) s"
echo
echo "synthetic corpus (tests/signs/test_signs_corpus):"
"$build/tests/signs/test_signs_corpus" 2>&1 | grep -v '^\['
echo "runs, labels and check's verdicts kept in $out"
