"""History rows as the app sees them, and their translation to and from database columns.

Shared by both history backends (SQLite and PostgreSQL), which hand rows over as
mappings of column name to value. A row whose values do not parse (written by a broken
tool, a damaged disk, a newer version) raises :class:`BadRowError`; callers skip it and
say so, so one bad row never stops a generate.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from idphoto_desktop.core.geometry import Affine, Rect
from idphoto_desktop.core.job import FaceGuides, GenerateParams, GenerateResult, OutputFormat
from idphoto_desktop.core.stored_grid import PHOTO_GRID

log = logging.getLogger(__name__)

SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_CUSTOMER = 200
PAID_ENGINES = frozenset({"cloud"})
"""Engines whose results cost a provider call (the others are free)."""


class BadRowError(ValueError):
    """A stored row whose values cannot be read back."""


@dataclass(frozen=True)
class HistoryEntrySummary:
    """One row for the history panel, without the image bytes."""

    id: int
    created_at: _dt.datetime  # timezone-aware, UTC
    input_sha256: str
    params_key: str
    preset_id: str | None
    width: int
    height: int
    format: OutputFormat
    bg_color: str | None
    engine: str
    task_id: str | None
    source_name: str
    image_size: int  # bytes
    customer: str | None = None
    counter: str = ""  # the counter (computer) that made it
    framing_key: str = ""  # what find_candidates matches (see history_key)
    uid: str = ""  # the same on every database the row was pushed to

    @property
    def paid(self) -> bool:
        """True when this result cost a provider call."""
        return self.engine in PAID_ENGINES


@dataclass(frozen=True)
class HistoryEntry(HistoryEntrySummary):
    """A stored result in full; :meth:`to_result` gives it back to the export code."""

    image: bytes = b""
    foreground_rect: Rect | None = None
    crop: Affine | None = None
    crop_is_approximate: bool = False
    guides: FaceGuides | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    grid_scale: float | None = None
    """The grid ``foreground_rect`` and ``crop`` are in: the whole photo at this scale
    (``core.stored_grid.PHOTO_GRID``, its own pixels, for rows written now); None for a
    row written before the scale was kept (the whole photo at its upload's scale)."""

    def to_result(self) -> GenerateResult:
        """The result as the engine returned it (``raw`` is not kept), in the stored grid
        (:mod:`idphoto_desktop.core.stored_grid` maps it onto an upload)."""
        return GenerateResult(
            image=self.image,
            format=self.format,
            width=self.width,
            height=self.height,
            engine=self.engine,
            foreground_rect=self.foreground_rect,
            crop=self.crop,
            crop_is_approximate=self.crop_is_approximate,
            guides=self.guides,
            task_id=self.task_id,
            timings_ms=dict(self.timings_ms),
            warnings=self.warnings,
            raw=None,
        )


def history_key(params: GenerateParams) -> str:
    """What :meth:`find_candidates` matches: the framing, when the params know it.

    ``GenerateParams.framing_key()`` (size, preset, geometry, face, adjustment; not format
    or colour) lets one paid cut-out serve a JPG and a PNG; older params only have
    ``cache_key()``.
    """
    framing = getattr(params, "framing_key", None)
    return str(framing()) if callable(framing) else params.cache_key()


def clean_digest(value: str) -> str:
    digest = value.strip().lower()
    if not SHA256.fullmatch(digest):
        raise ValueError("input_sha256 must be a SHA-256 hex digest")
    return digest


def clean_customer(value: str | None) -> str | None:
    """One line of printable text (at most 200 characters), or None when empty."""
    if value is None:
        return None
    text = "".join(
        " " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in str(value)
    )
    text = " ".join(text.split())[:MAX_CUSTOMER]
    return text or None


def customer_fold(value: str | None) -> str | None:
    """The searchable form: case-folded, so both backends match alike (Müller ~ MÜLLER)."""
    return None if value is None else value.casefold()


def customer_needle(customer: str | None) -> str | None:
    """What a customer search looks for (None: no filter), alike on both backends."""
    text = customer.strip() if customer else ""
    return customer_fold(text) if text else None


def base_name(source_name: str | None) -> str:
    """Only the file's base name: folder names can say more about a customer than needed."""
    if not source_name:
        return ""
    return PurePath(source_name.replace("\\", "/")).name


def utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def utc_text(moment: _dt.datetime) -> str:
    """Sortable text for SQLite (all rows use this one form)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.astimezone(_dt.UTC).isoformat(timespec="microseconds")


GRID_KEY = "grid_scale"
"""Kept inside the rectangle's and the crop's JSON, not in a column of its own: no schema
step, so a shared database stays open to counters that do not know it yet (they read
such a rectangle as unreadable and show none, never one in the wrong place)."""


def dump(value: Rect | Affine | FaceGuides | None, grid_scale: float | None = None) -> str | None:
    """A dataclass's JSON; a rectangle or crop with the scale of the grid it is in
    (``grid_scale``; None: not said, as the rows written before it was kept)."""
    if value is None:
        return None
    data: dict[str, float] = asdict(value)
    if grid_scale is not None:
        data[GRID_KEY] = float(grid_scale)
    return json.dumps(data)


def new_row(
    digest: str,
    params: GenerateParams,
    result: GenerateResult,
    *,
    source_name: str | None,
    customer: str | None,
    counter: str,
    key: str | None,
    uid: str,
    created_at: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The column values of a new row (``created_at`` as a datetime; SQLite converts).

    ``result``'s rectangle and crop are in the photo's pixels
    (``core.stored_grid.to_stored_grid``)."""
    if not result.image:
        raise ValueError("the result has no image bytes")
    fmt = OutputFormat(params.format)
    name = clean_customer(customer)
    return {
        "created_at": created_at or utc_now(),
        "input_sha256": digest,
        "params_key": params.cache_key(),
        "framing_key": key if key is not None else history_key(params),
        "preset_id": params.preset_id,
        "width": int(result.width),
        "height": int(result.height),
        "format": OutputFormat(result.format).value,
        "bg_color": params.bg_color if fmt is OutputFormat.JPG else None,
        "engine": result.engine,
        "foreground_rect": dump(result.foreground_rect, PHOTO_GRID),
        "crop": dump(result.crop, PHOTO_GRID),
        "crop_approximate": bool(result.crop_is_approximate),
        "guides": dump(result.guides),
        "timings": json.dumps({str(k): float(v) for k, v in result.timings_ms.items()}),
        "warnings": json.dumps([str(w) for w in result.warnings]),
        "task_id": result.task_id,
        "image": bytes(result.image),
        "source_name": base_name(source_name),
        "customer": name,
        "customer_search": customer_fold(name),
        "counter": counter,
        "uid": uid,
    }


def row_of_entry(entry: HistoryEntry) -> dict[str, Any]:
    """Column values that copy ``entry`` (same uid, time and counter) to another database."""
    return {
        "created_at": entry.created_at,
        "input_sha256": entry.input_sha256,
        "params_key": entry.params_key,
        "framing_key": entry.framing_key or entry.params_key,
        "preset_id": entry.preset_id,
        "width": entry.width,
        "height": entry.height,
        "format": entry.format.value,
        "bg_color": entry.bg_color,
        "engine": entry.engine,
        "foreground_rect": dump(entry.foreground_rect, entry.grid_scale),
        "crop": dump(entry.crop, entry.grid_scale),
        "crop_approximate": entry.crop_is_approximate,
        "guides": dump(entry.guides),
        "timings": json.dumps(entry.timings_ms),
        "warnings": json.dumps(list(entry.warnings)),
        "task_id": entry.task_id,
        "image": entry.image,
        "source_name": entry.source_name,
        "customer": entry.customer,
        "customer_search": customer_fold(entry.customer),
        "counter": entry.counter,
        "uid": entry.uid,
    }


# -- reading back --------------------------------------------------------------------


def _load_json(text: object, what: str, entry_id: int) -> Any:
    if text is None:
        return None
    try:
        return json.loads(str(text))
    except (json.JSONDecodeError, RecursionError):
        log.warning("History entry %d: unreadable %s, ignored", entry_id, what)
        return None


def _load_dataclass(
    cls: type[Any], text: object, what: str, entry_id: int, *, in_grid: bool = False
) -> tuple[Any, float | None]:
    """The value, and (``in_grid``: a rectangle or crop) the scale of the grid it is in
    (None when the row does not say); an unreadable one is (None, None)."""
    data = _load_json(text, what, entry_id)
    if not isinstance(data, dict):
        return None, None
    try:
        values = {str(k): float(v) for k, v in data.items()}
        grid = values.pop(GRID_KEY, None) if in_grid else None
        if grid is not None and not (math.isfinite(grid) and grid > 0):
            raise ValueError("grid scale")
        return cls(**values), grid
    except (TypeError, ValueError, OverflowError):
        log.warning("History entry %d: unreadable %s, ignored", entry_id, what)
        return None, None


def _moment(value: object) -> _dt.datetime:
    moment = value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment.astimezone(_dt.UTC)


def _opt_text(value: object) -> str | None:
    return None if value is None else str(value)


def summary_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The summary fields of a row; :class:`BadRowError` when one cannot be read."""
    entry_id = row["id"]
    try:
        width, height = int(row["width"]), int(row["height"])
        if width <= 0 or height <= 0:
            raise ValueError("size")
        values = {
            "id": int(entry_id),
            "created_at": _moment(row["created_at"]),
            "input_sha256": str(row["input_sha256"]),
            "params_key": str(row["params_key"]),
            "preset_id": _opt_text(row["preset_id"]),
            "width": width,
            "height": height,
            "format": OutputFormat(row["format"]),
            "bg_color": _opt_text(row["bg_color"]),
            "engine": str(row["engine"]),
            "task_id": _opt_text(row["task_id"]),
            "source_name": str(row["source_name"] or ""),
            "image_size": int(row["image_size"] or 0),
            "customer": _opt_text(row["customer"]),
            "counter": str(row["counter"] or ""),
            "framing_key": str(row["framing_key"] or row["params_key"]),
            "uid": str(row["uid"] or ""),
        }
    except (TypeError, ValueError, OverflowError, KeyError) as err:
        raise BadRowError(f"history entry {entry_id} has an unreadable value ({err})") from None
    return values


def summary_from_row(row: Mapping[str, Any]) -> HistoryEntrySummary:
    return HistoryEntrySummary(**summary_values(row))


def entry_from_row(row: Mapping[str, Any]) -> HistoryEntry:
    values = summary_values(row)
    entry_id = values["id"]
    image = row["image"]
    if not isinstance(image, bytes | bytearray | memoryview) or not image:
        raise BadRowError(f"history entry {entry_id} has no image")
    timings = _load_json(row["timings"], "timings", entry_id)
    warnings = _load_json(row["warnings"], "warnings", entry_id)
    rect, rect_grid = _load_dataclass(
        Rect, row["foreground_rect"], "foreground_rect", entry_id, in_grid=True
    )
    crop, crop_grid = _load_dataclass(Affine, row["crop"], "crop", entry_id, in_grid=True)
    if rect is not None and crop is not None and rect_grid != crop_grid:
        log.warning("History entry %d: rectangle and crop in different grids, ignored",
                    entry_id)
        rect = crop = None
    return HistoryEntry(
        **values,
        foreground_rect=rect,
        crop=crop,
        grid_scale=rect_grid if rect is not None else crop_grid,
        crop_is_approximate=bool(row["crop_approximate"]),
        guides=_load_dataclass(FaceGuides, row["guides"], "guides", entry_id)[0],
        timings_ms=(
            {str(k): float(v) for k, v in timings.items() if isinstance(v, int | float)}
            if isinstance(timings, dict)
            else {}
        ),
        warnings=tuple(str(w) for w in warnings) if isinstance(warnings, list) else (),
        image=bytes(image),
    )


@dataclass(frozen=True)
class SpentRow:
    """Results made at one counter on one day (UTC): paid provider calls and free ones."""

    counter: str
    day: _dt.date
    paid: int
    free: int

    def to_json(self) -> dict[str, Any]:
        return {"counter": self.counter, "day": self.day.isoformat(), "paid": self.paid,
                "free": self.free}
