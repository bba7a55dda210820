#!/usr/bin/env bash
# Runs a command with a private D-Bus session and an unlocked gnome-keyring (Secret Service),
# so the real OS keyring backend works without a desktop session. HOME is a throwaway folder
# so the test keyring never touches the user's own; cargo and rustup keep their real homes.
# The throwaway folder is deleted when the command ends, however it ends (so no `exec` below:
# an exec'd shell never runs its EXIT trap).
set -euo pipefail
if [[ $# -eq 0 ]]; then echo "usage: $0 command [args...]" >&2; exit 2; fi

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/botdeck-keyring.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/home/.local/share" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# gnome-keyring-daemon leaves when its session bus does, i.e. when dbus-run-session returns.
inner='printf "botdeck-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "$@"'
status=0
dbus-run-session -- bash -c "$inner" keyring "$@" || status=$?
exit "$status"
