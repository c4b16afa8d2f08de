"""The command line under hostile providers, careless clerks and broken disks (issue 14,
items 8, 11 and 12): logging, one-line errors, file modes, leftovers, money warnings.
Real subprocesses, real signals, the sandbox on 127.0.0.1."""

from __future__ import annotations

import errno
import logging
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.cli import describe_os_error, main
from idphoto_desktop.core import i18n, tempfiles
from idphoto_desktop.core.errors import (
    MaybeChargedError,
    QuotaError,
    ServerError,
    ValidationError,
)
from idphoto_desktop.core.netaddr import is_non_public_address
from idphoto_desktop.logsetup import teardown_logging
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.storage import paths
from tests.fixtures.sandbox import SandboxFactory
from tests.test_api_client import FaultSession, make_request, prepared

CJK = re.compile(r"[\u4e00-\u9fff]")

POST = "POST /task/pic/idphoto"
POLL = "GET /task/{id}"
RESULT = "GET /results"
FAST = {"poll_initial_s": 0.02, "retry_wait_s": 0.01, "max_retry_wait_s": 0.05, "get_retries": 2}
posix_only = pytest.mark.skipif(os.name != "posix", reason="modes, signals and FIFOs")


@pytest.fixture(autouse=True)
def _no_logging_left() -> object:
    yield
    teardown_logging()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDPHOTO_")}
    env.update(IDPHOTO_HOME=str(home), IDPHOTO_MODELS_DIR=os.environ["IDPHOTO_MODELS_DIR"])
    env.update(extra)
    return env


# ----- item 8: logging and one-line errors -----


