#!/usr/bin/env bash
# Soak run of the web studio: a real `intercog serve` under mixed load and faults (edits of small and 4000-px photos,
# dropped streams, clients that give up, cut / stalled / oversized bodies, a 20 MiB form field, broken images, foreign
# Host names, cross-site posts) for SECONDS (default 600), then: requests served, 4xx/5xx counts, crashes, RSS (sampled
# every second and the kernel's peak) and leftover temporary files. Exit 0 when it passed.
# Usage: tests/soak/soak.sh [SECONDS] [extra InterCoG.Soak arguments, e.g. --clients 8 --rss-bound-mb 2048]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-600}"
shift || true
"$root/intercog" --version >/dev/null # builds the tool once if needed
dotnet build "$root/tests/soak/InterCoG.Soak.csproj" -c Release -nologo -v q >/dev/null
exec dotnet "$root/tests/soak/bin/Release/net10.0/linux-x64/InterCoG.Soak.dll" --seconds "$seconds" \
  --cli "$root/src/InterCoG.Cli/bin/Release/net10.0/linux-x64/InterCoG.Cli.dll" "$@"
