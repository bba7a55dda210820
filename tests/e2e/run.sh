#!/usr/bin/env bash
# End-to-end suite: the real BotDeck binary in a real WebKit window under Xvfb, driven through
# tauri-driver + WebKitWebDriver, with a private D-Bus session and an unlocked gnome-keyring.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

export BOTDECK_E2E_APP="${BOTDECK_E2E_APP:-$root/target/botdeck-desktop-embedded}"
export BOTDECK_E2E_DRIVER="${BOTDECK_E2E_DRIVER:-$root/target/tools/bin/tauri-driver}"
export BOTDECK_E2E_ARTIFACTS="${BOTDECK_E2E_ARTIFACTS:-$root/target/e2e-artifacts}"
for f in "$BOTDECK_E2E_APP" "$BOTDECK_E2E_DRIVER" /usr/bin/WebKitWebDriver; do
  [[ -x "$f" ]] || { echo "e2e: missing $f (run through 'make test-e2e')" >&2; exit 2; }
done
mkdir -p "$BOTDECK_E2E_ARTIFACTS"

# No accessibility bus under Xvfb; without this WebKit waits for one.
export NO_AT_BRIDGE=1
# The whole run is bounded: a hung WebKit must not hold CI.
exec timeout --kill-after=20 900 "$root/scripts/with-keyring.sh" \
  xvfb-run -a -s '-screen 0 1280x800x24' \
  node --test --test-concurrency=1 --test-reporter=spec "$here"/*.test.mjs
