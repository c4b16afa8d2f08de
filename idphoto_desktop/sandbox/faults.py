"""Fault injection: the one list of faults the sandbox can play, and their parser.

A test (or a trainer) asks for faults with the request header ``X-Sandbox-Fault``
(comma-separated, e.g. ``delay=2,status=502-html``), or for every request with the
server's ``faults`` option. Only the sandbox honours the header; the provider never
sees it. Request faults shape the reply to that one request; task faults stick to the
task the request creates and show in its polls and result download.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FAULT_HEADER = "X-Sandbox-Fault"
MAX_DELAY_S = 120.0

# name -> (kind, what it does). Kind "request": that reply only; "task": the task it creates.
SUPPORTED_FAULTS: dict[str, tuple[str, str]] = {
    "delay": ("request", "delay=S: wait S seconds (at most 120) before answering"),
    "status": (
        "request",
        "status=NNN: answer HTTP NNN with the provider's error JSON (401, 403, 413, 500...); "
        "status=502-html: a gateway's HTML page with HTTP 502",
    ),
    "429": ("request", "429 or 429=S: HTTP 429 with Retry-After S (default 1)"),
    "retry-after": (
        "request",
        "retry-after=S: add Retry-After S to the injected error status (e.g. status=503)",
    ),
    "reset": ("request", "reset: read the request, then reset the connection without a reply"),
    "malformed-json": ("request", "malformed-json: HTTP 200 with a truncated JSON body"),
    "missing-fields": ("request", "missing-fields: HTTP 200, data lacks state, image, rect"),
    "wrong-types": ("request", "wrong-types: HTTP 200, fields with the wrong JSON types"),
    "slow-upload": ("request", "slow-upload=S: the sandbox reads the request body over S seconds"),
    "slow-result": ("task", "slow-result=S: the result download trickles over S seconds"),
    "trickle": (
        "request",
        "trickle=S: send this reply (status line, headers, body) one byte every S seconds",
    ),
    "trickle-result": (
        "task",
        "trickle-result=S: the result download sends one byte every S seconds",
    ),
    "numbers-as-strings": (
        "request",
        "numbers-as-strings: HTTP 200, every number in data (state, rect...) sent as a string",
    ),
    "bad-rect": (
        "request",
        "bad-rect=KIND: HTTP 200, foreground_rect negative, nan, huge, partial or missing",
    ),
    "result-other-format": (
        "task",
        "result-other-format: the result is a JPEG when PNG was asked, and a PNG for JPG",
    ),
    "task-fails": ("task", "task-fails or task-fails=STATE: the task ends in a negative state"),
    "stuck": ("task", "stuck: the task stays in state 4 (processing) until the server stops"),
    "expired-result": ("task", "expired-result: the result URL answers 403 as if expired"),
    "result-not-image": ("task", "result-not-image: the result URL serves bytes that are no image"),
    "result-wrong-size": (
        "task",
        "result-wrong-size, =F or =wide: the result image is half the size asked, F times "
        "that size (0.1..4), or a fifth wider (another shape)",
    ),
    "result-inline": (
        "task",
        "result-inline or result-inline=data-uri: the reply carries the result itself in "
        "'image', base64 with return_type 2 (PicWish's other return type), or a data: URI",
    ),
}

INLINE_KINDS = frozenset({"base64", "data-uri"})


BAD_RECT_KINDS = frozenset({"negative", "nan", "huge", "partial", "missing", "strings"})


class FaultSpecError(ValueError):
    """The fault header names a fault the sandbox does not know (HTTP 400)."""


@dataclass(frozen=True)
class Faults:
    """The parsed faults of one request (empty when none were asked for)."""

    delay_s: float = 0.0
    status: int | None = None
    status_html: bool = False
    retry_after_s: int | None = None
    reset: bool = False
    malformed_json: bool = False
    missing_fields: bool = False
    wrong_types: bool = False
    slow_upload_s: float = 0.0
    slow_result_s: float = 0.0
    trickle_s: float = 0.0
    trickle_result_s: float = 0.0
    numbers_as_strings: bool = False
    bad_rect: str | None = None
    result_other_format: bool = False
    task_fails_state: int | None = None
    stuck: bool = False
    expired_result: bool = False
    result_not_image: bool = False
    result_wrong_size: str | None = None  # a factor ("0.5") or "wide"
    result_inline: str | None = None  # "base64" or "data-uri"
    names: tuple[str, ...] = field(default=())

    @property
    def has_task_faults(self) -> bool:
        return bool(
            self.slow_result_s
            or self.trickle_result_s
            or self.result_other_format
            or self.task_fails_state is not None
            or self.stuck
            or self.expired_result
            or self.result_not_image
            or self.result_wrong_size is not None
            or self.result_inline is not None
        )


NO_FAULTS = Faults()


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise FaultSpecError(f"Sandbox fault {name} needs a number, got {value!r}.") from None
    if not 0.0 <= number <= MAX_DELAY_S:
        raise FaultSpecError(f"Sandbox fault {name} must be between 0 and {MAX_DELAY_S:g}.")
    return number


def parse_faults(*specs: str | None) -> Faults:
    """Merge fault specs (server-wide first, then the request's header)."""
    values: dict[str, object] = {}
    names: list[str] = []
    for spec in specs:
        if not spec:
            continue
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, value = item.partition("=")
            name, value = name.strip().lower(), value.strip()
            if name not in SUPPORTED_FAULTS:
                known = ", ".join(sorted(SUPPORTED_FAULTS))
                raise FaultSpecError(f"Unknown sandbox fault {name!r}; known: {known}.")
            names.append(name)
            if name == "delay":
                values["delay_s"] = _number(name, value)
            elif name == "status":
                if value == "502-html":
                    values["status"], values["status_html"] = 502, True
                elif value.isdigit() and 400 <= int(value) <= 599:
                    values["status"] = int(value)
                else:
                    raise FaultSpecError("Sandbox fault status needs 400..599 or 502-html.")
                if values["status"] == 429:
                    values.setdefault("retry_after_s", 1)
            elif name == "429":
                values["status"] = 429
                values["retry_after_s"] = int(_number(name, value)) if value else 1
            elif name == "slow-upload":
                values["slow_upload_s"] = _number(name, value or "2")
            elif name == "slow-result":
                values["slow_result_s"] = _number(name, value or "2")
            elif name == "retry-after":
                values["retry_after_s"] = int(_number(name, value or "1"))
            elif name in ("trickle", "trickle-result"):
                values[name.replace("-", "_") + "_s"] = _number(name, value or "1")
            elif name == "bad-rect":
                value = value or "negative"
                if value not in BAD_RECT_KINDS:
                    raise FaultSpecError(
                        "bad-rect needs one of " + ", ".join(sorted(BAD_RECT_KINDS)) + "."
                    )
                values["bad_rect"] = value
            elif name == "result-inline":
                value = value or "base64"
                if value not in INLINE_KINDS:
                    raise FaultSpecError("result-inline needs base64 or data-uri.")
                values["result_inline"] = value
            elif name == "result-wrong-size":
                value = value or "0.5"
                if value != "wide" and not 0.1 <= _number(name, value) <= 4.0:
                    raise FaultSpecError("result-wrong-size needs a factor 0.1..4 or wide.")
                values["result_wrong_size"] = value
            elif name == "task-fails":
                state = -1
                if value:
                    try:
                        state = int(value)
                    except ValueError:
                        raise FaultSpecError("task-fails needs a negative state.") from None
                if state >= 0:
                    raise FaultSpecError("task-fails needs a negative state.")
                values["task_fails_state"] = state
            else:
                values[name.replace("-", "_")] = True
    if not names:
        return NO_FAULTS
    return Faults(names=tuple(names), **values)  # type: ignore[arg-type]
