#!/usr/bin/env bash
# Bounded loopback load test of the web studio: starts `intercog serve` on a free port, sends concurrent edits
# from CLIENTS curl loops for DURATION seconds, samples the server's RSS every second, and prints throughput,
# p50/p95 latency, status counts (5xx other than 503 are errors), peak RSS and mean RSS in the first vs last 20 s.
# Usage: bench/load.sh            (CLIENTS=4 DURATION=60; MAX_QUEUE=N passes --max-queue N, MAX_STORED=N
#                                  --max-stored-jobs N to the server: a small store reaches its steady size sooner;
#                                  RSS_OUT=FILE keeps the once-a-second RSS series)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clients="${CLIENTS:-4}"
duration="${DURATION:-60}"
window="${WINDOW:-20}"
photos=/usr/share/darknet/data
work="$(mktemp -d "${TMPDIR:-/tmp}/intercog-load.XXXXXX")"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The requests: unique edits, an ambiguous one (a deliberate 409) and its resolution with choose.
requests=(
  "$photos/horses.jpg|make the horse on the right brown|"
  "$photos/horses.jpg|make the horse on the left blue|"
  "$photos/dog.jpg|make the dog green|"
  "$photos/horses.jpg|make the horse brown|"
  "$photos/horses.jpg|make the horse brown|26"
  "$photos/person.jpg|make the horse black|"
)
for r in "${requests[@]}"; do [[ -f "${r%%|*}" ]] || { echo "missing photo ${r%%|*} (apt-get install darknet)" >&2; exit 1; }; done

"$root/intercog" --version >/dev/null # builds once if needed
serve_args=(serve --urls http://127.0.0.1:0)
[[ -n "${MAX_QUEUE:-}" ]] && serve_args+=(--max-queue "$MAX_QUEUE")
[[ -n "${MAX_STORED:-}" ]] && serve_args+=(--max-stored-jobs "$MAX_STORED")
"$root/intercog" "${serve_args[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 120); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1 || true)"
  [[ -n "$url" ]] && break
  sleep 0.5
done
[[ -n "$url" ]] || { echo "server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
for _ in $(seq 1 120); do
  curl -sf "$url/healthz" | grep -q '"engine_loaded": true' && break
  sleep 0.5
done
# warm-up, not counted: each request once, so first-run allocations (model arenas, buffers) happen before measuring
for r in "${requests[@]}"; do
  IFS='|' read -r photo instruction choose <<<"$r"
  curl -s -o /dev/null -F "image=@$photo" -F "instruction=$instruction" ${choose:+-F "choose=$choose"} "$url/api/edit"
done
echo "server $url (pid $server_pid), $clients clients for $duration s${MAX_QUEUE:+, --max-queue $MAX_QUEUE}"

# RSS sampler: "seconds_since_start rss_kib" once a second
start=$(date +%s.%N)
(
  while kill -0 "$server_pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || true)
    [[ -n "$rss" ]] && echo "$(echo "$(date +%s.%N) - $start" | bc) $rss"
    sleep 1
  done
) >"$work/rss.txt" &
sampler=$!

end=$(( $(date +%s) + duration ))
worker() {
  local k=$1 i=$1
  while (( $(date +%s) < end )); do
    IFS='|' read -r photo instruction choose <<<"${requests[$(( i % ${#requests[@]} ))]}"
    local extra=()
    [[ -n "$choose" ]] && extra=(-F "choose=$choose")
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 300 \
      -F "image=@$photo" -F "instruction=$instruction" "${extra[@]}" "$url/api/edit" >>"$work/lat.$k" || echo "000 0" >>"$work/lat.$k"
    i=$(( i + clients ))
  done
}
t0=$(date +%s.%N)
workers=()
for k in $(seq 0 $(( clients - 1 ))); do worker "$k" & workers+=($!); done
wait "${workers[@]}"
t1=$(date +%s.%N)
kill "$sampler" 2>/dev/null || true
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")
health=$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")

cat "$work"/lat.* >"$work/all.txt"
elapsed=$(echo "$t1 - $t0" | bc)
total=$(wc -l <"$work/all.txt")
awk -v el="$elapsed" -v total="$total" '
  { n[$1]++; if ($1 == 200) ok_t[++ok] = $2; all_t[++a] = $2 }
  END {
    printf "requests            %d in %.1f s (%.2f req/s; %.2f edits/s answered 200)\n", total, el, total / el, ok / el
    line = "status counts      "; for (s in n) line = line sprintf(" %s:%d", s, n[s]); print line
    err = 0; busy = 0; for (s in n) { if (s >= 500 && s != 503) err += n[s]; if (s == 503) busy += n[s]; if (s == "000") err += n[s] }
    printf "5xx other than 503  %d\n503 (deliberate)    %d\n", err, busy
  }' "$work/all.txt"
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } i = int(p * NR + 0.999999); if (i < 1) i = 1; printf "%.0f ms", v[i] * 1000 }'; }
echo "latency all         p50 $(awk '{print $2}' "$work/all.txt" | pct 0.50), p95 $(awk '{print $2}' "$work/all.txt" | pct 0.95)"
echo "latency 200 only    p50 $(awk '$1 == 200 {print $2}' "$work/all.txt" | pct 0.50), p95 $(awk '$1 == 200 {print $2}' "$work/all.txt" | pct 0.95)"
awk -v w="$window" -v hwm="$hwm" '
  { t[NR] = $1; r[NR] = $2; if ($2 > peak) peak = $2 }
  END {
    last = t[NR]
    for (i = 1; i <= NR; i++) { if (t[i] < w) { f += r[i]; nf++ } if (t[i] > last - w) { l += r[i]; nl++ } }
    printf "server RSS          peak sampled %.0f MiB, VmHWM %.0f MiB\n", peak / 1024, hwm / 1024
    printf "RSS first %d s mean %.0f MiB, last %d s mean %.0f MiB (growth %+.1f%%)\n", w, f / nf / 1024, w, l / nl / 1024, 100 * (l / nl - f / nf) / (f / nf)
  }' "$work/rss.txt"
echo "healthz after load  $health"
if [[ -n "${RSS_OUT:-}" ]]; then cp "$work/rss.txt" "$RSS_OUT"; echo "RSS series (s, KiB) in $RSS_OUT"; fi
