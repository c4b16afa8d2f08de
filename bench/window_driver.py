"""Drive the real counter window through one job and measure it (a script, run offscreen).

Opens ``MainWindow`` as the app does (Fusion style, logging set up, real settings file
in ``IDPHOTO_HOME``), waits for its first paint, lets it settle (the work deferred past
the first paint runs then), then: an idle spell (the event loop's own lateness, the
baseline), ``open_path`` of the photo (read and prepared on the
window's worker), then ``generate`` with the chosen engine until the result is shown,
plus a short tail for its painting. A 5 ms ``QTimer`` measures how late each tick is;
a watchdog thread samples the GUI thread's Python stack whenever a tick is overdue, to
say what held the loop. Writes a JSON report (``--out``) with the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

PROBE_MS = 5
STALE_S = 0.02  # the watchdog samples the GUI thread's stack after 20 ms without a tick
IDLE_MS = 1000
START_SETTLE_MS = 2000  # after the first paint: deferred start-up work, then quiet
TAIL_MS = 400
SETTLE_MS = 200


class MemoryTokens:
    """The window's token store, in memory (the keyring is not what is measured)."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    def get(self) -> str | None:
        return self._token

    def set(self, token: str, *, session_only: bool = False) -> None:
        self._token = token

    def clear(self) -> None:
        self._token = None

    @property
    def location_description(self) -> str:
        return "memory (benchmark)"


def rss_mb() -> float:
    """Peak RSS of this process image (VmHWM).

    Not ``ru_maxrss``: Linux carries the spawning parent's peak over ``exec`` into it.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Probe(QObject):
    """A 5 ms timer whose lateness is the event loop's stall; per phase statistics."""

    def __init__(self, t0: float) -> None:
        super().__init__()
        self.phase = "startup"
        self.lateness: dict[str, list[float]] = {}
        self.worst: list[tuple[float, str, float]] = []  # (ms, phase, ended at s after t0)
        self.started = t0
        self.last = self.started
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.samples: dict[str, Counter[str]] = {}
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()
        self._watchdog.start()

    def stop(self) -> None:
        self.timer.stop()
        self._stop.set()
        self._watchdog.join(2)

    def set_phase(self, phase: str) -> None:
        self._tick()  # close the previous phase's last interval
        self.phase = phase

    def _tick(self) -> None:
        now = time.perf_counter()
        late_ms = max(0.0, (now - self.last) * 1000.0 - PROBE_MS)
        self.last = now
        self.lateness.setdefault(self.phase, []).append(late_ms)
        if late_ms > 20:
            self.worst.append((round(late_ms, 1), self.phase, round(now - self.started, 3)))

    def _watch(self) -> None:
        """While a tick is overdue, sample every thread's Python stack.

        A GUI thread seen only in ``app.exec`` is busy in Qt's C++ or waiting for the
        GIL; then the worker samples say who holds it.
        """
        me = threading.get_ident()
        while not self._stop.wait(0.004):
            if time.perf_counter() - self.last < STALE_S:
                continue
            counter = self.samples.setdefault(self.phase, Counter())
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                # Import machinery frames say nothing: keep the line that imported.
                stack = [
                    f for f in traceback.extract_stack(frame) if not f.filename.startswith("<")
                ][-4:]
                where = " < ".join(
                    f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)
                )
                counter[("gui: " if ident == self._main else "worker: ") + where] += 1

    def report(self) -> dict[str, Any]:
        phases: dict[str, Any] = {}
        for phase, values in self.lateness.items():
            ordered = sorted(values)
            phases[phase] = {
                "ticks": len(values),
                "max_ms": round(ordered[-1], 1) if ordered else 0.0,
                "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else 0.0,
                "over_50ms": sum(1 for v in values if v >= 50),
                "over_20ms": sum(1 for v in values if v >= 20),
            }
        return {
            "phases": phases,
            "lateness_ms": {
                phase: [round(v, 2) for v in values] for phase, values in self.lateness.items()
            },
            "worst": sorted(self.worst, reverse=True)[:10],
            "stack_samples": {
                phase: [[n, where] for where, n in counter.most_common(8)]
                for phase, counter in self.samples.items()
            },
        }


