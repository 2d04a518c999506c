#!/usr/bin/env bash
# Install mlops-level for the GitHub Action (see docs/release.md).
#
# 1. An `mlops-level` already on PATH is used as is.
# 2. Otherwise the release binary of MLOPS_LEVEL_VERSION for this runner is
#    downloaded with its `.sha256` file, and installed only when the archive's
#    SHA-256 matches.
# 3. Only when no release binary fits the runner (an OS or CPU the release
#    does not build for) is the action's own source built with cargo.
#
# Environment:
#   MLOPS_LEVEL_VERSION      release to install, without the `v` (required)
#   MLOPS_LEVEL_RELEASE_URL  base of the release downloads (default: the
#                            project's GitHub releases; a mirror or a test server)
#   MLOPS_LEVEL_INSTALL_DIR  install root; the binary goes to its bin/
#                            (default: $RUNNER_TEMP/mlops-level-install)
#   ACTION_PATH              the action's source, for the fallback build
#   RUNNER_OS, RUNNER_ARCH   set by GitHub runners; uname is used without them
#   GITHUB_OUTPUT, GITHUB_PATH  when set, receive `bin=...` and the bin directory
set -euo pipefail

die() {
  echo "::error title=mlops-level install::$*" >&2
  exit 1
}

publish() { # publish BIN_PATH
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "bin=$1" >> "$GITHUB_OUTPUT"; fi
  if [ -n "${GITHUB_PATH:-}" ]; then
    local dir
    dir=$(dirname "$1")
    # Windows runners read GITHUB_PATH as Windows paths.
    if command -v cygpath >/dev/null 2>&1; then dir=$(cygpath -w "$dir"); fi
    echo "$dir" >> "$GITHUB_PATH"
  fi
}

if existing=$(command -v mlops-level 2>/dev/null); then
  echo "mlops-level is already installed: $existing"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "bin=$existing" >> "$GITHUB_OUTPUT"; fi
  exit 0
fi

version="${MLOPS_LEVEL_VERSION:-}"
[ -n "$version" ] || die "MLOPS_LEVEL_VERSION is not set"
version="${version#v}"
base="${MLOPS_LEVEL_RELEASE_URL:-https://github.com/mlops-level/mlops-level/releases/download}"
base="${base%/}"
root="${MLOPS_LEVEL_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/mlops-level-install}"

os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
case "$os" in
  Linux) os=linux ;;
  macOS | Darwin) os=macos ;;
  Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
esac
case "$arch" in
  X64 | x86_64 | amd64) arch=x86_64 ;;
  ARM64 | aarch64 | arm64) arch=aarch64 ;;
esac

# The targets the release workflow builds (dist-workspace.toml); Linux gets
# the static musl build so it runs on any distribution.
exe=""
ext=".tar.gz"
case "$os/$arch" in
  linux/x86_64) target=x86_64-unknown-linux-musl ;;
  linux/aarch64) target=aarch64-unknown-linux-musl ;;
  macos/x86_64) target=x86_64-apple-darwin ;;
  macos/aarch64) target=aarch64-apple-darwin ;;
  windows/x86_64) target=x86_64-pc-windows-msvc exe=".exe" ext=".zip" ;;
  *) target="" ;;
esac

if [ -z "$target" ]; then
  echo "No mlops-level release binary for $os/$arch: building version $version from the action's source with cargo."
  [ -n "${ACTION_PATH:-}" ] || die "no release binary for $os/$arch and ACTION_PATH (the source to build) is not set"
  command -v cargo >/dev/null 2>&1 || die "no release binary for $os/$arch and no cargo to build from source; install Rust (https://rustup.rs) first"
  cargo install --locked --quiet --path "$ACTION_PATH" --root "$root"
  publish "$root/bin/mlops-level$exe"
  exit 0
fi

command -v curl >/dev/null 2>&1 || die "curl is required to download the release"
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "neither sha256sum nor shasum is available to verify the download"
  fi
}

archive="mlops-level-$target$ext"
url="$base/v$version/$archive"
work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/mlops-level-download.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "Downloading $url"
curl --fail --silent --show-error --location --retry 3 --output "$work/$archive" "$url" \
  || die "could not download $url (is v$version released for $target?)"
curl --fail --silent --show-error --location --retry 3 --output "$work/$archive.sha256" "$url.sha256" \
  || die "could not download the checksum $url.sha256"

# dist writes `<hex> *<file name>`, the format of `sha256sum --check`.
expected=$(head -n 1 "$work/$archive.sha256" | cut -d' ' -f1 | tr 'A-F' 'a-f')
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "$url.sha256 does not hold a SHA-256 checksum"
actual=$(sha256 "$work/$archive")
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $archive: expected $expected, got $actual; refusing to install it"
fi
echo "Checksum verified: sha256 $actual"

mkdir -p "$work/unpacked"
if [ "$ext" = ".zip" ]; then
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$work/$archive" -d "$work/unpacked"
  else
    powershell -NoProfile -Command "Expand-Archive -LiteralPath '$work/$archive' -DestinationPath '$work/unpacked'"
  fi
  found="$work/unpacked/mlops-level$exe"
else
  tar -xzf "$work/$archive" -C "$work/unpacked"
  found="$work/unpacked/mlops-level-$target/mlops-level$exe"
fi
[ -f "$found" ] || die "$archive does not contain mlops-level$exe where the release layout puts it"

mkdir -p "$root/bin"
bin="$root/bin/mlops-level$exe"
cp "$found" "$bin"
chmod +x "$bin"
"$bin" --version
publish "$bin"
