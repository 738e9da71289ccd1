#!/usr/bin/python3
"""The warning signs on runs lrscope did not train: a corpus trained in PyTorch (Debian's
python3-torch) and logged the way other frameworks log, for bench_signs.sh to judge.

  bench_signs_torch.py OUT_DIR [--seeds 1 2] [--quick]
  REJUDGE=1 tools/bench/bench_signs.sh BUILD OUT_DIR     judges and scores it

Two tasks unlike lrscope's own MLP: a small CNN on 12,000 Fashion-MNIST images
(cross-entropy, 8 epochs of batch 64: 1,504 steps), and a regression MLP fitting a random
teacher network (mean squared error: the loss has no chance level and ends near the
teacher's noise, 12 epochs of batch 32: 3,072 steps; its "accuracy" is the R^2 on
held-out data). Each runs PyTorch's own
optimizers and schedulers (StepLR, CosineAnnealingLR, OneCycleLR, warm-up then cosine,
ReduceLROnPlateau, ExponentialLR) at too-high, good and too-low LRs.

Each run is written in one of four shapes, in turn, as those frameworks log by default:
  torch      SummaryWriter by hand: Loss/train and LR every step; Loss/val, Accuracy/val
             every epoch
  lightning  self.log(on_step, on_epoch) with log_every_n_steps=50: train_loss_step at
             every 50th step (the loss of that step), train_loss_epoch, val_loss, val_acc
             per epoch, LearningRateMonitor's lr-<Optimizer> at every 50th step
  hf         Trainer with logging_steps=10: train/loss (the mean since the last log),
             train/learning_rate and train/grad_norm every 10 steps; eval/loss and
             eval/accuracy per epoch
  keras      TensorBoard callback: epoch_loss per epoch in NAME/train, epoch_loss and
             epoch_accuracy in NAME/validation (8 or 12 points, each an epoch's mean:
             judged per epoch, by their shape)
One more shape is not in the rotation; --reshape SRC writes every run of the corpus SRC in
it, into OUT_DIR, without training:
  keras-batch  the callback with update_freq="batch": keras's files plus batch_loss at
             global batch 1, 2, ... in NAME/train, the mean of the epoch's batches so far
             (reset at each epoch), and epoch_learning_rate per epoch
The event files are what check reads. The labels come from the per-step truth (NAME.points:
train/loss, train/lr, val/loss, val/accuracy every step or epoch, whatever was logged), by
bench_signs_score.py's rules, never from the detectors. runs.txt and total-N.txt as
bench_signs.sh writes them (N in the logged steps: epochs for keras).
"""
import argparse
import itertools
import json
import math
import os
import shutil
import struct
import sys
import time
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore", category=UserWarning)  # torch 1.13: SequentialLR passes an epoch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_signs_thin import bytes_field, event, field, record  # noqa: E402
from bench_train_torch import DATA, idx  # noqa: E402

SHAPES = ["torch", "lightning", "hf", "keras"]


def fashion(n_train, n_val):
    x = idx(f"{DATA}/train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    y = idx(f"{DATA}/train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    return (x[:n_train], y[:n_train]), (x[n_train:n_train + n_val], y[n_train:n_train + n_val])


def teacher(n_train, n_val):
    """Targets of a random tanh network of 20 inputs plus noise (10% of their variance)."""
    g = torch.Generator().manual_seed(12345)
    x = torch.randn(n_train + n_val, 20, generator=g)
    w1, w2 = torch.randn(20, 32, generator=g) / 20 ** 0.5, torch.randn(32, 1, generator=g) / 32 ** 0.5
    y = torch.tanh(2 * x @ w1) @ w2
    y = (y - y.mean()) / y.std()
    y = y + 0.316 * torch.randn(y.shape, generator=g)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 10))


def regressor():
    return torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                               torch.nn.ReLU(), torch.nn.Linear(64, 1))


