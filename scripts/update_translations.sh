#!/bin/sh
# Regenerate the translation sources from the window's code and compile them.
#   resources/i18n/idphoto_zh_CN.ts   <- every tr()/translate() string in idphoto_desktop/ui
#   idphoto_desktop/data/i18n/idphoto_zh_CN.qm  <- compiled, shipped with the package
# New strings arrive in the .ts as type="unfinished": translate them (Qt Linguist or an
# editor), then run this again; tests/test_ui_i18n.py fails until every one is done.
set -eu
cd "$(dirname "$0")/.."
BIN="${VENV_BIN:-.venv/bin}"
LUPDATE="$BIN/pyside6-lupdate"
LRELEASE="$BIN/pyside6-lrelease"
for lang in zh_CN; do
    "$LUPDATE" -silent -locations none -no-obsolete idphoto_desktop/ui/*.py \
        -ts "resources/i18n/idphoto_${lang}.ts"
    "$LRELEASE" -silent "resources/i18n/idphoto_${lang}.ts" \
        -qm "idphoto_desktop/data/i18n/idphoto_${lang}.qm"
done
