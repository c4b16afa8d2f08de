#!/usr/bin/env bash
# Installs everything ID Photo Desktop needs on a fresh Debian machine with Python 3.11:
# the system libraries Qt needs (and, with --test, gnome-keyring, dbus and Xvfb for the
# tests), then a virtual environment in .venv with the package and its dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

pkgs=(libglib2.0-0 libgl1 libegl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
      libxkbcommon0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0
      libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0
      libxcb-xkb1 libxcb-xfixes0 libxcb-shm0 libxcb-sync1 libxcb-util1 libnss3 libxrender1
      libxi6 libsm6 libice6 fonts-dejavu-core fonts-wqy-microhei)
if [ "$want_test" = 1 ]; then
  pkgs+=(gnome-keyring dbus-daemon dbus-x11 xvfb curl desktop-file-utils binutils
         postgresql)  # a real server for the shared-history tests (started in a temp folder)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