TASKS = {
    # name: (data, model, loss, epochs, batch)
    "cnn": (lambda: fashion(12000, 2000), cnn, torch.nn.functional.cross_entropy, 8, 64),
    "reg": (lambda: teacher(8192, 2048), regressor, torch.nn.functional.mse_loss, 12, 32),
}


def recipes(task):
    """(name, intent, optimizer, lr, schedule) per recipe; LRs scaled to each task (its good
    LR found by hand before any judging: SGD 0.05 and Adam 1e-3 for the CNN, SGD 0.02 and
    Adam 1e-3 for the regressor)."""
    g = 0.05 if task == "cnn" else 0.02
    out = []
    for m in (60, 20, 10, 6):
        out.append((f"sgd-{g * m:g}", "high", "sgd", g * m, None))
    for m in (20, 10):
        out.append((f"sgd-{g * m:g}-nomomentum", "high", "plain", g * m, None))
    out += [(f"sgd-{g:g}", "good", "sgd", g, None),
            (f"sgd-{g:g}-cosine", "good", "sgd", g, "cosine"),
            (f"sgd-{g:g}-step", "good", "sgd", g, "step"),
            (f"sgd-{2 * g:g}-onecycle", "good", "sgd", 2 * g, "onecycle"),
            (f"sgd-{g:g}-warmcos", "good", "sgd", g, "warmcos"),
            (f"sgd-{g:g}-plateau", "good", "sgd", g, "plateau"),
            (f"sgd-{g / 50:g}", "low", "sgd", g / 50, None),
            (f"sgd-{g / 500:g}", "low", "sgd", g / 500, None),
            (f"sgd-{g:g}-exp", "early-decay", "sgd", g, "exp")]
    for lr in (0.1, 0.03, 0.01):
        out.append((f"adam-{lr:g}", "high", "adam", lr, None))
    out += [("adam-0.001", "good", "adam", 1e-3, None),
            ("adam-0.001-cosine", "good", "adam", 1e-3, "cosine"),
            ("adam-0.003-onecycle", "good", "adam", 3e-3, "onecycle"),
            ("adam-1e-05", "low", "adam", 1e-5, None),
            ("adam-3e-06", "low", "adam", 3e-6, None),
            ("adam-0.001-exp", "early-decay", "adam", 1e-3, "exp"),
            ("adamw-0.03", "high", "adamw", 0.03, None),
            ("adamw-0.001", "good", "adamw", 1e-3, None),
            ("adamw-1e-05", "low", "adamw", 1e-5, None)]
    return out


def optimizer(kind, params, lr):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if kind == "plain":
        return torch.optim.SGD(params, lr=lr)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr)
    return torch.optim.AdamW(params, lr=lr, weight_decay=0.01)


def scheduler(kind, opt, lr, total, per_epoch):
    """Per-step schedulers (ReduceLROnPlateau steps per epoch on the val loss); None."""
    s = torch.optim.lr_scheduler
    if kind == "cosine":
        return s.CosineAnnealingLR(opt, T_max=total)
    if kind == "step":
        return s.StepLR(opt, step_size=total // 3, gamma=0.1)
    if kind == "onecycle":
        return s.OneCycleLR(opt, max_lr=lr, total_steps=total)
    if kind == "warmcos":
        warm = total // 10
        return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.1, total_iters=warm),
                                    s.CosineAnnealingLR(opt, T_max=total - warm)], milestones=[warm])
    if kind == "plateau":
        return s.ReduceLROnPlateau(opt, factor=0.1, patience=1)
    if kind == "exp":  # 0.95 per epoch's worth of steps... but per step: decays early
        return s.ExponentialLR(opt, gamma=0.95 ** (20 / per_epoch))
    return None


def evaluate(net, loss_fn, val, classify):
    with torch.no_grad():
        x, y = val
        out = net(x)
        loss = loss_fn(out, y).item()
        if classify:
            return loss, (out.argmax(1) == y).float().mean().item()
        return loss, 1 - loss / y.var().item() if math.isfinite(loss) else -math.inf