class FirstPaint(QObject):
    def __init__(self, on_paint: Any) -> None:
        super().__init__()
        self._on_paint = on_paint

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._on_paint)
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", type=Path, required=True)
    parser.add_argument("--engine", choices=("cloud", "offline", "cropresize"), required=True)
    parser.add_argument("--api-url", default="")
    parser.add_argument("--token", default="")
    parser.add_argument("--preset", default="icao_35x45")
    parser.add_argument("--second-preset", default="", help="then generate again with this")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--timeout-s", type=float, default=300.0)
    args = parser.parse_args()

    report: dict[str, Any] = {"engine": args.engine, "photo_bytes": args.photo.stat().st_size}
    t0 = time.perf_counter()
    from idphoto_desktop.ui import pyside_imports

    pyside_imports.install()  # as ui/app.py does: PySide's per-import source read replaced
    from idphoto_desktop.logsetup import setup_logging

    setup_logging()
    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")
    from idphoto_desktop.storage.settings import Settings
    from idphoto_desktop.ui.dialogs import NativeDialogs
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.services import Services

    settings = Settings()
    if args.api_url:
        settings.api_url = args.api_url
    services = Services(
        settings=settings, token_store=MemoryTokens(args.token or None), dialogs=NativeDialogs()
    )
    window = MainWindow(services)
    window.resize(1280, 800)
    probe = Probe(t0)
    marks: dict[str, float] = {}
    status = {"code": 0}

    def mark(name: str) -> None:
        marks[name] = round(time.perf_counter() - t0, 3)
        report[f"rss_mb_after_{name}"] = round(rss_mb(), 1)

    def finish(error: str | None = None) -> None:
        if "finished" in marks:
            return
        mark("finished")
        probe.stop()
        if error is not None:
            report["error"] = error
            status["code"] = 1
        generated = window.generated
        if generated is not None:
            result = generated.result
            report["result"] = {
                "engine": result.engine,
                "size": f"{result.width}x{result.height}",
                "bytes": len(result.image),
                "timings_ms": result.timings_ms,
            }
        report.update(probe.report())
        report["marks_s"] = marks
        report["peak_rss_mb"] = round(rss_mb(), 1)
        window.close()
        app.quit()

    def after_tail() -> None:
        if args.second_preset and "second_generate_started" not in marks:
            start_generate(second=True)
        else:
            finish()

    def on_result() -> None:
        mark("second_result_shown" if "second_generate_started" in marks else "result_shown")
        QTimer.singleShot(TAIL_MS, after_tail)

    def start_generate(second: bool = False) -> None:
        # A second job (another preset, so nothing is reused) shows the steady state:
        # modules the first job imported on the worker are loaded by then.
        probe.set_phase("second_generate" if second else "generate")
        mark("second_generate_started" if second else "generate_started")
        window.engine_picker.set_engine(args.engine)
        preset = args.second_preset if second else args.preset
        if not window.preset_picker.select(preset):
            finish(f"preset {preset} not found")
            return
        # The window may search its history on a worker first, then start the job:
        # the outcome is awaited through resultShown/jobFailed (or the timeout).
        window.generate()

    def on_loaded() -> None:
        mark("photo_loaded")
        probe.set_phase("settle")
        QTimer.singleShot(SETTLE_MS, start_generate)

    def start_load() -> None:
        probe.set_phase("load")
        mark("load_started")
        window.open_path(args.photo)

    def start_idle() -> None:
        probe.set_phase("idle")
        QTimer.singleShot(IDLE_MS, start_load)

    def on_first_paint() -> None:
        mark("first_paint")
        probe.start()
        probe.set_phase("start_settle")
        QTimer.singleShot(START_SETTLE_MS, start_idle)

    window.photoLoaded.connect(on_loaded)
    window.photoRejected.connect(lambda text: finish(f"photo rejected: {text}"))
    window.resultShown.connect(on_result)
    window.jobFailed.connect(lambda text: finish(f"job failed: {text}"))
    first_paint = FirstPaint(on_first_paint)
    window.installEventFilter(first_paint)
    window.show()
    QTimer.singleShot(
        int(args.timeout_s * 1000),
        lambda: finish(f"timed out; the window says: {window.message.text()!r}"),
    )
    app.exec()
    runner_drained = window.runner.shutdown(10_000)
    report["workers_drained"] = bool(runner_drained)
    report["peak_rss_mb"] = round(rss_mb(), 1)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return status["code"]


if __name__ == "__main__":
    raise SystemExit(main())
