"""The sandbox's own outgoing HTTP: fetching ``image_url`` and posting ``callback_url``.

Standard library only (urllib), with the provider's limits: 10 s timeout, 15 MB cap.
Callbacks go only to https or to http on loopback, so a training sandbox never
sprays a studio's network with plain-text POSTs.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from idphoto_desktop.core.netaddr import is_loopback_host
from idphoto_desktop.sandbox.contract import MAX_UPLOAD_BYTES, URL_TIMEOUT_S

log = logging.getLogger("idphoto_desktop.sandbox")


class DownloadError(Exception):
    """``image_url`` could not be fetched (task state -3)."""


class DownloadTooLargeError(DownloadError):
    """``image_url`` is over 15 MB (task state -5)."""


def safe_url(url: str) -> str:
    """The URL without query or credentials, for log lines."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def download_image(
    url: str, *, timeout_s: float = URL_TIMEOUT_S, max_bytes: int = MAX_UPLOAD_BYTES
) -> bytes:
    """Fetch ``url`` (http or https) with the provider's timeout and size cap."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError("image_url is not http or https")
    request = urllib.request.Request(url, headers={"User-Agent": "idphoto-sandbox"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise DownloadTooLargeError("image_url is larger than 15 MB")
            data: bytes = response.read(max_bytes + 1)
    except DownloadError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DownloadError(f"image_url answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"image_url could not be downloaded: {reason}") from None
    if len(data) > max_bytes:
        raise DownloadTooLargeError("image_url is larger than 15 MB")
    return data


def callback_allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname))


def post_callback(url: str, payload: dict[str, Any], *, timeout_s: float = 10.0) -> bool:
    """POST the task's JSON to ``url``; True on a 2xx answer. Never raises."""
    if not callback_allowed(url):
        log.warning("callback refused (only https, or http to loopback): %s", safe_url(url))
        return False
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - scheme checked by callback_allowed
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "idphoto-sandbox"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            response.read()
            status = int(response.status)
            ok = 200 <= status < 300
    except urllib.error.HTTPError as exc:
        exc.close()
        log.warning("callback to %s answered HTTP %s", safe_url(url), exc.code)
        return False
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("callback to %s failed: %s", safe_url(url), getattr(exc, "reason", exc))
        return False
    if not ok:
        log.warning("callback to %s answered HTTP %s", safe_url(url), status)
    return ok
