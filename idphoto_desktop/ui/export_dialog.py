"""Export for online forms: the JPEG a preset's upload rules accept, and what was done.

The quality search (``core.export.export_for_upload``) encodes the picture several
times, so it runs in the window's :class:`TaskRunner`; so does the atomic write. The
clerk reads the pixel size, the file size in KB, the JPEG quality and, in plain words,
any rule the file could not meet, before choosing where to save it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.job import CancelToken, GenerateResult, ProgressCallback
from idphoto_desktop.core.presets import Preset
from idphoto_desktop.ui.errors import clerk_text, write_failure
from idphoto_desktop.ui.preset_entries import preset_label, preset_name
from idphoto_desktop.ui.widgets import Banner

if TYPE_CHECKING:
    from idphoto_desktop.core.export import UploadExport
    from idphoto_desktop.ui.dialogs import Dialogs
    from idphoto_desktop.ui.workers import TaskRunner



def upload_candidates(presets: list[Preset], first: Preset | None, width: int, height: int) -> (
    list[Preset]
):
    """``first`` (the result's preset), then the presets with upload rules this result fits.

    A result fits when its shape matches the form's pixel size (within 2 %), so the
    export only resizes, never crops (a UK print result can go to the UK online form).
    """
    out: list[Preset] = [first] if first is not None else []
    aspect = width / height
    for preset in presets:
        if preset.digital is None or (first is not None and preset.id == first.id):
            continue
        size = preset.digital.exact_px or (preset.width_px, preset.height_px)
        if abs(size[0] / size[1] - aspect) / aspect <= 0.02:
            out.append(preset)
    return out


def rules_text(preset: Preset) -> str:
    """The form's digital rules in one line (what the file must meet)."""
    rules = preset.digital
    if rules is None:
        return QCoreApplication.translate(
            "ExportDialog", "{0}: no online-form rules are known; a {1} px JPEG is made."
        ).replace("{0}", preset_name(preset)).replace(
            "{1}", f"{preset.width_px}×{preset.height_px}"
        )
    parts: list[str] = []
    if rules.exact_px:
        parts.append(
            QCoreApplication.translate("ExportDialog", "exactly {0} px").replace(
                "{0}", f"{rules.exact_px[0]}×{rules.exact_px[1]}"
            )
        )
    else:
        parts.append(f"{preset.width_px}×{preset.height_px} px")
        if rules.min_px:
            parts.append(
                QCoreApplication.translate("ExportDialog", "at least {0} px").replace(
                    "{0}", f"{rules.min_px[0]}×{rules.min_px[1]}"
                )
            )
        if rules.max_px:
            parts.append(
                QCoreApplication.translate("ExportDialog", "at most {0} px").replace(
                    "{0}", f"{rules.max_px[0]}×{rules.max_px[1]}"
                )
            )
    lo, hi = rules.min_kb, rules.max_kb
    if lo is not None and hi is not None:
        parts.append(f"{lo}–{hi} KB")
    elif hi is not None:
        parts.append(
            QCoreApplication.translate("ExportDialog", "at most {0} KB").replace("{0}", str(hi))
        )
    elif lo is not None:
        parts.append(
            QCoreApplication.translate("ExportDialog", "at least {0} KB").replace("{0}", str(lo))
        )
    if rules.formats:
        parts.append("/".join(f.upper() for f in rules.formats))
    return f"{preset_name(preset)}: " + ", ".join(parts) + "."


def make_upload(
    result: GenerateResult, preset: Preset, color: str | None, _p: ProgressCallback,
    _c: CancelToken,
) -> UploadExport:
    """Worker: the quality search."""
    from idphoto_desktop.core.export import export_for_upload

    return export_for_upload(result.image, preset, bg_color=color)


def write_upload(path: Path, data: bytes, overwrite: bool) -> Path:
    """Worker: the atomic write."""
    from idphoto_desktop.core.export import write_atomic

    return write_atomic(path, data, overwrite=overwrite)


class ExportDialog(QDialog):
    """Make the upload file for one result, show what it is, save it."""

    exportReady = Signal(object)  # UploadExport
    saved = Signal(str)

    def __init__(
        self,
        result: GenerateResult,
        presets: list[Preset],
        bg_color: str | None,
        runner: TaskRunner,
        dialogs: Dialogs,
        suggested: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export for an online form"))
        self._result = result
        self._presets = presets
        self._color = bg_color
        self._runner = runner
        self._dialogs = dialogs
        self._suggested = suggested
        self._seq = 0
        self.upload: UploadExport | None = None
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("exportPreset")
        for preset in presets:
            self.preset_combo.addItem(preset_label(preset), preset.id)
        self.rules = QLabel()
        self.rules.setObjectName("exportRules")
        self.rules.setWordWrap(True)
        self.summary = QLabel(self.tr("Making the file…"))
        self.summary.setObjectName("exportSummary")
        self.summary.setWordWrap(True)
        self.details = QLabel()
        self.details.setObjectName("exportDetails")
        self.details.setWordWrap(True)
        self.message = Banner("exportMessage")
        form = QFormLayout()
        form.addRow(self.tr("Form"), self.preset_combo)
        form.addRow(self.tr("Rules"), self.rules)
        form.addRow(self.tr("File"), self.summary)
        form.addRow("", self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = QPushButton(self.tr("Save…"))
        self.save_button.setObjectName("exportSave")
        self.save_button.setEnabled(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(520, 280)
        self.preset_combo.currentIndexChanged.connect(self._make)
        self._make()

    def preset(self) -> Preset | None:
        index = self.preset_combo.currentIndex()
        return self._presets[index] if 0 <= index < len(self._presets) else None

    def _make(self) -> None:
        preset = self.preset()
        self.upload = None
        self.save_button.setEnabled(False)
        self.message.clear_message()
        if preset is None:
            self.summary.setText(self.tr("Choose a document preset to export for its form."))
            return
        self.rules.setText(rules_text(preset))
        self.summary.setText(self.tr("Making the file…"))
        self.details.setText("")
        self._seq += 1
        seq = self._seq
        result, color = self._result, self._color

        def done(value: object) -> None:
            if seq != self._seq:
                return
            from idphoto_desktop.core.export import UploadExport

            assert isinstance(value, UploadExport)
            self._show(value)

        def failed(error: BaseException) -> None:
            if seq != self._seq:
                return
            text = clerk_text(error)
            self.summary.setText(self.tr("No file could be made."))
            self.message.show_message(text, "error")

        self._runner.submit(
            lambda p, c: make_upload(result, preset, color, p, c),
            on_success=done,
            on_failure=failed,
        )

    def _show(self, upload: UploadExport) -> None:
        self.upload = upload
        verdict = (
            self.tr("meets the form's rules") if upload.meets_rules
            else self.tr("does NOT meet every rule")
        )
        self.summary.setText(
            f"{upload.width}×{upload.height} px · {upload.size_kb:.0f} KB · "
            + self.tr("JPEG quality {0}").replace("{0}", str(upload.quality))
            + f" · {upload.dpi} dpi · {verdict}"
        )
        from idphoto_desktop.core.i18n import translate  # the core's notes, in the clerk's language

        lines = [f"⚠ {translate(p)}" for p in upload.problems]
        self.details.setText("\n".join(lines + [translate(n) for n in upload.notes]))
        self.save_button.setEnabled(True)
        self.exportReady.emit(upload)

    def save(self) -> None:
        upload, preset = self.upload, self.preset()
        if upload is None or preset is None:
            return
        suggested = self._suggested.with_name(f"{self._suggested.stem}-{preset.id}-upload.jpg")
        chosen = self._dialogs.save_path(self, suggested, self.tr("JPEG image (*.jpg *.jpeg)"))
        if chosen is None:
            return
        overwrite = True  # the dialog asked before replacing
        if chosen.suffix.lower() not in (".jpg", ".jpeg"):
            chosen = chosen.with_name(chosen.name + ".jpg")
            overwrite = False
        target, data = chosen, upload.data
        self.save_button.setEnabled(False)

        def done(_value: object) -> None:
            self.save_button.setEnabled(True)
            self.message.show_message(self.tr("Saved {0}").replace("{0}", str(target)), "info")
            self.saved.emit(str(target))

        def failed(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            error = write_failure(error, target)
            text = clerk_text(error)
            self.message.show_message(text, "error")

        self._runner.submit(
            lambda _p, _c: write_upload(target, data, overwrite),
            on_success=done,
            on_failure=failed,
        )