def train(task, recipe, seed, data):
    """The per-step truth: [(tag, step, value)] with train/loss, train/lr, train/grad_norm
    every step and val/loss, val/accuracy at each epoch's end (step: steps done)."""
    _, make, loss_fn, epochs, batch = TASKS[task]
    name, intent, kind, lr, sched_kind = recipe
    (x, y), val = data
    torch.manual_seed(seed)
    net = make()
    opt = optimizer(kind, net.parameters(), lr)
    per_epoch = (x.shape[0] + batch - 1) // batch
    total = per_epoch * epochs
    sched = scheduler(sched_kind, opt, lr, total, per_epoch)
    points, step = [], 0
    for epoch in range(epochs):
        order = torch.randperm(x.shape[0])
        for b in range(per_epoch):
            i = order[b * batch:(b + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[i]), y[i])
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(net.parameters(), float("inf")).item()
            points += [("train/loss", step, loss.item()), ("train/lr", step, opt.param_groups[0]["lr"]),
                       ("train/grad_norm", step, norm)]
            opt.step()
            if sched and sched_kind != "plateau":
                sched.step()
            step += 1
        vl, acc = evaluate(net, loss_fn, val, task == "cnn")
        points += [("val/loss", step, vl), ("val/accuracy", step, acc)]
        if sched_kind == "plateau":
            sched.step(vl if math.isfinite(vl) else math.inf)
    return points, total, epochs


def series(points, tag):
    return [(s, v) for t, s, v in points if t == tag]


def shaped(points, shape, kind, epochs):
    """{run subfolder: [(step, tag, value)]}: what that framework writes of the truth."""
    loss, lr, grad = series(points, "train/loss"), series(points, "train/lr"), series(points, "train/grad_norm")
    vloss, vacc = series(points, "val/loss"), series(points, "val/accuracy")
    ends = [s for s, _ in vloss]
    epoch_loss = [[(s, v) for s, v in loss if (ends[e - 1] if e else 0) <= s < end] for e, end in enumerate(ends)]
    epoch_mean = [(end - 1, sum(v for _, v in xs) / len(xs)) for end, xs in zip(ends, epoch_loss)]
    if shape == "torch":
        return {"": [(s, "Loss/train", v) for s, v in loss] + [(s, "LR", v) for s, v in lr] +
                [(s, "Loss/val", v) for s, v in vloss] + [(s, "Accuracy/val", v) for s, v in vacc]}
    if shape == "lightning":
        opt = {"sgd": "SGD", "plain": "SGD", "adam": "Adam", "adamw": "AdamW"}[kind]
        every = [(s, v) for s, v in loss if (s + 1) % 50 == 0]
        return {"": [(s, "train_loss_step", v) for s, v in every] +
                [(s, f"lr-{opt}", v) for s, v in lr if (s + 1) % 50 == 0] +
                [(s, "train_loss_epoch", v) for s, v in epoch_mean] +
                [(s - 1, "val_loss", v) for s, v in vloss] + [(s - 1, "val_acc", v) for s, v in vacc] +
                [(s - 1, "epoch", float(e)) for e, (s, _) in enumerate(vloss)]}
    if shape == "hf":
        out = []
        for i in range(10, len(loss) + 1, 10):
            out.append((i, "train/loss", sum(v for _, v in loss[i - 10:i]) / 10))
            out.append((i, "train/learning_rate", lr[i - 1][1]))
            out.append((i, "train/grad_norm", grad[i - 1][1]))
        return {"": out + [(s, "eval/loss", v) for s, v in vloss] + [(s, "eval/accuracy", v) for s, v in vacc]}
    keras_batch = []
    if shape == "keras-batch":  # batch_loss at global batch s + 1: the mean of the epoch so far
        for e, (end, xs) in enumerate(zip(ends, epoch_loss)):
            sums = itertools.accumulate(v for _, v in xs)
            keras_batch += [(s + 1, "batch_loss", total / k) for k, ((s, _), total) in enumerate(zip(xs, sums), 1)]
            keras_batch.append((e, "epoch_learning_rate", [v for s, v in lr if s < end][-1]))
    return {"train": keras_batch + [(e, "epoch_loss", v) for e, (_, v) in enumerate(epoch_mean)],
            "validation": [(e, "epoch_loss", v) for e, (_, v) in enumerate(vloss)] +
                          [(e, "epoch_accuracy", v) for e, (_, v) in enumerate(vacc)]}


