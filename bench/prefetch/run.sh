#!/usr/bin/env bash
# Wall time of the same run with training.prefetch true and false, alternating, side by side in one invocation:
#   bench/prefetch/run.sh [IMAGES] [REPEATS]     (needs /usr/bin/python3 with numpy and PIL, a built Release host)
# Each run gets a fresh feature cache, so the frozen backbone decodes and computes every image every time.
set -euo pipefail
cd "$(dirname "$0")/../.."
images=${1:-320}
repeats=${2:-2}
data=/tmp/nona-prefetch-bench
[ -f "$data/images.csv" ] && [ "$(($(wc -l < "$data/images.csv") - 1))" = "$images" ] || /usr/bin/python3 bench/prefetch/make_jpegs.py "$data" "$images"
host="dotnet src/Nona.Host/bin/Release/net10.0/linux-x64/nona.dll"
for r in $(seq 1 "$repeats"); do
  for prefetch in true false; do
    out=$(mktemp -d /tmp/nona-prefetch-run-XXXX)
    start=$(date +%s.%N)
    $host run bench/prefetch/recipe.yaml --out "$out/run" --set training.prefetch=$prefetch --set data.cache="$out/cache" > "$out/log" 2>&1
    end=$(date +%s.%N)
    printf 'repeat %s prefetch=%s wall %.1f s\n' "$r" "$prefetch" "$(echo "$end - $start" | bc)"
    rm -rf "$out"
  done
done
