"""The history panel: earlier results with thumbnail, date, preset, size and engine.

The list and the thumbnails are read in a worker (SQLite and image decoding); the
panel only shows them and asks the studio to reopen, export, print or delete. Clearing
everything asks first (the confirmation is injected, so tests never meet a modal box).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.errors import IdPhotoError, ImageError
from idphoto_desktop.ui import jobs
from idphoto_desktop.ui.engine_picker import engine_label
from idphoto_desktop.ui.errors import clerk_text
from idphoto_desktop.ui.widgets import Banner

if TYPE_CHECKING:
    from idphoto_desktop.storage.history import HistoryEntrySummary, HistoryStore
    from idphoto_desktop.ui.studio_services import ConfirmFn
    from idphoto_desktop.ui.workers import TaskRunner

THUMB = 64
LIST_LIMIT = 200
DAY_SCAN_FACTOR = 20  # a day's filter reads further back: later days come first
FILTER_DELAY_MS = 250
ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Row:
    summary: HistoryEntrySummary
    thumbnail: QImage | None


def local_time(moment: _dt.datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def day_bounds(day: _dt.date) -> tuple[_dt.datetime, _dt.datetime]:
    """The local day's start and end as aware datetimes (the counter's day, not UTC's)."""
    start = _dt.datetime.combine(day, _dt.time()).astimezone()
    return start, (start + _dt.timedelta(days=1)).astimezone()


