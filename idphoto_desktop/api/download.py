"""Fetching the result image the moment the task is done.

The provider keeps a result for one hour (NOTES.md), so the bytes are fetched at once
and kept in memory. The URL is another host's signed link: no token is sent to it,
it must be https (http only to loopback), redirects are followed by hand so that each
hop is checked, the body is streamed under a size cap, and the image must decode (its
pixel size is api/result_size.py's matter). Transient failures are retried a few times;
403/404/410 mean the link has expired.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from PIL import Image

from idphoto_desktop.api.deadline import Watch
from idphoto_desktop.api.exchange import Response, Session, TransportError
from idphoto_desktop.api.http_errors import parse_retry_after
from idphoto_desktop.api.transport import (
    cannot_help_to_retry,
    is_transport_error,
    network_error,
    wait_or_cancel,
)
from idphoto_desktop.api.urls import check_secure_url, describe_url
from idphoto_desktop.core.errors import (
    CancelledError,
    IdPhotoError,
    MalformedReplyError,
    NetworkError,
    RequestTimeoutError,
    ResultExpiredError,
    ServerError,
    ValidationError,
)
from idphoto_desktop.core.job import CancelToken, OutputFormat
from idphoto_desktop.core.netaddr import is_non_public_address

log = logging.getLogger("idphoto_desktop.api")

DEFAULT_MAX_DOWNLOAD_BYTES = 40 * 1024 * 1024
"""A 2000x2000 RGBA PNG is at most ~16 MB uncompressed; 40 MB leaves ample room."""
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_EXPIRED = (403, 404, 410)
_PIL_FORMATS = {"PNG": OutputFormat.PNG, "JPEG": OutputFormat.JPG}


@dataclass(frozen=True)
class DownloadPolicy:
    """Limits and retries for result downloads (tests shorten the waits)."""

    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 3
    retry_wait_s: float = 1.0
    max_retry_wait_s: float = 10.0
    deadline_s: float = 60.0
    """The whole download, redirects and retries included, whatever the server does."""


@dataclass(frozen=True)
class DownloadedImage:
    """The result as received and checked."""

    data: bytes
    format: OutputFormat
    width: int
    height: int
    elapsed_ms: float
    converted_from: str | None = None
    """The format the service really sent (WEBP...) when it was converted to PNG."""


_LOSSLESS_TO_PNG = frozenset({"WEBP", "BMP", "TIFF"})
"""Formats a result may come in that turn into PNG without losing a pixel."""


def _as_png_if_other(data: bytes) -> tuple[bytes, str | None]:
    """A WebP/BMP/TIFF result re-encoded as PNG (and its format), else ``data`` as is."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
    except Exception:  # check_image gives the message for anything unreadable
        return data, None
    if kind not in _LOSSLESS_TO_PNG:
        return data, None
    return convert_result(data, OutputFormat.PNG), kind


def check_image(data: bytes) -> tuple[OutputFormat, int, int]:
    """(format, width, height) of a readable PNG/JPEG result, else an error.

    The header is checked before decoding, so a huge image is refused without
    decompressing it. A size other than the one asked for is not refused here: the
    result is paid for, and api/result_size.py makes it fit or keeps its bytes.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                width, height = image.size
                if kind not in _PIL_FORMATS:
                    raise MalformedReplyError("The service's result is not a PNG or JPEG image.")
                image.load()
    except IdPhotoError:
        raise
    except Exception:  # Pillow raises many types for bad data
        raise MalformedReplyError("The service's result is not a readable image.") from None
    return _PIL_FORMATS[kind], width, height


_FORMAT_NAMES = {OutputFormat.PNG: "PNG", OutputFormat.JPG: "JPEG"}


def convert_result(data: bytes, target: OutputFormat, bg_color: str | None = None) -> bytes:
    """The result re-encoded as ``target``, for a provider that ignored ``format``.

    JPEG to PNG loses nothing (PNG is lossless). PNG to JPEG does what the provider
    does for ``format=jpg``: transparency flattened onto ``bg_color`` (white by
    default), at a quality that keeps the picture visually the same. Either way the
    file's bytes then match its label; an undecodable result is a MalformedReplyError.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            buffer = io.BytesIO()
            if target is OutputFormat.PNG:
                keep = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGB")
                keep.save(buffer, format="PNG")
            else:
                colour = (bg_color or "FFFFFF").strip().lstrip("#")
                rgb = tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, rgb)
                flat.paste(rgba, mask=rgba.getchannel("A"))
                flat.save(buffer, format="JPEG", quality=95, subsampling=0)
            return buffer.getvalue()
    except Exception:  # Pillow raises many types for bad data
        raise MalformedReplyError(
            "The service's result is in another format than asked and could not be converted."
        ) from None


def _read_capped(response: Response, max_bytes: int) -> bytes:
    length = response.headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise MalformedReplyError(
            f"The service's result is larger than {max_bytes // (1024 * 1024)} MB."
        )
    buffer = bytearray()
    for chunk in response.iter_content(_CHUNK):
        buffer.extend(chunk)
        if len(buffer) > max_bytes:
            raise MalformedReplyError(
                f"The service's result is larger than {max_bytes // (1024 * 1024)} MB."
            )
    return bytes(buffer)


def _fetch_once(
    session: Session, url: str, policy: DownloadPolicy, watch: Watch
) -> tuple[int, bytes, str | None]:
    """(status, body, Retry-After) after following checked redirects."""
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        check_result_url(current)
        with session.get(
            current, timeout=watch.timeouts(policy.connect_timeout, policy.read_timeout)
        ) as response:
            if response.is_redirect:
                location = response.headers.get("Location", "")
                current = urljoin(current, location)
                continue
            if response.status_code != 200:
                return response.status_code, b"", response.headers.get("Retry-After")
            return 200, _read_capped(response, policy.max_bytes), None
    raise MalformedReplyError("The result address redirects too many times.")


