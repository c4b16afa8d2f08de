"""Secrets echoed back by a hostile server: scrubbed before any cut, found through
zero-width and full-width disguises; tokens of any script work or get one clear line
(issue 14, item 4). A real loopback server scripts the echoes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from idphoto_desktop import logsetup
from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.cli import main
from idphoto_desktop.core.errors import (
    AuthenticationError,
    IdPhotoError,
    TaskFailedError,
    ValidationError,
)
from idphoto_desktop.core.secret import normalise, scrub
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.storage.token_store import normalize_token
from tests.test_api_transport import (  # noqa: F401 - the scripted server fixture
    PHOTO,
    TOKEN,
    Scripted,
    done_reply,
    make_request,
    scripted,
)

ZWSP = "\u200b"
FAST = {"poll_initial_s": 0.01, "retry_wait_s": 0.01, "get_retries": 0}


def pieces(token: str) -> list[str]:
    """Every 8-character piece of the token: none may be shown."""
    return [token[i : i + 8] for i in range(len(token) - 7)]


def assert_no_piece(error: IdPhotoError, token: str) -> None:
    texts = [error.full_text(), repr(error), str(getattr(error, "err_info", ""))]
    for text in texts:
        flat = normalise(text)
        for piece in pieces(token):
            assert piece not in flat, f"token piece {piece!r} shown in {text!r}"


def client(script: Scripted) -> ProviderClient:
    return ProviderClient(TOKEN, script.url, **FAST)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "echo",
    [
        "x" * 185 + TOKEN,  # a cut at 200 characters would leave a piece of it
        f"bad key {TOKEN[:12]}{ZWSP}{TOKEN[12:]}",  # a zero-width space inside
        f"bad key {normalise(TOKEN).upper()}".replace("SK", "sk") + " " + TOKEN[:20],
        "Bearer " + TOKEN,
    ],
)
@pytest.mark.parametrize("key", ["message", "msg"])
def test_error_text_echoing_the_token_is_scrubbed(
    scripted: Scripted,  # noqa: F811 - the fixture imported above
    echo: str,
    key: str,
) -> None:
    scripted.reply(400, {"status": 400, key: echo})
    with pytest.raises(ValidationError) as caught:
        client(scripted).generate(make_request(PHOTO))
    assert_no_piece(caught.value, TOKEN)
    assert "service says" in str(caught.value)  # the provider's words are kept


def test_err_info_echoing_a_cut_token_is_scrubbed(scripted: Scripted) -> None:  # noqa: F811
    reply = done_reply("", state=-9, err_info="internal " + "y" * 180 + TOKEN)
    scripted.reply(200, reply)
    with pytest.raises(TaskFailedError) as caught:
        client(scripted).generate(make_request(PHOTO))
    assert_no_piece(caught.value, TOKEN)


def test_scrub_finds_disguised_and_partial_secrets() -> None:
    token = "sk-Abcdefghijklmnop0123456789"
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in token)
    for text in (
        f"a {token} b",
        f"a {token[:9]}\u2060{token[9:]} b",  # word joiner
        f"a {fullwidth} b",
        f"a {token[:15]}",
        f"a {token[-10:]} b",
    ):
        out = scrub(text, [token])
        assert "***" in out and not any(p in normalise(out) for p in pieces(token)), out
    assert scrub("an ordinary message 你好", [token]) == "an ordinary message 你好"


def test_log_records_are_scrubbed_through_disguises(caplog: pytest.LogCaptureFixture) -> None:
    token = "sk-logsecret-ABCDEFGHIJ0123"
    logsetup.register_secret(token)
    caplog.set_level(logging.INFO)
    logging.getLogger("test.hardening").info("echo %s", token[:10] + ZWSP + token[10:])
    assert "ABCDEFGHIJ" not in caplog.text and "***" in caplog.text


@pytest.mark.parametrize(
    "token",
    ["sk-тестовый-токен-1234", "sk-中文令牌abcdef123", "sk-caf\u00e9-latin1-only", "sk-a\x00b"],
)
def test_a_token_that_http_cannot_carry_is_one_clear_line(token: str) -> None:
    with pytest.raises(AuthenticationError) as caught:
        ProviderClient(token, "http://127.0.0.1:9")
    text = caught.value.full_text()
    assert "\n" not in text and token not in text
    with pytest.raises(ValidationError):
        normalize_token(token)


def test_a_full_width_or_zero_width_pasted_token_works(
    sandbox: SandboxServer, sandbox_token: str
) -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in sandbox_token)
    for pasted in (fullwidth, sandbox_token[:5] + ZWSP + sandbox_token[5:] + "\ufeff"):
        assert normalize_token(pasted) == sandbox_token
        ProviderClient(pasted, sandbox.base_url).test_connection()  # accepted: no error


def test_a_non_latin1_environment_token_gives_one_line_in_the_cli(
    tmp_path: Path,
    photos_dir: Path,
    sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IDPHOTO_TOKEN", "sk-ключ-к-сервису-0123456789")
    out = tmp_path / "out.png"
    code = main(
        [
            "generate",
            str(photos_dir / "hivision_test0.jpg"),
            "--size",
            "300x400",
            "--api-url",
            sandbox.base_url,
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "ключ" not in err and "token" in err.lower()
    assert not out.exists()
    assert sandbox.request_counts["POST /task/pic/idphoto"] == 0


# ----- lenient but exact results (items 5 and 7) with a scripted provider -----


def _webp() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (300, 400), (10, 20, 30, 0)).save(buffer, format="WEBP", lossless=True)
    return buffer.getvalue()


def test_a_webp_result_becomes_a_png_without_loss_and_is_said(
    scripted: Scripted,  # noqa: F811 - the fixture imported above
) -> None:
    scripted.reply(200, done_reply("/results/r.webp"))  # a path: read against the API address
    scripted.reply(200, _webp(), Content_Type="image/webp")
    result = client(scripted).generate(make_request(PHOTO))
    assert result.image.startswith(b"\x89PNG")
    assert any("WEBP" in w and "PNG" in w for w in result.warnings)
    assert [r.path for r in scripted.requests][-1] == "/results/r.webp"


def test_a_utf16_reply_is_read(scripted: Scripted) -> None:  # noqa: F811
    import json

    from tests.test_api_transport import png

    body = json.dumps(done_reply(scripted.url + "/r.png")).encode("utf-16")
    scripted.reply(200, body, Content_Type="application/json")
    scripted.reply(200, png(), Content_Type="image/png")
    assert client(scripted).generate(make_request(PHOTO)).width == 300


def test_any_2xx_is_a_success_and_a_body_404_on_a_poll_is_an_unknown_task(
    scripted: Scripted,  # noqa: F811 - the fixture imported above
) -> None:
    from idphoto_desktop.core.errors import ResultExpiredError
    from tests.test_api_transport import png

    scripted.reply(202, done_reply(scripted.url + "/r.png"))
    scripted.reply(200, png(), Content_Type="image/png")
    assert client(scripted).generate(make_request(PHOTO)).width == 300
    scripted.reply(201, done_reply("", state=0))
    scripted.reply(200, {"status": 404, "msg": "task not found"})
    with pytest.raises(ResultExpiredError, match="task not found"):
        client(scripted).generate(make_request(PHOTO, sync=False))
