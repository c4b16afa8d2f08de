"""``python -m idphoto_desktop.cli``."""

from idphoto_desktop.cli import run

run()
