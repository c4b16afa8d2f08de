"""Help > About: the version, the licences of the bundled parts, and where files are kept.

The folders are the real ones from :mod:`idphoto_desktop.storage.paths` (they follow
``IDPHOTO_HOME``), so support can tell a clerk exactly where the log file is.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from idphoto_desktop import __version__
from idphoto_desktop.storage import paths
from idphoto_desktop.ui.style import STYLESHEET


@dataclass(frozen=True)
class BundledPart:
    name: str
    licence: str
    url: str


BUNDLED_PARTS: tuple[BundledPart, ...] = (
    BundledPart(
        "Qt / PySide6", "LGPL-3.0", "https://www.qt.io/licensing/open-source-lgpl-obligations"
    ),
    BundledPart(
        "MediaPipe face models", "Apache-2.0", "https://github.com/google-ai-edge/mediapipe"
    ),
    BundledPart("OpenCV", "Apache-2.0", "https://opencv.org/license/"),
    BundledPart("Pillow", "MIT-CMU (HPND)", "https://github.com/python-pillow/Pillow"),
    BundledPart("NumPy", "BSD-3-Clause", "https://numpy.org/license.html"),
    BundledPart("keyring", "MIT", "https://github.com/jaraco/keyring"),
)


class AboutDialog(QDialog):
    """Window-modal (``open()``): the counter window stays painted behind it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About ID Photo Desktop"))
        self.setStyleSheet(STYLESHEET)
        self.setMinimumWidth(560)

        title = QLabel(self.tr("ID Photo Desktop"))
        title.setObjectName("sectionTitle")
        self.version = QLabel(
            self.tr("Version {0} · Qt {1} · PySide6 {2}").format(
                __version__, qVersion(), pyside_version
            )
        )
        self.version.setObjectName("aboutVersion")

        rows = "".join(
            f"<tr><td>{html.escape(p.name)}</td><td>&nbsp;&nbsp;{html.escape(p.licence)}</td>"
            f'<td>&nbsp;&nbsp;<a href="{html.escape(p.url)}">{html.escape(p.url)}</a></td></tr>'
            for p in BUNDLED_PARTS
        )
        self.licences = QLabel(
            "<p>"
            + html.escape(self.tr("This program includes these parts, under their licences:"))
            + f"</p><table>{rows}</table>"
        )
        self.licences.setObjectName("aboutLicences")
        self.licences.setTextFormat(Qt.TextFormat.RichText)
        self.licences.setOpenExternalLinks(True)
        self.licences.setWordWrap(True)

        self.paths = QLabel(self.paths_text())
        self.paths.setObjectName("aboutPaths")
        self.paths.setTextFormat(Qt.TextFormat.PlainText)
        self.paths.setWordWrap(True)
        self.paths.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("aboutButtons")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.version)
        layout.addWidget(self.licences)
        layout.addWidget(self.paths)
        layout.addWidget(buttons)

    @staticmethod
    def paths_text() -> str:
        """Where everything is kept, as plain text a clerk can select and copy."""
        lines = [
            QCoreApplication.translate("AboutDialog", "Log files and crash reports: {0}").format(
                paths.log_dir()
            ),
            QCoreApplication.translate("AboutDialog", "Settings: {0}").format(
                paths.settings_path()
            ),
            QCoreApplication.translate("AboutDialog", "History of results: {0}").format(
                paths.history_db_path()
            ),
            QCoreApplication.translate("AboutDialog", "Offline face models: {0}").format(
                paths.models_dir()
            ),
            QCoreApplication.translate(
                "AboutDialog",
                "The API token is kept in the system keyring, never in these folders.",
            ),
            QCoreApplication.translate(
                "AboutDialog",
                "To clear the history, use “Clear all…” in the History panel, or close "
                "ID Photo Desktop and delete the history file above.",
            ),
        ]
        licences = paths.licences_dir()  # only in a frozen build
        if licences is not None:
            lines.insert(0, QCoreApplication.translate(
                "AboutDialog", "Licence texts: {0}").format(licences))
        return "\n".join(lines)


def show_about(parent: QWidget) -> AboutDialog:
    """Open the About dialog over ``parent`` without blocking the event loop."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
