#!/usr/bin/env bash
# `make test-dist`: smoke-tests the packages in target/dist/ without installing anything: the
# .deb is unpacked into a temporary root (`dpkg-deb -x`) and what it would install is run from
# there. Checks: checksums; the files a package must carry (both binaries, desktop entry, icons,
# licences); `botdeck --version` and `botdeck doctor --json` (same folders as the source build's
# CLI); declared dependencies are runtime libraries only and cover every library the binaries
# link; the desktop app under Xvfb with --demo through WebDriver (tests/e2e/dist/); the .rpm's
# contents and the CLI tarball.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dist="${BOTDECK_DIST_DIR:-$root/target/dist}"
started=$(date +%s)
fail() { echo "test-dist: FAIL: $*" >&2; exit 1; }
ok() { echo "test-dist: ok: $*"; }

shopt -s nullglob
debs=("$dist"/*.deb) rpms=("$dist"/*.rpm) tars=("$dist"/botdeck-cli-*.tar.gz)
shopt -u nullglob
[[ ${#debs[@]} -eq 1 && ${#rpms[@]} -eq 1 && ${#tars[@]} -eq 1 ]] ||
  fail "expected one .deb, one .rpm and one CLI .tar.gz in $dist (run 'make dist')"
deb=${debs[0]} rpm=${rpms[0]} tarball=${tars[0]}

(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match the packages"
ok "SHA256SUMS matches $(wc -l <"$dist/SHA256SUMS") files"

version=$(cargo metadata --no-deps --format-version 1 --locked | jq -r '.packages[] | select(.name == "botdeck") | .version')
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "the .deb's version is $(dpkg-deb -f "$deb" Version), Cargo's is $version"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/botdeck-test-dist.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
pkgroot="$scratch/root"
dpkg-deb -x "$deb" "$pkgroot"

# --- what the package carries ---------------------------------------------------------------
for f in usr/bin/botdeck usr/bin/botdeck-desktop; do
  [[ -x "$pkgroot/$f" ]] || fail "the .deb has no executable /$f"
done
desktop_files=("$pkgroot"/usr/share/applications/*.desktop)
[[ -f "${desktop_files[0]}" ]] || fail "the .deb has no desktop entry"
grep -q '^Exec=botdeck-desktop' "${desktop_files[0]}" || fail "the desktop entry does not start botdeck-desktop: $(cat "${desktop_files[0]}")"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "${desktop_files[0]}" || fail "the desktop entry is not valid (above)"
fi
icon=$(sed -n 's/^Icon=//p' "${desktop_files[0]}")
icons=("$pkgroot"/usr/share/icons/hicolor/*/apps/"$icon".png)
[[ -f "${icons[0]}" ]] || fail "no icon named $icon under /usr/share/icons/hicolor"
for f in usr/share/doc/botdeck/copyright usr/share/doc/botdeck/THIRD-PARTY-LICENSES.txt; do
  [[ -s "$pkgroot/$f" ]] || fail "the .deb has no /$f"
done
ok "the .deb carries botdeck, botdeck-desktop, $(basename "${desktop_files[0]}"), ${#icons[@]} icon size(s), licences"

# --- the CLI it installs ----------------------------------------------------------------------
cli="$pkgroot/usr/bin/botdeck"
expected="botdeck $version (commit $commit)"
[[ $("$cli" --version) == "$expected" ]] || fail "botdeck --version says '$("$cli" --version)', expected '$expected'"
ok "botdeck --version: $expected"

# Both CLIs in one throwaway HOME with the real keyring: the installed one must resolve the
# same folders as the source build's, and pass its checks.
source_cli="$root/target/debug/botdeck"
[[ -x "$source_cli" ]] || fail "no source-built CLI at $source_cli (make cli)"
scripts/with-keyring.sh bash -c '
  set -euo pipefail
  unset BOTDECK_DATA_DIR BOTDECK_LOG_DIR
  "$1" doctor --json >"$3/installed.json" || true
  "$2" doctor --json >"$3/source.json" || true
' doctor "$cli" "$source_cli" "$scratch"
for key in dataDir stateFile cacheFile logDir; do
  a=$(jq -r ".$key" "$scratch/installed.json") b=$(jq -r ".$key" "$scratch/source.json")
  [[ -n "$a" && "$a" != null && "$a" == "$b" ]] || fail "doctor's $key: installed '$a', source build '$b'"
