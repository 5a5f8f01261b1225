#!/usr/bin/env bash
# The .NET tool as a user gets it: `dotnet pack src/InterCoG.Cli`, `dotnet tool install intercog --tool-path T
# --add-source DIR`, then the installed `intercog` prints its version, installs the models from a folder (into a fresh
# models folder, no network), edits the demo photo, serves the studio and stops cleanly on SIGTERM. Prints "tool check:
# ok" or the failing step.
# Needs the shared folder's models and an IS-Net already installed in the usual models folder (test.sh does both).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/intercog-tool-XXXXXX)"
server=""
cleanup() { [[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "tool check: FAILED at $1"; [[ -f "$work/log" ]] && tail -20 "$work/log"; exit 1; }

shared="${INTERCOG_SHARED:-}"
[[ -z "$shared" && -d "$root/../shared" ]] && shared="$root/../shared"
[[ -z "$shared" && -d /work/shared ]] && shared=/work/shared
[[ -d "$shared/models" ]] || fail "finding the shared models folder"
cache="${INTERCOG_MODELS:-$HOME/.cache/intercog/models}"

dotnet pack "$root/src/InterCoG.Cli/InterCoG.Cli.csproj" -c Release -nologo -v q -o "$work/nupkg" >"$work/log" 2>&1 || fail "dotnet pack"
dotnet tool install intercog --tool-path "$work/T" --add-source "$work/nupkg" >"$work/log" 2>&1 || fail "dotnet tool install"
tool="$work/T/intercog"
version="$("$tool" --version 2>"$work/log")" || fail "intercog --version"
expected="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props")"
[[ "$version" == "$expected" ]] || fail "intercog --version (printed '$version', Directory.Build.props says '$expected')"

# a folder holding every catalogued file: the shared models plus IS-Net (npm-only) from the usual models folder
mkdir -p "$work/from"
ln -s "$shared"/models/*.onnx "$work/from/"
for f in "$cache"/isnet*.onnx; do [[ -e "$work/from/$(basename "$f")" ]] || ln -s "$f" "$work/from/"; done
export INTERCOG_MODELS="$work/models"
"$tool" models install --from "$work/from" >"$work/log" 2>&1 || fail "intercog models install --from"
"$tool" models list >"$work/log" 2>&1 || fail "intercog models list (a model is missing after the install)"

cd "$work"
"$tool" edit "$root/samples/horses.jpg" "make the horse on the right brown" -o "$work/out.png" >"$work/log" 2>&1 || fail "intercog edit"
[[ -s "$work/out.png" ]] || fail "intercog edit (no output written)"

port=$((20000 + RANDOM % 20000))
"$tool" serve --urls "http://127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
get_page() {  # plain HTTP/1.0 GET through bash's /dev/tcp (no curl needed)
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  cat <&3 >"$work/index.html"
  exec 3>&-
}
for _ in $(seq 1 60); do
  get_page && grep -q "<form" "$work/index.html" && break
  sleep 1
done
grep -q "<form" "$work/index.html" 2>/dev/null || { cp "$work/serve.log" "$work/log"; fail "intercog serve (no studio page on 127.0.0.1:$port)"; }
# a service manager's stop, while the models may still be loading: the server must end cleanly (exit 0), not crash
kill -TERM "$server"
wait "$server"
serve_rc=$?
server=""
[[ $serve_rc == 0 ]] || { cp "$work/serve.log" "$work/log"; fail "stopping intercog serve (exit $serve_rc after SIGTERM; 139 is a segfault)"; }
echo "tool check: ok (intercog $version installed as a .NET tool: --version, models install --from, edit, serve, stop)"