def _private_address() -> ValidationError:
    return ValidationError(
        "The result address points into a private or local network; refused "
        "(results come from the provider's public storage).",
        hint="The service sent an unexpected answer; try again later.",
    )


def check_result_url(url: str) -> str:
    """https (http only to loopback), and never a private or link-local address: a
    hostile reply must not make the counter PC fetch from the studio's network."""
    check_secure_url(url, "The result address")
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if is_non_public_address(host):
        raise _private_address()
    return url


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF", b"BM", b"II*\x00", b"MM\x00*")
_BASE64 = re.compile(r"[A-Za-z0-9+/=_\-\s]+")
_URLSAFE = str.maketrans("-_", "+/")
_INLINE_MIN_CHARS = 64  # shorter than any image; an address is never mistaken for one


def inline_result(
    text: str, *, max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
) -> DownloadedImage | None:
    """The result when the reply carries the image itself, else None (an address).

    Why: PicWish, whose API the provider resells, can answer with the image in ``image``
    as base64 (``return_type`` 2) instead of a link. Taken for an address, it was
    fetched from a made-up URL and a paid result was lost. Recognised by content: a
    ``data:`` URI, or base64 that decodes to an image's first bytes; then checked as a
    download is (format, readable, size cap)."""
    body = text.strip()
    if body[:5].lower() == "data:":
        header, comma, body = body.partition(",")
        if not comma or not header.lower().endswith(";base64"):
            raise MalformedReplyError("The service's result is not a readable image.")
    elif len(body) < _INLINE_MIN_CHARS or "://" in body or not _BASE64.fullmatch(body):
        return None
    if len(body) > max_bytes * 4 // 3 + 4:
        raise MalformedReplyError("The service's result is larger than any ID photo.")
    compact = "".join(body.split()).translate(_URLSAFE)  # either base64 alphabet
    try:
        data = base64.b64decode(compact + "==")  # padding may be left out
    except (ValueError, binascii.Error):
        return None
    if not data.startswith(_IMAGE_MAGIC):
        return None  # base64-looking text that is no image: an address after all
    data, converted_from = _as_png_if_other(data)
    image_format, width, height = check_image(data)
    log.info("result received in the reply itself: %d bytes", len(data))
    return DownloadedImage(data, image_format, width, height, 0.0, converted_from)


def _too_slow(policy: DownloadPolicy) -> RequestTimeoutError:
    return RequestTimeoutError(
        f"The result did not download within {policy.deadline_s:.0f} s.",
        hint="The result is kept by the service for an hour; generate again later, "
        "or check the network.",
    )


def download_result(
    session: Session,
    url: str,
    *,
    policy: DownloadPolicy | None = None,
    cancel: CancelToken | None = None,
) -> DownloadedImage:
    """Fetch and check the result image; retries transient failures within bounds."""
    policy = policy or DownloadPolicy()
    check_result_url(url)
    started = time.perf_counter()
    deadline = time.monotonic() + policy.deadline_s
    last_error: IdPhotoError = NetworkError("The result could not be downloaded.")
    for attempt in range(policy.retries + 1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        wait = min(policy.retry_wait_s * (2**attempt), policy.max_retry_wait_s)
        if time.monotonic() >= deadline:
            raise _too_slow(policy)
        watch = Watch(deadline - time.monotonic(), cancel, public_peers_only=True)
        try:
            with watch:
                status, data, retry_after = _fetch_once(session, url, policy, watch)
        except (TransportError, ValueError) as exc:
            if watch.refused_peer:
                raise _private_address() from None
            if watch.fired == "cancel":
                raise CancelledError("Cancelled.") from None
            if watch.fired == "deadline":
                raise _too_slow(policy) from None
            if not is_transport_error(exc):
                raise MalformedReplyError("The result address could not be used.") from None
            last_error = network_error(exc, after_send_is_charged=False)
            if cannot_help_to_retry(exc):
                raise last_error from None
            log.warning(
                "result download from %s failed (%s), attempt %d",
                describe_url(url),
                type(exc).__name__,
                attempt + 1,
            )
            if attempt < policy.retries:
                wait_or_cancel(cancel, min(wait, max(0.0, deadline - time.monotonic())))
            continue
        if status == 200:
            data, converted_from = _as_png_if_other(data)
            image_format, width, height = check_image(data)
            elapsed = (time.perf_counter() - started) * 1000.0
            log.info("result downloaded from %s: %d bytes", describe_url(url), len(data))
            return DownloadedImage(
                data, image_format, width, height, elapsed, converted_from
            )
        if status in _EXPIRED:
            raise ResultExpiredError(
                f"The result link no longer works (HTTP {status}); results are kept for one hour."
            )
        if status == 429 or status >= 500:
            last_error = ServerError(f"The result could not be downloaded (HTTP {status}).")
            hinted = parse_retry_after(retry_after)
            if hinted is not None:
                wait = min(max(wait, hinted), policy.max_retry_wait_s)
            log.warning("result download: HTTP %d, attempt %d", status, attempt + 1)
            if attempt < policy.retries:
                wait_or_cancel(cancel, min(wait, max(0.0, deadline - time.monotonic())))
            continue
        raise MalformedReplyError(f"The result could not be downloaded (HTTP {status}).")
    raise last_error
