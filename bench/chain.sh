#!/usr/bin/env bash
# Per-stage median times (detect, mask, edit, verify, total) of the whole chain on the demo photo and
# instruction, on this machine. Usage: bench/chain.sh [RUNS] [extra `intercog bench chain` options]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-7}"; shift || true
"$root/intercog" bench chain --runs "$runs" "$@"
