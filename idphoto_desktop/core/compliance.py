"""Does the result meet the preset's framing rules? Measure, and say by how much.

Why: a rejected passport photo costs the customer a second visit. From the face
guides (crown, chin, eye line; the offline engine gives them) or a head box in result
pixels, this measures head height, eye line and top margin against the preset's
fractions and, for print presets, its millimetres, and says "pass" or how far out in
mm and percent. The guide bands for drawing over the preview come from here too.
Rules a source does not give are reported as unknown, never guessed.

The provider's ``foreground_rect`` is the person's box in the uploaded image, not a
head box: its top is the crown, but its bottom is not the chin. Pass it as
``person_rect`` (mapped to result pixels) to check the top margin only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from idphoto_desktop.core.geometry import Rect
from idphoto_desktop.core.job import FaceGuides
from idphoto_desktop.core.presets import Preset, background_allowed, background_rule


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    TOO_SMALL = "too small"
    TOO_LARGE = "too large"
    UNKNOWN = "unknown"  # the preset gives no rule, or nothing was measured


@dataclass(frozen=True)
class Check:
    """One measured figure against its allowed range."""

    name: str
    verdict: Verdict
    value_px: float | None
    value_fraction: float | None
    value_mm: float | None
    allowed_fraction: tuple[float, float] | None
    allowed_mm: tuple[float, float] | None
    off_mm: float | None  # how far outside the range (positive), None when inside
    off_percent: float | None  # the same, as a percentage of the nearest limit
    message: str

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS


@dataclass(frozen=True)
class ComplianceReport:
    checks: tuple[Check, ...]
    background_ok: bool | None
    background_message: str | None

    @property
    def passed(self) -> bool | None:
        """True if every known rule passes, False if one fails, None if none could be checked."""
        known = [c for c in self.checks if c.verdict is not Verdict.UNKNOWN]
        if any(not c.passed for c in known) or self.background_ok is False:
            return False
        return True if known else None

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(
            c for c in self.checks if c.verdict in (Verdict.TOO_SMALL, Verdict.TOO_LARGE)
        )


@dataclass(frozen=True)
class GuideBands:
    """Bands to draw over a result of ``height`` px (y measured from the top)."""

    crown_band: tuple[float, float] | None  # from the top-margin rule
    chin_band: tuple[float, float] | None  # from top margin + head height, when both known
    head_height_px: tuple[float, float] | None
    eye_band: tuple[float, float] | None  # from the eye-line rule
    center_x: float


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _judge(
    name: str,
    value_px: float,
    height_px: int,
    allowed: tuple[float, float] | None,
    mm_per_px: float | None,
    allowed_mm: tuple[float, float] | None,
) -> Check:
    """Compare one figure (in result pixels) with an allowed fraction-of-height range."""
    fraction = value_px / height_px
    value_mm = value_px * mm_per_px if mm_per_px is not None else None
    if allowed is None:
        shown = f"{_fmt(value_mm)} mm, " if value_mm is not None else ""
        return Check(name, Verdict.UNKNOWN, value_px, fraction, value_mm, None, allowed_mm,
                     None, None, f"{name}: {shown}{fraction:.1%} of the height; "
                     "the preset gives no rule for it.")
    lo, hi = allowed
    if lo <= fraction <= hi:
        verdict, off_fraction, limit = Verdict.PASS, 0.0, lo
    elif fraction < lo:
        verdict, off_fraction, limit = Verdict.TOO_SMALL, lo - fraction, lo
    else:
        verdict, off_fraction, limit = Verdict.TOO_LARGE, fraction - hi, hi
    range_mm = allowed_mm
    if range_mm is None and mm_per_px is not None:
        range_mm = (lo * height_px * mm_per_px, hi * height_px * mm_per_px)
    off_mm = off_fraction * height_px * mm_per_px if mm_per_px is not None else None
    off_percent = off_fraction / limit * 100 if limit > 0 else None
    if value_mm is not None and range_mm is not None:
        measured = f"{_fmt(value_mm)} mm ({fraction:.1%} of the height)"
        wanted = f"{_fmt(range_mm[0])}-{_fmt(range_mm[1])} mm"
    else:
        measured = f"{fraction:.1%} of the height"
        wanted = f"{lo:.1%}-{hi:.1%}"
    if verdict is Verdict.PASS:
        message = f"{name}: {measured}: pass (allowed {wanted})."
    else:
        amount = f"{_fmt(off_mm)} mm, " if off_mm is not None else ""
        percent = f"{off_percent:.1f} %" if off_percent is not None else ""
        message = (
            f"{name}: {measured}: {amount}{percent} {verdict.value} (allowed {wanted})."
        )
    return Check(name, verdict, value_px, fraction, value_mm, allowed, range_mm,
                 off_mm if verdict is not Verdict.PASS else None,
                 off_percent if verdict is not Verdict.PASS else None, message)


def _unknown(name: str, why: str) -> Check:
    return Check(name, Verdict.UNKNOWN, None, None, None, None, None, None, None,
                 f"{name}: {why}")


def check_compliance(
    preset: Preset,
    height_px: int,
    *,
    guides: FaceGuides | None = None,
    head_rect: Rect | None = None,
    person_rect: Rect | None = None,
    bg_color: str | None = None,
) -> ComplianceReport:
    """Check a result of ``height_px`` rows against ``preset``.

    ``guides`` (crown, chin, eye line) or ``head_rect`` (crown to chin) give the head
    height; ``guides`` the eye line; any of them, or ``person_rect``, the top margin.
    All are in result pixels. Millimetres are given for presets with a print size.
    """
    if height_px <= 0:
        raise ValueError("height_px must be positive")
    mm_per_px = preset.print_mm[1] / height_px if preset.print_mm is not None else None
    crown: float | None = None
    chin: float | None = None
    if guides is not None:
        crown, chin = guides.crown_y, guides.chin_y
    elif head_rect is not None:
        crown, chin = head_rect.y, head_rect.bottom
    elif person_rect is not None:
        crown = person_rect.y

    checks: list[Check] = []
    if crown is not None and chin is not None:
        checks.append(_judge("Head height", chin - crown, height_px, preset.head_fraction,
                             mm_per_px, preset.head_mm))
    else:
        checks.append(_unknown("Head height", "not measured (no face guides or head box)."))
    if guides is not None:
        checks.append(_judge("Eye line from the bottom", height_px - guides.eye_y, height_px,
                             preset.eye_from_bottom_fraction, mm_per_px,
                             preset.eyes_from_bottom_mm))
    else:
        checks.append(_unknown("Eye line from the bottom", "not measured (no face guides)."))
    if crown is not None:
        checks.append(_judge("Space above the head", max(crown, 0.0), height_px,
                             preset.top_margin_fraction, mm_per_px, preset.top_margin_mm))
    else:
        checks.append(_unknown("Space above the head", "not measured."))

    background_ok: bool | None = None
    background_message: str | None = None
    if bg_color is not None:
        background_ok = background_allowed(preset, bg_color)
        rule = background_rule(preset, bg_color)
        text = "; ".join(preset.background.text) or "no rule found"
        if background_ok is True:
            background_message = f"Background: allowed ({text})."
        elif background_ok is False:
            why = rule.from_text if rule is not None else f"only {text}"
            background_message = f"Background: not allowed for {preset.name} ({why})."
        else:
            background_message = f"Background: check it against the rule: {text}."
    return ComplianceReport(tuple(checks), background_ok, background_message)


def guide_bands(
    preset: Preset, width_px: int, height_px: int, *, crown_y: float | None = None
) -> GuideBands:
    """Where the crown, chin and eye line must fall on a ``width_px``x``height_px`` result.

    The chin band needs a crown: the top-margin band when the preset gives one,
    else the measured ``crown_y``.
    """
    crown_band = (
        (preset.top_margin_fraction[0] * height_px, preset.top_margin_fraction[1] * height_px)
        if preset.top_margin_fraction is not None
        else None
    )
    head = (
        (preset.head_fraction[0] * height_px, preset.head_fraction[1] * height_px)
        if preset.head_fraction is not None
        else None
    )
    chin_band: tuple[float, float] | None = None
    if head is not None:
        if crown_band is not None:
            chin_band = (crown_band[0] + head[0], crown_band[1] + head[1])
        elif crown_y is not None:
            chin_band = (crown_y + head[0], crown_y + head[1])
    eye_band = (
        (
            height_px * (1 - preset.eye_from_bottom_fraction[1]),
            height_px * (1 - preset.eye_from_bottom_fraction[0]),
        )
        if preset.eye_from_bottom_fraction is not None
        else None
    )
    return GuideBands(crown_band, chin_band, head, eye_band, width_px / 2)
