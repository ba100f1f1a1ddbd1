"""Writes N Ogg/Opus tone files and a CSV (path,octaves) for the audio prefetch benchmark (run-audio.sh).

Each clip is SECONDS s of a harmonic tone at 16 kHz (80-1000 Hz, label = octaves above 80 Hz, as the built-in
tones) with a little noise, encoded by ffmpeg's libopus at 32 kbit/s: what COUGHVID-style browser recordings are.
Needs ffmpeg (Debian: apt-get install ffmpeg). Run: /usr/bin/python3 bench/prefetch/make_opus.py FOLDER N [SECONDS]
"""
import csv
import math
import os
import subprocess
import sys

import numpy as np

folder, count = sys.argv[1], int(sys.argv[2])
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
rate = 16000
os.makedirs(os.path.join(folder, "clips"), exist_ok=True)
rng = np.random.default_rng(0)
with open(os.path.join(folder, "clips.csv"), "w", newline="") as handle:
    table = csv.writer(handle)
    table.writerow(["path", "octaves"])
    t = np.arange(int(rate * seconds)) / rate
    for i in range(count):
        frequency = 80 * 2 ** rng.uniform(0, math.log2(1000 / 80))
        signal = sum(0.3 / h * np.sin(2 * np.pi * frequency * h * t) for h in range(1, 4)) + rng.normal(0, 0.01, t.size)
        pcm = (np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes()
        name = f"clips/{i:04d}.ogg"
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-",
             "-c:a", "libopus", "-b:a", "32k", os.path.join(folder, name)],
            input=pcm, check=True)
        table.writerow([name, f"{math.log2(frequency / 80):.6f}"])
