#!/bin/sh
# The range test against a grid of constant LRs. For each setting (data, model, optimizer)
# and seed: 2-epoch runs at 12 LRs (10^-5 to 10^0.5, half-decade steps), `lrscope find
# --json` (where valley, steep, minimum and auto land, and its cost in training steps), a
# 2-epoch run at each method's LR and `lrscope train --lr auto`. Prints per setting and seed
# the grid (test accuracy, diverged?), each method's LR, the accuracy at it and at the nearest
# grid point; then auto against the grid's best (target: within 1 point, at <= 5% of the
# grid's steps), per seed and averaged over the seeds (a single 2-epoch run at a constant LR
# varies by about a point from seed to seed, so one seed's best is partly luck).
# Run by hand: nice tools/bench/bench_find.sh [BUILD_DIR] ["SEEDS"]   (default "1 2 3";
# BENCH_KEEP=1 keeps the runs)
set -eu
build=${1:-build}
seeds=${2:-1 2 3}
bin=$build/tools/lrscope/lrscope
work=$(mktemp -d /tmp/bench-find-XXXXXX)
grid="1e-5 3.1623e-5 1e-4 3.1623e-4 1e-3 3.1623e-3 1e-2 3.1623e-2 1e-1 3.1623e-1 1 3.1623"

# train NAME ARGS...: one 2-epoch run; its last JSON line (or the exit status) in NAME.json.
train() {
    name=$1; shift
    if "$bin" train "$@" --epochs 2 --threads 1 --json --logdir "$work/$name" \
        > "$work/$name.out" 2>/dev/null; then
        tail -n 1 "$work/$name.out" > "$work/$name.json"
    else
        echo "{\"event\":\"failed\",\"exit\":$?}" > "$work/$name.json"
    fi
}

setting() {
    tag=$1 data=$2 model=$3 opt=$4
    for seed in $seeds; do
        common="--data $data --model $model --optimizer $opt --batch 128 --seed $seed"
        run=$tag-s$seed
        for lr in $grid; do
            train "$run-grid-$lr" $common --lr "$lr"
        done
        "$bin" find $common --threads 1 --json > "$work/$run-find.json" || true
        for method in valley steep minimum; do
            lr=$(/usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["suggestions"][sys.argv[2]]; print(v if v else "")' \
                "$work/$run-find.json" "$method")
            [ -n "$lr" ] && train "$run-$method" $common --lr "$lr"
        done
        train "$run-auto" $common --lr auto
    done
    echo "$tag $data $model $opt" >> "$work/settings"
}

setting fmnist-sgd fashion-mnist mlp:256 sgd:momentum=0.9
setting fmnist-adam fashion-mnist mlp:256 adam
setting fmnist512-sgd fashion-mnist mlp:512,256 sgd:momentum=0.9
setting fmnist512-adam fashion-mnist mlp:512,256 adam
setting sample-sgd sample mlp:256 sgd:momentum=0.9
setting sample-adam sample mlp:256 adam

/usr/bin/python3 - "$work" "$grid" "$seeds" <<'PY'
import json, math, os, sys
work, grid, seeds = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()

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

def report(tag, header):
    """One setting and seed: the grid, the methods; returns (grid accuracies, auto's, cost)."""
    print(header)
    rows = [(float(lr), run("%s-grid-%s" % (tag, lr))) for lr in grid]
    mark_diverged(rows)
    steps = next((r["steps"] for _, r in rows if r and "steps" in r), 0)
    for lr, r in rows:
        print("  lr %-9.3g test acc %s" % (lr, acc(r)))
    best_acc, best_lr = max((r["test_accuracy"], lr) for lr, r in rows if r and not r["diverged"])
    find = json.load(open(os.path.join(work, tag + "-find.json")))
    cost = 100.0 * find["steps"] / (12 * steps)
    print("  grid best: lr %.3g, %.4f; range test: %d steps = %.1f%% of the grid's %d"
          % (best_lr, best_acc, find["steps"], cost, 12 * steps))
    auto = (float("nan"), float("nan"))
    for method in ("valley", "steep", "minimum", "auto"):
        lr = find["suggestions"][method]
        if lr is None:
            print("  %-8s no answer" % method)
            continue
        near_lr, near = min(rows, key=lambda x: abs(math.log10(x[0]) - math.log10(lr)))
        r = run(tag + "-" + method)
        mark_diverged(rows + [(lr, r)])
        a = (r or {}).get("test_accuracy", float("nan"))
        print("  %-8s lr %-9.3g acc %s (%+.2f pt vs best)  nearest grid lr %.3g: %s"
              % (method, lr, acc(r), 100 * (a - best_acc), near_lr, acc(near)))
        if method == "auto":
            auto = (lr, a)
    return [r["test_accuracy"] if r else float("nan") for _, r in rows], auto, cost

summary = []
for line in open(os.path.join(work, "settings")):
    tag, data, model, opt = line.split()
    per_seed = [report("%s-s%s" % (tag, seed), "== %s %s %s, seed %s (2 epochs, batch 128) =="
                       % (data, model, opt, seed)) for seed in seeds]
    summary.append((tag, per_seed))

print("== auto against the grid (target: within 1 point of the best, <= 5% of its steps) ==")
for tag, per_seed in summary:
    for seed, (accs, (lr, a), cost) in zip(seeds, per_seed):
        best = max(x for x in accs if x == x)
        print("  %-15s seed %-3s auto lr %-9.3g acc %.4f  best %.4f  gap %+.2f pt  cost %.1f%%  %s"
              % (tag, seed, lr, a, best, 100 * (a - best), cost, "ok" if best - a <= 0.01 else "MISS"))
if len(seeds) > 1:
    print("== averaged over seeds %s: auto's mean accuracy against the best mean of a grid LR ==" % " ".join(seeds))
    for tag, per_seed in summary:
        n = len(per_seed)
        means = [sum(p[0][i] for p in per_seed) / n for i in range(len(grid))]
        best_i = max((m, i) for i, m in enumerate(means) if m == m)[1]
        a = sum(p[1][1] for p in per_seed) / n
        lrs = " ".join("%.3g" % p[1][0] for p in per_seed)
        print("  %-15s auto lrs %-26s mean acc %.4f  grid best lr %-7.3g mean %.4f  gap %+.2f pt  %s"
              % (tag, lrs, a, float(grid[best_i]), means[best_i], 100 * (a - means[best_i]),
                 "ok" if means[best_i] - a <= 0.01 else "MISS"))
PY
[ "${BENCH_KEEP:-0}" = 1 ] && echo "runs kept in $work" || rm -rf "$work"
