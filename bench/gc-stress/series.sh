#!/usr/bin/env bash
# Runs a command N times in a row, each with a time limit, and prints one TSV line per run:
#   run  exit  seconds  outcome  first-error-line
# outcome: finished (exit 0), scalar-error (a TorchSharp Scalar error: the bug of docs/torch-lifetimes.md),
# timeout, or other. Each run's stdout+stderr goes to LOGS/run-I.log.
#
#   bench/gc-stress/series.sh LOGS N TIMEOUT_S [--beside-allocator] [--pty] -- COMMAND...
#
# --beside-allocator runs bench/gc-stress/allocate.py (64 MiB every 100 ms, 4 held) during each run;
# --pty runs the command in a pseudo-terminal (script -qc), as an interactive terminal would;
# --fresh-cache DIR empties DIR before each run and points NONA_CACHE at it (frozen features are recomputed).
set -uo pipefail
logs=$1 n=$2 limit=$3
shift 3
allocator=0 pty=0 cache=
while [[ $# -gt 0 && $1 != -- ]]; do
  case $1 in
    --beside-allocator) allocator=1 ;;
    --pty) pty=1 ;;
    --fresh-cache) shift; cache=$1 ;;
    *) echo "series.sh: unknown option $1 (use --beside-allocator, --pty, --fresh-cache DIR, then -- COMMAND)" >&2; exit 2 ;;
  esac
  shift
done
[[ ${1:-} == -- ]] || { echo "series.sh: put -- before the command" >&2; exit 2; }
shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$logs"
printf 'run\texit\tseconds\toutcome\tfirst-error-line\n'
for i in $(seq 1 "$n"); do
  log=$logs/run-$i.log
  if [[ -n $cache ]]; then rm -rf "$cache"; mkdir -p "$cache"; export NONA_CACHE=$cache; fi
  if [[ $allocator == 1 ]]; then /usr/bin/python3 "$here/allocate.py" & alloc=$!; fi
  start=$(date +%s.%N)
  if [[ $pty == 1 ]]; then
    printf -v quoted '%q ' "$@"
    timeout "$limit" script -qec "$quoted" /dev/null > "$log" 2>&1
  else
    timeout "$limit" "$@" > "$log" 2>&1
  fi
  code=$?
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  if [[ $allocator == 1 ]]; then kill "$alloc" 2>/dev/null; wait "$alloc" 2>/dev/null; fi
  first=$(grep -m1 -E 'internal error|error:|Unhandled|Fatal|Aborted|Segmentation' "$log" | tr -d '\r' | cut -c1-160)
  if [[ $code == 0 ]]; then outcome=finished
  elif [[ $code == 124 ]]; then outcome=timeout
  elif grep -qE 'Scalar\.h|Unknown scalar type|Expected false to be true|alpha must not be|c10::Scalar' "$log"; then outcome=scalar-error
  else outcome=other; fi
  printf '%d\t%d\t%.1f\t%s\t%s\n' "$i" "$code" "$seconds" "$outcome" "$first"
done
