#!/usr/bin/python3
"""Prints the C table of test_nn.c's step_is_pytorchs_bit_for_bit: torch 1.13's mean
cross-entropy and gradients, as float32 bit patterns, for one batch through
torch.manual_seed(SEED); nn.Sequential(Linear(5, 40), ReLU, Linear(40, 6), ReLU, Linear(6, 10))
on inputs C computes with the same float32 operations. Each gradient tensor is given as the
FNV-1a hash of its bit patterns and its count of nonzero values.

  /usr/bin/python3 tests/nn/torch_step_bits.py
"""
import os
import struct

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # lrscope's --threads 1: OpenBLAS splits work by threads
import torch  # noqa: E402

SEED, SIZES, BATCH = 5, [5, 40, 6, 10], 37


def bits(v):
    return struct.unpack("<I", struct.pack("<f", v))[0]


def fnv1a(words):
    h = 2166136261
    for w in words:
        for k in range(4):
            h = ((h ^ ((w >> (8 * k)) & 0xFF)) * 16777619) & 0xFFFFFFFF
    return h


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    layers = []
    for i in range(len(SIZES) - 1):
        layers += [torch.nn.Linear(SIZES[i], SIZES[i + 1]), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    i = torch.arange(BATCH * SIZES[0])
    x = ((i * 37) % 101).to(torch.float32).reshape(BATCH, SIZES[0]) / 101.0 - 0.5
    y = torch.arange(BATCH) % SIZES[-1]
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    print("static const uint32_t torch_loss_bits = 0x%08x;" % bits(loss.item()))
    print("static const uint32_t torch_grad_bits[][2] = { /* FNV-1a of the tensor's bits, nonzeros */")
    for p in net.parameters():
        words = [bits(v) for v in p.grad.flatten().tolist()]
        print("    {0x%08x, %d}," % (fnv1a(words), sum(1 for w in words if w & 0x7FFFFFFF)))
    print("};")


if __name__ == "__main__":
    main()
