"""Where start-up time goes: the steps of ``idphoto_desktop.ui.app.main`` timed one by one.

A script, run by bench/startup.py in a fresh process. It repeats app.main's steps up to
the first paint (keep it in step with app.py) and prints JSON: milliseconds per step.
"""

from __future__ import annotations

import json
import time

_t0 = time.perf_counter()


def main() -> None:
    marks: dict[str, float] = {}
    last = [_t0]

    def mark(name: str) -> None:
        now = time.perf_counter()
        marks[name] = round((now - last[0]) * 1000.0, 1)
        last[0] = now

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from idphoto_desktop.ui import pyside_imports

    pyside_imports.install()
    mark("import PySide6 (QtCore, QtWidgets)")
    from idphoto_desktop.logsetup import setup_logging

    setup_logging(rotate_later=True)
    mark("logging set up")
    app = QApplication(["idphoto-desktop", "-style", "Fusion"])
    app.setApplicationName("ID Photo Desktop")
    app.setOrganizationName("IDPhotoDesktop")
    mark("QApplication + Fusion style")
    from idphoto_desktop.ui.crash import CrashHandler

    crash = CrashHandler()
    crash.install()
    mark("crash handler")
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.services import Services

    mark("import the window's modules")
    services = Services.default()
    from idphoto_desktop.ui import i18n

    language = i18n.install_for_setting(services.settings.language)
    from idphoto_desktop.ui import fonts

    if language == "zh_CN":
        fonts.ensure_cjk_font(app, substitute=True)
    else:
        fonts.load_fonts(fonts.bundled_fonts_dir())
    mark("Services.default() (settings, token store), language, fonts")
    window = MainWindow(services)
    mark("MainWindow() (widgets, presets, settings)")

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                mark("show to first paint")
                watched.removeEventFilter(self)
                app.exit(0)  # as app.py's --smoke: the work queued after the paint is not run
            return False

    first_paint = FirstPaint(window)
    window.installEventFilter(first_paint)
    window.show()
    app.exec()
    window.close()
    crash.uninstall()
    mark("rest of the first paint, quit and close")
    print(json.dumps(marks), flush=True)


if __name__ == "__main__":
    main()
