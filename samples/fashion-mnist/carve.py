#!/usr/bin/env python3
"""Carves lrscope's embedded sample out of Debian's dataset-fashion-mnist.

    python3 samples/fashion-mnist/carve.py [SOURCE_DIR] [OUT_DIR]

SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist, OUT_DIR to this folder.
Keeps, in file order, the first TRAIN_PER_CLASS training and TEST_PER_CLASS test examples
of each of the 10 classes (so the subset is class-balanced and the same every time) and
writes them as gzipped IDX files under the original names. gzip's timestamp is 0, so the
output is byte-for-byte reproducible. Standard library only.
"""
import gzip
import os
import struct
import sys

TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
CLASSES = 10


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndims = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    return dims, data[4 + 4 * ndims:]


def write_idx(path, dims, payload):
    header = struct.pack(">I", 0x0800 | len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(header + payload)


def carve(src, out, prefix, per_class):
    (n, rows, cols), pixels = read_idx(os.path.join(src, f"{prefix}-images-idx3-ubyte.gz"))
    (_,), labels = read_idx(os.path.join(src, f"{prefix}-labels-idx1-ubyte.gz"))
    taken, keep = [0] * CLASSES, []
    for i in range(n):
        if taken[labels[i]] < per_class:
            taken[labels[i]] += 1
            keep.append(i)
    size = rows * cols
    write_idx(os.path.join(out, f"{prefix}-images-idx3-ubyte.gz"), (len(keep), rows, cols),
              b"".join(pixels[i * size:(i + 1) * size] for i in keep))
    write_idx(os.path.join(out, f"{prefix}-labels-idx1-ubyte.gz"), (len(keep),), bytes(labels[i] for i in keep))
    print(f"{prefix}: {len(keep)} examples, {taken} per class")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    carve(src, out, "train", TRAIN_PER_CLASS)
    carve(src, out, "t10k", TEST_PER_CLASS)


if __name__ == "__main__":
    main()
