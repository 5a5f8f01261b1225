#!/usr/bin/env bash
# CPU against CUDA on the same photos, for whoever has a GPU and the GPU build (docs/scale.md):
#   dotnet publish src/InterCoG.Cli -c Release -p:IntercogGpu=true -o out-gpu && INTERCOG="dotnet out-gpu/InterCoG.Cli.dll" bench/gpu.sh
# Runs `bench chain` (the whole chain, per-stage medians; the demo photo and instruction unless IMAGE and INSTRUCTION
# are given) and the mask bench (`bench masks`, or `bench edit --mask-iou` where that is the mask bench) on COCO128's
# first images, once with --device cpu and once with --device cuda, and prints the two side by side with the ratio.
# Usage: bench/gpu.sh [IMAGE INSTRUCTION]   (RUNS=5 chain runs, OBJECTS=40 masks; INTERCOG_SHARED points at ../shared)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S="${INTERCOG_SHARED:-$root/../shared}"; [ -d "$S" ] || S=/work/shared
read -r -a tool <<<"${INTERCOG:-$root/intercog}"
runs="${RUNS:-5}"; objects="${OBJECTS:-40}"
chain=(bench chain --runs "$runs" --json)
[[ $# -ge 2 ]] && chain+=(--image "$1" --instruction "$2")
inst="$S/data/coco128/instances.json"; imgs="$S/data/coco128/images"
if "${tool[@]}" bench masks --help >/dev/null 2>&1; then masks=(bench masks --instances "$inst" --images "$imgs")
else masks=(bench edit --mask-iou --instances "$inst" --images "$imgs" --limit "$objects"); fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

for device in cpu cuda; do
  echo "== --device $device" >&2
  if ! "${tool[@]}" "${chain[@]}" --device "$device" >"$work/chain-$device.json" 2>"$work/chain-$device.err"; then
    echo "bench chain --device $device failed: $(tail -1 "$work/chain-$device.err")"; exit 1
  fi
  "${tool[@]}" "${masks[@]}" --device "$device" >"$work/masks-$device.txt" 2>"$work/masks-$device.err" \
    || { echo "${masks[*]} --device $device failed: $(tail -1 "$work/masks-$device.err")"; exit 1; }
done

echo "bench chain, median ms per stage ($runs runs; providers: $(jq -r .providers "$work/chain-cuda.json"))"
printf '  %-8s %10s %10s %8s\n' stage cpu cuda cpu/cuda
jq -r '.median_ms | to_entries[] | "\(.key) \(.value)"' "$work/chain-cpu.json" | while read -r stage cpu; do
  gpu="$(jq -r --arg s "$stage" '.median_ms[$s]' "$work/chain-cuda.json")"
  awk -v s="$stage" -v a="$cpu" -v b="$gpu" 'BEGIN{printf "  %-8s %10.1f %10.1f %8.2f\n", s, a, b, (b > 0 ? a / b : 0)}'
done
echo "mask bench (${masks[*]:0:2}):"
echo "-- cpu";  cat "$work/masks-cpu.txt"
echo "-- cuda"; cat "$work/masks-cuda.txt"
