"""Fuzzing (hypothesis) the two parsers that read what a hostile peer sends: the
sandbox's multipart parser and the client's reply parser. Only their typed errors may
come out (MultipartError/ContractError; IdPhotoError), never a TypeError, a KeyError,
a RecursionError or a ValueError of some library."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idphoto_desktop.api.models import error_detail, parse_reply, parse_reply_bytes
from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.sandbox.contract import ContractError, parse_create_form
from idphoto_desktop.sandbox.multipart import (
    MultipartError,
    boundary_from_content_type,
    parse_multipart,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
BOUNDARY = b"fuzzboundary"

_header_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80
)
_param_value = st.one_of(
    _header_text,
    st.sampled_from(
        [
            "utf-8''%E4%B8%AD",
            "utf\x00-8''x",
            "no-such''%FF",
            "''",
            "%",
            "us-ascii'en'a%20b",
            '"quoted\\"',
        ]
    ),
)


@st.composite
def disposition(draw: st.DrawFn) -> str:
    pieces = ["form-data"]
    for _ in range(draw(st.integers(0, 4))):
        key = draw(
            st.sampled_from(["name", "name*", "name*0", "name*1*", "filename", "filename*", "x"])
        )
        pieces.append(f"{key}={draw(_param_value)}")
    return "; ".join(pieces)


@st.composite
def multipart_body(draw: st.DrawFn) -> bytes:
    chunks = []
    if draw(st.booleans()):
        chunks.append(draw(st.binary(max_size=20)))  # preamble
    for _ in range(draw(st.integers(0, 4))):
        header = f"Content-Disposition: {draw(disposition())}"
        if draw(st.booleans()):
            header += f"\r\nContent-Type: {draw(_header_text)}"
        raw_header = header.encode("utf-8", "surrogatepass")
        if draw(st.booleans()):
            raw_header = draw(st.binary(max_size=60))
        chunks.append(
            b"--" + BOUNDARY + b"\r\n" + raw_header + b"\r\n\r\n" + draw(st.binary(max_size=40))
        )
    tail = draw(st.sampled_from([b"--" + BOUNDARY + b"--\r\n", b"--" + BOUNDARY, b"", b"--"]))
    return b"\r\n".join(chunks) + b"\r\n" + tail


@FUZZ
@given(multipart_body())
def test_the_multipart_parser_raises_only_its_own_errors(body: bytes) -> None:
    try:
        parts = parse_multipart(body, BOUNDARY)
    except MultipartError:
        return
    try:
        parse_create_form(parts)
    except (MultipartError, ContractError):
        pass


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_escape_the_multipart_parser(body: bytes) -> None:
    try:
        parse_create_form(parse_multipart(body, BOUNDARY))
    except (MultipartError, ContractError):
        pass


@FUZZ
@given(
    st.one_of(
        _header_text, st.builds(lambda v: f"multipart/form-data; boundary*={v}", _param_value)
    )
)
def test_any_content_type_gives_a_boundary_or_a_multipart_error(content_type: str) -> None:
    try:
        boundary = boundary_from_content_type(content_type)
    except MultipartError:
        return
    assert 1 <= len(boundary) <= 70


_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["1", "-3", "1e999", "NaN", " 200 ", "0x10", "", "https://x/r.png"]),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
_keys = st.sampled_from(
    [
        "state",
        "progress",
        "image",
        "task_id",
        "foreground_rect",
        "image_width",
        "image_height",
        "err_info",
        "time_elapsed",
        "completed_at",
        "x",
        "y",
        "width",
        "height",
    ]
)


@st.composite
def reply_like(draw: st.DrawFn) -> Any:
    data = draw(st.dictionaries(_keys, _json, max_size=8))
    if draw(st.booleans()):
        data["foreground_rect"] = draw(st.dictionaries(_keys, _json, max_size=5))
    body: dict[str, Any] = {"status": draw(st.one_of(st.just(200), _json)), "data": data}
    for extra in draw(st.lists(st.sampled_from(["message", "msg", "error"]), max_size=2)):
        body[extra] = draw(_json)
    return body if draw(st.integers(0, 9)) else draw(_json)


@FUZZ
@given(reply_like(), st.sampled_from([200, 200, 400, 401, 402, 404, 429, 500, 503, 504]))
def test_the_reply_parser_returns_a_reply_or_a_typed_error(body: Any, status: int) -> None:
    try:
        reply = parse_reply(body, status)
    except IdPhotoError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert isinstance(reply.state, int)
    assert reply.foreground_rect is None or (
        reply.foreground_rect.width > 0 and reply.foreground_rect.height > 0
    )


@FUZZ
@given(st.one_of(st.binary(max_size=400), reply_like().map(lambda b: json.dumps(b).encode())))
def test_raw_bytes_give_a_reply_or_a_typed_error(content: bytes) -> None:
    for status in (200, 502):
        try:
            parse_reply_bytes(content, status)
        except IdPhotoError:
            pass
    assert isinstance(error_detail(content), str)
