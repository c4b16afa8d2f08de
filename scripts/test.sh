#!/usr/bin/env bash
# Installs everything and runs the whole test suite: ruff, mypy, then pytest inside a
# private D-Bus session with an unlocked gnome-keyring in a fresh XDG_DATA_HOME, so the
# token-store tests talk to a real Secret Service; before it, the frozen bundle is built and
# smoke-tested and the benchmarks run once in quick mode. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test

echo "== ruff"
.venv/bin/ruff check idphoto_desktop tests bench scripts packaging
echo "== mypy"
.venv/bin/mypy
echo "== import-linter (layer contracts in .importlinter)"
.venv/bin/lint-imports

echo "== packaging: frozen bundle build and headless smoke test"
bash packaging/ci_build_and_smoke.sh

echo "== benchmarks (quick mode: proves they still run; figures from few repetitions)"
.venv/bin/python bench/run.py --quick

echo "== pytest"
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
set +e
XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c \
  'printf ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec .venv/bin/python -m pytest "$@"' \
  pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  exit "$rc"
fi
