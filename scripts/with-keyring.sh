#!/usr/bin/env bash
# Runs a command with a private D-Bus session and an unlocked gnome-keyring (Secret Service),
# so the real OS keyring backend works without a desktop session. HOME is a throwaway folder
# so the test keyring never touches the user's own; cargo and rustup keep their real homes.
set -euo pipefail
if [[ $# -eq 0 ]]; then echo "usage: $0 command [args...]" >&2; exit 2; fi

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/botdeck-keyring.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/home/.local/share" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

inner='printf "botdeck-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"'
exec dbus-run-session -- bash -c "$inner" keyring "$@"
