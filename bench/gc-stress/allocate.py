#!/usr/bin/python3
"""A steady allocator to run beside a nona run: every PERIOD ms it allocates a MIB-MiB block, writes one byte per
4 KiB page (so the memory is really committed), and keeps the last HOLD blocks alive, so the machine sees a fixed
allocation rate and a bounded resident size. Runs until killed, or for --seconds.

    /usr/bin/python3 bench/gc-stress/allocate.py --mib 64 --period-ms 100 --hold 4
"""
import argparse
import collections
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--mib", type=int, default=64, help="block size in MiB (default 64)")
parser.add_argument("--period-ms", type=int, default=100, help="one block every PERIOD ms (default 100)")
parser.add_argument("--hold", type=int, default=4, help="blocks kept alive (default 4: at most 256 MiB resident)")
parser.add_argument("--seconds", type=float, default=0, help="stop after this long (default 0: until killed)")
args = parser.parse_args()

size = args.mib * 1024 * 1024
pages = size // 4096
held = collections.deque(maxlen=args.hold)
start = time.monotonic()
next_tick = start
while args.seconds <= 0 or time.monotonic() - start < args.seconds:
    block = bytearray(size)
    block[::4096] = b"\x01" * pages  # touch every page: calloc'd memory is not committed until written
    held.append(block)
    next_tick += args.period_ms / 1000
    time.sleep(max(0.0, next_tick - time.monotonic()))
