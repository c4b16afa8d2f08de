"""A strict multipart/form-data parser (RFC 7578) for the sandbox server.

The standard library's ``cgi`` module is gone in 3.13 and werkzeug is not a dependency,
so the sandbox parses bodies itself. Being strict here is the point: a client that
sends a malformed body to the sandbox would be refused by the provider too.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value

MAX_PARTS = 64
MAX_PART_HEADER_BYTES = 16 * 1024


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data (answered with HTTP 400)."""


@dataclass(frozen=True)
class Part:
    """One form part: a text field when ``filename`` is None, else a file."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise MultipartError(f"Field {self.name!r} is not UTF-8 text.") from None


_EMAIL_ERRORS = (TypeError, ValueError, LookupError, UnicodeError, AttributeError, IndexError)
"""What ``email``'s parameter code raises on hostile input (RFC 2231 continuations,
NUL in a charset...): turned into MultipartError, so the client gets a 400."""


def _header_params(name: str, value: str) -> Message:
    if "\x00" in value or len(value) > MAX_PART_HEADER_BYTES:
        raise MultipartError(f"The {name} header is malformed.")
    msg = Message()
    msg[name] = value
    return msg


def _param(msg: Message, key: str, header: str) -> str | None:
    """One parameter of a header, RFC 2231 forms decoded; MultipartError if malformed."""
    try:
        value = msg.get_param(key, header=header)
        if isinstance(value, tuple):
            value = collapse_rfc2231_value(value)
    except _EMAIL_ERRORS:
        raise MultipartError(f"The {header} header's {key} parameter is malformed.") from None
    if value is None:
        return None
    if not isinstance(value, str) or "\x00" in value:
        raise MultipartError(f"The {header} header's {key} parameter is malformed.")
    return value


def boundary_from_content_type(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type, or MultipartError."""
    if not content_type:
        raise MultipartError("Content-Type must be multipart/form-data.")
    msg = _header_params("content-type", content_type)
    try:
        kind = msg.get_content_type()
    except _EMAIL_ERRORS:
        raise MultipartError("Content-Type must be multipart/form-data.") from None
    if kind != "multipart/form-data":
        raise MultipartError("Content-Type must be multipart/form-data.")
    boundary = _param(msg, "boundary", "content-type")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise MultipartError("multipart/form-data needs a boundary of 1 to 70 characters.")
    try:
        return boundary.encode("ascii")
    except UnicodeEncodeError:
        raise MultipartError("The multipart boundary must be ASCII.") from None


def _parse_part_headers(raw: bytes) -> tuple[str, str | None, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MultipartError("Part headers are not UTF-8.") from None
    disposition: str | None = None
    content_type: str | None = None
    for line in text.split("\r\n"):
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise MultipartError("A part header line has no colon.")
        key = key.strip().lower()
        if key == "content-disposition":
            disposition = value.strip()
        elif key == "content-type":
            content_type = value.strip()
    if disposition is None:
        raise MultipartError("A part has no Content-Disposition header.")
    msg = _header_params("content-disposition", disposition)
    try:
        kind = msg.get_content_disposition()
    except _EMAIL_ERRORS:
        kind = None
    if kind != "form-data":
        raise MultipartError("A part's Content-Disposition is not form-data.")
    name = _param(msg, "name", "content-disposition")
    if not name:
        raise MultipartError("A part has no field name.")
    try:
        filename = msg.get_filename()
    except _EMAIL_ERRORS:
        raise MultipartError("A part's filename is malformed.") from None
    if filename is not None and (not isinstance(filename, str) or "\x00" in filename):
        raise MultipartError("A part's filename is malformed.")
    if content_type is not None and "\x00" in content_type:
        raise MultipartError("A part's Content-Type is malformed.")
    return name, filename, content_type


def parse_multipart(body: bytes, boundary: bytes) -> list[Part]:
    """Split ``body`` into parts; preamble and epilogue are ignored, as RFC 2046 says."""
    delimiter = b"--" + boundary
    if body.startswith(delimiter):
        pos = len(delimiter)
    else:
        first = body.find(b"\r\n" + delimiter)
        if first < 0:
            raise MultipartError("The body does not contain the multipart boundary.")
        pos = first + 2 + len(delimiter)
    parts: list[Part] = []
    while True:
        if body.startswith(b"--", pos):
            return parts  # close delimiter; anything after is epilogue
        line_end = body.find(b"\r\n", pos)
        if line_end < 0 or body[pos:line_end].strip(b" \t"):
            raise MultipartError("Malformed boundary line (no CRLF after the boundary).")
        headers_start = line_end + 2
        headers_end = body.find(b"\r\n\r\n", headers_start - 2)
        if headers_end < 0:
            raise MultipartError("A part's headers are not terminated.")
        if headers_end - headers_start > MAX_PART_HEADER_BYTES:
            raise MultipartError("A part's headers are too long.")
        raw_headers = body[headers_start:headers_end] if headers_end >= headers_start else b""
        name, filename, content_type = _parse_part_headers(raw_headers)
        data_start = headers_end + 4
        next_delim = body.find(b"\r\n" + delimiter, data_start)
        if next_delim < 0:
            raise MultipartError("The body ends before the closing boundary.")
        parts.append(Part(name, body[data_start:next_delim], filename, content_type))
        if len(parts) > MAX_PARTS:
            raise MultipartError("Too many parts in the form.")
        pos = next_delim + 2 + len(delimiter)
