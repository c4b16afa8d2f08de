"""Every ``data.state`` code of NOTES.md maps to the right typed outcome."""

from __future__ import annotations

import pytest

from idphoto_desktop.api.states import (
    KNOWN_FAILURE_STATES,
    KNOWN_WORKING_STATES,
    Phase,
    interpret_state,
)
from idphoto_desktop.core.errors import (
    FaceError,
    IdPhotoError,
    ImageError,
    ServerError,
    TaskFailedError,
    ValidationError,
)

NOTES_FAILURES = (-1, -2, -3, -5, -7, -8, -9, -10, -11, -13, -14, -15, -16)


def test_done() -> None:
    outcome = interpret_state(1)
    assert outcome.phase is Phase.DONE and outcome.error_class is None


@pytest.mark.parametrize("state", [0, 2, 3, 4, 5, 7, 99, 10**6])
def test_working_states_and_unknown_positives_keep_working(state: int) -> None:
    outcome = interpret_state(state)
    assert outcome.phase is Phase.WORKING
    assert outcome.text


def test_every_documented_code_is_known() -> None:
    assert set(KNOWN_FAILURE_STATES) == set(NOTES_FAILURES)
    assert set(KNOWN_WORKING_STATES) == {0, 2, 3, 4}


@pytest.mark.parametrize(
    ("state", "family"),
    [
        (-1, FaceError),
        (-2, ServerError),
        (-3, ValidationError),
        (-5, ImageError),
        (-7, ImageError),
        (-8, ServerError),
        (-9, ServerError),
        (-10, TaskFailedError),
        (-11, FaceError),
        (-13, ServerError),
        (-14, FaceError),
        (-15, ServerError),
        (-16, TaskFailedError),
        (-4, TaskFailedError),
        (-12, TaskFailedError),
        (-999, TaskFailedError),
    ],
)
def test_failures_raise_the_right_class_with_code_and_provider_text(
    state: int, family: type[IdPhotoError]
) -> None:
    outcome = interpret_state(state)
    assert outcome.phase is Phase.FAILED
    error = outcome.error("  portrait\nnot found  ")
    assert isinstance(error, TaskFailedError) and isinstance(error, family)
    assert error.state == state
    assert error.err_info == "  portrait\nnot found  "
    assert "portrait not found" in str(error)  # flattened display text
    assert str(error)[0].isupper() and error.full_text()
    if state not in NOTES_FAILURES:
        assert str(state) in str(error)


def test_failure_without_provider_text_is_still_plain() -> None:
    error = interpret_state(-7).error("")
    assert "service says" not in str(error)
    assert "invalid or corrupt" in str(error)
