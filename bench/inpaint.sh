#!/usr/bin/env bash
# Removal fill comparison with truth (bench/INPAINT.md, README): `intercog bench fill` on coco128 — holes shaped like
# real object masks over known background, every fill that can run here. Needs ../shared (or INTERCOG_SHARED).
# Usage: bench/inpaint.sh [PLACEMENTS]   (default 50; writes bench/fill.json and sample strips to bench/fill-samples)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S="${INTERCOG_SHARED:-$root/../shared}"; [ -d "$S" ] || S=/work/shared
"$root/intercog" bench fill \
  --instances "$S/data/coco128/instances.json" --images "$S/data/coco128/images" \
  --limit "${1:-50}" --json "$root/bench/fill.json" --samples "$root/bench/fill-samples"
