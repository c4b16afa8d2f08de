"""Choose the output size: a document preset (grouped, searchable, recent first) or W×H.

The picker shows plain :class:`PresetEntry` rows; the window builds them from the
specification data, so the picker does not care where a figure comes from, and the
details line always shows the source with the figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.job import MAX_SIDE, MIN_SIDE
from idphoto_desktop.ui.widgets import ElidedLines

RECENT_GROUP = "Recently used"
_ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class PresetEntry:
    """One row of the picker, with the lines shown under the list when it is chosen."""

    id: str
    name: str
    group: str  # the country (or "International")
    width: int
    height: int
    details: str  # print size, pixels, head rule, source: one line each
    search_text: str = ""
    country_words: str = ""  # the country's names and code, for ranking a search
    size_text: str = ""  # "2 × 2 in", "35 × 45 mm", "600 × 600 px": as the document says

    @property
    def row_text(self) -> str:
        size = self.size_text or f"{self.width}×{self.height} px"
        return f"{self.name}  ·  {size}"


VISIBLE_ROWS = 12  # rows the list always shows (a search result fits without scrolling)


class _CompactTree(QTreeWidget):
    """Exactly :data:`VISIBLE_ROWS` rows high: the side panel is laid out around it."""

    def rows_height(self) -> int:
        row = max(self.fontMetrics().height() + 4, 18)
        return row * VISIBLE_ROWS + 2 * self.frameWidth() + 2

    def sizeHint(self) -> QSize:
        return QSize(250, self.rows_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.rows_height())


class PresetPicker(QWidget):
    """Emits ``changed`` when the preset, the mode or the custom size changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: dict[str, PresetEntry] = {}
        self._recent: list[str] = []
        self._current: str | None = None
        self._loader: Callable[[], None] | None = None

        self.preset_radio = QRadioButton(self.tr("Document preset"))
        self.preset_radio.setObjectName("modePreset")
        self.custom_radio = QRadioButton(self.tr("Custom size"))
        self.custom_radio.setObjectName("modeCustom")
        self.preset_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.preset_radio)
        group.addButton(self.custom_radio)
        self.custom_radio.toggled.connect(self._mode_toggled)
        # The two modes sit in the step's title row (the side panel places this bar).
        self.mode_bar = QWidget()
        mode_row = QHBoxLayout(self.mode_bar)
        mode_row.setContentsMargins(0, 0, 0, 0)
        mode_row.addWidget(self.preset_radio)
        mode_row.addWidget(self.custom_radio)

        self.search = QLineEdit()
        self.search.setObjectName("presetSearch")
        self.search.setPlaceholderText(self.tr("Search: country, document or size…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)

        self.tree = _CompactTree()
        self.tree.setObjectName("presetList")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(10)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.currentItemChanged.connect(self._item_changed)

        self.details = ElidedLines()
        self.details.setObjectName("presetDetails")
        self.details.setProperty("role", "details")

        self.width_spin = QSpinBox()
        self.width_spin.setObjectName("customWidth")
        self.height_spin = QSpinBox()
        self.height_spin.setObjectName("customHeight")
        for spin, label in (
            (self.width_spin, self.tr("Width")),
            (self.height_spin, self.tr("Height")),
        ):
            spin.setRange(MIN_SIDE, MAX_SIDE)
            spin.setSuffix(" px")
            spin.setAccessibleName(self.tr("{0} in pixels").format(label))
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._custom_changed)
        self.width_spin.setValue(600)
        self.height_spin.setValue(600)
        self.custom_box = QWidget()
        custom_row = QHBoxLayout(self.custom_box)
        custom_row.setContentsMargins(0, 0, 0, 0)
        custom_row.addWidget(self.width_spin)
        custom_row.addWidget(QLabel("×"))
        custom_row.addWidget(self.height_spin)
        custom_row.addWidget(QLabel(self.tr("each side {0}–{1} px").format(MIN_SIDE, MAX_SIDE)), 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.custom_box)
        layout.addWidget(self.details)
        self._mode_toggled(False)

    # ----- data -----
    def fill_later(self, loader: Callable[[], None]) -> None:
        """``loader`` fills the list (``set_entries``, then ``select``) when it is first
        needed: when the owner calls :meth:`ensure_filled` (the window does before it
        shows), or as soon as anyone asks for a preset. Until then the list is empty and
        says so: never a wrong choice."""
        self._loader = loader
        self._show_details()

    def ensure_filled(self) -> None:
        """Run the pending loader of :meth:`fill_later`, once."""
        loader, self._loader = self._loader, None
        if loader is not None:
            loader()
            self._show_details()

    def set_entries(self, entries: Sequence[PresetEntry], recent: Sequence[str] = ()) -> None:
        self._loader = None
        self._entries = {e.id: e for e in entries}
        self._recent = [r for r in recent if r in self._entries]
        self._rebuild()

    def set_recent(self, recent: Sequence[str]) -> None:
        self.ensure_filled()
        self._recent = [r for r in recent if r in self._entries]
        self._rebuild()

    def entries(self) -> list[PresetEntry]:
        self.ensure_filled()
        return list(self._entries.values())

    # ----- state -----
    def is_custom(self) -> bool:
        return self.custom_radio.isChecked()

    def set_custom(self, custom: bool) -> None:
        (self.custom_radio if custom else self.preset_radio).setChecked(True)

    def custom_size(self) -> tuple[int, int]:
        return self.width_spin.value(), self.height_spin.value()

    def set_custom_size(self, width: int, height: int) -> None:
        self.width_spin.setValue(width)
        self.height_spin.setValue(height)

    def current_id(self) -> str | None:
        """The chosen preset id, or None for a custom size or no choice."""
        if self.is_custom():
            return None
        self.ensure_filled()
        return self._current

    def current_entry(self) -> PresetEntry | None:
        current = self.current_id()
        return None if current is None else self._entries.get(current)

    def select(self, preset_id: str | None) -> bool:
        """Choose a preset by id (switching to preset mode); False if unknown."""
        self.ensure_filled()
        if preset_id is None or preset_id not in self._entries:
            return False
        changed = preset_id != self._current or self.is_custom()
        self._current = preset_id
        self.preset_radio.setChecked(True)
        self._select_item(preset_id)
        self._show_details()
        if changed:
            self.changed.emit()
        return True

    # ----- internals -----
    def _rebuild(self) -> None:
        """Grouped by country; while a search is typed, one list ranked best first."""
        self.tree.blockSignals(True)
        self.tree.clear()
        text = self.search.text().strip()
        if text:
            from idphoto_desktop.ui.preset_search import rank

            for entry in rank(self._entries.values(), text):
                item = self._item(entry, with_country=True)
                self.tree.addTopLevelItem(item)
            self.tree.blockSignals(False)
            if self._current is not None:
                self._select_item(self._current)
            return
        groups: dict[str, list[PresetEntry]] = {}
        for entry in self._entries.values():
            groups.setdefault(entry.group, []).append(entry)
        if self._recent:
            self._add_group(self.tr("Recently used"), [self._entries[r] for r in self._recent])
        # The generic ICAO preset first: it is the usual starting point.
        international = QCoreApplication.translate("PresetEntries", "International")
        for name in sorted(groups, key=lambda g: (g != international, g.casefold())):
            self._add_group(name, sorted(groups[name], key=lambda e: e.name.casefold()))
        self.tree.expandAll()
        self.tree.blockSignals(False)
        if self._current is not None:
            self._select_item(self._current)

    def _add_group(self, name: str, entries: list[PresetEntry]) -> None:
        top = QTreeWidgetItem([name])
        top.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = top.font(0)
        font.setBold(True)
        top.setFont(0, font)
        for entry in entries:
            top.addChild(self._item(entry))
        self.tree.addTopLevelItem(top)

    @staticmethod
    def _item(entry: PresetEntry, *, with_country: bool = False) -> QTreeWidgetItem:
        text = entry.row_text
        if with_country and entry.group and entry.group.casefold() not in entry.name.casefold():
            text = f"{entry.group} — {text}"
        item = QTreeWidgetItem([text])
        item.setData(0, _ID_ROLE, entry.id)
        item.setToolTip(0, f"{entry.name}\n{entry.details}")
        return item

    def _items(self) -> list[QTreeWidgetItem]:
        """Every preset row, top to bottom (grouped or ranked)."""
        found: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is None:
                continue
            if top.data(0, _ID_ROLE):
                found.append(top)
            for j in range(top.childCount()):
                child = top.child(j)
                if child is not None and child.data(0, _ID_ROLE):
                    found.append(child)
        return found

    def _select_item(self, preset_id: str) -> None:
        for item in self._items():
            if item.data(0, _ID_ROLE) == preset_id:
                self.tree.blockSignals(True)
                self.tree.setCurrentItem(item)
                self.tree.blockSignals(False)
                self.tree.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtCenter)
                return

    def _filter(self, _text: str) -> None:
        self._rebuild()
        if self.search.text().strip():
            self.tree.scrollToTop()

    def first_visible_id(self) -> str | None:
        self.ensure_filled()
        items = self._items()
        return str(items[0].data(0, _ID_ROLE)) if items else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down or Enter in the search box moves to the first match."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                first = self.first_visible_id()
                if first is not None:
                    self.select(first)
                    if event.key() == Qt.Key.Key_Down:
                        self.tree.setFocus()
                    return True
        return super().eventFilter(watched, event)

    def _item_changed(
        self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        if item is None:
            return
        preset_id = item.data(0, _ID_ROLE)
        if not preset_id:
            return
        self._current = str(preset_id)
        if self.is_custom():
            self.preset_radio.setChecked(True)
        self._show_details()
        self.changed.emit()

    def _mode_toggled(self, _checked: bool) -> None:
        custom = self.is_custom()
        self.search.setEnabled(not custom)
        self.tree.setEnabled(not custom)
        self.custom_box.setVisible(custom)
        self._show_details()
        self.changed.emit()

    def _custom_changed(self, _value: int) -> None:
        if self.is_custom():
            self._show_details()
            self.changed.emit()

    def _show_details(self) -> None:
        if self.is_custom():
            w, h = self.custom_size()
            self.details.setText(self.tr("{0} × {1} px, no document rules applied.").format(w, h))
            return
        if self._loader is not None:  # not filled yet: say so, and do not fill it now
            self.details.setText(self.tr("Loading the document presets…"))
            return
        entry = self.current_entry()
        self.details.setText(entry.details if entry else self.tr("Choose a document in the list."))
