"""The provider client over real HTTP against the sandbox server on 127.0.0.1.

Faults are asked for with the sandbox's ``X-Sandbox-Fault`` header, added to chosen
requests by :class:`FaultSession` (the client's real session: nothing is mocked).
The money rule is checked with the sandbox's request counts: a POST is never repeated.
No test measures time; waits are shortened through the client's keywords.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from idphoto_desktop.api.client import PollPolicy, ProviderClient
from idphoto_desktop.api.download import inline_result
from idphoto_desktop.api.exchange import Session
from idphoto_desktop.core.errors import (
    AuthenticationError,
    CancelledError,
    DeadlineError,
    FaceError,
    IdPhotoError,
    ImageError,
    MalformedReplyError,
    MaybeChargedError,
    NetworkError,
    QuotaError,
    RequestTimeoutError,
    ResultExpiredError,
    ServerError,
    TaskFailedError,
    UnusableResultError,
    ValidationError,
)
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateParams,
    GenerateRequest,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)
from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import CallbackReceiver, SandboxFactory

POST = "POST /task/pic/idphoto"
POLL = "GET /task/{id}"
RESULT = "GET /results"
FAST: dict[str, Any] = {
    "poll_initial_s": 0.02,
    "poll_max_s": 0.1,
    "retry_wait_s": 0.01,
    "max_retry_wait_s": 0.05,
    "connect_timeout": 2.0,
    "read_timeout": 10.0,
}


class FaultSession(Session):
    """Adds ``X-Sandbox-Fault`` to the next POSTs / API GETs from per-kind queues."""

    def __init__(self, post: list[str] | None = None, get: list[str] | None = None) -> None:
        super().__init__()
        self.queues = {"POST": list(post or []), "GET": list(get or [])}

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.queues.get(method.upper(), [])
        if queue and "/task/" in url:
            fault = queue.pop(0)
            if fault:
                kwargs["headers"] = {**(kwargs.get("headers") or {}), "X-Sandbox-Fault": fault}
        return super().request(method, url, *args, **kwargs)


def prepared(path: Path) -> PreparedPhoto:
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        mime = Image.MIME[image.format or "JPEG"]
    return PreparedPhoto(
        data=data,
        mime=mime,
        filename=path.name,
        width=width,
        height=height,
        original_width=width,
        original_height=height,
        scale=1.0,
        source_sha256=hashlib.sha256(data).hexdigest(),
    )


@pytest.fixture
def photo(photos_dir: Path) -> PreparedPhoto:
    return prepared(photos_dir / "hivision_test0.jpg")


def make_request(
    photo: PreparedPhoto | None,
    *,
    size: tuple[int, int] = (300, 400),
    fmt: OutputFormat = OutputFormat.PNG,
    bg: str | None = None,
    sync: bool = True,
    image_url: str | None = None,
    callback_url: str | None = None,
) -> GenerateRequest:
    return GenerateRequest(
        GenerateParams(PhotoSize(*size), fmt, bg),
        photo=photo,
        image_url=image_url,
        sync=sync,
        callback_url=callback_url,
    )


ClientFactory = Callable[..., ProviderClient]


@pytest.fixture
def client_for(sandbox_token: str) -> ClientFactory:
    def make(server: SandboxServer, **kwargs: Any) -> ProviderClient:
        token = kwargs.pop("token", sandbox_token)
        options = {**FAST, **kwargs}
        return ProviderClient(token, server.base_url, **options)

    return make


@pytest.fixture(autouse=True)
def token_never_logged(caplog: pytest.LogCaptureFixture, sandbox_token: str) -> Iterator[None]:
    """Every test here also proves that the token reached no log record."""
    caplog.set_level(logging.DEBUG)
    yield
    assert sandbox_token not in caplog.text
    for record in caplog.records:
        assert sandbox_token not in record.getMessage()


def assert_clean(error: BaseException, token: str) -> None:
    """A clerk-facing error: plain text, no token anywhere."""
    assert isinstance(error, IdPhotoError)
    texts = [str(error), repr(error), error.full_text(), error.hint, *map(str, error.args)]
    texts.append(str(getattr(error, "err_info", "")))
    for text in texts:
        assert token not in text
    assert str(error) and "Traceback" not in str(error)
    assert error.__cause__ is None or token not in str(error.__cause__)


# ----- the happy paths -----


@pytest.mark.parametrize(
    ("fmt", "bg", "pil_format"),
    [(OutputFormat.PNG, None, "PNG"), (OutputFormat.JPG, "#00ff7f", "JPEG")],
)
def test_sync_generate(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    fmt: OutputFormat,
    bg: str | None,
    pil_format: str,
) -> None:
    result = client_for(sandbox).generate(make_request(photo, fmt=fmt, bg=bg))
    assert (result.width, result.height, result.format) == (300, 400, fmt)
    with Image.open(io.BytesIO(result.image)) as image:
        assert (image.format, image.size) == (pil_format, (300, 400))
    assert result.foreground_rect is not None and result.foreground_rect.width > 0
    assert result.task_id and result.raw is not None and result.raw["state"] == 1
    assert result.engine == "cloud"
    counts = sandbox.request_counts
    assert (counts[POST], counts[POLL], counts[RESULT]) == (1, 0, 1)


def test_async_generate_polls_and_reports_progress(
    sandbox_factory: SandboxFactory, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    server = sandbox_factory(processing_delay_s=0.3)
    seen: list[tuple[int, str]] = []
    result = client_for(server).generate(
        make_request(photo, sync=False), progress=lambda p, t: seen.append((p, t))
    )
    assert (result.width, result.height) == (300, 400)
    percents = [p for p, _ in seen]
    assert percents == sorted(percents)
    assert percents[0] < 10 and percents[-1] == 100
    assert any(10 <= p <= 90 for p in percents)  # reported while polling
    assert any("Downloading" in t for _, t in seen)
    counts = server.request_counts
    assert counts[POST] == 1 and counts[POLL] >= 1 and counts[RESULT] == 1


def test_image_url_instead_of_a_file(
    sandbox: SandboxServer, client_for: ClientFactory, loopback_file_server: str
) -> None:
    request = make_request(None, image_url=f"{loopback_file_server}/hivision_test0.jpg")
    result = client_for(sandbox).generate(request)
    assert (result.width, result.height) == (300, 400)


def test_callback_url_is_sent_and_the_sandbox_notifies_it(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    callback_receiver: CallbackReceiver,
) -> None:
    request = make_request(photo, sync=False, callback_url=callback_receiver.url)
    result = client_for(sandbox).generate(request)
    bodies = callback_receiver.wait(1)
    assert bodies and bodies[0]["data"]["task_id"] == result.task_id
    assert bodies[0]["data"]["state"] == 1


def test_get_task_and_test_connection_cost_nothing(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    client = client_for(sandbox)
    created = client.create_task(make_request(photo, sync=True))
    assert created.task_id is not None
    queried = client.get_task(created.task_id)
    assert queried.task_id == created.task_id and queried.state == 1
    assert queried.foreground_rect == created.foreground_rect
    client.test_connection()
    assert sandbox.request_counts[POST] == 1


def test_wrong_token_is_refused_everywhere(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    client = client_for(sandbox, token="sk-wrong-token-123456")
    with pytest.raises(AuthenticationError) as caught:
        client.test_connection()
    assert_clean(caught.value, "sk-wrong-token-123456")
    with pytest.raises(AuthenticationError) as caught:
        client.generate(make_request(photo))
    assert_clean(caught.value, "sk-wrong-token-123456")


# ----- validation before any network call -----


@pytest.mark.parametrize(
    ("change", "error_class"),
    [
        ({"image_url": "https://example.com/p.jpg"}, ValidationError),  # file and URL
        ({"photo": None}, ValidationError),  # neither
        ({"photo": None, "image_url": "ftp://example.com/p.jpg"}, ValidationError),
        ({"photo": None, "image_url": "https://example.com/" + "a" * 600}, ValidationError),
        ({"callback_url": "javascript:alert(1)"}, ValidationError),
        ({"size": (99, 400)}, ValidationError),
        ({"size": (300, 2001)}, ValidationError),
        ({"fmt": OutputFormat.JPG, "bg": "GG0000"}, ValidationError),
        ({"fmt": OutputFormat.JPG, "bg": "12345"}, ValidationError),
        ({"empty": True}, ImageError),
        ({"huge": True}, ImageError),
    ],
)
def test_bad_requests_are_refused_before_sending(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    change: dict[str, Any],
    error_class: type[IdPhotoError],
    sandbox_token: str,
) -> None:
    change = dict(change)
    target: PreparedPhoto | None = change.pop("photo", photo)
    if change.pop("empty", False):
        target = PreparedPhoto(b"", "image/jpeg", "e.jpg", 1, 1, 1, 1, 1.0, "0")
    if change.pop("huge", False):
        target = PreparedPhoto(
            b"\0" * (15 * 1024 * 1024), "image/jpeg", "h.jpg", 1, 1, 1, 1, 1.0, "0"
        )
    with pytest.raises(error_class) as caught:
        client_for(sandbox).generate(make_request(target, **change))
    assert_clean(caught.value, sandbox_token)
    assert sum(sandbox.request_counts.values()) == 0


def test_sizes_that_are_not_whole_numbers_are_refused(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    request = GenerateRequest(GenerateParams(PhotoSize(300.5, 400)), photo=photo)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="whole number"):
        client_for(sandbox).generate(request)
    assert sum(sandbox.request_counts.values()) == 0


# ----- every error class, and the POST never repeated -----


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [
        ("status=400", ValidationError),
        ("status=401", AuthenticationError),
        ("status=403", AuthenticationError),
        ("status=404", ValidationError),
        ("status=413", ImageError),
        ("status=500", ServerError),
        ("status=503", ServerError),
        ("status=502-html", ServerError),
        ("malformed-json", MalformedReplyError),
        ("missing-fields", MalformedReplyError),
        ("reset", MaybeChargedError),
    ],
)
def test_create_faults_give_typed_errors_and_one_post(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    fault: str,
    error_class: type[IdPhotoError],
    sandbox_token: str,
) -> None:
    client = client_for(sandbox, session=FaultSession(post=[fault]))
    with pytest.raises(error_class) as caught:
        client.generate(make_request(photo))
    assert_clean(caught.value, sandbox_token)
    if error_class is not MaybeChargedError:
        assert not isinstance(caught.value, MaybeChargedError)
    counts = sandbox.request_counts
    assert counts[POST] == 1 and counts[RESULT] == 0


def test_a_create_reply_with_wrong_types_still_gives_the_paid_result(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    """Issue 14: numbers as text are read, an unusable image address is asked for again
    with a free query; the photo is never posted twice."""
    client = client_for(sandbox, session=FaultSession(post=["wrong-types"]))
    result = client.generate(make_request(photo))
    assert (result.width, result.height) == (300, 400)
    counts = sandbox.request_counts
    assert counts[POST] == 1 and counts[POLL] >= 1 and counts[RESULT] == 1


def test_quota_error_carries_retry_after(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    client = client_for(sandbox, session=FaultSession(post=["429=7"]))
    with pytest.raises(QuotaError) as caught:
        client.generate(make_request(photo))
    assert caught.value.retry_after == 7.0
    assert "7 s" in str(caught.value)
    assert sandbox.request_counts[POST] == 1


def test_the_real_rate_limit_is_a_quota_error_and_not_retried(
    sandbox_factory: SandboxFactory, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    server = sandbox_factory(rate_limit_per_s=0.01)  # one request, then 100 s to refill
    client = client_for(server)
    client.generate(make_request(photo))
    with pytest.raises(QuotaError) as caught:
        client.generate(make_request(photo))
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1
    assert server.request_counts[POST] == 2


def test_a_read_timeout_after_sending_may_be_charged_and_is_not_repeated(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto, sandbox_token: str
) -> None:
    client = client_for(sandbox, session=FaultSession(post=["delay=2"]), read_timeout=0.2)
    with pytest.raises(MaybeChargedError) as caught:
        client.generate(make_request(photo))
    assert "time" in str(caught.value)
    assert "second charge" in caught.value.hint
    assert_clean(caught.value, sandbox_token)
    assert sandbox.request_counts[POST] == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_nothing_sent_is_a_network_error_retried_once(
    photo: PreparedPhoto, sandbox_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = ProviderClient(sandbox_token, f"http://127.0.0.1:{closed_port()}", **FAST)
    with pytest.raises(NetworkError) as caught:
        client.generate(make_request(photo))
    assert not isinstance(caught.value, MaybeChargedError)
    assert "could not be reached" in str(caught.value)
    assert caplog.text.count("trying once more") == 1
    with pytest.raises(NetworkError):
        client.test_connection()


def test_a_get_that_times_out_is_a_timeout_error(
    sandbox: SandboxServer, client_for: ClientFactory, sandbox_token: str
) -> None:
    client = client_for(
        sandbox, session=FaultSession(get=["delay=1"] * 3), read_timeout=0.1, get_retries=2
    )
    with pytest.raises(RequestTimeoutError) as caught:
        client.test_connection()
    assert not isinstance(caught.value, MaybeChargedError)
    assert_clean(caught.value, sandbox_token)
    assert sandbox.request_counts[POLL] == 3  # retried within bounds


@pytest.mark.parametrize(
    ("state", "family"),
    [("", FaceError), ("=-7", ImageError), ("=-9", ServerError), ("=-42", TaskFailedError)],
)
@pytest.mark.parametrize("sync", [True, False])
def test_failed_tasks(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    state: str,
    family: type[IdPhotoError],
    sync: bool,
    sandbox_token: str,
) -> None:
    client = client_for(sandbox, session=FaultSession(post=[f"task-fails{state}"]))
    with pytest.raises(TaskFailedError) as caught:
        client.generate(make_request(photo, sync=sync))
    error = caught.value
    assert isinstance(error, family)
    assert error.state == (int(state[1:]) if state else -1)
    assert "injected failure" in error.err_info and "injected failure" in str(error)
    assert_clean(error, sandbox_token)
    assert sandbox.request_counts[POST] == 1 and sandbox.request_counts[RESULT] == 0


@pytest.mark.parametrize(
    ("fault", "error_class", "words"),
    [
        ("expired-result", ResultExpiredError, "one hour"),
        ("result-not-image", MalformedReplyError, "not a readable image"),
        ("result-wrong-size", UnusableResultError, "150x200"),  # 2x enlargement: too soft
        ("result-wrong-size=wide", UnusableResultError, "360x400"),  # another shape
    ],
)
def test_result_download_checks(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    fault: str,
    error_class: type[IdPhotoError],
    words: str,
) -> None:
    client = client_for(sandbox, session=FaultSession(post=[fault]))
    with pytest.raises(error_class, match=words):
        client.generate(make_request(photo))
    counts = sandbox.request_counts
    assert counts[POST] == 1 and counts[RESULT] == 1  # deterministic failures: no retry


@pytest.mark.parametrize(
    ("fault", "sent"), [("result-wrong-size=2", "600x800"), ("result-wrong-size=0.9967", "299x399")]
)
def test_a_result_at_another_resolution_is_resized_to_the_size_asked(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    fault: str,
    sent: str,
) -> None:
    """Paid for, and the same picture at another resolution (twice the size, or a pixel
    short): scaled to the size asked and said, never refused and lost."""
    plain = client_for(sandbox).generate(make_request(photo))
    client = client_for(sandbox, session=FaultSession(post=[fault]))
    result = client.generate(make_request(photo))
    with Image.open(io.BytesIO(result.image)) as image, Image.open(
        io.BytesIO(plain.image)
    ) as same_size:
        assert image.size == (300, 400) == (result.width, result.height)
        assert image.format == "PNG" and image.mode == same_size.mode
        difference = ImageChops.difference(image.convert("RGB"), same_size.convert("RGB"))
        assert max(ImageStat.Stat(difference).mean) < 3.0  # the same picture, not a crop
    assert any(sent in w and "resized to the 300x400" in w for w in result.warnings)
    assert not any("resized" in w for w in plain.warnings)
    assert sandbox.request_counts[POST] == 2


def test_an_unusable_result_carries_its_paid_bytes(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    client = client_for(sandbox, session=FaultSession(post=["result-wrong-size=wide"]))
    with pytest.raises(UnusableResultError) as caught:
        client.generate(make_request(photo))
    with Image.open(io.BytesIO(caught.value.image)) as image:
        assert image.size == (360, 400) and caught.value.extension == ".png"
    assert "shape" in caught.value.hint


@pytest.mark.parametrize(("fault", "sync"), [("result-inline", True),
                                            ("result-inline=data-uri", False)])
def test_a_result_sent_in_the_reply_itself_is_used(
    sandbox: SandboxServer,
    client_for: ClientFactory,
    photo: PreparedPhoto,
    fault: str,
    sync: bool,
) -> None:
    """PicWish's other return type: ``image`` holds the result (base64 or a data: URI).
    It is the paid result: used as it is, checked as a download is, never fetched from
    an address made of it."""
    client = client_for(sandbox, session=FaultSession(post=[fault]))
    result = client.generate(make_request(photo, sync=sync))
    with Image.open(io.BytesIO(result.image)) as image:
        assert (image.format, image.size) == ("PNG", (300, 400))
    assert (result.width, result.height, result.format) == (300, 400, OutputFormat.PNG)
    assert result.raw is not None and len(str(result.raw["image"])) < 100
    counts = sandbox.request_counts
    assert counts[POST] == 1 and counts[RESULT] == 0


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_an_address_is_never_taken_for_an_inline_image() -> None:
    """Only text that decodes to an image's first bytes is an image; an address (even
    one made only of base64 letters) is fetched as before, and a broken inline image
    or data: URI is a malformed reply, not a download attempt."""
    png = io.BytesIO()
    Image.new("RGB", (30, 40), "white").save(png, "PNG")
    for address in (
        "https://cdn.example.com/tasks/output/idphoto/3b95-image.png",
        "/tasks/output/idphoto/3b950563e53f4036a5815ac04d0829b3image.png",
        "tasks/output/idphoto/3b950563e53f4036a5815ac04d0829b3image",
        _b64(b"not an image at all, just some words long enough to look like one"),
    ):
        assert inline_result(address) is None, address
    got = inline_result(_b64(png.getvalue()))
    assert got is not None and got.data == png.getvalue() and (got.width, got.height) == (30, 40)
    urlsafe = _b64(png.getvalue()).replace("+", "-").replace("/", "_").rstrip("=")
    assert inline_result(urlsafe) is not None
    data_uri = inline_result("data:image/png;base64," + _b64(png.getvalue()))
    assert data_uri is not None and data_uri.data == png.getvalue()
    with pytest.raises(MalformedReplyError):
        inline_result("data:image/png,%89PNG")
    with pytest.raises(MalformedReplyError, match="larger"):
        inline_result(_b64(png.getvalue()), max_bytes=10)


# ----- polling: retries, backoff, deadline, cancel -----


def test_transient_poll_failures_are_retried(
    sandbox_factory: SandboxFactory, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    server = sandbox_factory(processing_delay_s=0.2)
    faults = ["status=500", "reset", "malformed-json", "", "429=1", "status=502-html"]
    client = client_for(server, session=FaultSession(get=faults), get_retries=3)
    result = client.generate(make_request(photo, sync=False))
    assert (result.width, result.height) == (300, 400)
    counts = server.request_counts
    assert counts[POST] == 1 and counts[POLL] >= len(faults) + 1


def test_persistent_poll_failures_give_up_within_bounds(
    sandbox_factory: SandboxFactory, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    server = sandbox_factory(processing_delay_s=0.3)
    client = client_for(server, session=FaultSession(get=["status=500"] * 20), get_retries=2)
    with pytest.raises(ServerError):
        client.generate(make_request(photo, sync=False))
    assert server.request_counts[POLL] == 3  # one try and two retries
    assert server.request_counts[POST] == 1


def test_poll_intervals_back_off() -> None:
    waits = PollPolicy(initial_s=1.0, max_s=5.0, growth=1.5).intervals()
    assert [next(waits) for _ in range(7)] == [1.0, 1.5, 2.25, 3.375, 5.0, 5.0, 5.0]


def test_a_stuck_task_ends_at_the_deadline_without_hammering(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto, sandbox_token: str
) -> None:
    deadline = 0.4
    client = client_for(
        sandbox,
        session=FaultSession(post=["stuck"]),
        poll_deadline_s=deadline,
        poll_initial_s=0.02,
        poll_max_s=0.1,
    )
    with pytest.raises(DeadlineError) as caught:
        client.generate(make_request(photo, sync=False))
    assert isinstance(caught.value, RequestTimeoutError)
    assert "did not finish" in str(caught.value)
    assert_clean(caught.value, sandbox_token)
    # Each wait lasts at least its nominal length, so the backoff bounds the polls.
    waits, total, bound = client.poll.intervals(), 0.0, 0
    while total < deadline:
        total += next(waits)
        bound += 1
    polls = sandbox.request_counts[POLL]
    assert 1 <= polls <= bound
    assert sandbox.request_counts[POST] == 1


def test_cancel_while_polling(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    cancel = CancelToken()

    def progress(percent: int, _text: str) -> None:
        if sandbox.request_counts[POLL] >= 2:
            cancel.cancel()

    client = client_for(sandbox, session=FaultSession(post=["stuck"]), poll_deadline_s=60.0)
    with pytest.raises(CancelledError) as caught:
        client.generate(make_request(photo, sync=False), progress=progress, cancel=cancel)
    assert "charge" in caught.value.hint
    assert sandbox.request_counts[POST] == 1


def test_cancel_before_sending_sends_nothing(
    sandbox: SandboxServer, client_for: ClientFactory, photo: PreparedPhoto
) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(CancelledError):
        client_for(sandbox).generate(make_request(photo), cancel=cancel)
    assert sum(sandbox.request_counts.values()) == 0


# ----- https only, and the token never shown -----


@pytest.mark.parametrize(
    "url",
    [
        "http://api.gpt.ge",
        "http://localhost:8080",
        "http://10.0.0.1",
        "ftp://api.gpt.ge",
        "api.gpt.ge",
        "https://",
        "http://127.0.0.1:notaport",
    ],
)
def test_only_https_or_loopback_http(url: str, sandbox_token: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProviderClient(sandbox_token, url)
    assert_clean(caught.value, sandbox_token)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.gpt.ge",
        "https://api.gpt.ge/",
        "http://127.0.0.1:1",
        "http://127.8.9.10",
        "http://[::1]:1",
    ],
)
def test_https_and_loopback_are_accepted(url: str, sandbox_token: str) -> None:
    assert ProviderClient(sandbox_token, url).base_url == url.rstrip("/")


@pytest.mark.parametrize("token", ["", "   ", "sk bad", "sk-\nbad"])
def test_unusable_tokens_are_refused_without_echo(token: str) -> None:
    with pytest.raises(AuthenticationError) as caught:
        ProviderClient(token, "https://api.gpt.ge")
    if token.strip():
        assert token.strip() not in str(caught.value)


def test_the_token_is_not_in_repr_or_attributes(sandbox_token: str) -> None:
    from idphoto_desktop.engines.cloud import CloudEngine

    client = ProviderClient(sandbox_token, "https://api.gpt.ge")
    assert sandbox_token not in repr(client) and sandbox_token not in str(client)
    assert sandbox_token not in repr(vars(client))
    assert sandbox_token not in repr(CloudEngine(client))
    assert "***" in repr(client)


def test_photos_prepared_by_core_imageprep_go_through(
    sandbox: SandboxServer, client_for: ClientFactory, all_photos: list[Path]
) -> None:
    """The real preparation step (EXIF, format, limits) feeds the client unchanged."""
    from idphoto_desktop.core.imageprep import prepare_photo

    client = client_for(sandbox)
    for path in all_photos[:4]:
        prepared_photo = prepare_photo(path)
        result = client.generate(make_request(prepared_photo, size=(413, 531)))
        assert (result.width, result.height) == (413, 531)
    assert sandbox.request_counts[POST] == 4
