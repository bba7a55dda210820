#!/usr/bin/env bash
# The inventory sync as an admin runs it, at Microsoft's real limits: the release CLI against a
# release tenant-sim `--size large --throttle-scale 1`, channel facts on (about 6 minutes).
# Build first: cargo build --release -p botdeck-cli -p botdeck-tenant-sim
# Run under a keyring: scripts/with-keyring.sh scripts/bench-cli-sync.sh [extra sync flags]
# Prints the wall time, the load average before and after, the CLI's CPU time and tenant-sim's
# metrics (round trips, sub-requests, 429s, early retries, peak concurrency).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release"
work=$(mktemp -d "${TMPDIR:-/tmp}/botdeck-bench-sync.XXXXXX")
"$bin/botdeck-tenant-sim" --size large --throttle-scale 1 >"$work/sim.out" 2>&1 &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q '^control:' "$work/sim.out" 2>/dev/null && break; sleep 0.5; done
field() { awk -v k="$1" 'index($0, k) == 1 { print $NF }' "$work/sim.out"; }
base=$(field 'base URL:')
authority=$(field 'authority:')
export BOTDECK_DATA_DIR="$work/data" BOTDECK_LOG_DIR="$work/logs"
curl -sf -X POST -H 'content-type: application/json' \
  -d '{"auto_approve_device_code": true, "device_code_interval": 1}' "$base/_sim/settings" >/dev/null
"$bin/botdeck" login --profile sim --tenant "$(field 'domain:')" --authority-host "${authority%/*}" \
  --graph-url "$(field 'Graph URL:')" --client-id "$(field 'client id:')" --device-code >"$work/login.out" 2>&1 \
  || { cat "$work/login.out"; exit 1; }
curl -sf -X POST "$base/_sim/metrics/reset" >/dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
status=0
/usr/bin/time -f 'CLI CPU: %U s user, %S s system' "$bin/botdeck" installs sync --app FlashDuty --kinds team "$@" \
  >"$work/sync.out" 2>"$work/sync.err" || status=$?
end=$(date +%s.%N)
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "exit $status; wall $(echo "$end - $start" | bc) s (floor: 10 000 installedApps reads at 30 rps = 333.3 s)"
grep -E '^Sync ' "$work/sync.out" || true
grep 'CLI CPU' "$work/sync.err" || true
curl -sf "$base/_sim/metrics" | python3 -c 'import json, sys
m = json.load(sys.stdin)
print({k: m.get(k) for k in ["http_round_trips", "sub_requests", "throttled_429", "early_retries", "peak_concurrency"]})'
