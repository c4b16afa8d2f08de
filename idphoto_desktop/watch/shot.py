"""One shot from the camera → its ID photos: check, make each document, write, record.

Why one module: the headless watch and the bench run exactly this, and the window
runs the same check. Making one ID photo goes through :func:`make_one`, the single
place that switches to the shared job pipeline (``idphoto_desktop.pipeline.run_job``)
once it is there. Several documents from one shot (passport + visa) are several
presets on the same prepared photo: the photo is read, checked and prepared once.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.export import OutputExistsError, write_atomic
from idphoto_desktop.core.job import (
    CancelToken,
    GenerateParams,
    GenerateResult,
    OutputFormat,
    PreparedPhoto,
)

if TYPE_CHECKING:
    from PIL import Image

    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.engines.base import Engine
    from idphoto_desktop.storage.history import History

log = logging.getLogger(__name__)

MAX_NAME_TRIES = 999
VERDICT_UNCHECKED = "unchecked"
CHECK_SIDE = 2000  # a JPEG is decoded for the check at no less than this (the largest output)


@dataclass(frozen=True)
class Verdict:
    """The capture check's answer for one shot: ok / check / retake, and why."""

    verdict: str
    reasons: tuple[str, ...] = ()

    @property
    def retake(self) -> bool:
        return self.verdict == "retake"


@dataclass
class ShotResult:
    """What one shot gave: the verdict, the files written, one message per failure."""

    source: Path
    verdict: Verdict
    written: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def free_name(folder: Path, stem: str, extension: str) -> Path:
    """``folder/stem.ext``, or ``stem-2.ext``, ``stem-3.ext``… (first unused; a hint only:
    :func:`write_new` makes the final choice race-free)."""
    candidate = folder / f"{stem}{extension}"
    n = 2
    while candidate.exists() and n <= MAX_NAME_TRIES:
        candidate = folder / f"{stem}-{n}{extension}"
        n += 1
    return candidate


def write_new(folder: Path, stem: str, extension: str, data: bytes) -> Path:
    """Write under the first free name; an existing file is never replaced."""
    for n in range(1, MAX_NAME_TRIES + 1):
        name = f"{stem}{extension}" if n == 1 else f"{stem}-{n}{extension}"
        try:
            return write_atomic(folder / name, data, overwrite=False)
        except OutputExistsError:
            continue
    raise IdPhotoError(f"Too many files named {stem}… in {folder}.",
                       hint="Move earlier results out of the output folder.")


def output_stem(source: Path, what: str) -> str:
    return f"{source.stem}-{what}"


def _capture_check() -> Callable[..., Any] | None:
    """``capture.check_photo`` when that package is here (it arrives from another branch)."""
    import importlib

    try:
        module = importlib.import_module("idphoto_desktop.capture")
        return cast("Callable[..., Any]", module.check_photo)
    except (ImportError, AttributeError):
        return None


def check_shot(image: Image.Image, preset: Preset | None) -> Verdict:
    """The capture check's verdict for the upright original (ok / check / retake)."""
    check_photo = _capture_check()
    if check_photo is None:
        return Verdict(VERDICT_UNCHECKED, ("the capture check is not installed in this build",))
    report: Any = check_photo(image, preset=preset)
    reasons = tuple(str(getattr(r, "message", r)) for r in getattr(report, "reasons", ()))
    return Verdict(str(report.verdict), reasons)


def _history_add(
    history: History, photo: PreparedPhoto, params: GenerateParams, result: GenerateResult,
    source_name: str, customer: str | None,
) -> None:
    """Record a result, with the customer when the history stores one (db's column)."""
    kwargs: dict[str, Any] = {"source_name": source_name}
    if customer and "customer" in inspect.signature(history.add).parameters:
        kwargs["customer"] = customer
    history.add(photo.source_sha256, params, result, **kwargs)


