#!/usr/bin/python3
"""Writes torch_runs.json: what PyTorch itself does with a seed, for lrscope to match.

  /usr/bin/python3 tests/data/reference/torch_runs.py > tests/data/reference/torch_runs.json

Made with Debian's python3-torch 1.13 on OpenBLAS (libopenblas0-pthread), from the embedded
sample (samples/fashion-mnist, pixels / 255). Each part is plain PyTorch as a user writes it:
  init      torch.manual_seed(seed); nn.Sequential(Linear, ReLU, ..., Linear): every 1009th
            parameter (flat, layer by layer, weight [out, in] then bias) as a float32 bit
            pattern, and the float64 sum of all of them
  shuffle   then DataLoader(train, batch_size, shuffle=True): the first 16 indices of each
            of the first 3 epochs, with `evals` passes of another DataLoader (an evaluation)
            after each epoch
  val_split random_split(train, [n - n_val, n_val], generator=Generator().manual_seed(seed)):
            the first 8 indices of each part
  runs      the first 40 steps of training (the sample has 32 batches of 128 per epoch, so
            the runs cross an epoch boundary): the batch's mean loss and the global L2 norm of
            the gradients, before each update; after each epoch, the accuracy on the sample's
            test set, evaluated through a DataLoader (as lrscope train evaluates)
"""
import json
import os
import struct
import sys

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # as lrscope --threads 1: OpenBLAS splits its sums by threads
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "..", "samples", "fashion-mnist")
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tools", "bench"))
from bench_train_torch import load  # noqa: E402  (one IDX reader for both scripts)
STRIDE = 1009


def sample_split(split):
    return load(split, SAMPLE)


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [torch.nn.Linear(sizes[i], sizes[i + 1]), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def flat(net):
    return torch.cat([p.detach().flatten() for p in net.parameters()])


def bits(v):
    return struct.unpack("<I", struct.pack("<f", v))[0]


def init(seed, sizes):
    torch.manual_seed(seed)
    p = flat(mlp(sizes))
    picked = list(range(0, p.numel(), STRIDE))
    return {"seed": seed, "sizes": sizes, "stride": STRIDE, "count": p.numel(),
            "bits": [bits(p[i].item()) for i in picked], "sum": p.double().sum().item()}


def shuffle(seed, sizes, n, batch, evals):
    torch.manual_seed(seed)
    mlp(sizes)
    loader = torch.utils.data.DataLoader(list(range(n)), batch_size=batch, shuffle=True)
    other = torch.utils.data.DataLoader(list(range(10)), batch_size=batch)
    epochs = []
    for _ in range(3):
        epochs.append(torch.cat(list(loader))[:16].tolist())
        for _ in range(evals):
            list(other)
    return {"seed": seed, "sizes": sizes, "n": n, "batch": batch, "evals": evals, "epochs": epochs}


def val_split(seed, n, n_val):
    g = torch.Generator().manual_seed(seed)
    train, val = torch.utils.data.random_split(list(range(n)), [n - n_val, n_val], generator=g)
    return {"seed": seed, "n": n, "n_val": n_val, "train": train.indices[:8], "val": val.indices[:8]}


def run(name, seed, optimizer, lr, steps=40, batch=128):
    x, y = sample_split("train")
    xt, yt = sample_split("t10k")
    test = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xt, yt), batch_size=batch)
    torch.manual_seed(seed)
    net = mlp([784, 256, 10])
    opt = (torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9) if optimizer.startswith("sgd")
           else torch.optim.Adam(net.parameters(), lr=lr))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch, shuffle=True)
    losses, norms, accuracy = [], [], []
    while len(losses) < steps:
        for xb, yb in loader:
            if len(losses) == steps:
                break
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xb), yb)
            loss.backward()
            norms.append(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in net.parameters())).item())
            losses.append(loss.item())
            opt.step()
        if len(losses) < steps:  # a whole epoch: evaluate
            with torch.no_grad():
                correct = sum((net(xb).argmax(1) == yb).sum().item() for xb, yb in test)
            accuracy.append(correct / len(yt))
    return {"name": name, "seed": seed, "model": "mlp:256", "optimizer": optimizer, "lr": lr,
            "batch": batch, "loss": losses, "grad_norm": norms, "epoch_accuracy": accuracy}


def main():
    torch.set_num_threads(1)
    out = {
        "torch": torch.__version__,
        "init": [init(1, [784, 256, 10]), init(3, [784, 256, 10]), init(7, [20, 5, 4, 3])],
        "shuffle": [shuffle(1, [784, 256, 10], 4000, 128, 0), shuffle(3, [20, 5, 4, 3], 1000, 10, 1),
                    shuffle(5, [784, 256, 10], 4000, 128, 2)],
        "val_split": [val_split(7, 4000, 400)],
        "runs": [run("sgd", 1, "sgd:momentum=0.9", 0.1), run("adam", 3, "adam", 1e-3)],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
