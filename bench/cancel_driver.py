"""Press Generate, then Cancel during a slow provider call, in the real window (a script).

Opens ``MainWindow`` as bench/window_driver.py does (Fusion style, logging, real
settings and history in ``IDPHOTO_HOME``, the provider engine against the sandbox the
parent runs), opens a photo, then per round with another preset (so no stored result
answers instead of the provider):

- clicks Generate and times the click until the window shows it is running (the
  button locked): the baseline, the same GUI round trip with no cancellation;
- waits until the parent says the POST has reached the sandbox (``--posts-file``: the
  sandbox's count of create requests, which it is holding for ``delay`` seconds);
- clicks Cancel and times the click until the window is free again
  (``MainWindow.running`` is False and Generate is enabled);
- waits until the cancelled call has finished in the background and the window says it
  was paid for and kept, and counts the history's rows.

Clicks are real mouse events (``QTest.mouseClick``). Writes a JSON report (``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bench.window_driver import MemoryTokens

POLL_MS = 1
KEPT_TEXT = "paid for and kept"


def distinct_presets(count: int) -> list[str]:
    """Presets of different pixel sizes: a kept result of one never answers another."""
    from idphoto_desktop.core.presets import load_presets

    seen: set[tuple[int, int]] = set()
    chosen: list[str] = []
    for preset in load_presets():
        size = (preset.width_px, preset.height_px)
        if size in seen:
            continue
        seen.add(size)
        chosen.append(preset.id)
        if len(chosen) == count:
            break
    return chosen


def read_posts(path: Path) -> int:
    try:
        return int(path.read_text(encoding="utf-8") or 0)
    except (OSError, ValueError):
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", type=Path, required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--posts-file", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--timeout-s", type=float, default=120.0)
    args = parser.parse_args()

    from idphoto_desktop.logsetup import setup_logging

    setup_logging()
    app = QApplication([sys.argv[0]])
    app.setStyle("Fusion")
    from idphoto_desktop.storage.settings import Settings
    from idphoto_desktop.ui.dialogs import NativeDialogs
    from idphoto_desktop.ui.main_window import MainWindow
    from idphoto_desktop.ui.services import Services

    settings = Settings()
    settings.api_url = args.api_url
    settings.engine = "cloud"
    services = Services(
        settings=settings, token_store=MemoryTokens(args.token), dialogs=NativeDialogs()
    )
    window = MainWindow(services)
    window.resize(1280, 800)
    window.engine_picker.set_engine("cloud")
    # more candidates than rounds: a preset the photo cannot serve without a question
    # (the capture check, say) sends nothing and is skipped
    presets = distinct_presets(args.rounds * 4)
    report: dict[str, Any] = {
        "presets": presets,
        "generate_to_locked_ms": [],
        "cancel_to_free_ms": [],
        "cancel_seen_synchronously": [],
        "kept_after_s": [],
        "history_rows": [],
        "messages_after_cancel": [],
        "skipped": [],
    }
    state: dict[str, Any] = {"round": 0, "next": 0, "code": 0, "done": False}

    def finish(error: str | None = None) -> None:
        if state["done"]:
            return
        state["done"] = True
        if error is not None:
            report["error"] = error
            state["code"] = 1
        report["history_rows_at_end"] = services.studio.history().count()
        window.close()
        app.quit()

    def wait_until(
        check: Any, then: Any, what: str, limit_s: float, on_timeout: Any = None
    ) -> None:
        """Poll ``check`` on the event loop every ms; ``then(elapsed_s)`` once it holds."""
        started = time.perf_counter()

        def poll() -> None:
            if state["done"]:
                return
            if check():
                then(time.perf_counter() - started)
            elif time.perf_counter() - started > limit_s:
                if on_timeout is not None:
                    on_timeout()
                    return
                finish(f"{what} did not happen in {limit_s:g} s; the window says "
                       f"{window.message.text()!r}")
            else:
                QTimer.singleShot(POLL_MS, poll)

        poll()

    def locked() -> bool:
        return window.running and not window.generate_button.isEnabled()

    def free() -> bool:
        return not window.running and window.generate_button.isEnabled()

    def start_round() -> None:
        if state["round"] >= args.rounds:
            finish()
            return
        if state["next"] >= len(presets):
            finish(f"only {state['round']} of {args.rounds} presets sent a POST")
            return
        preset = presets[state["next"]]
        state["next"] += 1
        if not window.preset_picker.select(preset):
            finish(f"preset {preset} not found")
            return
        if not free():
            finish("the window is not free before Generate")
            return
        posts_before = read_posts(args.posts_file)
        clicked = time.perf_counter()
        QTest.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)

        def on_locked(_waited: float) -> None:
            report["generate_to_locked_ms"].append(
                round((time.perf_counter() - clicked) * 1000.0, 3)
            )
            wait_until(
                lambda: read_posts(args.posts_file) > posts_before or not window.running,
                on_post_or_stop,
                "the POST reaching the sandbox",
                30.0,
            )

        def on_post_or_stop(_waited: float) -> None:
            if read_posts(args.posts_file) > posts_before:
                on_post()
                return
            # the job stopped before sending (a question, a refusal): not a round
            report["generate_to_locked_ms"].pop()
            report["skipped"].append([preset, window.message.text()])
            QTimer.singleShot(100, start_round)

        wait_until(locked, on_locked, "the window locking for Generate", 10.0)

    def on_post() -> None:
        if not window.running:
            finish(f"the job ended before Cancel: {window.message.text()!r}")
            return
        clicked = time.perf_counter()
        QTest.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
        report["cancel_seen_synchronously"].append(free())

        def on_free(_waited: float) -> None:
            report["cancel_to_free_ms"].append(
                round((time.perf_counter() - clicked) * 1000.0, 3)
            )
            report["messages_after_cancel"].append(window.message.text())
            cancelled_at = time.perf_counter()
            wait_until(
                lambda: KEPT_TEXT in window.message.text(),
                lambda _w: on_kept(time.perf_counter() - cancelled_at),
                "the cancelled call being kept",
                args.timeout_s,
                # not said in time: a miss the figure reports (rows counted), not a crash
                lambda: on_kept(None),
            )

        wait_until(free, on_free, "the window becoming free after Cancel", args.timeout_s)

    def on_kept(after_s: float | None) -> None:
        report["kept_after_s"].append(None if after_s is None else round(after_s, 3))
        report["history_rows"].append(services.studio.history().count())
        state["round"] += 1
        QTimer.singleShot(100, start_round)

    def on_loaded() -> None:
        QTimer.singleShot(200, start_round)

    window.photoLoaded.connect(on_loaded)
    window.photoRejected.connect(lambda text: finish(f"photo rejected: {text}"))
    window.show()
    QTimer.singleShot(int(args.timeout_s * 1000) * max(1, args.rounds),
                      lambda: finish("timed out"))
    QTimer.singleShot(500, lambda: window.open_path(args.photo))
    app.exec()
    report["workers_drained"] = bool(window.runner.shutdown(10_000))
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return int(state["code"])


if __name__ == "__main__":
    raise SystemExit(main())
