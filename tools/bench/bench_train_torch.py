#!/usr/bin/python3
"""PyTorch's side of bench_train.sh: the same MLP, data and recipe as `lrscope train`.

  bench_train_torch.py speed [--threads 2]             samples/s of one epoch, SGD momentum 0.9
  bench_train_torch.py accuracy --optimizer adam|sgd-onecycle --seed S [--epochs 10]

Fashion-MNIST from Debian's dataset-fashion-mnist (IDX .gz), pixels / 255 (ToTensor, no
mean/std), held in memory as tensors, batches gathered by index (so the comparison is of
the training step itself). For accuracy the indices come from a DataLoader(shuffle=True)
over range(n): the batches, and the draws from torch's generator, of a DataLoader over the
data set; and the test set is evaluated after every epoch through a DataLoader, as
`lrscope train` evaluates. So `--seed S` here and in lrscope give the same initial weights
and the same batches: the standard train-and-evaluate script.
No logging on this side. Prints one JSON line.
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load(split, folder=DATA):
    """Images (pixels / 255, as ToTensor) and labels of one split of gzipped IDX files."""
    x = idx(f"{folder}/{split}-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0
    y = idx(f"{folder}/{split}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def model():
    return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))


def step(net, opt, sched, x, y):
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    if sched:
        sched.step()
    return loss


def speed(args):
    x, y = load("train")
    torch.manual_seed(1)
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    B, n = 128, x.shape[0]
    order = torch.randperm(n)
    for i in range(20):  # warm-up
        idx_ = order[i * B:(i + 1) * B]
        step(net, opt, None, x[idx_], y[idx_])
    order = torch.randperm(n)
    start = time.perf_counter()
    for i in range(0, n, B):
        idx_ = order[i:i + B]
        step(net, opt, None, x[idx_], y[idx_])
    seconds = time.perf_counter() - start
    print(json.dumps({"framework": "pytorch " + torch.__version__, "threads": torch.get_num_threads(),
                      "samples_per_sec": n / seconds, "seconds": seconds}))


def accuracy(args):
    x, y = load("train")
    xt, yt = load("t10k")
    torch.manual_seed(args.seed)
    net = model()
    B, n = 128, x.shape[0]
    steps = args.epochs * ((n + B - 1) // B)
    if args.optimizer == "adam":
        opt, sched = torch.optim.Adam(net.parameters(), lr=1e-3), None
    else:
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    loader = torch.utils.data.DataLoader(range(n), batch_size=B, shuffle=True)
    test = torch.utils.data.DataLoader(range(len(yt)), batch_size=B)
    start = time.perf_counter()
    for _ in range(args.epochs):
        for idx_ in loader:
            step(net, opt, sched, x[idx_], y[idx_])
        with torch.no_grad():
            acc = sum((net(xt[i]).argmax(1) == yt[i]).sum().item() for i in test) / len(yt)
    print(json.dumps({"framework": "pytorch", "optimizer": args.optimizer, "seed": args.seed,
                      "test_accuracy": acc, "seconds": time.perf_counter() - start}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["speed", "accuracy"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--optimizer", choices=["adam", "sgd-onecycle"], default="adam")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    speed(args) if args.mode == "speed" else accuracy(args)


if __name__ == "__main__":
    main()
