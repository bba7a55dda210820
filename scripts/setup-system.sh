#!/usr/bin/env bash
# Installs the Debian packages BotDeck needs, only those missing. As root it runs apt-get;
# otherwise it prints the exact command and fails, so nothing depends on a hand-made setup.
# Usage: scripts/setup-system.sh build|test
set -euo pipefail

build_pkgs=(build-essential pkg-config libssl-dev curl file libwebkit2gtk-4.1-dev libgtk-3-dev
  libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev libdbus-1-dev)
# What the end-to-end suite and the real keyring need headless; `rpm` and `desktop-file-utils`
# let `make test-dist` read the .rpm and check the desktop entry (neither installs anything).
test_pkgs=(xvfb xauth webkit2gtk-driver gnome-keyring dbus-x11 keyutils rpm desktop-file-utils)

case "${1:-build}" in
  build) wanted=("${build_pkgs[@]}") ;;
  test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-system: not a Debian-based system; install the equivalents of: ${wanted[*]}" >&2
  exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "setup-system: missing Debian packages. Run as root:" >&2
  echo "  sudo sh -c '$line'" >&2
  exit 1
fi
echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
