#!/bin/sh
# Adds ID Photo Desktop to the current user's application menu (Linux).
# Run it from the unpacked bundle folder: sh install-desktop-entry.sh [--uninstall]
# It writes ~/.local/share/applications/idphoto-desktop.desktop (Exec = this folder's
# idphoto-desktop) and the icon into the user's hicolor theme. Nothing needs root.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data/applications"
icons="$data/icons/hicolor/512x512/apps"

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$apps/idphoto-desktop.desktop" "$icons/idphoto-desktop.png"
  echo "removed the ID Photo Desktop menu entry"
  exit 0
fi

case "$here" in
  *[\\\"\`\$\|\&%]*) echo "move the bundle to a folder whose path has none of \\ \" \` \$ | & %" >&2; exit 1 ;;
esac
[ -x "$here/idphoto-desktop" ] || { echo "no idphoto-desktop next to this script" >&2; exit 1; }
mkdir -p "$apps" "$icons"
cp "$here/idphoto-desktop.png" "$icons/idphoto-desktop.png"
sed -e "s|^Exec=.*|Exec=\"$here/idphoto-desktop\" %f|" -e "s|^TryExec=.*|TryExec=$here/idphoto-desktop|" \
  "$here/idphoto-desktop.desktop" > "$apps/idphoto-desktop.desktop.tmp"
mv "$apps/idphoto-desktop.desktop.tmp" "$apps/idphoto-desktop.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && \
  gtk-update-icon-cache -q -t "$data/icons/hicolor" 2>/dev/null || true
echo "installed $apps/idphoto-desktop.desktop"