def test_a_successful_run_shows_no_log_lines_and_keeps_a_private_log(
    tmp_path: Path,
    photos_dir: Path,
    private_app_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out.png"
    photo = str(photos_dir / "hivision_test0.jpg")
    code = main(["generate", photo, "--size", "300x400", "--engine", "offline", "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and out.exists()
    for line in captured.err.splitlines():
        assert line.startswith("  ") or line.startswith("idphoto: warning: "), line
    assert "Traceback" not in captured.err + captured.out
    log_file = private_app_home / "logs" / "idphoto.log"
    assert log_file.exists()
    if os.name == "posix":
        assert _mode(log_file) == 0o600
        for folder in ("logs", "data", "config"):
            if (private_app_home / folder).exists():
                assert _mode(private_app_home / folder) == 0o700, folder
        history = private_app_home / "data" / "history.sqlite3"
        if history.exists():
            assert _mode(history) & 0o077 == 0


def test_warnings_reach_the_console_as_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["presets", "--country", "XX"])  # any command: it sets up logging
    capsys.readouterr()
    try:
        raise ValueError("inner detail")
    except ValueError:
        logging.getLogger("idphoto_desktop.test").warning("first line\nsecond", exc_info=True)
    logging.getLogger("idphoto_desktop.test").info("an info line")
    err = capsys.readouterr().err
    assert err.splitlines() == ["idphoto: warning: first line"]


def test_a_truncated_result_gives_words_not_raw_oserror_text(
    tmp_path: Path, photos_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = (photos_dir / "hivision_test0.jpg").read_bytes()
    truncated = tmp_path / "result.png"
    truncated.write_bytes(whole[: len(whole) // 3])
    out = str(tmp_path / "x.jpg")
    code = main(["export", str(truncated), "--preset", "us_passport", "-o", out])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1
    assert "Errno" not in err and "truncated (" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "/media/usb/out.png"),
            "out.png could not be used: the disk is full.",
        ),
        (
            OSError(errno.EACCES, "Permission denied", "/root/x.png"),
            "x.png could not be used: permission denied.",
        ),
        (
            OSError(errno.EIO, "Input/output error"),
            "The operation failed: the disk reported a read or write error.",
        ),
        (OSError("image file is truncated (3 bytes not processed)"), "damaged"),
    ],
)
def test_oserrors_are_described_in_words(error: OSError, words: str) -> None:
    text = describe_os_error(error)
    assert words in text and "Errno" not in text and "\n" not in text
    chinese = i18n.translate(text, "zh_CN")
    assert CJK.search(chinese) and not re.search(r"\b(the|could|not|disk)\b", chinese)


def test_a_full_disk_is_said_in_the_locale_s_language(tmp_path: Path) -> None:
    """The command line's own last line for an OSError (here stdout on a full device)
    follows the locale, as its other messages do, and is the only line."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    env = dict(os.environ, LANGUAGE="zh_CN", IDPHOTO_HOME=str(tmp_path))
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "idphoto_desktop.cli", "presets"],
            stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr.strip() == "idphoto: 操作失败：磁盘已满。"


# ----- item 12: money and refusals -----


def test_402_says_out_of_credit(
    sandbox: SandboxServer, sandbox_token: str, photos_dir: Path
) -> None:
    client = ProviderClient(
        sandbox_token, sandbox.base_url, session=FaultSession(post=["status=402"]), **FAST
    )
    with pytest.raises(QuotaError) as caught:
        client.generate(make_request(prepared(photos_dir / "hivision_test0.jpg")))
    text = caught.value.full_text()
    assert "out of credit" in text and "highlighted" not in text


def test_503_retry_after_is_said(
    sandbox: SandboxServer, sandbox_token: str, photos_dir: Path
) -> None:
    client = ProviderClient(
        sandbox_token,
        sandbox.base_url,
        session=FaultSession(post=["status=503,retry-after=7"]),
        **FAST,
    )
    with pytest.raises(ServerError) as caught:
        client.generate(make_request(prepared(photos_dir / "hivision_test0.jpg")))
    assert "wait 7 s" in str(caught.value)
    assert sandbox.request_counts[POST] == 1


def test_504_on_create_may_be_charged_but_on_a_poll_is_retried(
    sandbox: SandboxServer, sandbox_token: str, photos_dir: Path
) -> None:
    photo = prepared(photos_dir / "hivision_test0.jpg")
    client = ProviderClient(
        sandbox_token, sandbox.base_url, session=FaultSession(post=["status=504"]), **FAST
    )
    with pytest.raises(MaybeChargedError) as caught:
        client.generate(make_request(photo))
    assert "charged" in caught.value.full_text()
    assert sandbox.request_counts[POST] == 1
    polled = ProviderClient(
        sandbox_token, sandbox.base_url, session=FaultSession(get=["status=504"]), **FAST
    )
    result = polled.generate(make_request(photo, sync=False))
    assert result.width == 300
    assert sandbox.request_counts[POST] == 2


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.7/r.png",
        "https://169.254.169.254/latest/meta-data",
        "https://192.168.1.1:8443/x.png",
        "https://[fd00::1]/r.png",
        "https://[::ffff:10.1.2.3]/r.png",
        "https://0.0.0.0/r.png",
    ],
)
def test_result_urls_to_private_addresses_are_refused_even_over_https(url: str) -> None:
    from idphoto_desktop.api.download import check_result_url

    with pytest.raises(ValidationError, match="private or local network"):
        check_result_url(url)


def test_public_and_loopback_addresses_are_allowed() -> None:
    assert not is_non_public_address("8.8.8.8")
    assert not is_non_public_address("127.0.0.1")
    assert not is_non_public_address("example.com")  # names are checked at connect time
    assert is_non_public_address("100.64.0.1")


@posix_only
def test_ctrl_c_during_the_provider_call_warns_of_a_possible_charge(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    server = sandbox_factory(faults="delay=60")
    out = tmp_path / "out.png"
    args = [sys.executable, "-m", "idphoto_desktop.cli", "generate"]
    args += [str(photos_dir / "hivision_test0.jpg"), "--size", "300x400"]
    args += ["--api-url", server.base_url, "-o", str(out)]
    env = _env(tmp_path / "home", IDPHOTO_TOKEN=sandbox_token)
    process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            if server.request_counts[POST] >= 1:
                break
            time.sleep(0.05)
        assert server.request_counts[POST] == 1
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    lines = [line for line in err.splitlines() if not line.startswith("  ")]
    assert len(lines) == 1 and "charge" in lines[0] and "Traceback" not in err
    assert not out.exists()


def test_token_set_without_a_keyring_fails_and_keeps_nothing(tmp_path: Path) -> None:
    token = "sk-abcdefghijklmnop123456"
    env = _env(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = subprocess.run(
        [sys.executable, "-m", "idphoto_desktop.cli", "token", "set"],
        input=token + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    errors = [ln for ln in done.stderr.splitlines() if not ln.startswith("idphoto: warning:")]
    assert len(errors) == 1 and "not kept" in errors[0]
    assert "abcdefghijklmnop" not in done.stderr + done.stdout


# ----- item 11: modes and leftovers -----


@posix_only
def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    from idphoto_desktop.core.export import write_atomic

    old = os.umask(0o027)
    try:
        out = write_atomic(tmp_path / "photo.jpg", b"\xff\xd8\xff\xd9")
    finally:
        os.umask(old)
    assert _mode(out) == 0o640


@posix_only
def test_a_temp_file_left_by_a_killed_writer_is_removed_at_the_next_start(
    tmp_path: Path, private_app_home: Path
) -> None:
    """A real kill -9 between creating the hidden temp file and renaming it."""
    script = (
        "import os, signal, tempfile\n"
        "from pathlib import Path\n"
        "from idphoto_desktop.storage import paths\n"
        "from idphoto_desktop.core import i18n, tempfiles\n"
        f"fd, name = tempfile.mkstemp(prefix='.sheet.pdf.', suffix='.tmp', dir={str(tmp_path)!r})\n"
        "os.write(fd, b'customer photo'); os.close(fd)\n"
        "tempfiles.register_temp(Path(name))\n"
        "print(name, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(private_app_home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    left = Path(done.stdout.strip())
    assert left.exists()
    unrelated = tmp_path / ".other.tmp"
    unrelated.write_bytes(b"not ours")
    removed = paths.clean_stale_temps()
    assert removed == [left] and not left.exists()
    assert unrelated.exists()  # only files the app noted are touched


def test_a_live_writers_temp_file_is_left_alone(tmp_path: Path) -> None:
    temp = tmp_path / ".live.png.123.tmp"
    temp.write_bytes(b"in progress")
    note = tempfiles.register_temp(temp)
    assert note is not None
    assert paths.clean_stale_temps() == [] and temp.exists()
    tempfiles.forget_temp(note)


def test_a_503_on_a_poll_is_retried_after_its_retry_after(
    sandbox: SandboxServer, sandbox_token: str, photos_dir: Path
) -> None:
    from idphoto_desktop.api.http_errors import ServiceBusyError, error_for_status

    busy = error_for_status(503, "maintenance", retry_after=1.0)
    assert isinstance(busy, ServiceBusyError) and "wait 1 s" in str(busy)
    client = ProviderClient(
        sandbox_token,
        sandbox.base_url,
        session=FaultSession(get=["status=503,retry-after=1"]),
        **{**FAST, "max_retry_wait_s": 5.0},
    )
    result = client.generate(make_request(prepared(photos_dir / "hivision_test0.jpg"), sync=False))
    assert result.width == 300
    counts = sandbox.request_counts
    assert counts[POST] == 1 and counts[POLL] >= 2
