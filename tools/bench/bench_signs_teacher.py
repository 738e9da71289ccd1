"""Other data for the warning-sign corpus (bench_signs.sh OTHER_DATA=...): a 10-class task
whose labels come from a random teacher network (32 Gaussian features, a tanh layer of 64,
logit noise, 10% of the labels flipped), written as the CSV lrscope train reads. Nothing
like Fashion-MNIST's images: another loss landscape and noise level for the detectors.

usage: python3 bench_signs_teacher.py OUT.csv [ROWS]"""
import sys

import numpy as np


def main(out, rows=6000):
    rng = np.random.default_rng(7)
    d, h, k = 32, 64, 10
    x = rng.standard_normal((rows, d)).astype(np.float32)
    w1 = rng.standard_normal((d, h)) / np.sqrt(d)
    w2 = rng.standard_normal((h, k)) / np.sqrt(h) * 3
    y = (np.tanh(x @ w1) @ w2 + 0.5 * rng.standard_normal((rows, k))).argmax(1)
    flip = rng.random(rows) < 0.1
    y[flip] = rng.integers(0, k, flip.sum())
    with open(out, "w") as f:
        f.write("label," + ",".join(f"x{i}" for i in range(d)) + "\n")
        for i in range(rows):
            f.write(str(y[i]) + "," + ",".join(f"{v:.4f}" for v in x[i]) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 6000)