def make_one(
    photo: PreparedPhoto,
    params: GenerateParams,
    engine: Engine,
    *,
    history: History | None,
    source_name: str,
    customer: str | None = None,
    cancel: CancelToken | None = None,
) -> GenerateResult:
    """THE adapter: one ID photo from a prepared photo (one place to switch to run_job).

    A paid engine never runs twice for the same photo and choices: the history is
    asked first; every new result is recorded the moment it arrives.
    """
    from idphoto_desktop.core import validation

    if history is not None and engine.costs_money:
        found = history.find(photo.source_sha256, params)
        if found is not None:
            return found.to_result()
    request = validation.make_request(params, photo=photo)
    result = engine.generate(request, progress=_quiet, cancel=cancel or CancelToken())
    if history is not None:
        try:
            _history_add(history, photo, params, result, source_name, customer)
        except IdPhotoError as err:  # the file is still written: a warning, not a loss
            log.warning("History: %s", err)
    return result


def _quiet(_percent: int, _text: str) -> None:
    """Progress is not shown per step in a watch: one line per shot says it all."""


def encode_output(result: GenerateResult, fmt: OutputFormat, bg_color: str | None) -> bytes:
    """The bytes to write: the engine's PNG as is, or a JPEG on the chosen colour."""
    from idphoto_desktop.core.background import encode_jpeg, open_result, to_opaque

    if OutputFormat(result.format) is fmt:
        return result.image  # the engine made it as asked (a JPEG already on its colour)
    opaque = to_opaque(open_result(result.image), bg_color or "FFFFFF")
    return encode_jpeg(opaque, quality=95, dpi=(300, 300))


@dataclass(frozen=True)
class Document:
    """One document to make from each shot: its params and the name part for the file."""

    params: GenerateParams
    label: str  # preset id or WxH
    preset: Preset | None = None


def process_shot(
    source: Path,
    data: bytes,
    documents: Sequence[Document],
    engine: Engine,
    out_dir: Path,
    *,
    history: History | None = None,
    customer: str | None = None,
    keep_retakes: bool = False,
    cancel: CancelToken | None = None,
) -> ShotResult:
    """Check the shot, make each document, write each under a new name in ``out_dir``.

    Raises only for a shot that cannot be read at all (an :class:`IdPhotoError` with the
    clerk's message); a document that fails is one failure line, the others go on.
    """
    from idphoto_desktop.core.imageprep import prepare_photo_bytes

    photo = prepare_photo_bytes(data, source.name)
    verdict = _verdict(data, source, documents)
    shot = ShotResult(source, verdict)
    if verdict.retake and not keep_retakes:
        shot.failures.append(
            f"{source.name}: retake ({'; '.join(verdict.reasons) or 'see the capture check'}); "
            "no ID photo made."
        )
        return shot
    for doc in documents:
        try:
            result = make_one(
                photo, doc.params, engine, history=history, source_name=source.name,
                customer=customer, cancel=cancel,
            )
            fmt = OutputFormat(doc.params.format)
            blob = encode_output(result, fmt, doc.params.bg_color)
            shot.written.append(
                write_new(out_dir, output_stem(source, doc.label), fmt.extension, blob)
            )
        except IdPhotoError as err:
            shot.failures.append(f"{source.name} ({doc.label}): {err.full_text()}")
    return shot


def _verdict(data: bytes, source: Path, documents: Sequence[Document]) -> Verdict:
    """Check the upright original once, against the first document's preset."""
    import io

    from PIL import Image, ImageOps

    preset = next((d.preset for d in documents if d.preset is not None), None)
    if _capture_check() is None:  # nothing to decode for
        return check_shot(Image.new("RGB", (1, 1)), preset)
    try:
        with Image.open(io.BytesIO(data)) as raw:
            if raw.format == "JPEG":  # a camera JPEG at 1/2..1/8 scale: ample for a check
                raw.draft("RGB", (CHECK_SIDE, CHECK_SIDE))
            upright = ImageOps.exif_transpose(raw) or raw
            image = upright.convert("RGB")
        return check_shot(image, preset)
    except IdPhotoError as err:
        return Verdict("retake", (err.full_text(),))
    except Exception as err:  # the check must never stop the watch
        log.warning("Capture check failed on %s: %s", source.name, err)
        return Verdict(VERDICT_UNCHECKED, (f"the check failed ({type(err).__name__})",))


def describe(shot: ShotResult) -> list[str]:
    """The lines the headless watch prints for one shot (stdout)."""
    v = shot.verdict
    reasons = f" ({'; '.join(v.reasons)})" if v.reasons else ""
    lines = [f"{shot.source.name}: verdict {v.verdict}{reasons}"]
    lines += [f"  wrote {os.fspath(p)}" for p in shot.written]
    return lines
