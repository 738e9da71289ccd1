#!/usr/bin/python3
"""Optuna's side of bench_tune.sh: TPE sampler + MedianPruner over the same space as
lrscope tune, each trial one `lrscope train` process whose --json eval lines are the
intermediate values (4 per epoch). Prints one JSON line per trial, then a summary line.

usage: bench_tune_optuna.py LRSCOPE_BIN WORKDIR TRIALS SEED
"""
import json
import subprocess
import sys
import time

import optuna

BIN, WORK, TRIALS, SEED = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
STEPS_PER_EPOCH = 422  # 54,000 training examples after --val-split 0.1, batch 128


def objective(trial):
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    opt = trial.suggest_categorical("optimizer", ["sgd:momentum=0.9", "adam"])
    cmd = [BIN, "train", "--data", "fashion-mnist", "--model", "mlp:256", "--optimizer", opt,
           "--lr", repr(lr), "--epochs", "1", "--val-split", "0.1", "--threads", "2",
           "--eval-every", str(STEPS_PER_EPOCH // 4), "--json",
           "--logdir", "%s/optuna/trial-%04d" % (WORK, trial.number)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    done = None
    for line in p.stdout:
        ev = json.loads(line)
        if ev["event"] == "eval" and ev["step"] + 1 < STEPS_PER_EPOCH:
            trial.report(ev["val_accuracy"], ev["step"])
            if trial.should_prune():
                p.kill()
                p.wait()
                raise optuna.TrialPruned()
        elif ev["event"] == "done":
            done = ev
    p.wait()
    if done is None:  # the loss became NaN (exit 3)
        return 0.0
    trial.set_user_attr("test_accuracy", done["test_accuracy"])
    return done["val_accuracy"]


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=SEED),
                            pruner=optuna.pruners.MedianPruner())
start = time.monotonic()
study.optimize(objective, n_trials=TRIALS)
seconds = time.monotonic() - start
for t in sorted(study.trials, key=lambda t: -(t.value if t.value is not None else -1)):
    print(json.dumps({"trial": t.number, "status": t.state.name.lower(), "value": t.value,
                      "params": t.params, "test_accuracy": t.user_attrs.get("test_accuracy")}))
best = study.best_trial
print(json.dumps({"summary": True, "seconds": seconds, "best_value": best.value, "best_params": best.params,
                  "best_test_accuracy": best.user_attrs.get("test_accuracy")}))
