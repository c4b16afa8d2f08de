"""The provider's HTTP client: create a task, poll it, download the result.

Money rules the design. Every ``POST /task/pic/idphoto`` may cost a credit, so a POST
is sent at most once after it may have reached the server: a reset or a read timeout
after sending raises :class:`MaybeChargedError` and the clerk decides. Only a failure
to connect at all (nothing sent) is retried, once. GETs (polls, downloads, the
connection test) cost nothing and retry transient failures within bounds.

The token is kept in a wrapper whose repr is ``***``, sent only in the Authorization
header to the API host (never to the result host), registered with the log redactor,
and scrubbed from any text that comes back. HTTPS only, plain http only to loopback.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote, urljoin

from idphoto_desktop import logsetup
from idphoto_desktop.api.deadline import Watch
from idphoto_desktop.api.download import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DownloadedImage,
    DownloadPolicy,
    convert_result,
    download_result,
    inline_result,
)
from idphoto_desktop.api.exchange import Response, Session, TransportError
from idphoto_desktop.api.form import build_form, encode_form
from idphoto_desktop.api.http_errors import (
    ServiceBusyError,
    error_for_status,
    parse_retry_after,
)
from idphoto_desktop.api.models import (
    MAX_REPLY_BYTES,
    RECT_DROPPED,
    TaskReply,
    error_detail,
    parse_reply_bytes,
)
from idphoto_desktop.api.result_size import fit_to_size
from idphoto_desktop.api.states import Phase, interpret_state
from idphoto_desktop.api.transport import (
    cannot_help_to_retry,
    is_transport_error,
    network_error,
    nothing_sent,
    wait_or_cancel,
)
from idphoto_desktop.api.urls import check_secure_url, describe_url
from idphoto_desktop.core.errors import (
    AuthenticationError,
    CancelledError,
    DeadlineError,
    IdPhotoError,
    MalformedReplyError,
    MaybeChargedError,
    NetworkError,
    QuotaError,
    RequestTimeoutError,
    ResultExpiredError,
    ServerError,
    ValidationError,
)
from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    ProgressCallback,
)
from idphoto_desktop.core.secret import Secret, has_control, normalise, scrub

log = logging.getLogger("idphoto_desktop.api")

DEFAULT_BASE_URL = "https://api.gpt.ge"
CREATE_PATH = "/task/pic/idphoto"
TASK_PATH = "/task/"
ENGINE_NAME = "cloud"
USER_AGENT = "idphoto-desktop/0.1"
DEFAULT_REQUEST_DEADLINE_S = 120.0
"""Connect + send + the whole reply of one API request: a prepared photo (1-3 MB) on a
slow line, a queue and the provider's 30 s of sync work fit; a server trickling its reply
does not."""
DEFAULT_DOWNLOAD_DEADLINE_S = 60.0
"""The whole result download, every retry included."""
MAYBE_CHARGED_ATTR = "idphoto_maybe_charged"
"""Set on a KeyboardInterrupt that came after the paid POST began (see cli main)."""
CHARGED_AFTER_CANCEL = "The service may still finish this task and charge for it."

T = TypeVar("T")


@dataclass(frozen=True)
class PollPolicy:
    """How the client polls an asynchronous task (NOTES.md: 1 s, back off, 300 s)."""

    initial_s: float = 1.0
    max_s: float = 5.0
    growth: float = 1.5
    deadline_s: float = 300.0

    def intervals(self) -> Iterator[float]:
        """The waits between polls: ``initial_s`` growing by ``growth`` up to ``max_s``."""
        interval = self.initial_s
        while True:
            yield interval
            interval = min(interval * self.growth, self.max_s)


def _check_token(token: str) -> str:
    """The token as it will be sent, or one plain line saying why it cannot be.

    Pasted text is normalised first (full-width letters, zero-width spaces). An HTTP
    header carries Latin-1 bytes only and the provider's tokens are ASCII, so anything
    else is refused here rather than as a traceback from the HTTP library. The message
    never echoes the token.
    """
    value = normalise(token).strip() if isinstance(token, str) else ""
    if not value:
        raise AuthenticationError("No API token is set.")
    if any(ch.isspace() for ch in value) or has_control(token.strip()):
        raise AuthenticationError("The API token contains spaces or control characters.")
    if not value.isascii() or not value.isprintable():
        raise AuthenticationError(
            "The API token contains characters other than Latin letters, digits and "
            "signs, which cannot be sent to the service.",
            hint="Copy the token again from the provider's page (it starts with sk-).",
        )
    return value


def _without_inline_image(raw: dict[str, Any]) -> dict[str, Any]:
    """The reply without the image it carried (megabytes of base64 kept twice else)."""
    return {**raw, "image": "(the result image itself, received in the reply)"}


def _rect_inside(rect: Rect | None, request: GenerateRequest, warnings: list[str]) -> Rect | None:
    """The rectangle if it can lie on the uploaded photo; else None and a warning.

    Lenient (the grid is inferred, NOTES.md): only a box that starts outside the photo
    or is many times its size is dropped.
    """
    photo = request.photo
    if rect is None or photo is None:
        return rect
    width, height = photo.width, photo.height
    if rect.x >= width or rect.y >= height or rect.width > 8 * width or rect.height > 8 * height:
        warnings.append(RECT_DROPPED.format(why="outside the uploaded photo"))
        return None
    return rect


class ProviderClient:
    """One client per token and base URL; thread-safe enough for one job at a time.

    ``session`` may be supplied (tests add sandbox headers through it). Poll and retry
    timings are keywords so tests can shorten them.
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        session: Session | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        poll_deadline_s: float = 300.0,
        poll_initial_s: float = 1.0,
        poll_max_s: float = 5.0,
        poll_growth: float = 1.5,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        get_retries: int = 3,
        retry_wait_s: float = 1.0,
        max_retry_wait_s: float = 30.0,
        request_deadline_s: float = DEFAULT_REQUEST_DEADLINE_S,
        download_deadline_s: float = DEFAULT_DOWNLOAD_DEADLINE_S,
    ) -> None:
        self._token = Secret(_check_token(token))
        self._post_begun = False
        logsetup.register_secret(self._token.reveal())
        base = base_url.strip().rstrip("/")
        self.base_url = check_secure_url(base, "The API address")
        # No hidden retries (see the module doc); connections kept alive per host and
        # every socket handed to the current Watch (api/exchange.py).
        self._session = session if session is not None else Session()
        self.request_deadline_s = max(1.0, float(request_deadline_s))
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.poll = PollPolicy(
            initial_s=poll_initial_s,
            max_s=max(poll_max_s, poll_initial_s),
            growth=max(1.0, poll_growth),
            deadline_s=poll_deadline_s,
        )
        self.get_retries = max(0, get_retries)
        self.retry_wait_s = retry_wait_s
        self.max_retry_wait_s = max_retry_wait_s
        self.download_policy = DownloadPolicy(
            max_bytes=max_download_bytes,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries=self.get_retries,
            retry_wait_s=retry_wait_s,
            max_retry_wait_s=max_retry_wait_s,
            deadline_s=max(1.0, float(download_deadline_s)),
        )

    def __repr__(self) -> str:
        return f"ProviderClient(base_url={self.base_url!r}, token=***)"

    def close(self) -> None:
        """Close the pooled connections (the session, even one passed in)."""
        self._session.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----- helpers -----
    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token.reveal()}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def _scrub(self, err: IdPhotoError) -> IdPhotoError:
        """Remove the token (and pieces of it) from an error's texts: server text echoes."""
        secret = [self._token.reveal()]
        for attr in ("message", "hint", "err_info"):
            value = getattr(err, attr, None)
            if isinstance(value, str):
                setattr(err, attr, scrub(value, secret))
        err.args = (err.message,)
        return err

    def _guarded(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except IdPhotoError as err:
            raise self._scrub(err) from None

    def _timeouts(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    @staticmethod
    def _read_body(response: Response) -> bytes:
        buffer = bytearray()
        for chunk in response.iter_content(64 * 1024):
            buffer.extend(chunk)
            if len(buffer) > MAX_REPLY_BYTES:
                raise MalformedReplyError("The service sent an unexpected answer (far too long).")
        return bytes(buffer)

    def _refuse_redirect(self, response: Response) -> NoReturn:
        """API redirects are never followed: a re-sent POST could be charged twice."""
        location = urljoin(response.url or self.base_url, response.headers.get("Location", ""))
        try:
            check_secure_url(location)
        except ValidationError:
            raise ValidationError(
                "The service redirected to a plain http address; refused to protect the "
                "token and the photo (https only).",
                hint="Check the API address in Preferences.",
            ) from None
        raise ValidationError(
            f"The API address redirects elsewhere (HTTP {response.status_code} to "
            f"{describe_url(location)}).",
            hint="Set the final address of the service in Preferences.",
        )

    def _api_reply(self, response: Response, body: bytes, *, context: str) -> TaskReply:
        status = response.status_code
        if 300 <= status <= 399:
            self._refuse_redirect(response)
        if not 200 <= status <= 299:  # 201/202 are successes too (HTTP semantics)
            detail = scrub(error_detail(body), [self._token.reveal()])
            raise error_for_status(
                status,
                detail,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                context=context,
            )
        return parse_reply_bytes(body, 200, context)

    # ----- the paid call -----
    def create_task(
        self, request: GenerateRequest, *, cancel: CancelToken | None = None
    ) -> TaskReply:
        """POST the task once. Raises MaybeChargedError if it may have been received."""
        self._post_begun = False
        try:
            return self._guarded(lambda: self._create_task(request, cancel))
        except KeyboardInterrupt as interrupt:
            if self._post_begun:
                setattr(interrupt, MAYBE_CHARGED_ATTR, True)
            raise

    def _create_task(self, request: GenerateRequest, cancel: CancelToken | None) -> TaskReply:
        body, content_type = encode_form(build_form(request))
        url = self.base_url + CREATE_PATH
        for attempt in (1, 2):
            if cancel is not None:
                cancel.raise_if_cancelled()
            started = time.perf_counter()
            watch = Watch(self.request_deadline_s, cancel)
            self._post_begun = True
            try:
                with watch, self._session.post(
                    url,
                    headers={**self._headers(), "Content-Type": content_type},
                    body=body,
                    timeout=watch.timeouts(self.connect_timeout, self.read_timeout),
                ) as response:
                    reply_body = self._read_body(response)
            except (TransportError, ValueError) as exc:
                sent = not nothing_sent(exc)
                if watch.fired is not None:
                    log.warning("POST %s cut: %s", CREATE_PATH, watch.fired)
                    raise self._cut(watch, charged=sent) from None
                if (
                    is_transport_error(exc)
                    and not sent
                    and attempt == 1
                    and not cannot_help_to_retry(exc)
                ):
                    log.warning(
                        "POST %s: could not connect (%s); trying once more",
                        CREATE_PATH,
                        type(exc).__name__,
                    )
                    wait_or_cancel(cancel, min(self.retry_wait_s, 2.0))
                    continue
                if is_transport_error(exc):
                    log.warning("POST %s failed: %s", CREATE_PATH, type(exc).__name__)
                    raise network_error(exc, after_send_is_charged=True) from None
                raise NetworkError("The request to the service could not be made.") from None
            log.info(
                "POST %s -> %d (%.0f ms)",
                CREATE_PATH,
                response.status_code,
                (time.perf_counter() - started) * 1000.0,
            )
            return self._api_reply(response, reply_body, context="api")
        raise NetworkError("The service could not be reached.")  # pragma: no cover

    # ----- free calls -----
    def _cut(self, watch: Watch, *, charged: bool) -> IdPhotoError:
        """The error for an exchange a :class:`Watch` cut (deadline or Cancel)."""
        seconds = math.ceil(watch.seconds)
        if watch.fired == "cancel":
            return CancelledError("Cancelled.", hint=CHARGED_AFTER_CANCEL if charged else None)
        if charged:
            return MaybeChargedError(
                f"The service did not answer within {seconds} s after receiving the photo."
            )
        return RequestTimeoutError(f"The service did not answer within {seconds} s.")

    def _get_once(
        self, path: str, cancel: CancelToken | None = None, deadline: float | None = None
    ) -> tuple[Response, bytes]:
        url = self.base_url + path
        started = time.perf_counter()
        seconds = self.request_deadline_s
        if deadline is not None:
            seconds = max(1.0, min(seconds, deadline - time.monotonic()))
        watch = Watch(seconds, cancel)
        try:
            with watch, self._session.get(
                url,
                headers=self._headers(),
                timeout=watch.timeouts(self.connect_timeout, self.read_timeout),
            ) as response:
                body = self._read_body(response)
        except TransportError:
            if watch.fired is not None:
                log.warning("GET %s cut: %s", path[:100], watch.fired)
                raise self._cut(watch, charged=False) from None
            raise
        log.info(
            "GET %s -> %d (%.0f ms)",
            path[:100],
            response.status_code,
            (time.perf_counter() - started) * 1000.0,
        )
        return response, body

    def _get_reply(
        self,
        path: str,
        *,
        context: str,
        cancel: CancelToken | None,
        deadline: float | None = None,
    ) -> TaskReply:
        """GET with bounded retries of transient failures (network, 5xx, 429, garbage)."""
        failures = 0
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            wait = min(self.retry_wait_s * (2**failures), self.max_retry_wait_s)
            try:
                response, body = self._get_once(path, cancel, deadline)
                reply = self._api_reply(response, body, context=context)
                if context == "task" and interpret_state(reply.state).phase is Phase.DONE:
                    if not reply.image:  # a free query: ask again rather than give up
                        raise MalformedReplyError(
                            "The service reported the task done but sent no image."
                        )
                return reply
            except TransportError as exc:
                error: IdPhotoError = network_error(exc, after_send_is_charged=False)
                if cannot_help_to_retry(exc):
                    raise error from None
            except QuotaError as exc:
                error = exc
                if exc.retry_after is not None:
                    # Honour Retry-After in full while polling (the deadline bounds it).
                    wait = max(wait, exc.retry_after)
                    if deadline is None:
                        wait = min(wait, self.max_retry_wait_s)
            except (ServerError, MalformedReplyError) as exc:
                error = exc
                if isinstance(exc, ServiceBusyError):  # honour Retry-After, within bounds
                    wait = max(wait, exc.retry_after)
                    if deadline is None:
                        wait = min(wait, self.max_retry_wait_s)
            failures += 1
            if failures > self.get_retries:
                raise error
            if deadline is not None and time.monotonic() + wait > deadline:
                raise error
            log.warning(
                "GET %s: %s; retry %d of %d",
                path[:100],
                type(error).__name__,
                failures,
                self.get_retries,
            )
            wait_or_cancel(cancel, wait)

    def get_task(
        self,
        task_id: str,
        *,
        keep_rect_from: TaskReply | None = None,
        cancel: CancelToken | None = None,
    ) -> TaskReply:
        """Query a task (free). ``keep_rect_from``'s rectangle fills in a missing one."""
        return self._guarded(lambda: self._get_task(task_id, keep_rect_from, cancel, None))

    def _get_task(
        self,
        task_id: str,
        keep_rect_from: TaskReply | None,
        cancel: CancelToken | None,
        deadline: float | None,
    ) -> TaskReply:
        if not task_id or not task_id.strip() or not task_id.isprintable():
            raise MalformedReplyError("The service gave no usable task id.")
        path = TASK_PATH + quote(task_id.strip(), safe="")
        reply = self._get_reply(path, context="task", cancel=cancel, deadline=deadline)
        if reply.foreground_rect is None and keep_rect_from is not None:
            reply = replace(reply, foreground_rect=keep_rect_from.foreground_rect)
        if reply.task_id is None:
            reply = replace(reply, task_id=task_id)
        return reply

    def test_connection(self) -> None:
        """Check the address and the token without spending a credit.

        Queries a random task id: 404 means the token was accepted (the task does not
        exist), 401/403 that it was refused. A wrong address that answers 404 to
        everything also passes; the first real task will tell.
        """

        def run() -> None:
            path = TASK_PATH + uuid.uuid4().hex
            try:
                self._get_reply(path, context="task", cancel=None)
            except ResultExpiredError:
                return  # 404: the token passed authentication

        self._guarded(run)

    # ----- the whole job -----
    def generate(
        self,
        request: GenerateRequest,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerateResult:
        """Create, poll until done (async), download at once; a typed error otherwise.

        A KeyboardInterrupt after the POST began is marked ``idphoto_maybe_charged``
        so that the command line can warn that the task may still be charged.
        """
        self._post_begun = False
        try:
            return self._guarded(lambda: self._generate(request, progress, cancel))
        except KeyboardInterrupt as interrupt:
            if self._post_begun:
                setattr(interrupt, MAYBE_CHARGED_ATTR, True)
            raise

    def _generate(
        self,
        request: GenerateRequest,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> GenerateResult:
        def report(percent: int, text: str) -> None:
            if progress is not None:
                progress(max(0, min(100, percent)), text)

        started = time.perf_counter()
        report(2, "Sending the photo to the service")
        first = self._create_task(request, cancel)
        reply = first
        outcome = interpret_state(reply.state)
        deadline = time.monotonic() + self.poll.deadline_s
        intervals = self.poll.intervals()
        while outcome.phase is Phase.WORKING:
            if reply.task_id is None:
                raise MalformedReplyError("The service gave no task id to follow.")
            percent = reply.progress or 0
            report(10 + percent * 80 // 100, f"{outcome.text} ({percent}%)")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._deadline(reply)
            try:
                wait_or_cancel(cancel, min(next(intervals), remaining))
                reply = self._get_task(reply.task_id, first, cancel, deadline)
            except CancelledError:
                raise CancelledError(
                    "Cancelled.",
                    hint="The service may still finish this task and charge for it.",
                ) from None
            outcome = interpret_state(reply.state)
        if outcome.phase is Phase.FAILED:
            log.info("task %s failed with state %d", reply.task_id, reply.state)
            raise outcome.error(scrub(reply.err_info, [self._token.reveal()]))
        if not reply.image and reply.task_id is not None:
            # Done but no address (a sync reply cut short): asking again costs nothing,
            # and the result is paid for.
            log.warning("task %s done without an image address; asking again", reply.task_id)
            try:
                reply = self._get_task(reply.task_id, first, cancel, None)
            except CancelledError:
                raise
            except IdPhotoError:
                raise MalformedReplyError(
                    "The service reported the task done but sent no image."
                ) from None
        round_trip = (time.perf_counter() - started) * 1000.0
        if not reply.image:
            raise MalformedReplyError("The service reported the task done but sent no image.")
        try:
            inline = inline_result(reply.image, max_bytes=self.download_policy.max_bytes)
            downloaded = inline or self._download(reply.image, report, cancel)
        except CancelledError:
            raise CancelledError(
                "Cancelled.",
                hint="The service had finished the task, so it is charged; its result is "
                "kept there for an hour.",
            ) from None
        warnings = list(reply.warnings)
        fitted = fit_to_size(
            downloaded.data,
            downloaded.format,
            downloaded.width,
            downloaded.height,
            request.params.size,
        )
        if fitted.note is not None:
            warnings.append(fitted.note)
        image, image_format = fitted.data, downloaded.format
        if downloaded.converted_from is not None:
            warnings.append(
                f"The service sent a {downloaded.converted_from} image; it was converted to "
                "PNG without loss."
            )
        asked = request.params.format
        if image_format is not asked:
            # Never a file whose bytes contradict its name: convert, and say so.
            image = convert_result(image, asked, request.params.bg_color)
            lost = " (the transparent background is lost)" if asked is OutputFormat.PNG else ""
            warnings.append(
                f"The service sent a {image_format.value.upper()} image although "
                f"{asked.value.upper()} was asked for; it was converted to "
                f"{asked.value.upper()}{lost}."
            )
            image_format = asked
        rect = _rect_inside(reply.foreground_rect, request, warnings)
        timings: dict[str, float] = {
            "round_trip": round_trip,
            "result_download": downloaded.elapsed_ms,
        }
        if reply.time_elapsed is not None:
            timings["time_elapsed"] = reply.time_elapsed
        if reply.download_time is not None:
            timings["download_time"] = reply.download_time
        report(100, "Done")
        return GenerateResult(
            image=image,
            format=image_format,
            width=fitted.width,
            height=fitted.height,
            engine=ENGINE_NAME,
            foreground_rect=rect,
            task_id=reply.task_id,
            timings_ms=timings,
            warnings=tuple(warnings),
            raw=_without_inline_image(reply.raw) if inline else dict(reply.raw),
        )

    def _download(
        self,
        address: str,
        report: Callable[[int, str], None],
        cancel: CancelToken | None,
    ) -> DownloadedImage:
        """The result fetched from the address the reply gave."""
        # A path or a scheme-relative address is read against the API's address.
        image_url = urljoin(self.base_url + "/", address)
        report(92, "Downloading the result")
        return download_result(
            self._session, image_url, policy=self.download_policy, cancel=cancel
        )

    def _deadline(self, reply: TaskReply) -> NoReturn:
        raise DeadlineError(
            f"The service did not finish within {math.ceil(self.poll.deadline_s)} s "
            f"(task {reply.task_id}).",
        )
