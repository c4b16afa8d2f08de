"""Two counters (two IDPHOTO_HOME folders) sharing a real PostgreSQL history, through the CLI.

Each counter is a separate ``idphoto`` process against the sandbox provider on 127.0.0.1;
the sandbox's POST count is what was paid.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.postgres import PgServer

ROOT = Path(__file__).resolve().parent.parent
POST = "POST /task/pic/idphoto"


def _env(home: Path, url: str | None, counter: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDPHOTO_")}
    env.update(IDPHOTO_HOME=str(home), IDPHOTO_TOKEN=token, IDPHOTO_COUNTER=counter,
               IDPHOTO_MODELS_DIR=os.environ.get("IDPHOTO_MODELS_DIR", ""))
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # the database password here is in the URL
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if url is not None:
        env["IDPHOTO_DATABASE_URL"] = url
    return env


def _idphoto_process(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "idphoto_desktop.cli", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _idphoto(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = _idphoto_process(env, *args)
    out, err = proc.communicate(timeout=240)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _generate_args(photo: Path, out: Path, server: SandboxServer, *extra: str) -> list[str]:
    return ["generate", str(photo), "--preset", "cn_1inch", "--format", "jpg", "--bg", "FFFFFF",
            "--engine", "cloud", "--api-url", server.base_url, "-o", str(out), *extra]


def _no_password(password: str, *texts: str) -> None:
    for text in texts:
        assert password not in text


def test_paid_at_one_counter_found_at_another(
    pg_server: PgServer, sandbox: SandboxServer, sandbox_token: str, photos_dir: Path,
    tmp_path: Path,
) -> None:
    url = pg_server.url(pg_server.create_database())
    one = _env(tmp_path / "counter1", url, "Counter 1", sandbox_token)
    two = _env(tmp_path / "counter2", url, "Counter 2", sandbox_token)
    photo = photos_dir / "hivision_test0.jpg"

    first = _idphoto(one, *_generate_args(photo, tmp_path / "a.jpg", sandbox,
                                          "--customer", "Zhang Wei"))
    assert first.returncode == 0, first.stderr
    assert sandbox.request_counts[POST] == 1
    second = _idphoto(two, *_generate_args(photo, tmp_path / "b.jpg", sandbox))
    assert second.returncode == 0, second.stderr
    assert "reused from history" in second.stdout
    assert sandbox.request_counts[POST] == 1  # paid once for both counters
    assert (tmp_path / "a.jpg").read_bytes() == (tmp_path / "b.jpg").read_bytes()

    listed = _idphoto(two, "history", "list", "--json", "--customer", "zhang")
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["counter"], row["customer"], row["engine"], row["paid"]) == (
        "Counter 1", "Zhang Wei", "cloud", True)
    nobody = _idphoto(two, "history", "list", "--json", "--customer", "nobody")
    assert json.loads(nobody.stdout) == []
    since_tomorrow = _idphoto(one, "history", "list", "--json", "--since", "2999-01-01")
    assert json.loads(since_tomorrow.stdout) == []
    bad_date = _idphoto(one, "history", "list", "--since", "yesterday")
    assert bad_date.returncode == 1 and "not a date" in bad_date.stderr
    assert "Traceback" not in bad_date.stderr

    offline = _idphoto(two, "generate", str(photos_dir / "hivision_test1.jpg"), "--preset",
                       "cn_1inch", "--engine", "offline", "-o", str(tmp_path / "c.png"))
    assert offline.returncode == 0, offline.stderr
    spent = json.loads(_idphoto(one, "history", "spent", "--json").stdout)
    assert {(r["counter"], r["paid"], r["free"]) for r in spent["rows"]} == {
        ("Counter 1", 1, 0), ("Counter 2", 0, 1)}
    assert spent["total"] == {"paid": 1, "free": 1}
    text = _idphoto(one, "history", "spent")
    assert "Counter 1" in text.stdout and "total" in text.stdout
    _no_password(pg_server.password, first.stdout, first.stderr, second.stdout, second.stderr,
                 listed.stdout, text.stdout)


def test_concurrent_generates_of_the_same_photo_pay_once(
    pg_server: PgServer, sandbox: SandboxServer, sandbox_token: str, photos_dir: Path,
    tmp_path: Path,
) -> None:
    url = pg_server.url(pg_server.create_database())
    photo = photos_dir / "hivision_test2.jpg"
    procs = [
        _idphoto_process(_env(tmp_path / f"counter{n % 2}", url, f"Counter {n % 2}",
                              sandbox_token),
                         *_generate_args(photo, tmp_path / f"out{n}.jpg", sandbox))
        for n in range(4)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    assert sandbox.request_counts[POST] == 1
    outputs = {(tmp_path / f"out{n}.jpg").read_bytes() for n in range(4)}
    assert len(outputs) == 1
    listed = _idphoto(_env(tmp_path / "counter0", url, "Counter 0", sandbox_token),
                      "history", "list", "--json")
    assert len(json.loads(listed.stdout)) == 1


def test_concurrent_writes_of_different_photos_lose_nothing(
    pg_server: PgServer, sandbox: SandboxServer, sandbox_token: str, all_photos: list[Path],
    tmp_path: Path,
) -> None:
    url = pg_server.url(pg_server.create_database())
    photos = all_photos[:6]
    procs = [
        _idphoto_process(_env(tmp_path / f"counter{n % 2}", url, f"Counter {n % 2}",
                              sandbox_token),
                         *_generate_args(photo, tmp_path / f"out{n}.jpg", sandbox))
        for n, photo in enumerate(photos)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    assert sandbox.request_counts[POST] == len(photos)
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT counter, image, width, height FROM results").fetchall()
    assert len(rows) == len(photos)
    assert {r[0] for r in rows} == {"Counter 0", "Counter 1"}
    for _, image, width, height in rows:
        with Image.open(io.BytesIO(image)) as decoded:
            decoded.load()
            assert decoded.size == (width, height)


def test_database_stopped_in_the_middle_then_push(
    pg_server_factory: Callable[[], PgServer], sandbox: SandboxServer, sandbox_token: str,
    photos_dir: Path, tmp_path: Path,
) -> None:
    server = pg_server_factory()
    url = server.url(server.create_database())
    one = _env(tmp_path / "counter1", url, "Counter 1", sandbox_token)
    two = _env(tmp_path / "counter2", url, "Counter 2", sandbox_token)
    before, during = photos_dir / "hivision_test3.jpg", photos_dir / "hivision_test4.jpg"

    assert _idphoto(one, *_generate_args(before, tmp_path / "1.jpg", sandbox)).returncode == 0
    server.stop()
    down = _idphoto(one, *_generate_args(during, tmp_path / "2.jpg", sandbox,
                                         "--customer", "Order 9"))
    assert down.returncode == 0, down.stderr
    assert "cannot be reached" in down.stderr and "idphoto history push" in down.stderr
    assert "Traceback" not in down.stderr
    with Image.open(tmp_path / "2.jpg") as made:  # the result is written all the same
        assert made.size == (295, 413)
    status = _idphoto(one, "history", "status")
    assert "NOT reachable" in status.stdout and "push': 1" in status.stdout
    assert sandbox.request_counts[POST] == 2

    server.start()
    pushed = _idphoto(one, "history", "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed 1 results" in pushed.stdout
    again = _idphoto(one, "history", "push")
    assert "pushed 0 results" in again.stdout

    other = _idphoto(two, *_generate_args(during, tmp_path / "3.jpg", sandbox))
    assert other.returncode == 0 and "reused from history" in other.stdout
    assert sandbox.request_counts[POST] == 2  # made offline at counter 1, found at counter 2
    listed = json.loads(_idphoto(two, "history", "list", "--json").stdout)
    assert sorted((r["counter"], r["customer"] or "") for r in listed) == [
        ("Counter 1", ""), ("Counter 1", "Order 9")]
    for result in (down, status, pushed, again, other):
        _no_password(server.password, result.stdout, result.stderr)
    for log_file in (tmp_path / "counter1").rglob("*.log"):
        _no_password(server.password, log_file.read_text(errors="replace"))


def test_push_without_a_shared_history_says_so(tmp_path: Path, sandbox_token: str) -> None:
    done = _idphoto(_env(tmp_path / "c", None, "c", sandbox_token), "history", "push")
    assert done.returncode == 1 and "No shared history" in done.stderr


def test_set_url_refuses_a_password_on_the_command_line(
    tmp_path: Path, sandbox_token: str
) -> None:
    env = _env(tmp_path / "c", None, "c", sandbox_token)
    done = _idphoto(env, "history", "set-url", "postgresql://u:hunter2-secret@10.0.0.1/db")
    assert done.returncode == 1 and "holds a password" in done.stderr
    assert "hunter2-secret" not in done.stdout + done.stderr
    settings = tmp_path / "c" / "config" / "settings.json"
    assert not settings.exists() or "hunter2" not in settings.read_text()


@pytest.mark.keyring
def test_set_url_moves_the_password_into_the_keyring(
    pg_server: PgServer, tmp_path: Path, sandbox_token: str
) -> None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        reason = "no D-Bus session with an unlocked gnome-keyring (see scripts/test.sh)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    env = _env(tmp_path / "c", None, "Counter K", sandbox_token)
    env.pop("PYTHON_KEYRING_BACKEND")
    env["DBUS_SESSION_BUS_ADDRESS"] = os.environ["DBUS_SESSION_BUS_ADDRESS"]
    database = pg_server.create_database()
    proc = subprocess.run(
        [sys.executable, "-m", "idphoto_desktop.cli", "history", "set-url"], cwd=ROOT, env=env,
        input=pg_server.url(database) + "\n", capture_output=True, text=True, timeout=120,
        check=False,
    )
    try:
        assert proc.returncode == 0, proc.stderr
        assert "keyring" in proc.stdout
        settings = (tmp_path / "c" / "config" / "settings.json").read_text()
        assert pg_server.url(database, with_password=False) in settings
        assert pg_server.password not in settings
        status = _idphoto(env, "history", "status")
        assert "reachable" in status.stdout and "NOT" not in status.stdout, status.stderr
        _no_password(pg_server.password, proc.stdout, proc.stderr, status.stdout, status.stderr)
    finally:
        from idphoto_desktop.storage.db_url import forget_password

        forget_password(pg_server.url(database, with_password=False))