def read_rows(
    history: HistoryStore,
    limit: int = LIST_LIMIT,
    *,
    customer: str | None = None,
    day: _dt.date | None = None,
) -> list[Row]:
    """Worker: the newest entries with small thumbnails, of one customer and/or one day."""
    rows: list[Row] = []
    since: _dt.datetime | None = None
    until: _dt.datetime | None = None
    if day is not None:
        since, until = day_bounds(day)
    summaries = history.list(
        limit if day is None else limit * DAY_SCAN_FACTOR, customer=customer, since=since
    )
    if until is not None:
        summaries = [s for s in summaries if s.created_at < until][:limit]
    for summary in summaries:
        thumb: QImage | None = None
        try:
            data = history.get(summary.id).image
        except IdPhotoError:
            continue  # deleted meanwhile
        try:
            image: QImage | None = jobs.decode_image(data)  # never QImage.fromData here
        except ImageError:
            image = None
        if image is not None:
            thumb = image.scaled(
                THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        rows.append(Row(summary, thumb))
    return rows


class HistoryPanel(QWidget):
    """Earlier results, newest first."""

    openRequested = Signal(int)
    exportRequested = Signal(int)
    printRequested = Signal(int)
    changed = Signal()  # the list was (re)loaded

    def __init__(
        self,
        history: Callable[[], HistoryStore],
        runner: TaskRunner,
        confirm: Callable[[], ConfirmFn],
        preset_name: Callable[[str | None], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self._history = history
        self._runner = runner
        self._confirm = confirm
        self._preset_name = preset_name
        self._seq = 0
        self.rows: list[Row] = []
        self.customer_filter = QLineEdit()
        self.customer_filter.setObjectName("historyCustomerFilter")
        self.customer_filter.setPlaceholderText(self.tr("Customer or order no."))
        self.customer_filter.setClearButtonEnabled(True)
        self.day_check = QCheckBox(self.tr("Only on"))
        self.day_check.setObjectName("historyDayCheck")
        self.day_edit = QDateEdit(QDate.currentDate())
        self.day_edit.setObjectName("historyDay")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setEnabled(False)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.refresh)
        self.customer_filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.day_check.toggled.connect(self.day_edit.setEnabled)
        self.day_check.toggled.connect(lambda _on: self.refresh())
        self.day_edit.dateChanged.connect(lambda _d: self.refresh() if self.day_check.isChecked()
                                          else None)
        self.list = QListWidget()
        self.list.setObjectName("historyList")
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(lambda _item: self._emit(self.openRequested))
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.empty = QLabel(self.tr("No results yet. Every result is kept here."))
        self.empty.setObjectName("historyEmpty")
        self.empty.setWordWrap(True)
        self.message = Banner("historyMessage")
        self.open_button = self._button(self.tr("Open"), "historyOpen")
        self.export_button = self._button(self.tr("Export…"), "historyExport")
        self.print_button = self._button(self.tr("Print…"), "historyPrint")
        self.delete_button = self._button(self.tr("Delete"), "historyDelete")
        self.clear_button = self._button(self.tr("Clear all…"), "historyClear")
        self.open_button.setToolTip(self.tr("Show this result in the window (Enter)"))
        self.delete_button.setToolTip(self.tr("Delete this result from the history (Del)"))
        self.open_button.clicked.connect(lambda: self._emit(self.openRequested))
        self.export_button.clicked.connect(lambda: self._emit(self.exportRequested))
        self.print_button.clicked.connect(lambda: self._emit(self.printRequested))
        self.delete_button.clicked.connect(self.delete_current)
        self.clear_button.clicked.connect(self.clear_all)
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self.delete_current)
        grid = QGridLayout()
        grid.addWidget(self.open_button, 0, 0)
        grid.addWidget(self.export_button, 0, 1)
        grid.addWidget(self.print_button, 0, 2)
        grid.addWidget(self.delete_button, 1, 0)
        grid.addWidget(self.clear_button, 1, 2)
        filters = QGridLayout()
        filters.addWidget(QLabel(self.tr("Customer")), 0, 0)
        filters.addWidget(self.customer_filter, 0, 1)
        filters.addWidget(self.day_check, 1, 0)
        filters.addWidget(self.day_edit, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(filters)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.message)
        layout.addLayout(grid)
        self._update_buttons()

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        return button

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(ID_ROLE))

    def _emit(self, signal: SignalInstance) -> None:
        entry_id = self.current_id()
        if entry_id is not None:
            signal.emit(entry_id)

    def _update_buttons(self) -> None:
        has = self.current_id() is not None
        for button in (self.open_button, self.export_button, self.print_button,
                       self.delete_button):
            button.setEnabled(has)
        filtered = self.filters() != (None, None)
        # "Clear all" deletes every result: never offered on a filtered list
        self.clear_button.setEnabled(bool(self.rows) and not filtered)
        self.empty.setText(
            self.tr("No result matches the filter.") if filtered
            else self.tr("No results yet. Every result is kept here.")
        )
        self.empty.setVisible(not self.rows)

    # ----- loading -----
    def filters(self) -> tuple[str | None, _dt.date | None]:
        """The customer text and the day the list is narrowed to (None: all)."""
        text = " ".join(self.customer_filter.text().split()) or None
        day = self.day_edit.date().toPython() if self.day_check.isChecked() else None
        assert day is None or isinstance(day, _dt.date)
        return text, day

    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq
        history = self._history
        customer, day = self.filters()

        def done(value: object) -> None:
            if seq != self._seq:
                return
            assert isinstance(value, list)
            self._fill(value)

        def failed(error: BaseException) -> None:
            if seq == self._seq:
                self.message.show_message(self._text(error), "error")

        self._runner.submit(
            lambda _p, _c: read_rows(history(), customer=customer, day=day),
            on_success=done, on_failure=failed,
        )

    def _fill(self, rows: list[Row]) -> None:
        keep = self.current_id()
        self.rows = rows
        self.list.clear()
        for row in rows:
            s = row.summary
            source = f" · {s.source_name}" if s.source_name else ""
            who = f" · {s.customer}" if s.customer else ""
            text = (
                f"{local_time(s.created_at)}{who}\n{self._preset_name(s.preset_id)}\n"
                f"{s.width}×{s.height} px · {engine_label(s.engine)}{source}"
            )
            item = QListWidgetItem(text)
            item.setData(ID_ROLE, s.id)
            if row.thumbnail is not None:
                item.setIcon(QIcon(QPixmap.fromImage(row.thumbnail)))
            self.list.addItem(item)
            if s.id == keep:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._update_buttons()
        self.changed.emit()

    # ----- deleting -----
    def delete_current(self) -> None:
        entry_id = self.current_id()
        if entry_id is None:
            return
        history = self._history

        def done(_value: object) -> None:
            self.message.show_message(self.tr("Deleted from the history."), "info")
            self.refresh()

        self._runner.submit(
            lambda _p, _c: history().delete(entry_id), on_success=done,
            on_failure=lambda e: self.message.show_message(self._text(e), "error"),
        )

    def clear_all(self) -> None:
        if not self.rows or self.filters() != (None, None):
            return
        question = self.tr(
            "Delete all {0} results from the history? Results already paid for cannot be "
            "brought back."
        ).replace("{0}", str(len(self.rows)))
        if not self._confirm()(self, self.tr("Clear the history"), question):
            return
        history = self._history

        def done(value: object) -> None:
            self.message.show_message(
                self.tr("The history is empty ({0} results deleted).").replace("{0}", str(value)),
                "info",
            )
            self.refresh()

        self._runner.submit(
            lambda _p, _c: history().clear(), on_success=done,
            on_failure=lambda e: self.message.show_message(self._text(e), "error"),
        )

    @staticmethod
    def _text(error: BaseException) -> str:
        return clerk_text(error)
