"""Writes N large JPEG files and a CSV (path,brightness) for the prefetch benchmark (run.sh)."""
import csv
import os
import sys

import numpy as np
from PIL import Image

folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(folder, "img"), exist_ok=True)
rng = np.random.default_rng(0)
with open(os.path.join(folder, "images.csv"), "w", newline="") as handle:
    table = csv.writer(handle)
    table.writerow(["path", "brightness"])
    for i in range(count):
        level = rng.uniform(40, 215)
        # A gradient plus noise: JPEG decoding does real work, and the label is a function of the pixels.
        y, x = np.mgrid[0:768, 0:1024]
        base = level + 30 * np.sin(x / (37 + i % 11)) + 20 * np.cos(y / 53)
        pixels = np.clip(base[..., None] + rng.normal(0, 12, (768, 1024, 3)), 0, 255).astype(np.uint8)
        name = f"img/{i:04d}.jpg"
        Image.fromarray(pixels).save(os.path.join(folder, name), quality=90)
        table.writerow([name, f"{pixels.mean() / 255:.6f}"])
