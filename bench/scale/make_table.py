"""Writes the scale bench's CSV: N rows, D numeric features, a smooth nonlinear target plus noise (seeded).

Usage: /usr/bin/python3 bench/scale/make_table.py OUT.csv [N=100000] [D=8]
Only the standard library, so any Python 3 runs it.
"""
import math
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
d = int(sys.argv[3]) if len(sys.argv) > 3 else 8
rng = random.Random(12345)
with open(out + ".tmp", "w") as f:
    f.write(",".join([f"x{i}" for i in range(d)] + ["y"]) + "\n")
    for _ in range(n):
        x = [rng.uniform(-1, 1) for _ in range(d)]
        y = math.sin(3 * x[0]) * math.cos(2 * x[1]) + 0.5 * x[2] * x[3] + 0.1 * rng.gauss(0, 1)
        f.write(",".join(f"{v:.6f}" for v in x + [y]) + "\n")
import os
os.replace(out + ".tmp", out)
