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
dist="$root/target/dist"
tauri="$root/scripts/dist/node_modules/.bin/tauri"
[[ -x "$tauri" ]] || { echo "dist: run through 'make dist' (Tauri's CLI is missing)" >&2; exit 2; }

version=$(cargo metadata --no-deps --format-version 1 --locked |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s).packages.find(p=>p.name==="botdeck");process.stdout.write(p.version)})')
arch=$(uname -m)
rm -rf "$dist"
mkdir -p "$dist"

stamp() { date +%s; }
t0=$(stamp)
# The CLI first: the bundler copies it into both packages (tauri.conf.json bundle.linux.*.files).
cargo build --release --locked -p botdeck-cli
t1=$(stamp)
node scripts/dist/third-party-licences.mjs "$dist/THIRD-PARTY-LICENSES.txt"
# Builds ui/dist (beforeBuildCommand), the desktop binary with the UI embedded, then bundles.
"$tauri" build --ci --bundles deb,rpm
t2=$(stamp)

bundle="$root/target/release/bundle"
deb=$(ls "$bundle"/deb/*.deb)
rpm=$(ls "$bundle"/rpm/*.rpm)
cp "$deb" "$dist/botdeck_${version}_amd64.deb"
cp "$rpm" "$dist/botdeck-${version}-1.${arch}.rpm"

# The CLI alone: a folder with the binary and its licences, owned by root, files in name order
# and dated by the commit, so the same commit gives the same archive bytes.
name="botdeck-cli-${version}-${arch}-linux"
stage="$root/target/dist-stage/$name"
rm -rf "$root/target/dist-stage"
mkdir -p "$stage"
cp target/release/botdeck LICENSE README.md "$dist/THIRD-PARTY-LICENSES.txt" "$stage/"
mtime=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" \
  -C "$root/target/dist-stage" -cf - "$name" | gzip -n -9 >"$dist/$name.tar.gz"
rm -rf "$root/target/dist-stage"

(cd "$dist" && sha256sum -- *.deb *.rpm *.tar.gz >SHA256SUMS)
echo "dist: built in $((t2 - t0)) s (CLI $((t1 - t0)) s, desktop + bundles $((t2 - t1)) s):"
(cd "$dist" && ls -l --block-size=1 -- *.deb *.rpm *.tar.gz SHA256SUMS)
ls -l --block-size=1 target/release/botdeck target/release/botdeck-desktop
