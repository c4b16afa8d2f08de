"""The capture check's verdict where the clerk looks: a coloured badge and its reasons.

Texts go through Qt's translation (``QCoreApplication.translate`` in the "CaptureCheck"
context). Their sources are the capture package's English templates; the Chinese comes
from the same package's table through :class:`CaptureTranslator`, installed once when the
window is in Chinese, so the reasons need no second copy in the .ts file.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTranslator
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from idphoto_desktop.capture import CaptureReport, messages
from idphoto_desktop.ui import i18n

CONTEXT = "CaptureCheck"

# background, text colour: green / amber / red, readable in both themes
COLOURS = {
    "ok": ("#2e7d32", "#ffffff"),
    "check": ("#f9a825", "#1a1a1a"),
    "retake": ("#c62828", "#ffffff"),
}


class CaptureTranslator(QTranslator):
    """Serves the capture table's Chinese for the "CaptureCheck" context."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        english = list(messages.TEMPLATES.items()) + list(messages.VERDICTS.items())
        chinese = {**messages.ZH, **messages.VERDICTS_ZH}
        self._table: dict[str, str] = {}
        for code, source in english:
            if code in chinese:
                self._table[source] = chinese[code]
        for word, zh in messages.WORDS.items():
            self._table[word] = zh

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None (a null string) is "not mine": Qt then asks the next translator. An empty
        # string would count as a translation and blank every other text of the window.
        if context != CONTEXT:
            return None
        return self._table.get(source)

    def isEmpty(self) -> bool:
        return False


_translator: CaptureTranslator | None = None


def ensure_translator() -> None:
    """Install the Chinese for capture texts when the window speaks Chinese (once)."""
    global _translator
    app = QCoreApplication.instance()
    if app is None:
        return
    if i18n.current() == "zh_CN" and _translator is None:
        _translator = CaptureTranslator(app)
        app.installTranslator(_translator)
    elif i18n.current() != "zh_CN" and _translator is not None:
        app.removeTranslator(_translator)
        _translator = None


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def reason_text(code: str, fields: dict[str, Any]) -> str:
    """One reason in the window's language."""
    template = _tr(messages.TEMPLATES[code])
    values = {k: _tr(v) if isinstance(v, str) else v for k, v in fields.items()}
    try:
        return template.format(**values)
    except (KeyError, ValueError, IndexError):  # a broken translation: the English
        return messages.render(code, fields)


class VerdictBadge(QFrame):
    """Shows a :class:`CaptureReport`: ok (green), check (amber) or retake (red), with the
    reasons listed under the headline. Empty and hidden until a report is set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ensure_translator()
        self.setObjectName("verdictBadge")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._report: CaptureReport | None = None
        self.title = QLabel(self)
        self.title.setObjectName("verdictTitle")
        self.title.setWordWrap(True)
        self.reasons = QLabel(self)
        self.reasons.setObjectName("verdictReasons")
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.reasons)
        self.setVisible(False)

    @property
    def report(self) -> CaptureReport | None:
        return self._report

    @property
    def verdict(self) -> str | None:
        return self._report.verdict if self._report is not None else None

    def set_report(self, report: CaptureReport | None) -> None:
        self._report = report
        self._render()

    def reason_lines(self) -> list[str]:
        if self._report is None:
            return []
        return [reason_text(r.code, r.fields) for r in self._report.reasons]

    def _render(self) -> None:
        report = self._report
        if report is None:
            self.title.clear()
            self.reasons.clear()
            self.setVisible(False)
            return
        background, foreground = COLOURS[report.verdict]
        self.setProperty("verdict", report.verdict)
        self.setStyleSheet(
            f"QFrame#verdictBadge {{ background: {background}; border-radius: 6px; }}"
            f" QFrame#verdictBadge QLabel {{ color: {foreground}; }}"
        )
        self.title.setText(_tr(messages.VERDICTS[report.verdict]))
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        lines = self.reason_lines()
        self.reasons.setText("\n".join(f"• {line}" for line in lines))
        self.reasons.setVisible(bool(lines))
        self.setAccessibleName(self.title.text())
        self.setToolTip("\n".join(lines))
        self.setVisible(True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._render()
        super().changeEvent(event)
