"""Frozen entry point of the window (``idphoto-desktop``); PyInstaller needs a script file."""

from idphoto_desktop.ui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
