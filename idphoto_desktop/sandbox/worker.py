"""Running one task: fetch the photo, check it, call the engine, store the result.

States move 0 -> 2 (preparing: download and checks) -> 4 (processing: the engine) -> 1,
or to a negative state with display text, exactly as NOTES.md lists them. The
optional processing delay is spread over the three working states so that pollers
can watch them pass.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from idphoto_desktop.core.errors import CancelledError, FaceError, IdPhotoError, ImageError
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateParams,
    GenerateRequest,
    GenerateResult,
    OutputFormat,
    PhotoSize,
    PreparedPhoto,
)
from idphoto_desktop.engines.base import Engine
from idphoto_desktop.sandbox.contract import (
    ACCEPTED_IMAGE_FORMATS,
    MAX_INPUT_SIDE,
    PROCESSING_LIMIT_S,
    RESULTS_PREFIX,
    STATE_BAD_INPUT,
    STATE_CANCELLED,
    STATE_DOWNLOAD_FAILED,
    STATE_FAILED,
    STATE_INTERNAL,
    STATE_INVALID_IMAGE,
    STATE_PREPARING,
    STATE_PROCESSING,
    STATE_TIMEOUT,
    STATE_TOO_LARGE,
)
from idphoto_desktop.sandbox.fetch import (
    LOOPBACK_ONLY,
    DownloadError,
    DownloadTooLargeError,
    HostAllowList,
    download_image,
)
from idphoto_desktop.sandbox.tasks import ResultStore, Task

log = logging.getLogger("idphoto_desktop.sandbox")

NOT_AN_IMAGE = b"<html><body>This is not an image (sandbox fault result-not-image)</body></html>"


class TaskFailure(Exception):
    """Ends a task in a negative state with display text."""

    def __init__(self, state: int, err_info: str) -> None:
        super().__init__(err_info)
        self.state = state
        self.err_info = err_info


@dataclass
class WorkContext:
    """What a worker needs from the server."""

    engine: Engine
    results: ResultStore
    stop: threading.Event
    processing_delay_s: float
    base_url: Callable[[], str]
    url_allow: HostAllowList = LOOPBACK_ONLY


def inspect_image(data: bytes) -> tuple[int, int, str]:
    """(width, height, MIME) of an acceptable input, else TaskFailure -7 as the provider."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            kind = image.format or ""
            if kind not in ACCEPTED_IMAGE_FORMATS:
                raise TaskFailure(STATE_INVALID_IMAGE, f"unsupported image format {kind or '?'}")
            if width > MAX_INPUT_SIDE or height > MAX_INPUT_SIDE:
                raise TaskFailure(
                    STATE_INVALID_IMAGE,
                    f"image is {width}x{height}; at most {MAX_INPUT_SIDE}x{MAX_INPUT_SIDE} pixels",
                )
            image.load()
            mime = Image.MIME.get(kind, "application/octet-stream")
    except TaskFailure:
        raise
    except Exception:  # any decoder failure means "invalid or corrupt"
        raise TaskFailure(STATE_INVALID_IMAGE, "invalid or corrupt image") from None
    return width, height, mime


def _other_format(image: bytes, fmt: OutputFormat) -> tuple[bytes, OutputFormat]:
    """The same picture in the other format (a provider that ignores ``format``)."""
    with Image.open(io.BytesIO(image)) as decoded:
        decoded.load()
        buffer = io.BytesIO()
        if fmt is OutputFormat.PNG:
            flat = Image.new("RGB", decoded.size, (255, 255, 255))
            rgba = decoded.convert("RGBA")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            flat.save(buffer, format="JPEG", quality=90)
            return buffer.getvalue(), OutputFormat.JPG
        decoded.convert("RGB").save(buffer, format="PNG")
        return buffer.getvalue(), OutputFormat.PNG


def _wrong_size(data: bytes, result: GenerateResult, how: str) -> bytes:
    """The result at another size: ``how`` is a factor for both sides, or "wide"."""
    if how == "wide":
        size = (round(result.width * 1.2), result.height)
    else:
        factor = float(how)
        size = (max(1, round(result.width * factor)), max(1, round(result.height * factor)))
    with Image.open(io.BytesIO(data)) as image:
        other = image.resize(size)
        buffer = io.BytesIO()
        other.save(buffer, format=image.format or "PNG")
    return buffer.getvalue()


def _obtain_photo(task: Task, ctx: WorkContext) -> bytes:
    form = task.form
    if form.image_file is not None:
        return form.image_file
    assert form.image_url is not None
    started = time.perf_counter()
    try:
        return download_image(form.image_url, allow=ctx.url_allow)
    except DownloadTooLargeError as exc:
        raise TaskFailure(STATE_TOO_LARGE, str(exc)) from None
    except DownloadError as exc:
        raise TaskFailure(STATE_DOWNLOAD_FAILED, str(exc)) from None
    finally:
        task.set_download_ms((time.perf_counter() - started) * 1000.0)


