#!/usr/bin/env bash
# Check the release as far as it can be checked without GitHub (docs/release.md):
#
# 1. .github/workflows/release.yml is what cargo-dist generates from
#    dist-workspace.toml (`dist generate --check`).
# 2. The plan (`dist manifest --artifacts=all`) releases tag v<Cargo.toml
#    version> with one archive per target the Action and cargo binstall
#    expect, each with a `.sha256` file, plus the unified `sha256.sum`.
# 3. The host target's archive builds locally (`dist build`), its checksum
#    file verifies with `sha256sum -c`, its layout is the one action/install.sh
#    and cargo binstall unpack, and the binary in it runs and scans.
#
# Installs the pinned cargo-dist into the git-ignored .ci/tools/dist on first
# use (a few minutes of compiling, once). Usage: release/check.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
[ "${1:-}" = "--no-build" ] && build=0

dist_version=$(sed -n 's/^cargo-dist-version = "\(.*\)"$/\1/p' dist-workspace.toml)
[ -n "$dist_version" ] || { echo "release/check.sh: no cargo-dist-version in dist-workspace.toml" >&2; exit 2; }
dist="${DIST:-$PWD/.ci/tools/dist/bin/dist}"
if ! [ -x "$dist" ] || ! "$dist" --version | grep -qF " $dist_version"; then
  echo "== installing cargo-dist $dist_version into .ci/tools/dist"
  CARGO_TARGET_DIR="$PWD/.ci/tools/dist-build" \
    cargo install cargo-dist --locked --version "=$dist_version" --root "$PWD/.ci/tools/dist"
  dist="$PWD/.ci/tools/dist/bin/dist"
fi
echo "== $("$dist" --version)"

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)
repo=$(sed -n '/^\[workspace.package\]/,/^\[/s/^repository = "\(.*\)"$/\1/p' Cargo.toml)
# What action/install.sh, cargo binstall (Cargo.toml) and the README download.
expected_targets=(aarch64-apple-darwin aarch64-unknown-linux-musl x86_64-apple-darwin x86_64-pc-windows-msvc
                  x86_64-unknown-linux-gnu x86_64-unknown-linux-musl)

echo "== dist generate --check (release.yml is up to date)"
"$dist" generate --check

echo "== dist manifest: the plan for v$version"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$dist" manifest --artifacts=all --output-format=json --no-local-paths --tag "v$version" > "$work/manifest.json"
python3 - "$work/manifest.json" "$version" "$repo" "${expected_targets[@]}" <<'EOF'
import json, sys
path, version, repo, *targets = sys.argv[1:]
m = json.load(open(path))
problems = []
def check(ok, msg):
    if not ok:
        problems.append(msg)
check(m.get("announcement_tag") == f"v{version}", f"tag {m.get('announcement_tag')!r}, expected v{version}")
releases = m.get("releases", [])
check([r.get("app_name") for r in releases] == ["mlops-level"], f"releases {[r.get('app_name') for r in releases]}")
check(all(r.get("app_version") == version for r in releases), "app_version differs from Cargo.toml")
hosting = (releases[0].get("hosting") or {}).get("github") if releases else None
check(hosting is not None and f"https://github.com/{hosting.get('owner')}/{hosting.get('repo')}" == repo,
      f"releases are hosted at {hosting}, not {repo}")
arts = m.get("artifacts", {})
names = set(releases[0].get("artifacts", [])) if releases else set()
for t in targets:
    ext = ".zip" if "windows" in t else ".tar.gz"
    name = f"mlops-level-{t}{ext}"
    a = arts.get(name)
    check(name in names and a is not None, f"no archive {name}")
    if a:
        check(a.get("kind") == "executable-zip", f"{name} is a {a.get('kind')}")
        check(a.get("target_triples") == [t], f"{name} targets {a.get('target_triples')}")
        check(a.get("checksum") == f"{name}.sha256", f"{name} has checksum {a.get('checksum')!r}")
        check(f"{name}.sha256" in names, f"{name}.sha256 is not released")
        bins = [x.get("name") for x in a.get("assets", []) if x.get("kind") == "executable"]
        check(bins == ["mlops-level"], f"{name} holds executables {bins}")
built = sorted({t for a in arts.values() if a.get("kind") == "executable-zip" for t in a.get("target_triples", [])})
check(built == sorted(targets), f"targets {built}, expected {sorted(targets)}")
check("sha256.sum" in names, "no unified sha256.sum")
if problems:
    print("release plan problems:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"   v{version}: {len(targets)} archives, each with a .sha256, and sha256.sum")
EOF

[ "$build" = 1 ] || { echo "== skipped the local build (--no-build)"; exit 0; }

host=$(rustc -vV | sed -n 's/^host: //p')
echo "== dist build --target $host (a release build; takes a few minutes)"
"$dist" build --artifacts=local --target "$host" --tag "v$version" --output-format=json > "$work/build.json"
archive="mlops-level-$host.tar.gz"
cd target/distrib
[ -f "$archive" ] && [ -f "$archive.sha256" ] || { echo "release/check.sh: dist did not write $archive and its .sha256" >&2; exit 1; }
echo "== sha256sum -c $archive.sha256"
sha256sum -c "$archive.sha256"
# The checksum is of the archive on disk, not a copy of some other file.
[ "$(sha256sum "$archive" | cut -d' ' -f1)" = "$(cut -d' ' -f1 "$archive.sha256")" ]
rm -rf "$work/unpacked" && mkdir "$work/unpacked"
tar -xzf "$archive" -C "$work/unpacked"
bin="$work/unpacked/mlops-level-$host/mlops-level"
[ -x "$bin" ] || { echo "release/check.sh: $archive has no mlops-level-$host/mlops-level" >&2; tar -tzf "$archive" >&2; exit 1; }
"$bin" --version | grep -qxF "mlops-level $version" || { echo "release/check.sh: the archived binary is not version $version" >&2; exit 1; }
cd ../..
level=$("$bin" scan fixtures/level4-github-full-loop/repo --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["level"])')
[ "$level" = 4 ] || { echo "release/check.sh: the archived binary scans the level-4 fixture as level $level" >&2; exit 1; }
echo "== release check passed: $archive $(cut -d' ' -f1 "target/distrib/$archive.sha256")"
