#!/usr/bin/env bash
# bench edit numbers of bench/RESULTS.md (needs ../shared data or INTERCOG_SHARED, and the models installed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S="${INTERCOG_SHARED:-$root/../shared}"; [ -d "$S" ] || S=/work/shared
"$root/intercog" bench edit --instances "$S/data/voc-instances/coco/annotations.json" --images "$S/data/voc-instances/coco" \
  --json "$root/bench/edit_voc.json" --html "$root/bench/edit_voc.html"
"$root/intercog" bench edit --instances "$S/data/refcoco-3ds/kitchen/instances.json" --images "$S/data/refcoco-3ds/kitchen/images" \
  --json "$root/bench/edit_kitchen.json" --html "$root/bench/edit_kitchen.html"
