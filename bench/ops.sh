#!/usr/bin/env bash
# Time per operation (median ms, backend edit + compositing, ground-truth masks) at 640×480 and 4000×3000:
# voc-instances photos (500×375) upscaled bicubically; numbers go to bench/OPS.md by hand from the JSON.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S="${INTERCOG_SHARED:-$root/../shared}"; [ -d "$S" ] || S=/work/shared
for w in 640 4000; do
  limit=6; [ "$w" = 4000 ] && limit=3
  "$root/intercog" bench edit --instances "$S/data/voc-instances/coco/annotations.json" --images "$S/data/voc-instances/coco" \
    --resize-width "$w" --limit "$limit" --json "$root/bench/ops_$w.json"
done
# Mask quality (the masks every edit goes through): segmenter from each true box vs the annotated mask.
"$root/intercog" bench edit --mask-iou --instances "$S/data/voc-instances/coco/annotations.json" "$S/data/refcoco-3ds/kitchen/instances.json" \
  --images "$S/data/voc-instances/coco" "$S/data/refcoco-3ds/kitchen/images" --limit 40 --json "$root/bench/mask_iou.json"
