#!/usr/bin/env bash
# CI: build the Linux one-folder bundle from packaging/idphoto.spec and smoke-test it
# headless (packaging/smoke_test.py). Meant to be called from scripts/test.sh after
# scripts/setup.sh --test; on its own it also works on a fresh Debian machine.
#
# Takes about a minute on 2 cores (build 40-60 s, smoke ~5 s); a hard limit stops a hung
# build well inside CI's time. The bundle goes to a temporary folder that is removed at the
# end unless IDPHOTO_KEEP_BUNDLE=1 (then it is left in build/ci-dist/dist/idphoto-desktop).
# Prints the build time and the bundle size.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."

BUILD_LIMIT_S="${IDPHOTO_BUILD_LIMIT_S:-720}"
SMOKE_LIMIT_S="${IDPHOTO_SMOKE_LIMIT_S:-300}"

if [ ! -x .venv/bin/python ]; then
  echo "== no .venv yet: scripts/setup.sh --test"
  bash scripts/setup.sh --test
fi

# PyInstaller needs objdump and objcopy (binutils) on Linux.
if ! command -v objdump >/dev/null 2>&1 || ! command -v objcopy >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "== installing binutils (PyInstaller needs objdump/objcopy)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    binutils >/dev/null
fi

# The models: the shared verified copies in CI (no download); the spec checks every sum.
if [ -z "${IDPHOTO_MODELS_DIR:-}" ] && [ -d ../shared/models ]; then
  IDPHOTO_MODELS_DIR="$(cd ../shared/models && pwd)"
  export IDPHOTO_MODELS_DIR
fi

if [ "${IDPHOTO_KEEP_BUNDLE:-0}" = 1 ]; then
  out="build/ci-dist"
  rm -rf "$out"
  mkdir -p "$out"
  cleanup() { :; }
else
  out="$(mktemp -d -t idphoto-ci-build.XXXXXX)"
  cleanup() { rm -rf "$out"; }
fi
trap cleanup EXIT

echo "== packaging: build (limit ${BUILD_LIMIT_S} s)"
start=$(date +%s)
timeout --kill-after=30 "$BUILD_LIMIT_S" \
  bash packaging/build.sh --clean --distpath "$out/dist" --workpath "$out/work"
build_s=$(( $(date +%s) - start ))

echo "== packaging: smoke test of the frozen bundle (limit ${SMOKE_LIMIT_S} s)"
# The smoke test clears IDPHOTO_MODELS_DIR itself: the frozen app must use its own models.
timeout --kill-after=30 "$SMOKE_LIMIT_S" \
  .venv/bin/python packaging/smoke_test.py --bundle "$out/dist/idphoto-desktop"

size_mib=$(( $(du -sk "$out/dist/idphoto-desktop" | cut -f1) / 1024 ))
echo "== packaging: build ${build_s} s, bundle ${size_mib} MiB ($out/dist/idphoto-desktop)"
