"""The watched folder in the window: each new camera shot is opened, made, checked, shown.

Why: at a studio counter the photo comes from a tethered camera whose software writes
each shot into a folder. The clerk chooses that folder once ("Watch folder…"); every
finished shot (:class:`~idphoto_desktop.watch.ready.ReadyTracker` decides, off the GUI
thread) is opened and made with the current preset without a click, and the capture
check's verdict is shown beside it. Several shots in a row: the newest is shown, the
others wait in the strip of recent shots, one click away. QFileSystemWatcher says when
the folder changed; a timer looks at files still being written, and a slow rescan is
the safety net for lost notifications (network shares).

Installed by :func:`install_watch_folder`, one call from the window: one action in the
File menu and one bar under the result (with the customer field).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QCoreApplication,
    QFileSystemWatcher,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QIcon, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from idphoto_desktop.core.errors import IdPhotoError

if TYPE_CHECKING:
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.watch.ready import Event, ReadyTracker
    from idphoto_desktop.watch.shot import Verdict

log = logging.getLogger(__name__)

THUMB = 56
MAX_SHOTS = 30
POLL_MS = 100
RESCAN_MS = 2000
PATH_ROLE = Qt.ItemDataRole.UserRole

FolderChooser = Callable[[QWidget, str], "Path | None"]


def choose_folder(parent: QWidget, start: str) -> Path | None:
    """The platform's folder dialog."""
    title = QCoreApplication.translate("WatchStrip", "Folder the camera writes into")
    chosen = QFileDialog.getExistingDirectory(parent, title, start)
    return Path(chosen) if chosen else None


@dataclass(frozen=True)
class Arrival:
    """Worker → GUI: a finished shot with its thumbnail, or a skipped file's message."""

    path: Path
    data: bytes | None
    thumbnail: QImage | None
    message: str | None


def _thumbnail(data: bytes) -> QImage | None:
    """Worker: a small picture of the shot (JPEG decoded at a reduced scale)."""
    import io

    from PIL import Image, ImageOps

    from idphoto_desktop.ui.jobs import pil_to_qimage

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (THUMB * 2, THUMB * 2))
            upright = ImageOps.exif_transpose(image) or image
            small = upright.convert("RGB")
            small.thumbnail((THUMB, THUMB))
            return pil_to_qimage(small)
    except Exception:  # a thumbnail is a nicety; the shot itself was checked whole
        return None


def poll_tracker(tracker: ReadyTracker) -> list[Arrival]:
    """Worker: what became finished (read once, whole) or was skipped since last time."""
    from idphoto_desktop.watch.ready import Ready

    arrivals: list[Arrival] = []
    events: list[Event] = tracker.poll()
    for event in events:
        if isinstance(event, Ready):
            arrivals.append(Arrival(event.path, event.data, _thumbnail(event.data), None))
        else:
            arrivals.append(Arrival(event.path, None, None, event.message))
    return arrivals


class WatchStrip(QFrame):
    """Under the result: the watched folder, the customer, and the recent shots."""

    pickRequested = Signal(str)  # the path of a shot the clerk clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("watchStrip")
        self.folder_button = QPushButton(self.tr("Watch folder…"))
        self.folder_button.setObjectName("watchFolderButton")
        self.folder_button.setToolTip(
            self.tr("Open every new photo the camera writes into a folder, without a click")
        )
        self.stop_button = QPushButton(self.tr("Stop watching"))
        self.stop_button.setObjectName("watchStopButton")
        self.stop_button.hide()
        self.status = QLabel(self.tr("No folder watched."))
        self.status.setObjectName("watchStatus")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        self.customer_edit = QLineEdit()
        self.customer_edit.setObjectName("customerEdit")
        self.customer_edit.setPlaceholderText(self.tr("Customer or order no. (optional)"))
        self.customer_edit.setToolTip(
            self.tr("Kept with each result in the history and printed small on the sheet")
        )
        self.customer_edit.setMaxLength(80)
        self.customer_edit.setClearButtonEnabled(True)
        self.shots = QListWidget()
        self.shots.setObjectName("watchShots")
        self.shots.setViewMode(QListWidget.ViewMode.IconMode)
        self.shots.setFlow(QListWidget.Flow.LeftToRight)
        self.shots.setWrapping(False)
        self.shots.setIconSize(QSize(THUMB, THUMB))
        self.shots.setMovement(QListWidget.Movement.Static)
        self.shots.setFixedHeight(THUMB + 40)
        self.shots.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.shots.hide()
        self.shots.itemClicked.connect(self._picked)
        self.shots.itemActivated.connect(self._picked)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.status, 1)
        customer_label = QLabel(self.tr("Customer"))
        customer_label.setBuddy(self.customer_edit)
        row.addWidget(customer_label)
        row.addWidget(self.customer_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.shots)

    def customer(self) -> str | None:
        text = " ".join(self.customer_edit.text().split())
        return text or None

    def add_shot(self, path: Path, thumbnail: QImage | None) -> QListWidgetItem:
        """The newest shot goes first and is selected; the strip keeps the last few."""
        item = QListWidgetItem(path.name)
        item.setData(PATH_ROLE, str(path))
        item.setToolTip(str(path))
        if thumbnail is not None:
            item.setIcon(QIcon(QPixmap.fromImage(thumbnail)))
        self.shots.insertItem(0, item)
        while self.shots.count() > MAX_SHOTS:
            self.shots.takeItem(self.shots.count() - 1)
        self.shots.setCurrentItem(item)
        self.shots.show()
        return item

    def item_for(self, path: Path) -> QListWidgetItem | None:
        for row in range(self.shots.count()):
            item = self.shots.item(row)
            if item is not None and item.data(PATH_ROLE) == str(path):
                return item
        return None

    def set_verdict(self, path: Path, verdict: Verdict) -> None:
        item = self.item_for(path)
        if item is None:
            return
        item.setText(f"{path.name}\n{verdict_label(verdict.verdict)}")
        from idphoto_desktop.core.i18n import translate

        reasons = "\n".join(translate(r) for r in verdict.reasons)
        item.setToolTip(f"{path}\n{reasons}".strip())

    def _picked(self, item: QListWidgetItem) -> None:
        self.pickRequested.emit(str(item.data(PATH_ROLE)))


