"""The provider's ``data.state`` codes, in one place: each code -> a typed outcome.

NOTES.md lists the codes: 1 done, 0 and 2..4 still working, negative codes failures.
An unknown negative code is a failure and an unknown positive code is still working,
as NOTES.md says. Failures carry a plain message for the clerk and an error class the
window can act on (a face problem, a bad image, a server problem...); every failure
class here is also a :class:`TaskFailedError`, so the code and ``err_info`` survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from idphoto_desktop.api.http_errors import clean_detail
from idphoto_desktop.core.errors import (
    FaceError,
    ImageError,
    ServerError,
    TaskFailedError,
    ValidationError,
)
from idphoto_desktop.core.i18n import N_

STATE_DONE = 1


class TaskFaceError(TaskFailedError, FaceError):
    """The provider found no usable portrait (state -14, and the likely -1, -11)."""

    default_hint = FaceError.default_hint


class TaskImageError(TaskFailedError, ImageError):
    """The provider refused the image itself (too large, invalid or corrupt)."""

    default_hint = ImageError.default_hint


class TaskSourceUrlError(TaskFailedError, ValidationError):
    """The provider could not fetch ``image_url`` (state -3)."""

    default_hint = "Check that the photo's web address opens in a browser, or upload the file."


class TaskServerError(TaskFailedError, ServerError):
    """The task failed on the provider's side (internal failure, no resources...)."""

    default_hint = ServerError.default_hint


class Phase(Enum):
    """Where a task stands."""

    DONE = "done"
    WORKING = "working"
    FAILED = "failed"


@dataclass(frozen=True)
class StateOutcome:
    """What a ``state`` code means: the phase, a short text, and for failures the error."""

    state: int
    phase: Phase
    text: str
    error_class: type[TaskFailedError] | None = None
    hint: str | None = None

    def error(self, err_info: str = "") -> TaskFailedError:
        """The error to raise for a failed task (``err_info`` is the provider's text)."""
        cls = self.error_class or TaskFailedError
        message = self.text
        detail = clean_detail(err_info)  # scrubbed of secrets, then cut
        if detail:
            message = f"{message} (service says: {detail})"
        return cls(message, hint=self.hint, state=self.state, err_info=err_info)


_WORKING: dict[int, str] = {
    0: "Queued at the service",
    2: "Preparing",
    3: "Waiting",
    4: "Processing",
}

_TRY_AGAIN = "Try again in a moment, or use the offline engine."

# state -> (clerk message, error class, hint or None for the class's default).
_FAILED: dict[int, tuple[str, type[TaskFailedError], str | None]] = {
    -1: (
        "The service could not make an ID photo from this photo (often: no clear face).",
        TaskFaceError,
        None,
    ),
    -2: ("The service made the photo but could not store the result.", TaskServerError, _TRY_AGAIN),
    -3: (
        "The service could not download the photo from its web address.",
        TaskSourceUrlError,
        None,
    ),
    -5: ("The photo is too large for the service (over 15 MB).", TaskImageError, None),
    -7: ("The service could not read the photo (invalid or corrupt image).", TaskImageError, None),
    -8: ("The service took too long on this photo (over 30 seconds).", TaskServerError, _TRY_AGAIN),
    -9: ("The service had an internal failure.", TaskServerError, None),
    -10: (
        "The service's content review refused this photo.",
        TaskFailedError,
        "Use another photo.",
    ),
    -11: ("The service returned an empty result (no person found).", TaskFaceError, None),
    -13: ("The service cancelled the task after an internal error.", TaskServerError, None),
    -14: (
        "The photo does not meet the service's requirements (no usable portrait).",
        TaskFaceError,
        None,
    ),
    -15: ("The service has no resources free right now.", TaskServerError, _TRY_AGAIN),
    -16: (
        "The service's content review refused this photo.",
        TaskFailedError,
        "Use another photo.",
    ),
}


def interpret_state(state: int) -> StateOutcome:
    """The outcome of ``state``: unknown negatives fail, unknown positives keep working."""
    if state == STATE_DONE:
        return StateOutcome(state, Phase.DONE, "Done")
    if state < 0:
        if state in _FAILED:
            text, cls, hint = _FAILED[state]
            return StateOutcome(state, Phase.FAILED, text, cls, hint)
        return StateOutcome(
            state,
            Phase.FAILED,
            N_(f"The service could not finish the task (code {state})."),
            TaskFailedError,
        )
    return StateOutcome(state, Phase.WORKING, _WORKING.get(state, "Processing"))


KNOWN_FAILURE_STATES: tuple[int, ...] = tuple(sorted(_FAILED))
KNOWN_WORKING_STATES: tuple[int, ...] = tuple(sorted(_WORKING))
