"""The same runs seen through a coarser log: bench_signs_thin.py SRC DST K pick|mean writes
DST, a copy of bench_signs.sh's OUT_DIR SRC whose per-step series (train/loss, train/lr,
train/grad_norm) keep every K-th point as logged (pick: Lightning's log_every_n_steps) or
become K-step means (mean: an epoch mean, as Keras logs); the val series stay as they are.
Each run is labelled from what its thinned log shows (a 10x spike between two kept points
is gone), then `REJUDGE=1 tools/bench/bench_signs.sh BUILD DST` judges and scores it.
The event files are written here by a minimal writer (no TensorFlow or tensorboard package
needed): Event{wall_time, step, summary{value{tag, simple_value}}}, records framed with
masked CRC-32C as TensorBoard reads them."""
import glob
import json
import math
import os
import shutil
import struct
import sys

_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def masked_crc(b):
    c = 0xFFFFFFFF
    for x in b:
        c = _TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def field(num, wire, payload):
    return varint((num << 3) | wire) + payload


def bytes_field(num, b):
    return field(num, 2, varint(len(b)) + b)


def record(f, data):
    head = struct.pack("<Q", len(data))
    f.write(head + struct.pack("<I", masked_crc(head)) + data + struct.pack("<I", masked_crc(data)))


def event(wall_time, step, tag, value):
    v = bytes_field(1, tag.encode()) + field(2, 5, struct.pack("<f", value))
    return field(1, 1, struct.pack("<d", wall_time)) + field(2, 0, varint(step)) + bytes_field(5, bytes_field(1, v))


def thin(xs, k, mode):
    """[(step, value)] -> every k-th point (pick) or k-point means (mean), at the last step."""
    out = []
    for i in range(0, len(xs) - k + 1, k):
        block = xs[i:i + k]
        out.append((block[-1][0], block[-1][1] if mode == "pick" else sum(v for _, v in block) / k))
    return out


def main(src, dst, k, mode):
    os.makedirs(f"{dst}/runs", exist_ok=True)
    for f in ["runs.txt"] + [os.path.basename(p) for p in glob.glob(f"{src}/total-*.txt")]:
        shutil.copy(f"{src}/{f}", f"{dst}/{f}")
    for line in open(f"{src}/runs.txt"):
        name = line.split()[0]
        series = {}
        for row in open(f"{src}/runs/{name}.points"):
            p = json.loads(row)
            v = p["value"]
            series.setdefault(p["tag"], []).append((p["step"], float(v) if v is not None else math.nan))
        points = []
        for tag, xs in series.items():
            per_step = tag.startswith("train/") or tag == "loss"
            kept = thin(xs, k, mode) if per_step and len(xs) >= 3 * k else xs
            points += [(step, tag, v) for step, v in kept]
        points.sort(key=lambda p: p[0])
        shutil.rmtree(f"{dst}/runs/{name}", ignore_errors=True)
        os.makedirs(f"{dst}/runs/{name}")
        with open(f"{dst}/runs/{name}/events.out.tfevents.1700000000.thinned", "wb") as ev, \
                open(f"{dst}/runs/{name}.points", "w") as pts:
            record(ev, field(1, 1, struct.pack("<d", 1.7e9)) + bytes_field(3, b"brain.Event:2"))
            for i, (step, tag, v) in enumerate(points):
                record(ev, event(1.7e9 + i, step, tag, v))
                pts.write(json.dumps({"tag": tag, "step": step, "value": v if math.isfinite(v) else None}) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[4] not in ("pick", "mean"):
        sys.exit("usage: bench_signs_thin.py SRC DST K pick|mean")
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