def write_events(folder, rows):
    os.makedirs(folder, exist_ok=True)
    rows.sort(key=lambda r: r[0])
    with open(f"{folder}/events.out.tfevents.1700000000.bench.1", "wb") as f:
        record(f, field(1, 1, struct.pack("<d", 1.7e9)) + bytes_field(3, b"brain.Event:2"))
        for i, (step, tag, v) in enumerate(rows):
            record(f, event(1.7e9 + i, step, tag, v))


def reshape(src, out):
    """Every run of the corpus src, logged as Keras with update_freq="batch", into out."""
    os.makedirs(f"{out}/runs", exist_ok=True)
    runs, totals = [], {}
    for line in open(f"{src}/runs.txt"):
        name, intent, data = line.split()
        points = []
        for row in open(f"{src}/runs/{name}.points"):
            q = json.loads(row)
            points.append((q["tag"], q["step"], q["value"] if q["value"] is not None else math.nan))
        epochs = len(series(points, "val/loss"))
        shutil.rmtree(f"{out}/runs/{name}", ignore_errors=True)
        for sub, rows in shaped(points, "keras-batch", None, epochs).items():
            write_events(f"{out}/runs/{name}/{sub}", rows)
        shutil.copy(f"{src}/runs/{name}.points", f"{out}/runs/{name}.points")
        runs.append(f"{name} {intent} {data.split('-')[0]}-keras-batch\n")
        totals.setdefault(epochs, []).append(name + "\n")
    open(f"{out}/runs.txt", "w").writelines(runs)
    for epochs, names in totals.items():  # judged as check would without --total-steps
        open(f"{out}/total-{epochs}.txt", "w").writelines(names)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    p.add_argument("--quick", action="store_true", help="two recipes per task (a smoke test)")
    p.add_argument("--reshape", metavar="SRC", help="write SRC's runs as keras-batch logs, untrained")
    a = p.parse_args()
    if a.reshape:
        return reshape(a.reshape, a.out)
    torch.set_num_threads(2)
    os.makedirs(f"{a.out}/runs", exist_ok=True)
    for f in os.listdir(a.out):
        if f == "runs.txt" or f.startswith("total-"):
            os.remove(f"{a.out}/{f}")
    start, turn = time.time(), 0
    for task in TASKS:
        data = TASKS[task][0]()
        todo = recipes(task)[:2] if a.quick else recipes(task)
        for seed in a.seeds:
            for recipe in todo:
                name = f"{task}-{recipe[0]}-s{seed}"
                shape = SHAPES[turn % len(SHAPES)]
                turn += 1
                points, total, epochs = train(task, recipe, seed, data)
                shutil.rmtree(f"{a.out}/runs/{name}", ignore_errors=True)
                for sub, rows in shaped(points, shape, recipe[2], epochs).items():
                    write_events(f"{a.out}/runs/{name}/{sub}".rstrip("/"), rows)
                with open(f"{a.out}/runs/{name}.points", "w") as f:
                    for tag, step, v in points:
                        f.write(json.dumps({"tag": tag, "step": step, "value": v if math.isfinite(v) else None}) + "\n")
                with open(f"{a.out}/runs.txt", "a") as f:
                    f.write(f"{name} {recipe[1]} {task}-{shape}\n")
                with open(f"{a.out}/total-{epochs if shape == 'keras' else total}.txt", "a") as f:
                    f.write(name + "\n")
                if sys.stderr.isatty():
                    print(f"\r{turn} runs, {time.time() - start:.0f} s: {name} ({shape})   ",
                          end="", file=sys.stderr)
    print(f"{turn} runs trained in {time.time() - start:.0f} s into {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
