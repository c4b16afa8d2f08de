"""The reply parser: the provider's example, both error shapes, wrong types, and fuzz."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idphoto_desktop.api.http_errors import error_for_status, parse_retry_after
from idphoto_desktop.api.models import (
    KNOWN_FIELDS,
    TaskReply,
    error_detail,
    parse_reply,
    parse_reply_bytes,
)
from idphoto_desktop.core.errors import (
    AuthenticationError,
    IdPhotoError,
    ImageError,
    MalformedReplyError,
    QuotaError,
    ResultExpiredError,
    ServerError,
    ValidationError,
)
from idphoto_desktop.core.geometry import Rect

# The provider's example reply, verbatim (idphoto-api.txt).
EXAMPLE = """{
"status": 200,
"data": {
"completed_at": 1742670627,
"created_at": 1742670626,
"download_time": 488,
"err_info": "",
"foreground_rect": {
"x": 133,
"y": 110,
"width": 604,
"height": 952
},
"image": "https://wxtechsz.oss-cn-shenzhen.aliyuncs.com/tasks/output/idphoto/3b950563-e53f-4036-a581-5ac04d0829b3-image.png",
"image_height": 400,
"image_width": 300,
"output_type": 2,
"processed_at": 1742670626,
"progress": 100,
"result_type": "object",
"return_type": 1,
"state": 1,
"state_detail": "Complete",
"task_id": "3b950563-e53f-4036-a581-5ac04d0829b3",
"time_elapsed": 384.54998779296875,
"type": "auto"
}
}"""


def example() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(EXAMPLE)
    return body


def test_the_providers_example_parses_into_every_field() -> None:
    reply = parse_reply_bytes(EXAMPLE.encode())
    assert reply == TaskReply(
        state=1,
        status=200,
        task_id="3b950563-e53f-4036-a581-5ac04d0829b3",
        progress=100,
        state_detail="Complete",
        err_info="",
        image="https://wxtechsz.oss-cn-shenzhen.aliyuncs.com/tasks/output/idphoto/"
        "3b950563-e53f-4036-a581-5ac04d0829b3-image.png",
        image_width=300,
        image_height=400,
        foreground_rect=Rect(133, 110, 604, 952),
        completed_at=1742670627,
        created_at=1742670626,
        processed_at=1742670626,
        download_time=488.0,
        time_elapsed=384.54998779296875,
        output_type=2,
        result_type="object",
        return_type=1,
        type="auto",
        extra={},
    )
    assert set(reply.raw) == KNOWN_FIELDS


def test_unknown_fields_are_kept_not_fatal() -> None:
    body = example()
    body["data"]["face_count"] = 1
    body["data"]["nested"] = {"a": [1, 2]}
    body["trace_id"] = "abc"  # outside data: ignored
    reply = parse_reply(body)
    assert reply.extra == {"face_count": 1, "nested": {"a": [1, 2]}}


def test_a_working_reply_with_placeholders() -> None:
    body = example()
    body["data"].update(
        state=0,
        progress=0,
        image="",
        image_width=0,
        image_height=0,
        foreground_rect={"x": 0, "y": 0, "width": 0, "height": 0},
    )
    reply = parse_reply(body)
    assert (reply.state, reply.image, reply.foreground_rect, reply.image_width) == (
        0,
        None,
        None,
        None,
    )


def test_missing_optional_fields_and_integral_floats() -> None:
    reply = parse_reply({"status": 200, "data": {"state": 4.0, "progress": 150}})
    assert reply.state == 4 and reply.progress == 100 and reply.task_id is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("state", True),
        ("state", 1.5),
        ("state", None),
        ("state", "done"),
        ("state", [1]),
        ("state", float("nan")),
    ],
)
def test_a_state_that_is_no_whole_number_is_malformed(key: str, value: object) -> None:
    body = example()
    body["data"][key] = value
    with pytest.raises(MalformedReplyError):
        parse_reply(body)


@pytest.mark.parametrize(
    ("key", "value", "attribute", "expected"),
    [
        ("state", "1", "state", 1),
        ("state", " 4 ", "state", 4),
        ("progress", "50", "progress", 50),
        ("image_width", "300", "image_width", 300),
        ("time_elapsed", "384.5", "time_elapsed", 384.5),
        ("task_id", 12, "task_id", "12"),
        # Display-only fields of the wrong type are ignored, never fatal.
        ("time_elapsed", "fast", "time_elapsed", None),
        ("err_info", ["no face"], "err_info", ""),
        ("image_width", -5, "image_width", None),
        ("progress", True, "progress", None),
    ],
)
def test_a_paid_reply_is_read_leniently(
    key: str, value: object, attribute: str, expected: object
) -> None:
    body = example()
    body["data"][key] = value
    reply = parse_reply(body)
    assert getattr(reply, attribute) == expected
    assert reply.image is not None


@pytest.mark.parametrize(
    "rect",
    [
        [133, 110, 604, 952],
        {"x": 1, "y": 2, "width": -3, "height": 4},
        {"x": -1, "y": 2, "width": 3, "height": 4},
        {"x": 1, "y": 2, "width": float("nan"), "height": 4},
        {"x": 1, "y": 2, "width": float("inf"), "height": 4},
        {"x": 1, "y": 2, "width": 10**300, "height": 4},
        {"x": 1, "y": 2, "width": 3},
        {"x": 1, "y": 2, "width": "wide", "height": 4},
        "133,110,604,952",
    ],
)
def test_a_bad_rectangle_is_dropped_with_a_warning(rect: object) -> None:
    body = example()
    body["data"]["foreground_rect"] = rect
    reply = parse_reply(body)
    assert reply.foreground_rect is None
    assert reply.image is not None  # the paid image is kept
    assert len(reply.warnings) == 1 and "rectangle" in reply.warnings[0]


def test_a_rectangle_of_strings_is_read() -> None:
    body = example()
    body["data"]["foreground_rect"] = {"x": "133", "y": "110", "width": "604", "height": "952"}
    reply = parse_reply(body)
    assert reply.foreground_rect is not None
    assert reply.foreground_rect.as_ints() == (133, 110, 604, 952)
    assert reply.warnings == ()


def test_a_status_sent_as_text_is_read() -> None:
    reply = parse_reply({"status": "200", "data": {"state": 1}})
    assert reply.state == 1
    with pytest.raises(AuthenticationError):
        parse_reply({"status": "401", "msg": "bad token"})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"status": 200, "data": {"state": 1',
        b"[]",
        b"null",
        b'"ok"',
        b'{"status": 200}',
        b'{"status": "two hundred", "data": {"state": 1}}',
        b'{"status": 200, "data": []}',
        b'{"data": {"state": 1}, "status": 201}',
        b"\xff\xfe\x00garbage",
        b"[" * 100000,
    ],
)
def test_anything_else_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedReplyError):
        parse_reply_bytes(body)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, ValidationError),
        (413, ImageError),
        (429, QuotaError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_the_providers_error_shape(status: int, error_class: type[IdPhotoError]) -> None:
    body = json.dumps({"status": status, "message": "size must be {width}x{height}"}).encode()
    for http_status in (status, 200):  # in the HTTP status, or only in the body
        with pytest.raises(error_class) as caught:
            parse_reply_bytes(body, http_status)
        assert "size must be {width}x{height}" in str(caught.value)


def test_the_gateway_error_shape() -> None:
    body = {"error": {"message": "Invalid token (request id 42)", "type": "authentication_error"}}
    with pytest.raises(AuthenticationError, match="Invalid token"):
        parse_reply(body, 401)
    with pytest.raises(AuthenticationError):
        parse_reply(body, 200)  # decided by the type when the HTTP status says nothing
    with pytest.raises(QuotaError):
        parse_reply({"error": {"message": "quota", "type": "insufficient_quota"}}, 200)
    with pytest.raises(ServerError):
        parse_reply({"error": {"message": "boom", "type": "upstream_error"}}, 200)
    with pytest.raises(ServerError):
        parse_reply({"error": {"message": "boom"}}, 502)
    assert error_detail(json.dumps(body).encode()) == "Invalid token (request id 42)"


def test_an_html_gateway_page_with_an_error_status_is_that_status() -> None:
    with pytest.raises(ServerError, match="HTTP 502"):
        parse_reply_bytes(b"<html><center>502 Bad Gateway</center></html>", 502)


def test_a_success_shape_with_an_error_status_is_the_status() -> None:
    with pytest.raises(ServerError):
        parse_reply_bytes(EXAMPLE.encode(), 500)


def test_provider_text_is_flattened_and_cut() -> None:
    error = error_for_status(400, "line one\nline\x00two " + "x" * 500)
    text = str(error)
    assert "\n" not in text and "\x00" not in text and len(text) < 300


def test_task_context_404_means_the_task_is_gone() -> None:
    assert isinstance(error_for_status(404, context="task"), ResultExpiredError)
    assert isinstance(error_for_status(404, context="api"), ValidationError)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        ("nan", None),
        ("99999999", 3600.0),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


# ----- fuzz: only IdPhotoError subclasses (or a reply) ever come out -----

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
STATUSES = st.sampled_from([200, 201, 204, 302, 400, 401, 403, 404, 413, 429, 500, 502, 599])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
FIELD_VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.fixed_dictionaries({"x": SCALARS, "y": SCALARS, "width": SCALARS, "height": SCALARS}),
)
DATA = st.fixed_dictionaries(
    {"state": st.integers(-20, 5) | SCALARS},
    optional={key: FIELD_VALUES for key in sorted(KNOWN_FIELDS - {"state"})} | {"zz": SCALARS},
)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({"status": JSON, "data": DATA | JSON}),
    st.fixed_dictionaries({"status": JSON, "message": JSON}),
    st.fixed_dictionaries({"error": JSON | st.fixed_dictionaries({"message": JSON, "type": JSON})}),
)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _only_typed_errors(call: Any) -> None:
    try:
        reply = call()
    except IdPhotoError as error:
        assert type(error).__name__ != "IdPhotoError"
        assert isinstance(str(error), str) and isinstance(repr(error), str)
        return
    assert isinstance(reply, TaskReply)
    assert isinstance(reply.state, int) and not isinstance(reply.state, bool)
    assert reply.foreground_rect is None or isinstance(reply.foreground_rect, Rect)


@FUZZ
@given(content=st.binary(max_size=400), status=STATUSES)
def test_fuzz_bytes(content: bytes, status: int) -> None:
    _only_typed_errors(lambda: parse_reply_bytes(content, status))


@FUZZ
@given(body=BODIES, status=STATUSES)
def test_fuzz_json(body: object, status: int) -> None:
    _only_typed_errors(lambda: parse_reply(body, status))
    _only_typed_errors(lambda: parse_reply_bytes(json.dumps(body).encode(), status))


@FUZZ
@given(data=DATA)
def test_fuzz_fields_of_a_success_reply(data: dict[str, Any]) -> None:
    _only_typed_errors(lambda: parse_reply({"status": 200, "data": data}, 200))
