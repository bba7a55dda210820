#!/usr/bin/env bash
# End-to-end suite: the real BotDeck binary in a real WebKit window under Xvfb, driven through
# tauri-driver + WebKitWebDriver, with a private D-Bus session and an unlocked gnome-keyring.
#   BOTDECK_E2E_FILES   the test files to run (default: every tests/e2e/*.test.mjs), e.g.
#                       BOTDECK_E2E_FILES=tests/e2e/links.test.mjs tests/e2e/run.sh
#   BOTDECK_E2E_TIMEOUT_SCALE  stretches every wait (harness.mjs TIMEOUT) on a very slow machine
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
# shellcheck disable=SC2206 # a space-separated list of paths, globs allowed
files=(${BOTDECK_E2E_FILES:-"$here"/*.test.mjs})

# No accessibility bus under Xvfb; without this WebKit waits for one.
export NO_AT_BRIDGE=1
# Each test has its own bound (harness.mjs TIMEOUT.test) and fails with evidence past it; this
# outer bound only stops a run whose Node or WebKit hangs beyond what any test can.
exec timeout --kill-after=20 "${BOTDECK_E2E_RUN_TIMEOUT:-2400}" "$root/scripts/with-keyring.sh" \
  xvfb-run -a -s '-screen 0 1280x800x24' \
  node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
