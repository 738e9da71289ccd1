"""Labels the runs of bench_signs.sh from how they were made and how they ended (never
from the detectors), then scores `lrscope check --json` against the labels.

Rules, in order, on the logged train/loss (or `loss` for the fixtures) and val/accuracy,
written before the detectors were run on these runs:
  divergence  a non-finite loss; or the loss exploded (a point 10x the first loss); or a
              5-point mean loss at least twice the first loss or the lowest 5-point mean
              before it, never back under 0.9 x the first loss for good (it ended at chance),
              unless made with a low LR (since session 6: a mean-squared-error loss at
              batch 32 doubles its lowest 5-point mean by noise alone while a too-low LR
              leaves it near its first value: a crawl, not a divergence);
              or, made with a high LR, the last tenth's mean loss is at least 0.9 x the first
              loss (back at the untrained level: it kept nothing it learned)
  (far below  final val accuracy at least 0.10 under the best run of the same data and
              optimizer family; plain SGD counts as SGD)
  oscillation far below, made with a high LR (not diverged: the loss fell, but swings or
              climbed back well above the good runs' and does not come down to them)
  plateau     far below, not falling over its last half after falling 20% first, made with a
              schedule that decays early (or a low LR)
  slow        far below and still falling (last quarter < 0.97 x the third quarter), or far
              below and made with a low LR (a schedule may have annealed it to a crawl)
  overfit     the val loss's mean over the last third is 5% above its minimum, reached
              before the last third; or (since session 6, the issue's own definition: "a
              validation loss that stops falling or rises while the training loss keeps
              falling") the mean of its last 3 evaluations is 5% above its minimum, reached
              before them, while the training loss fell over the last third
  healthy     none of these, made with a good recipe (intent good: an LR and schedule that
              train this model well) or written by another framework
  survived    none of these, made at a deliberately wrong LR or an early-decaying schedule:
              it ended within 0.10 of the best, but its curve may well show the wrong LR
              (Adam at 30x its usual LR blows up 5x in its first steps): not scored, its
              alarms are counted apart
A good recipe that still ends far below counts as too high when its peak LR is above the
best run's of its group (batch 32 at SGD's usual 0.1), else too low; these two rules were
added in session 3, after the detectors had been run on the corpus (the earlier rules
called every run with none of the labels above healthy).
Scores: for divergence, a run is flagged when check raised any critical sign; for the other
kinds, when check raised a sign of that kind at warning or above.
"""
import itertools
import json
import math
import os
import sys

KINDS = ["divergence", "oscillation", "plateau", "slow", "overfit"]


def load_points(path):
    series = {}
    with open(path) as f:
        for line in f:
            p = json.loads(line)
            v = p["value"]
            series.setdefault(p["tag"], []).append(float(v) if v is not None else math.nan)
            if p["tag"] in ("train/loss", "loss"):
                series.setdefault("_steps", []).append(p["step"])
    return series


def mean(xs):
    return sum(xs) / len(xs)


def climbs_to_double(loss):
    best = loss[0] if loss else math.inf
    for t in range(0, len(loss) - 4):
        m = mean(loss[t:t + 5])
        if m >= 2 * best:
            return True
        best = min(best, m)
    return False


