#!/usr/bin/env bash
# Samples per second of `intercog dataset build` on the shared sets (kitchen, livingroom, VOC), without and with the
# edited images; numbers for bench/DATASET.md. Usage: bench/dataset.sh [SEEDS] [THREADS]  (defaults: 3 seeds, all cores).
# Each configuration builds every set once per seed into a fresh temporary folder; the rate is samples / build time
# as the builder measures it (process start and JSON loading excluded), summed over the runs, and the CPU time
# (user + sys of the whole process) per sample, which does not depend on how busy the machine is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S="${INTERCOG_SHARED:-$root/../shared}"; [ -d "$S" ] || S=/work/shared
seeds="${1:-3}"; threads="${2:-$(nproc)}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$root/intercog" --version >/dev/null   # build once, outside the timings
sets=("kitchen|$S/data/refcoco-3ds/kitchen/instances.json|$S/data/refcoco-3ds/kitchen/images"
      "livingroom|$S/data/refcoco-3ds/livingroom/instances.json|$S/data/refcoco-3ds/livingroom/images"
      "voc|$S/data/voc-instances/coco/annotations.json|$S/data/voc-instances/coco")
for mode in no-edits edits; do
  total_samples=0; total_s=0; total_cpu=0
  for seed in $(seq 1 "$seeds"); do
    for set in "${sets[@]}"; do
      IFS='|' read -r name inst imgs <<<"$set"
      flag=(); [ "$mode" = no-edits ] && flag=(--no-edits)
      line="$(/usr/bin/time -f '%U %S' -o "$work/cpu" "$root/intercog" dataset build --instances "$inst" --images "$imgs" \
              --out "$work/$mode-$name-$seed" --seed "$seed" --threads "$threads" "${flag[@]}" 2>/dev/null)"
      cpu="$(awk '{print $1+$2}' "$work/cpu")"
      # "N samples from M images in C chunks (R resumed) in T s (X samples/s) -> …"
      n="$(sed -E 's/^([0-9]+) samples.*/\1/' <<<"$line")"; t="$(sed -E 's/.* in ([0-9.]+) s \(.*/\1/' <<<"$line")"
      total_samples=$((total_samples + n)); total_s="$(awk -v a="$total_s" -v b="$t" 'BEGIN{print a+b}')"
      total_cpu="$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN{print a+b}')"
      printf '%-9s %-11s seed %s: %4d samples in %6.1f s wall, %6.1f s CPU (whole process)\n' "$mode" "$name" "$seed" "$n" "$t" "$cpu"
    done
  done
  awk -v m="$mode" -v n="$total_samples" -v t="$total_s" -v c="$total_cpu" -v th="$threads" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN{r=n/t; printf "%s: %d samples in %.1f s wall = %.2f samples/s (%d threads, load average %s): 45000 samples in %.1f min; CPU %.1f ms/sample = %.1f samples per CPU-second: 45000 in %.1f CPU-min\n", m, n, t, r, th, l, 45000/r/60, 1000*c/n, n/c, 45000*c/n/60}'
done
