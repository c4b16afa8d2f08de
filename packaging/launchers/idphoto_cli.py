"""Frozen entry point of the command line (``idphoto``); PyInstaller needs a script file."""

from idphoto_desktop.cli import run

if __name__ == "__main__":
    run()
