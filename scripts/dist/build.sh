#!/usr/bin/env bash
# `make dist`: the release packages, from this checkout, into target/dist/:
#   botdeck_<version>_amd64.deb, botdeck-<version>-1.x86_64.rpm  (desktop app + `botdeck` CLI)
#   botdeck-cli-<version>-x86_64-linux.tar.gz                     (the CLI alone)
#   SHA256SUMS                                                    (`sha256sum -c SHA256SUMS`)
# Tauri's bundler (its npm CLI, pinned in scripts/dist/package.json) makes the .deb and .rpm;
# the version is Cargo's (workspace.package), the commit is embedded by build_commit.rs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dist="${BOTDECK_DIST_DIR:-$root/target/dist}"
tauri="$root/scripts/dist/node_modules/.bin/tauri"
[[ -x "$tauri" ]] || { echo "dist: run through 'make dist' (Tauri's CLI is missing)" >&2; exit 2; }

version=$(cargo metadata --no-deps --format-version 1 --locked |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s).packages.find(p=>p.name==="botdeck");process.stdout.write(p.version)})')
arch=$(uname -m)
rm -rf "$dist"
mkdir -p "$dist"

# BOTDECK_DIST_PROFILE=debug packages debug builds instead: the same files and checks in a
# fraction of the build time, for trying a packaging change. Releases use the release profile.
profile=${BOTDECK_DIST_PROFILE:-release}
case "$profile" in
  release) cargo_profile=(--release) tauri_profile=() ;;
  debug)
    cargo_profile=() tauri_profile=(--debug --config "$(node -e '
      const f = { "/usr/bin/botdeck": "target/debug/botdeck" };
      console.log(JSON.stringify({ bundle: { linux: { deb: { files: f }, rpm: { files: f } } } }))')")
    ;;
  *) echo "dist: BOTDECK_DIST_PROFILE is release or debug, not '$profile'" >&2; exit 2 ;;
esac

stamp() { date +%s; }
t0=$(stamp)
# The CLI first: the bundler copies it into both packages (tauri.conf.json bundle.linux.*.files).
cargo build "${cargo_profile[@]}" --locked -p botdeck-cli
t1=$(stamp)
node scripts/dist/third-party-licences.mjs "$dist/THIRD-PARTY-LICENSES.txt"
# Builds ui/dist (beforeBuildCommand), the desktop binary with the UI embedded, then bundles.
"$tauri" build --ci --bundles deb,rpm "${tauri_profile[@]}"
t2=$(stamp)

bundle="$root/target/$profile/bundle"
deb=$(ls "$bundle"/deb/*.deb)
rpm=$(ls "$bundle"/rpm/*.rpm)
cp "$deb" "$dist/botdeck_${version}_amd64.deb"
cp "$rpm" "$dist/botdeck-${version}-1.${arch}.rpm"

# The CLI alone: a folder with the binary and its licences, owned by root, files in name order
# and dated by the commit, so the same commit gives the same archive bytes.
name="botdeck-cli-${version}-${arch}-linux"
stage="$dist-stage/$name"
rm -rf "$dist-stage"
mkdir -p "$stage"
cp "target/$profile/botdeck" LICENSE README.md "$dist/THIRD-PARTY-LICENSES.txt" "$stage/"
mtime=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" \
  -C "$dist-stage" -cf - "$name" | gzip -n -9 >"$dist/$name.tar.gz"
rm -rf "$dist-stage"

(cd "$dist" && sha256sum -- *.deb *.rpm *.tar.gz >SHA256SUMS)
echo "dist ($profile): built in $((t2 - t0)) s (CLI $((t1 - t0)) s, desktop + bundles $((t2 - t1)) s):"
(cd "$dist" && ls -l --block-size=1 -- *.deb *.rpm *.tar.gz SHA256SUMS)
ls -l --block-size=1 "target/$profile/botdeck" "target/$profile/botdeck-desktop"
