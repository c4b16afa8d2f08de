"""What the capture check hands back: a verdict, the reasons, the faces and the measures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from idphoto_desktop.capture import messages

OK = "ok"
CHECK = "check"
RETAKE = "retake"


@dataclass(frozen=True)
class Reason:
    """One finding: a stable code, how bad it is, the clerk's words, the value and its limit.

    ``message`` is English; ``fields`` fill the code's template, so a window or a
    Chinese locale can render it again in its own language (:meth:`text`).
    """

    code: str
    severity: str  # "check" or "retake"
    message: str
    value: float | None = None
    limit: float | None = None
    fields: dict[str, Any] = field(default_factory=dict, compare=False)

    def text(self, *, chinese: bool = False) -> str:
        return messages.render(self.code, self.fields, chinese=chinese)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "value": _num(self.value),
            "limit": _num(self.limit),
        }


def make_reason(
    code: str,
    severity: str,
    *,
    value: float | None = None,
    limit: float | None = None,
    **fields: Any,
) -> Reason:
    """A reason whose English message comes from the code's template."""
    values = {"value": value, "limit": limit} | fields
    return Reason(code, severity, messages.render(code, values), value, limit, values)


@dataclass(frozen=True)
class FaceBox:
    """A face found in the original photo (pixels), numbered 1.. from the left."""

    index: int
    x: float
    y: float
    width: float
    height: float
    score: float

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (round(self.x), round(self.y), round(self.width), round(self.height))

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "box": list(self.box), "score": round(self.score, 3)}


@dataclass(frozen=True)
class CaptureReport:
    """The verdict on one photo (and, when given, on the ID photo made from it)."""

    verdict: str
    reasons: tuple[Reason, ...]
    faces: tuple[FaceBox, ...]
    chosen_face: int | None
    measures: dict[str, float | None]

    @property
    def ok(self) -> bool:
        return self.verdict == OK

    @property
    def retake(self) -> bool:
        return self.verdict == RETAKE

    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_json(self) -> dict[str, Any]:
        """The ``idphoto check --json`` object."""
        return {
            "verdict": self.verdict,
            "reasons": [r.to_json() for r in self.reasons],
            "faces": [f.to_json() for f in self.faces],
            "chosen_face": self.chosen_face,
            "measures": {k: _num(v) for k, v in self.measures.items()},
        }


def verdict_of(reasons: tuple[Reason, ...]) -> str:
    """The worst severity among the reasons; "ok" when there is none."""
    if any(r.severity == RETAKE for r in reasons):
        return RETAKE
    if reasons:
        return CHECK
    return OK


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    v = float(value)
    if v != v or v in (float("inf"), float("-inf")):
        return None
    return round(v, 4)
