"""``idphoto-desktop``: start the counter window.

Logging and the crash handler come first, before any widget. ``--smoke`` quits with
status 0 right after the first paint (installer and CI checks). Hidden options drive
the window to a finished result and save a screenshot, for the Xvfb test and docs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("idphoto_desktop.app")


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="idphoto-desktop", description="ID photos at the counter."
    )
    parser.add_argument(
        "photo",
        nargs="?",
        type=Path,
        help="a photo to open at start (as \"Open with\" from a file manager passes it)",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="quit with status 0 right after the first paint"
    )
    parser.add_argument(
        "--watch", dest="watch_folder", type=Path, metavar="FOLDER",
        help="watch the folder the camera writes into from the start",
    )
    hidden = argparse.SUPPRESS
    parser.add_argument("--open", dest="open_path", type=Path, help=hidden)
    parser.add_argument("--generate", action="store_true", help=hidden)
    parser.add_argument("--engine", choices=("offline", "cloud", "cropresize"), help=hidden)
    parser.add_argument("--preset", help=hidden)
    parser.add_argument("--bg", help=hidden)
    parser.add_argument("--screenshot", type=Path, help=hidden)
    parser.add_argument("--show-history", action="store_true", help=hidden)
    parser.add_argument("--report", type=Path, help=hidden)
    parser.add_argument("--quit-after-ms", type=int, default=0, help=hidden)
    return parser.parse_args(list(argv))


def _note_first_paint() -> None:
    """With ``--smoke``: the monotonic time of the first paint, for bench/startup.py."""
    target = os.environ.get("IDPHOTO_SMOKE_PAINT_FILE")
    if target:
        Path(target).write_text(repr(time.monotonic()), encoding="ascii")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the application; returns the exit status."""
    args = _parse(sys.argv[1:] if argv is None else argv)

    from idphoto_desktop.logsetup import setup_logging, start_rotation

    setup_logging(rotate_later=True)  # the rotating handler after the first paint

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from idphoto_desktop.ui import pyside_imports

    pyside_imports.install()  # before the window's modules: each import costs less
    existing = QApplication.instance()
    if existing is None:
        # Fusion through Qt's own "-style" option: the same style as setStyle("Fusion"),
        # without building Python's view of QStyle and its enums (15 ms, issue 18).
        app = QApplication([sys.argv[0] if sys.argv else "idphoto-desktop", "-style", "Fusion"])
    else:
        assert isinstance(existing, QApplication)
        app = existing
        app.setStyle("Fusion")  # an application made by someone else (tests)
    app.setApplicationName("ID Photo Desktop")
    app.setOrganizationName("IDPhotoDesktop")
    app.setDesktopFileName("idphoto-desktop")  # the Wayland app id matches the .desktop file

    from idphoto_desktop.ui.crash import CrashHandler

    crash = CrashHandler()
    crash.install()

    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.services import Services

    services = Services.default()
    from idphoto_desktop.ui import i18n

    language = i18n.install_for_setting(services.settings.language)  # before the first widget
    from idphoto_desktop.ui import fonts

    # Before the first widget too: Chinese text never shows as boxes. An English window
    # only needs the bundled fonts registered (the odd Chinese preset name falls back to
    # them); whether the machine has any CJK font is logged after the first paint.
    chinese = language == "zh_CN"
    if chinese:
        fonts.ensure_cjk_font(app, substitute=True)
    else:
        fonts.load_fonts(fonts.bundled_fonts_dir())
    window = MainWindow(services)
    if args.engine:
        window.engine_picker.set_engine(args.engine)
    if args.preset:
        window.preset_picker.select(args.preset)
    if args.bg:
        window.background.set_color(args.bg)
    if args.show_history:
        QTimer.singleShot(0, lambda: window.studio.dock.show())

    def _set_icon() -> None:
        from PySide6.QtGui import QIcon

        # resources/ sits beside the package in a checkout and in the frozen bundle.
        icon = Path(__file__).resolve().parents[2] / "resources" / "icons" / "idphoto-desktop.png"
        if icon.is_file():
            app.setWindowIcon(QIcon(str(icon)))

    class FirstPaint(QObject):
        """At the window's first paint: with --smoke, quit (the cheapest honest 'it
        starts'); then start the log rotation, which showing the window did not need."""

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                if args.smoke:
                    _note_first_paint()
                    # Leave now, not in a later pass: the work queued after the first
                    # paint (the studio, keyring read) is not what --smoke checks.
                    app.exit(0)
                QTimer.singleShot(1000, start_rotation)  # a second over 1 MB is harmless
                QTimer.singleShot(0, _set_icon)  # decoding the PNG is not first-paint work
                if not chinese:
                    QTimer.singleShot(0, fonts.warn_without_cjk_font)
            return False

    first_paint = FirstPaint(window)
    window.installEventFilter(first_paint)

    from idphoto_desktop.ui.window_fit import fit_to_screen

    if args.screenshot is not None:
        screen = app.primaryScreen()
        window.setGeometry(screen.availableGeometry())
        window.show()
    else:
        fit_to_screen(window, restored=bool(services.settings.window_geometry))
        window.show()

    if args.screenshot is not None:
        target: Path = args.screenshot

        def shoot() -> None:
            window.save_settings()
            pixmap = app.primaryScreen().grabWindow(0)
            pixmap.save(str(target))
            if args.report is not None:
                from idphoto_desktop.ui.screen_report import write_report

                write_report(window, args.report)
            log.info("Screenshot saved to %s", target)
            window.close()
            app.quit()

        window.resultShown.connect(lambda: QTimer.singleShot(500, shoot))
        window.jobFailed.connect(lambda _text: QTimer.singleShot(500, shoot))
    if args.watch_folder is not None:
        window.watch_folder.watch(args.watch_folder)
    start_photo: Path | None = args.open_path or args.photo
    if start_photo is not None:
        if args.generate:
            window.photoLoaded.connect(window.generate)
        window.open_path(start_photo)
    automated = args.smoke or args.screenshot is not None or args.open_path is not None
    if not automated:
        from idphoto_desktop.ui.welcome import FirstRunCheck

        first_run = FirstRunCheck(window)
        QTimer.singleShot(300, first_run.start)  # after the first paint and token read
    if args.quit_after_ms > 0:
        QTimer.singleShot(args.quit_after_ms, window.close)

    status = app.exec()
    if window.isVisible():
        window.close()
    crash.uninstall()
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
