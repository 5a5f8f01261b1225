#!/usr/bin/env bash
# Removal fill comparison of bench/INPAINT.md (needs ../shared data or INTERCOG_SHARED, and the darknet photos).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S="${INTERCOG_SHARED:-$root/../shared}"; [ -d "$S" ] || S=/work/shared
P=/usr/share/darknet/data
"$root/intercog" bench edit --compare-inpaint \
  --instances "$S/data/voc-instances/coco/annotations.json" "$S/data/refcoco-3ds/kitchen/instances.json" \
  --images "$S/data/voc-instances/coco" "$S/data/refcoco-3ds/kitchen/images" \
  --photos $P/dog.jpg $P/eagle.jpg $P/giraffe.jpg $P/horses.jpg $P/kite.jpg $P/person.jpg $P/scream.jpg \
  --limit 12 --samples "$root/bench/inpaint-samples" --json "$root/bench/inpaint.json"