def quarter(loss, k):
    n = len(loss)
    return mean(loss[k * n // 4:(k + 1) * n // 4])


def peak_lr(s):
    return max(s.get("train/lr") or [math.nan])


def overfits(val, loss):
    """The val loss rose 5% above its best (see the module's comment), the session-6 rule
    (a late rise) unless OLD_OVERFIT_LABEL=1 in the environment."""
    if len(val) < 3 or not all(math.isfinite(v) for v in val):
        return False
    at = min(range(len(val)), key=lambda i: val[i])
    if at < 2 * len(val) // 3 and mean(val[2 * len(val) // 3:]) >= 1.05 * val[at]:
        return True
    if os.environ.get("OLD_OVERFIT_LABEL") == "1" or len(val) < 6:
        return False
    at = min(range(len(val) - 3), key=lambda i: val[i])
    train_fell = mean(loss[-len(loss) // 6:]) < mean(loss[-len(loss) // 3:-len(loss) // 6])
    return mean(val[-3:]) >= 1.05 * val[at] and train_fell


def label(s, intent, best_acc, best_lr):
    loss = s.get("train/loss") or s.get("loss") or []
    if intent == "nan" or any(not math.isfinite(x) for x in loss) or max(loss) >= 10 * loss[0]:
        return "divergence"
    if intent != "low" and climbs_to_double(loss) and mean(loss[-20:]) >= 0.9 * loss[0]:
        return "divergence"
    if intent == "high" and mean(loss[-max(1, len(loss) // 10):]) >= 0.9 * loss[0]:
        return "divergence"
    acc = s.get("val/accuracy", [None])[-1]
    far_below = acc is not None and best_acc is not None and acc < best_acc - 0.10
    if far_below and intent == "good":
        intent = "high" if peak_lr(s) > best_lr else "low"
    falling = quarter(loss, 3) < 0.97 * quarter(loss, 2)
    stalled = quarter(loss, 3) >= 0.98 * quarter(loss, 1) and quarter(loss, 1) <= 0.8 * loss[0]
    if far_below and intent == "high":
        return "oscillation"
    if far_below and stalled and intent in ("early-decay", "low"):
        return "plateau"
    if far_below and (falling or intent == "low"):
        return "slow"
    if overfits(s.get("val/loss", []), loss):
        return "overfit"
    return "healthy" if intent in ("good", "fixture") else "survived"


def left_for_good(s):
    """(onset, fast): onset is the step after which the loss never came back near its running
    minimum: the last step whose level (the mean of the 21 points centred on it, so that
    minibatch noise neither makes a lucky low the minimum nor a noisy point a departure, and
    without an EMA's lag) was within 1.2x the lowest level so far; fast says whether the level
    then reached 2x that minimum (or a non-finite value) within 20 steps (an explosion, not a
    slow drift). None when the run ends near its minimum (it came back: no 'for good').
    OLD_ONSET=1: the level is a fast EMA (weight 0.3) instead, as first written; on a batch-32
    loss its lowest is a lucky low and the run "leaves" it at once."""
    steps = s.get("_steps", [])
    loss = s.get("train/loss") or s.get("loss") or []
    finite = list(itertools.takewhile(math.isfinite, loss))
    if os.environ.get("OLD_ONSET"):
        level, ema = [], None
        for x in finite:
            ema = x if ema is None else ema + 0.3 * (x - ema)
            level.append(ema)
    else:
        sums = [0.0, *itertools.accumulate(finite)]
        n = len(finite)
        level = [(sums[min(n, i + 11)] - sums[max(0, i - 10)]) / (min(n, i + 11) - max(0, i - 10)) for i in range(n)]
    low, last_near, trace = math.inf, None, []
    for step, e in zip(steps, level):
        low = min(low, e)
        trace.append((step, e, low))
        if e <= 1.2 * low:
            last_near = step
    if len(finite) < len(loss):  # a non-finite value: the run never comes back
        trace.append((steps[len(finite)], math.inf, low))
    if last_near is None or trace[-1][1] <= 1.2 * trace[-1][2]:
        return None
    fast = any(last_near < st <= last_near + 20 and e >= 2 * lo for st, e, lo in trace)
    return last_near, fast


def given_back(s):
    """The share of its fall the loss has given back at each point, as a live detector could
    know it: (level - lowest level so far) / (untrained loss - lowest level so far), the level
    being the mean of the last 21 points (no future points), the untrained loss the mean of
    the first 5; 0 while the LR is rising (a warm-up or a cyclic LR may lift the loss)."""
    loss = list(itertools.takewhile(math.isfinite, s.get("train/loss") or s.get("loss") or []))
    lr = s.get("train/lr") or [0.0] * len(loss)
    sums, first, low, shares = [0.0, *itertools.accumulate(loss)], mean(loss[:5] or [0.0]), math.inf, []
    for i in range(len(loss)):
        level = (sums[i + 1] - sums[max(0, i - 20)]) / (i + 1 - max(0, i - 20))
        low = min(low, level) if i >= 20 else low
        rising = i < len(lr) and lr[i] > 1.01 * min(lr[max(0, i - 100):i + 1])
        shares.append((level - low) / (first - low) if i >= 20 and first > low and not rising else 0.0)
    return shares


def drift_separability(runs, labelled, points):
    """Why a slow drift is not flagged within 20 steps: how much of its fall it has given back
    20 steps after it left its minimum for good, against how many runs that did not diverge
    give back as much at some point (after step 100) and then come down again."""
    at = []
    for n, _, _ in runs:
        left = left_for_good(points[n]) if labelled[n] == "divergence" else None
        if left and not left[1]:
            i = points[n]["_steps"].index(left[0]) + 20
            shares = given_back(points[n])
            if 20 <= i < len(shares):
                at.append(shares[i])
    if not at:
        return
    at.sort()
    median = at[len(at) // 2]
    most = {}
    for n, _, _ in runs:
        if labelled[n] not in ("divergence", "survived"):
            reached = max(given_back(points[n])[100:] or [0.0]) >= median
            have, hit = most.get(labelled[n], (0, 0))
            most[labelled[n]] = (have + 1, hit + reached)
    print(f"slow drifts 20 steps after leaving the minimum for good: {len(at)}, median share of the fall given "
          f"back {median:.2f} (quartiles {at[len(at) // 4]:.2f}, {at[3 * len(at) // 4]:.2f}); runs that did not "
          "diverge giving back as much at some point: "
          + ", ".join(f"{k} {hit} of {have}" for k, (have, hit) in sorted(most.items())))


def corpus_name(path):
    """The corpus run a judged run belongs to: the folder under runs/ (a Keras run's train/
    and validation/ runs are inside it)."""
    return path.split("/runs/", 1)[-1].split("/", 1)[0]


def read_verdicts(path):
    """{corpus run: {"verdict", "signs"}} from a check --json file."""
    verdicts = {}
    for r in json.load(open(path))["runs"]:  # a Keras run's train/ and validation/ are one
        v = verdicts.setdefault(corpus_name(r["run"]), {"verdict": "ok", "signs": []})
        v["signs"] += r.get("signs", [])
        rank = {"ok": 0, "warning": 1, "critical": 2}
        v["verdict"] = max(v["verdict"], r.get("verdict", "ok"), key=lambda x: rank.get(x, 3))
    return verdicts


def main(out):
    runs = [line.split() for line in open(f"{out}/runs.txt")]
    points = {name: load_points(f"{out}/runs/{name}.points") for name, _, _ in runs}
    verdicts = read_verdicts(f"{out}/check.json")
    # live.json: each sign as raised while the run was written (check --live), for the delays;
    # an older corpus without it is timed by check's own (after the fact) signs
    live = read_verdicts(f"{out}/live.json") if os.path.exists(f"{out}/live.json") else None

    def group(name):
        parts = name.split("-")
        return parts[0] + "-" + parts[1]

    best, best_lr = {}, {}
    for name, _, _ in runs:
        acc = points[name].get("val/accuracy")
        if acc and acc[-1] > best.get(group(name), 0):
            best[group(name)] = acc[-1]
            best_lr[group(name)] = peak_lr(points[name])
    labelled = {name: label(points[name], intent, best.get(group(name)), best_lr.get(group(name)))
                for name, intent, _ in runs}

    def raised(name, kind):
        signs = verdicts.get(name, {}).get("signs", [])
        if kind == "divergence":
            return any(s["severity"] == "critical" for s in signs)
        return any(s["kind"] == kind and s["severity"] != "info" for s in signs)

    def alarmed(name):
        """check raised a warning or worse on the run, of any kind."""
        return any(s["severity"] != "info" for s in verdicts.get(name, {}).get("signs", []))

    print(f"{'run':34} {'label':12} {'verdict':9} signs (warning and above)")
    for name, intent, data in runs:
        signs = verdicts.get(name, {}).get("signs", [])
        kinds = sorted({s["kind"] for s in signs if s["severity"] != "info"})
        acc = points[name].get("val/accuracy", [math.nan])[-1]
        print(f"{name:34} {labelled[name]:12} {verdicts.get(name, {}).get('verdict', '-'):9} "
              f"{','.join(kinds) or '-'}  (val acc {acc:.3f})")
    print()
    print(f"{'kind':12} {'runs':>5} {'recall':>7} {'precision':>9}")
    for kind in KINDS:
        have = [n for n, _, _ in runs if labelled[n] == kind]
        flagged = [n for n, _, _ in runs if raised(n, kind)]
        hit = [n for n in have if raised(n, kind)]
        recall = f"{100 * len(hit) / len(have):.0f}%" if have else "-"
        precision = f"{100 * len(hit) / len(flagged):.0f}%" if flagged else "-"
        print(f"{kind:12} {len(have):5} {recall:>7} {precision:>9}")
    timed = live or verdicts
    delays = {True: [], False: []}
    at_once = []  # diverged with no minimum to leave (blown from its first points, or back to it at the end)
    for n, _, _ in runs:
        if labelled[n] != "divergence":
            continue
        left = left_for_good(points[n])
        flags = [x["end_step"] for x in timed.get(n, {}).get("signs", []) if x["severity"] == "critical"]
        if left is None and flags:
            at_once.append(min(flags) - points[n]["_steps"][0])
        if left is not None and flags:
            later = [f for f in flags if f >= left[0]]
            delays[left[1]].append(min(later) - left[0] if later else 0)  # flagged before it left: 0
    when = "live (check --live)" if live else "after the fact"
    for fast, what in ((True, "explosions (2x within 20 steps)"), (False, "slow drifts")):
        d = sorted(delays[fast])
        if d:
            print(f"divergence delay {when}, {what}: {len(d)} diverged runs that did not come back, "
                  f"{sum(x <= 20 for x in d)} flagged within 20 steps of leaving the minimum for good; "
                  f"median {d[len(d) // 2]}, max {d[-1]} steps")
    if at_once:
        at_once.sort()
        print(f"divergence {when}, runs with no minimum to leave for good: {len(at_once)}, first critical "
              f"{sum(x <= 20 for x in at_once)} within 20 steps of the start; median {at_once[len(at_once) // 2]}, "
              f"max {at_once[-1]} steps")
    drift_separability(runs, labelled, points)
    if live:
        healthy = [n for n, _, _ in runs if labelled[n] == "healthy"]
        stopped = [n for n in healthy if any(x["severity"] == "critical" for x in live.get(n, {}).get("signs", []))]
        print(f"healthy runs with a live critical sign (--on-sign stop would end them): {len(stopped)} of {len(healthy)}"
              + (f" ({', '.join(stopped)})" if stopped else ""))
    too_high = [n for n, _, _ in runs if labelled[n] in ("divergence", "oscillation")]
    told = [n for n in too_high if any(s["severity"] != "info" and s["suggestion"]["action"] in ("reduce_lr", "stop")
                                       for s in verdicts.get(n, {}).get("signs", []))]
    print(f"too-high-LR runs (divergence or oscillation) told to lower the LR or stop: {len(told)} of {len(too_high)}")
    by_data = sorted({data for _, _, data in runs})
    if len(by_data) > 1:
        print("by data (and log shape): recall per kind (labelled runs), healthy runs alarmed")
        for data in by_data:
            names = [n for n, _, d in runs if d == data]
            cells = []
            for kind in KINDS:
                have = [n for n in names if labelled[n] == kind]
                if have:
                    cells.append(f"{kind} {sum(raised(n, kind) for n in have)}/{len(have)}")
            healthy = [n for n in names if labelled[n] == "healthy"]
            print(f"  {data:16} {'  '.join(cells)}  healthy alarmed {sum(map(alarmed, healthy))}/{len(healthy)}")
    for kind in ("healthy", "survived"):
        have = [n for n, _, _ in runs if labelled[n] == kind]
        alarms = [n for n in have if alarmed(n)]
        print(f"{kind} runs with a warning or worse: {len(alarms)} of {len(have)}"
              + (f" ({', '.join(alarms)})" if alarms else ""))


if __name__ == "__main__":
    main(sys.argv[1])
