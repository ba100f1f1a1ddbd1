#!/usr/bin/env bash
# Wall time of the same run with training.prefetch true and false, alternating, side by side in one invocation:
#   bench/prefetch/run.sh images [N] [REPEATS]   N 1024x768 JPEGs, image-csv, frozen ResNet-18 (recipe.yaml)
#   bench/prefetch/run.sh audio [N] [REPEATS]    N 2 s Ogg/Opus clips, audio-csv, log-mel CNN trained (recipe-audio.yaml)
# Needs /usr/bin/python3 with numpy (and PIL for images, ffmpeg for audio) and a built Release host. Each run gets a
# fresh feature cache, so every file is decoded every time it is read.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-images}
repeats=${3:-2}
case "$mode" in
  images) count=${2:-320}; data=/tmp/nona-prefetch-bench; table=images.csv; recipe=bench/prefetch/recipe.yaml
          make() { /usr/bin/python3 bench/prefetch/make_jpegs.py "$data" "$count"; } ;;
  audio)  count=${2:-400}; data=/tmp/nona-prefetch-bench-audio; table=clips.csv; recipe=bench/prefetch/recipe-audio.yaml
          make() { /usr/bin/python3 bench/prefetch/make_opus.py "$data" "$count" 2; } ;;
  *) echo "bench/prefetch/run.sh: the mode is images or audio (got '$mode')" >&2; exit 2 ;;
esac
[ -f "$data/$table" ] && [ "$(($(wc -l < "$data/$table") - 1))" = "$count" ] || make
host="dotnet src/Nona.Host/bin/Release/net10.0/linux-x64/nona.dll"
for r in $(seq 1 "$repeats"); do
  for prefetch in true false; do
    out=$(mktemp -d /tmp/nona-prefetch-run-XXXX)
    start=$(date +%s.%N)
    $host run "$recipe" --out "$out/run" --set training.prefetch=$prefetch --set data.cache="$out/cache" > "$out/log" 2>&1
    end=$(date +%s.%N)
    printf '%s repeat %s prefetch=%s wall %.1f s\n' "$mode" "$r" "$prefetch" "$(echo "$end - $start" | bc)"
    rm -rf "$out"
  done
done
