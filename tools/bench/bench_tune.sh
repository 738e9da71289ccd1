#!/bin/sh
# lrscope tune against Optuna (Debian's python3-optuna: TPE sampler + MedianPruner) on
# Fashion-MNIST, mlp:256, LR and optimizer searched, 10% of the training set held out for
# validation. Optuna: 20 one-epoch trials, each an `lrscope train` process reporting val
# accuracy 4 times an epoch. lrscope: TPE + ASHA (rungs at 0.25, 0.75, 2.25 epochs, up to
# 3 epochs a trial) with half that compute: --budget 10 trial-epochs. The test accuracy of
# lrscope's best trial comes from training it again with `lrscope train` (same seed and
# threads: the same weights). Run by hand: tools/bench/bench_tune.sh [BUILD_DIR] [SEED]
set -eu
build=${1:-build}
seed=${2:-1}
bin=$build/tools/lrscope/lrscope
here=$(dirname "$0")
work=$(mktemp -d /tmp/bench-tune-XXXXXX)
space='lr=log(1e-4,1);optimizer=sgd:momentum=0.9|adam'
common="--data fashion-mnist --model mlp:256 --val-split 0.1 --threads 2"

now() { date +%s.%N; }

t0=$(now)
"$bin" tune --study "$work/lrscope" --space "$space" --strategy tpe+asha --budget 10 --epochs 3 \
    --grace 0.25 --eta 3 --startup 8 --trials 100 --seed "$seed" $common > "$work/lrscope.txt" 2>/dev/null
t1=$(now)
"$bin" tune --study "$work/lrscope" --show --json > "$work/lrscope.json"
/usr/bin/python3 "$here/bench_tune_optuna.py" "$bin" "$work" 20 "$seed" > "$work/optuna.txt"

# lrscope's best trial trained again, for its test accuracy.
best=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["best"]
t = [t for t in json.load(open(sys.argv[1]))["trials"] if t["trial"] == d["trial"]][0]
print(d["params"]["optimizer"], repr(d["params"]["lr"]), int(round(t["epochs"] + 0.4999)))' "$work/lrscope.json")
set -- $best
"$bin" train $common --optimizer "$1" --lr "$2" --epochs "$3" --logdir "$work/best" --json \
    | tail -n 1 > "$work/best.json"

auto="(lrscope train has no --lr auto yet)"
if "$bin" train --help | grep -q -- "--lr auto"; then
    auto=$("$bin" train $common --optimizer adam --lr auto --epochs 1 --logdir "$work/auto" --json \
        | tail -n 1 | /usr/bin/python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["test_accuracy"])')
fi

echo "== lrscope tune leaderboard (tpe+asha, --budget 10) =="
cat "$work/lrscope.txt"
echo "== Optuna leaderboard (TPE + MedianPruner, 20 x 1 epoch) =="
grep -v '"summary"' "$work/optuna.txt"
/usr/bin/python3 - "$work" "$t0" "$t1" "$auto" <<'PY'
import json, sys
work, t0, t1, auto = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
o = [json.loads(l) for l in open(work + "/optuna.txt") if '"summary"' in l][0]
lb = json.load(open(work + "/lrscope.json"))
best = json.load(open(work + "/best.json"))
print()
print("%-8s %10s %10s %9s  %s" % ("", "val acc", "test acc", "seconds", "best params"))
print("%-8s %10.4f %10.4f %9.1f  %s" % ("optuna", o["best_value"], o["best_test_accuracy"], o["seconds"], o["best_params"]))
print("%-8s %10.4f %10.4f %9.1f  %s" % ("lrscope", lb["best"]["value"], best["test_accuracy"], t1 - t0, lb["best"]["params"]))
print("lrscope / optuna wall time: %.2f (target <= 0.6); test accuracy %+.4f (target >= 0)"
      % ((t1 - t0) / o["seconds"], best["test_accuracy"] - o["best_test_accuracy"]))
print("--lr auto alone (adam, 1 epoch): %s" % auto)
PY
echo "(files in $work)"