done
failed=$(jq -r '[.checks[] | select(.status == "fail") | .id] | join(", ")' "$scratch/installed.json")
[[ -z "$failed" ]] || fail "botdeck doctor --json: failed checks: $failed ($(cat "$scratch/installed.json"))"
[[ $(jq -r '.checks[] | select(.id == "keyring") | .status' "$scratch/installed.json") == ok ]] ||
  fail "the installed CLI's keyring check is not ok: $(cat "$scratch/installed.json")"
ok "botdeck doctor --json: no failed check, keyring ok, data in $(jq -r .dataDir "$scratch/installed.json") like the source build"

# --- declared dependencies ----------------------------------------------------------------------
depends=$(dpkg-deb -f "$deb" Depends)
echo "test-dist: the .deb depends on: $depends"
if grep -Eq -- '-dev([[:space:],(|]|$)' <<<"$depends"; then fail "a -dev package among the .deb's dependencies: $depends"; fi
# Every library the binaries link must come from a declared package or one of its dependencies.
names() { tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/:any//; s/^[[:space:]]+//; s/[[:space:]]+$//' | grep -v '^$' || true; }
declare -A closure=() providers=()
while read -r real provides; do
  for virtual in $(names <<<"$provides"); do providers[$virtual]+=" $real"; done
done < <(dpkg-query -W -f='${Package} ${Provides}\n' 2>/dev/null)
queue=($(names <<<"$depends"))
while [[ ${#queue[@]} -gt 0 ]]; do
  pkg=${queue[0]} queue=("${queue[@]:1}")
  [[ -n "${closure[$pkg]:-}" ]] && continue
  closure[$pkg]=1
  more=$(dpkg-query -W -f='${Depends}, ${Pre-Depends}\n' "$pkg" 2>/dev/null || true)
  queue+=($(names <<<"$more"))
  # A virtual package is provided by a real one.
  queue+=(${providers[$pkg]:-})
done
for bin in botdeck botdeck-desktop; do
  for so in $(readelf -d "$pkgroot/usr/bin/$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    owner=$(dpkg -S "$so" 2>/dev/null | grep -E "/$so\$" | head -1 | cut -d: -f1 || true)
    [[ -n "$owner" ]] || fail "$bin links $so, which no installed package provides"
    [[ -n "${closure[$owner]:-}" ]] || fail "$bin links $so from $owner, which the .deb does not depend on (directly or through its dependencies)"
  done
done
ok "no -dev dependency; every library botdeck and botdeck-desktop link is covered by the declared dependencies"

# --- the .rpm and the CLI tarball ---------------------------------------------------------------
if command -v rpm >/dev/null 2>&1; then
  listing=$(rpm -qpl "$rpm" 2>/dev/null)
  for f in /usr/bin/botdeck /usr/bin/botdeck-desktop /usr/share/licenses/botdeck/LICENSE; do
    grep -qx "$f" <<<"$listing" || fail "the .rpm has no $f"
  done
  [[ $(rpm -qp --qf '%{VERSION}' "$rpm" 2>/dev/null) == "$version" ]] || fail "the .rpm's version is not $version"
  if rpm -qpR "$rpm" 2>/dev/null | grep -q -- '-devel'; then fail "a -devel package among the .rpm's requirements"; fi
  ok "the .rpm carries both binaries and the licence, version $version, no -devel requirement"
else
  echo "test-dist: the .rpm's contents were not checked: no rpm tool here (scripts/setup-system.sh test installs it)"
fi
mkdir -p "$scratch/tar"
tar -xzf "$tarball" -C "$scratch/tar"
tar_cli=$(ls "$scratch"/tar/*/botdeck)
[[ $("$tar_cli" --version) == "$expected" ]] || fail "the tarball's botdeck --version is not '$expected'"
for f in LICENSE THIRD-PARTY-LICENSES.txt README.md; do [[ -s "$(dirname "$tar_cli")/$f" ]] || fail "the tarball has no $f"; done
ok "the CLI tarball: $expected, with its licences"

# --- the desktop app it installs, in a real window ---------------------------------------------
BOTDECK_E2E_APP="$pkgroot/usr/bin/botdeck-desktop" \
  BOTDECK_DIST_CLI="$cli" \
  BOTDECK_E2E_EXPECT_VERSION="$version" \
  BOTDECK_E2E_EXPECT_COMMIT="$commit" \
  BOTDECK_E2E_ARTIFACTS="$root/target/e2e-artifacts/dist" \
  BOTDECK_E2E_FILES="$root/tests/e2e/dist/installed.test.mjs" \
  tests/e2e/run.sh
echo "test-dist: every check passed in $(($(date +%s) - started)) s"
