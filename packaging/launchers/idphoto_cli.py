"""Frozen entry point of the command line (``idphoto``); PyInstaller needs a script file."""

from idphoto_desktop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