def _run_engine(task: Task, ctx: WorkContext, request: GenerateRequest) -> GenerateResult:
    cancel = CancelToken()
    timer = threading.Timer(PROCESSING_LIMIT_S, cancel.cancel)
    timer.daemon = True
    timer.start()

    def progress(percent: int, _text: str) -> None:
        task.set_state(STATE_PROCESSING, 10 + int(max(0, min(100, percent)) * 0.85))
        if ctx.stop.is_set():
            cancel.cancel()

    try:
        return ctx.engine.generate(request, progress=progress, cancel=cancel)
    except CancelledError:
        if ctx.stop.is_set():
            raise TaskFailure(STATE_CANCELLED, "the sandbox is shutting down") from None
        raise TaskFailure(STATE_TIMEOUT, "processing took over 30 s") from None
    except FaceError as exc:
        raise TaskFailure(STATE_BAD_INPUT, str(exc)) from None
    except ImageError as exc:
        raise TaskFailure(STATE_INVALID_IMAGE, str(exc)) from None
    except IdPhotoError as exc:
        raise TaskFailure(STATE_FAILED, str(exc)) from None
    except Exception as exc:
        log.exception("engine %s failed unexpectedly", ctx.engine.name)
        raise TaskFailure(STATE_INTERNAL, f"internal error ({type(exc).__name__})") from None
    finally:
        timer.cancel()


def run_task(task: Task, ctx: WorkContext) -> None:
    """Take ``task`` to a final state; a stuck task (fault) stays in state 4 instead."""
    started = time.perf_counter()
    phase_s = ctx.processing_delay_s / 3.0
    try:
        if phase_s and ctx.stop.wait(phase_s):
            raise TaskFailure(STATE_CANCELLED, "the sandbox is shutting down")
        task.set_state(STATE_PREPARING, 2)
        data = _obtain_photo(task, ctx)
        width, height, mime = inspect_image(data)
        if phase_s and ctx.stop.wait(phase_s):
            raise TaskFailure(STATE_CANCELLED, "the sandbox is shutting down")
        task.set_state(STATE_PROCESSING, 10)
        if phase_s and ctx.stop.wait(phase_s):
            raise TaskFailure(STATE_CANCELLED, "the sandbox is shutting down")
        faults = task.faults
        if faults.stuck:
            task.set_state(STATE_PROCESSING, 50)
            return
        if faults.task_fails_state is not None:
            raise TaskFailure(
                faults.task_fails_state, "injected failure (sandbox fault task-fails)"
            )
        form = task.form
        params = GenerateParams(
            size=form.size or PhotoSize(width, height), format=form.format, bg_color=form.bg_color
        )
        photo = PreparedPhoto(
            data=data,
            mime=mime,
            filename=form.filename or "image",
            width=width,
            height=height,
            original_width=width,
            original_height=height,
            scale=1.0,
            source_sha256=hashlib.sha256(data).hexdigest(),
        )
        request = GenerateRequest(params=params, photo=photo, sync=form.sync)
        result = _run_engine(task, ctx, request)
        image = result.image
        if faults.result_not_image:
            image = NOT_AN_IMAGE
        elif faults.result_wrong_size is not None:
            image = _wrong_size(image, result, faults.result_wrong_size)
        result_format = result.format
        if faults.result_other_format:
            image, result_format = _other_format(image, result_format)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        if faults.result_inline is not None:  # the result itself in the reply
            encoded = base64.b64encode(image).decode("ascii")
            inline = encoded
            if faults.result_inline == "data-uri":
                inline = f"data:{result_format.mime};base64,{encoded}"
            task.complete(
                inline, result.width, result.height, result.foreground_rect, elapsed_ms,
                return_type=2,
            )
            return
        name = ctx.results.put(
            image,
            result_format.extension,
            result_format.mime,
            expired=faults.expired_result,
            trickle_s=faults.slow_result_s,
            byte_interval_s=faults.trickle_result_s,
        )
        task.complete(
            f"{ctx.base_url()}{RESULTS_PREFIX}{name}",
            result.width,
            result.height,
            result.foreground_rect,
            elapsed_ms,
        )
    except TaskFailure as failure:
        task.fail(failure.state, failure.err_info, (time.perf_counter() - started) * 1000.0)
    except Exception as exc:  # never leave a task hanging on a sandbox bug
        log.exception("sandbox task failed unexpectedly")
        task.fail(STATE_INTERNAL, f"internal error ({type(exc).__name__})")
    finally:
        task.release_input()
