"""The file types Save as offers, and the file the clerk's answer means.

JPEG on the colour, PNG on the colour, transparent PNG: all three are always
offered (the colour is the one chosen in step 3), the one matching step 3 first
selected. The typed extension wins over the selected type (``x.png`` is a PNG);
the encoding itself is :func:`core.imagefile.encode_image_file`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from idphoto_desktop.core.imagefile import SaveKind, kind_for_path, path_for_kind
from idphoto_desktop.core.job import OutputFormat

KINDS = (SaveKind.JPEG, SaveKind.PNG_COLOUR, SaveKind.PNG_TRANSPARENT)


def filters(colour: str) -> list[str]:
    """The dialog's name filters, in the order of :data:`KINDS`."""
    return [
        QCoreApplication.translate("SaveChoice", "JPEG on #{0} (*.jpg *.jpeg)").format(colour),
        QCoreApplication.translate("SaveChoice", "PNG on #{0} (*.png)").format(colour),
        QCoreApplication.translate("SaveChoice", "PNG, transparent background (*.png)"),
    ]


def default_kind(fmt: OutputFormat) -> SaveKind:
    return SaveKind.PNG_TRANSPARENT if fmt is OutputFormat.PNG else SaveKind.JPEG


@dataclass(frozen=True)
class SaveTarget:
    path: Path
    kind: SaveKind
    typed_name_kept: bool  # False: an extension was added (a name the dialog never saw)


def resolve(chosen: Path, filter_index: int) -> SaveTarget:
    """The file to write for the dialog's answer."""
    selected = KINDS[filter_index] if 0 <= filter_index < len(KINDS) else SaveKind.JPEG
    kind = kind_for_path(chosen, selected)
    path = path_for_kind(chosen, kind)
    return SaveTarget(path, kind, path == chosen)
