#!/bin/sh
# The range test against a grid of constant LRs. For each setting (data, model, optimizer):
# 2-epoch runs at 12 LRs (10^-5 to 10^0.5, half-decade steps), `lrscope find --json` (where
# valley, steep, minimum and auto land, and its cost in training steps), a 2-epoch run at each
# method's LR and `lrscope train --lr auto`. Prints per setting the grid (test accuracy,
# diverged?), each method's LR, the accuracy at it and at the nearest grid point, and whether
# auto is within 1 point of the grid's best at <= 5% of the grid's steps.
# Run by hand: nice tools/bench/bench_find.sh [BUILD_DIR] [SEED]   (BENCH_KEEP=1 keeps runs)
set -eu
build=${1:-build}
seed=${2:-1}
bin=$build/tools/lrscope/lrscope
work=$(mktemp -d /tmp/bench-find-XXXXXX)
grid="1e-5 3.1623e-5 1e-4 3.1623e-4 1e-3 3.1623e-3 1e-2 3.1623e-2 1e-1 3.1623e-1 1 3.1623"

# train NAME ARGS...: one 2-epoch run; its last JSON line (or the exit status) in NAME.json.
train() {
    name=$1; shift
    if "$bin" train "$@" --epochs 2 --seed "$seed" --threads 1 --json --logdir "$work/$name" \
        > "$work/$name.out" 2>/dev/null; then
        tail -n 1 "$work/$name.out" > "$work/$name.json"
    else
        echo "{\"event\":\"failed\",\"exit\":$?}" > "$work/$name.json"
    fi
}

setting() {
    tag=$1 data=$2 model=$3 opt=$4
    common="--data $data --model $model --optimizer $opt --batch 128"
    for lr in $grid; do
        train "$tag-grid-$lr" $common --lr "$lr"
    done
    "$bin" find $common --seed "$seed" --threads 1 --json > "$work/$tag-find.json" || true
    for method in valley steep minimum; do
        lr=$(/usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["suggestions"][sys.argv[2]]; print(v if v else "")' \
            "$work/$tag-find.json" "$method")
        [ -n "$lr" ] && train "$tag-$method" $common --lr "$lr"
    done
    train "$tag-auto" $common --lr auto
    echo "$tag $data $model $opt" >> "$work/settings"
}

setting fmnist-sgd fashion-mnist mlp:256 sgd:momentum=0.9
setting fmnist-adam fashion-mnist mlp:256 adam
setting fmnist512-sgd fashion-mnist mlp:512,256 sgd:momentum=0.9
setting fmnist512-adam fashion-mnist mlp:512,256 adam
setting sample-sgd sample mlp:256 sgd:momentum=0.9
setting sample-adam sample mlp:256 adam

/usr/bin/python3 - "$work" "$grid" <<'PY'
import json, math, os, sys
work, grid = sys.argv[1], sys.argv[2].split()

def run(name):
    path = os.path.join(work, name + ".json")
    if not os.path.exists(path):
        return None
    d = json.load(open(path))
    if d.get("event") != "done":  # exit 3: the loss became NaN
        return {"diverged": True, "test_accuracy": float("nan")}
    d["diverged"] = False
    return d

def mark_diverged(rows):
    """Chance accuracy (< 15%) above the best LR: the run blew up, even without a NaN."""
    ok = [(r["test_accuracy"], lr) for lr, r in rows if r and not r["diverged"]]
    best = max(ok)[1]
    for lr, r in rows:
        if r and lr > best and not r["test_accuracy"] >= 0.15:
            r["diverged"] = True

def acc(r):
    if r is None:
        return "-"
    return "%.4f%s" % (r["test_accuracy"], " (diverged)" if r["diverged"] else "")

summary = []
for line in open(os.path.join(work, "settings")):
    tag, data, model, opt = line.split()
    print("== %s %s %s (2 epochs, batch 128) ==" % (data, model, opt))
    rows = [(float(lr), run("%s-grid-%s" % (tag, lr))) for lr in grid]
    mark_diverged(rows)
    steps = next((r["steps"] for _, r in rows if r and "steps" in r), 0)
    for lr, r in rows:
        print("  lr %-9.3g test acc %s" % (lr, acc(r)))
    ok = [(r["test_accuracy"], lr) for lr, r in rows if r and not r["diverged"]]
    best_acc, best_lr = max(ok)
    find = json.load(open(os.path.join(work, tag + "-find.json")))
    print("  grid best: lr %.3g, %.4f; range test: %d steps = %.1f%% of the grid's %d"
          % (best_lr, best_acc, find["steps"], 100.0 * find["steps"] / (12 * steps), 12 * steps))
    for method in ("valley", "steep", "minimum", "auto"):
        lr = find["suggestions"][method]
        if lr is None:
            print("  %-8s no answer" % method)
            continue
        near_lr, near = min(rows, key=lambda x: abs(math.log10(x[0]) - math.log10(lr)))
        r = run(tag + "-" + method)
        mark_diverged(rows + [(lr, r)])
        print("  %-8s lr %-9.3g acc %s (%+.2f pt vs best)  nearest grid lr %.3g: %s"
              % (method, lr, acc(r), 100 * ((r or {}).get("test_accuracy", float("nan")) - best_acc),
                 near_lr, acc(near)))
        if method == "auto":
            summary.append((tag, lr, r["test_accuracy"] if r else float("nan"), best_acc,
                            100.0 * find["steps"] / (12 * steps)))
print("== auto against the grid (target: within 1 point of the best, <= 5% of its steps) ==")
for tag, lr, a, b, cost in summary:
    print("  %-15s auto lr %-9.3g acc %.4f  best %.4f  gap %+.2f pt  cost %.1f%%  %s"
          % (tag, lr, a, b, 100 * (a - b), cost, "ok" if b - a <= 0.01 else "MISS"))
PY
[ "${BENCH_KEEP:-0}" = 1 ] && echo "runs kept in $work" || rm -rf "$work"
