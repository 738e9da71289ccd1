#!/usr/bin/python3
"""Prints the C table of test_optim.c's updates_are_pytorchs_bit_for_bit: the float32 bit
patterns of N parameters after 4 steps of torch 1.13's optimizers (foreach=False), from
inputs that C computes with the same float32 operations.

  /usr/bin/python3 tests/optim/torch_update_bits.py
"""
import struct

import torch

N, STEPS = 36, 4
SPECS = {
    "sgd:lr=0.1,momentum=0.9,nesterov=1,wd=0.01":
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd:lr=0.1,momentum=0.8,dampening=0.3":
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.3),
    "adam:lr=0.01,wd=0.01,amsgrad=1":
        lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01, amsgrad=True),
    "adamw:lr=0.01": lambda p: torch.optim.AdamW(p, lr=0.01),
}


def ramp(mult, add, mod, t=0):
    """((i * mult + t * add) % mod) / mod - 0.5 in float32, as the test computes it."""
    i = torch.arange(N)
    return ((i * mult + t * add) % mod).to(torch.float32) / float(mod) - 0.5


def main():
    torch.set_num_threads(1)
    for spec, make in SPECS.items():
        p = torch.nn.Parameter(ramp(53, 0, 97) * 0.3)
        opt = make([p])
        for t in range(STEPS):
            p.grad = ramp(31, 17, 89, t) * 0.1
            opt.step()
        words = [struct.unpack("<I", struct.pack("<f", v))[0] for v in p.detach().tolist()]
        rows = ",\n      ".join(", ".join("0x%08x" % w for w in words[k:k + 6]) for k in range(0, N, 6))
        print('    {"%s",\n     {%s}},' % (spec, rows))


if __name__ == "__main__":
    main()
