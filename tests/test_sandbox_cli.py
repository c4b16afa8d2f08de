"""``python -m idphoto_desktop.sandbox`` and ``serve(argv)``: start, answer, stop cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from idphoto_desktop.engines.base import Engine
from idphoto_desktop.engines.cropresize import CropResizeEngine
from idphoto_desktop.sandbox.__main__ import make_engine, serve
from tests.fixtures.sandbox import wait_until

ROOT = Path(__file__).resolve().parent.parent
URL_RE = re.compile(r"Sandbox serving (http://127\.0\.0\.1:\d+) \(engine (\w+)\)")


def test_module_runs_prints_its_url_and_stops_on_sigterm(sandbox_token: str) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "idphoto_desktop.sandbox",
            "--port",
            "0",
            "--token",
            sandbox_token,
            "--engine",
            "cropresize",
            "--rate-limit",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = URL_RE.search(line)
        assert match, line
        base, engine = match.groups()
        assert engine == "cropresize"
        refused = requests.post(f"{base}/task/pic/idphoto", timeout=30)
        assert refused.status_code == 401
        accepted = requests.post(
            f"{base}/task/pic/idphoto",
            headers={"Authorization": f"Bearer {sandbox_token}"},
            files={"image_url": (None, f"http://127.0.0.1:{dead_port}/x.jpg"), "sync": (None, "1")},
            timeout=30,
        )
        assert accepted.json()["data"]["state"] == -3
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out
    assert sandbox_token not in out + err + line


def test_serve_in_a_thread_until_stop_is_set(
    sandbox_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = threading.Event()
    codes: list[int] = []
    argv = ["--port", "0", "--token", sandbox_token, "--engine", "cropresize"]
    thread = threading.Thread(target=lambda: codes.append(serve(argv, stop=stop)))
    thread.start()
    found: list[str] = []

    def url_printed() -> bool:
        found.extend(URL_RE.findall(capsys.readouterr().out))
        return bool(found)

    try:
        assert wait_until(url_printed)
        base = found[0][0]
        assert requests.get(f"{base}/task/x", timeout=30).status_code == 401
    finally:
        stop.set()
        thread.join(30)
    assert codes == [0]


def test_bad_options_exit_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as missing_token:
        serve(["--port", "0"])
    assert missing_token.value.code == 2
    with pytest.raises(SystemExit) as bad_fault:
        serve(["--port", "0", "--token", "t", "--fault", "explode"])
    assert bad_fault.value.code == 2
    assert "explode" in capsys.readouterr().err


def test_engine_choice() -> None:
    assert isinstance(make_engine("cropresize"), CropResizeEngine)
    offline = make_engine("offline")  # the offline engine, or crop-and-resize said aloud
    assert isinstance(offline, Engine) and offline.costs_money is False