def verdict_label(verdict: str) -> str:
    """The verdict in the clerk's words (translated)."""
    labels = {
        "ok": QCoreApplication.translate("WatchStrip", "✓ ok"),
        "check": QCoreApplication.translate("WatchStrip", "⚠ check"),
        "retake": QCoreApplication.translate("WatchStrip", "✗ retake"),
    }
    return labels.get(verdict, QCoreApplication.translate("WatchStrip", "not checked"))


class WatchFolder(QObject):
    """The watched folder's controller for one window."""

    shotArrived = Signal(str)  # a finished shot was read (path)
    shotSkipped = Signal(str)  # a file was skipped (the message)
    shotShown = Signal(str)  # the shot's result is on screen (path)
    verdictShown = Signal(str, str)  # path, verdict

    def __init__(self, window: MainWindow, chooser: FolderChooser = choose_folder) -> None:
        super().__init__(window)
        self.window = window
        self.chooser = chooser
        self.strip = WatchStrip()
        self.action: QAction | None = None
        self.folder: Path | None = None
        self._tracker: ReadyTracker | None = None
        self._fs: QFileSystemWatcher | None = None
        self._polling = False
        self._auto: Path | None = None  # opened by the watch: generate once loaded
        self._next: Path | None = None  # arrived while a job ran: shown after it
        self._made: Path | None = None  # the shot whose result is being made
        self._verdicts: dict[Path, Verdict] = {}
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self._poll)
        self._rescan_timer = QTimer(self)
        self._rescan_timer.setInterval(RESCAN_MS)
        self._rescan_timer.timeout.connect(self._rescan)
        self.strip.folder_button.clicked.connect(self.choose)
        self.strip.stop_button.clicked.connect(self.stop)
        self.strip.pickRequested.connect(lambda p: self.show_shot(Path(p)))
        window.photoLoaded.connect(self._photo_loaded)
        window.resultShown.connect(self._result_shown)
        window.checkReported.connect(self._check_reported)
        window.jobFailed.connect(lambda _text: self._job_over())
        window.photoRejected.connect(lambda _text: self._job_over())

    # ----------------------------------------------------------------- folder
    def choose(self) -> None:
        start = str(self.folder) if self.folder else (self.window.settings.last_open_dir or "")
        chosen = self.chooser(self.window, start or str(Path.home()))
        if chosen is not None:
            self.watch(chosen)

    def watch(self, folder: Path) -> None:
        """Watch ``folder`` from now on: new shots only (those already there stay)."""
        from idphoto_desktop.watch.ready import ReadyTracker

        folder = Path(folder).resolve()
        if not folder.is_dir():
            self.window.message.show_message(
                self.tr("The folder {0} does not exist.").replace("{0}", str(folder)), "error"
            )
            return
        self._reset()
        self.folder = folder
        self._tracker = ReadyTracker(folder)
        self._tracker.mark_existing_done()
        self._fs = QFileSystemWatcher([str(folder)], self)
        self._fs.directoryChanged.connect(lambda _path: self._rescan())
        self._rescan_timer.start()
        self.strip.status.setText(
            self.tr("Watching {0}: each new photo is opened and made here.").replace(
                "{0}", str(folder)
            )
        )
        self.strip.stop_button.show()
        self._remember(str(folder))
        log.info("Watching the folder %s", folder)
        self.window.statusBar().showMessage(
            self.tr("Watching {0}").replace("{0}", folder.name), 5000
        )

    def stop(self) -> None:
        """The clerk stops watching (not resumed at the next start)."""
        self._reset()
        self._remember("")

    def resume(self) -> None:
        """At start: watch the folder watched last time, if it is still there."""
        saved = self.window.settings.watch_folder
        if saved and not self.watching and Path(saved).is_dir():
            self.watch(Path(saved))

    def _remember(self, folder: str) -> None:
        try:
            self.window.settings.set("watch_folder", folder)
        except IdPhotoError as err:
            log.warning("Watched folder not saved: %s", err)

    def _reset(self) -> None:
        if self._fs is not None:
            self._fs.deleteLater()
            self._fs = None
        self._tracker = None
        self.folder = None
        self._poll_timer.stop()
        self._rescan_timer.stop()
        self.strip.stop_button.hide()
        self.strip.status.setText(self.tr("No folder watched."))

    @property
    def watching(self) -> bool:
        return self._tracker is not None

    def _rescan(self) -> None:
        tracker = self._tracker
        if tracker is None:
            return
        tracker.rescan()  # a directory listing and a stat per file: cheap
        if tracker.pending and not self._poll_timer.isActive():
            self._poll_timer.start()

    def _poll(self) -> None:
        """Look at the files being written, in a worker (reading and decoding is work)."""
        tracker = self._tracker
        if tracker is None or not tracker.pending:
            self._poll_timer.stop()
            return
        if self._polling:
            return
        self._polling = True

        def done(value: object) -> None:
            self._polling = False
            if tracker is not self._tracker:
                return  # another folder meanwhile
            assert isinstance(value, list)
            for arrival in value:
                self._arrived(arrival)

        def failed(error: BaseException) -> None:
            self._polling = False
            log.warning("Watched folder: %s", error)

        self.window.runner.submit(
            lambda _p, _c: poll_tracker(tracker), on_success=done, on_failure=failed
        )

    # ------------------------------------------------------------------ shots
    def _arrived(self, arrival: Arrival) -> None:
        if arrival.message is not None:
            self.window.message.show_message(arrival.message, "error")
            self.strip.status.setText(arrival.message)
            self.shotSkipped.emit(arrival.message)
            return
        assert arrival.data is not None
        self.strip.add_shot(arrival.path, arrival.thumbnail)
        self.shotArrived.emit(str(arrival.path))
        self.show_shot(arrival.path)

    def show_shot(self, path: Path) -> None:
        """Open the shot and make it with the current choices (after a running job)."""
        if self.window.running:
            self._next = path  # the newest wins; the others stay in the strip
            return
        self._auto = path
        self._made = None
        self.window.open_path(path)

    def _photo_loaded(self) -> None:
        photo = self.window.photo
        if self._auto is not None and photo is not None and photo.source_path == self._auto:
            self._made, self._auto = self._auto, None
            self.window.generate()
        else:  # the clerk opened another photo: what follows is not the watch's
            self._made = self._auto = None

    def _result_shown(self) -> None:
        made, self._made = self._made, None
        if made is not None:
            verdict = self._verdicts.get(made)
            if verdict is not None:
                self._say_verdict(made, verdict)
            self.shotShown.emit(str(made))
        self._job_over()

    def _job_over(self) -> None:
        pending, self._next = self._next, None
        if pending is not None:
            QTimer.singleShot(0, lambda: self.show_shot(pending))

    # ------------------------------------------------------------------ check
    def _check_reported(self, report: object) -> None:
        """The capture check of the job just run (the window's pipeline made it)."""
        from idphoto_desktop.watch.shot import verdict_from

        made = self._made
        if made is None:
            return
        verdict = verdict_from(report)
        self._verdicts[made] = verdict
        self.strip.set_verdict(made, verdict)

    def _say_verdict(self, path: Path, verdict: Verdict) -> None:
        from idphoto_desktop.core.i18n import join_reasons, translate

        reasons = join_reasons(translate(r) for r in verdict.reasons)
        text = self.tr("{0}: capture check {1}").replace("{0}", path.name).replace(
            "{1}", verdict_label(verdict.verdict)
        )
        if reasons:
            text += f" ({reasons})"
        role = "error" if verdict.verdict in ("retake", "check") else "info"
        self.window.save_message.show_message(text, role)
        self.verdictShown.emit(str(path), verdict.verdict)


def install_watch_folder(window: MainWindow) -> WatchFolder:
    """The window's hook: one "Watch folder…" action in the File menu, one bar under the
    result (recent shots and the customer field)."""
    watch = WatchFolder(window)
    action = QAction(QCoreApplication.translate("WatchStrip", "&Watch folder…"), window)
    action.setObjectName("actWatchFolder")
    action.setShortcut(QKeySequence("Ctrl+Shift+W"))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(watch.choose)
    window.addAction(action)
    file_menu = window.menus.menu("file")  # right after the other ways a photo comes in
    url = next((a for a in file_menu.actions() if a.objectName() == "actUrl"), None)
    entries = file_menu.actions()
    after = entries[entries.index(url) + 1] if url is not None and url != entries[-1] else None
    if after is not None:
        file_menu.insertAction(after, action)
    else:
        file_menu.addAction(action)
    layout = window.result_panel.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.addWidget(watch.strip)
    watch.action = action
    QTimer.singleShot(0, watch.resume)  # after the window is built, not before it shows
    return watch
