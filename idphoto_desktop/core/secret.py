"""A holder for the API token that every way of printing shows as ``***``.

The token passes through the client, the token store and workers; wrapping it means a
repr in a traceback, a debugger or a crash report cannot show it by accident.
"""

from __future__ import annotations

import re as _re
import unicodedata as _ud


class Secret:
    """The token itself is reached only through :meth:`reveal`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("the token is not picklable")


# -- finding a secret in text that came back from elsewhere --------------------------

MIN_FRAGMENT = 8
"""A run of token characters this long that is a piece of a secret is redacted too,
if it looks random (a digit in it) or is 12 characters or more: a plain word such as
"settings" inside a structured test token must not vanish from every log line."""
_TOKEN_RUN = _re.compile(r"[A-Za-z0-9_\-.+/=~]{8,}")  # MIN_FRAGMENT or more
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u180e\u2800")


def _invisible(ch: str) -> bool:
    """Zero-width, format (Cf), control and other characters that show nothing."""
    if ch in _INVISIBLE_EXTRA:
        return True
    category = _ud.category(ch)
    if category in ("Cf", "Cc", "Co", "Cn", "Cs") and ch not in "\t\n\r":
        return True
    return category == "Mn" and 0xFE00 <= ord(ch) <= 0xFE0F  # variation selectors


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character (NUL, ESC, a line break...)."""
    return any(_ud.category(ch) == "Cc" for ch in text)


def normalise(text: str) -> str:
    """NFKC (full-width ``ｓｋ`` -> ``sk``) without invisible characters, for matching."""
    return "".join(ch for ch in _ud.normalize("NFKC", text) if not _invisible(ch))


def _lower(text: str) -> str:
    """Lower case, one character for one (so positions stay aligned)."""
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def scrub(text: str, secrets: set[str] | frozenset[str] | list[str], mask: str = "***") -> str:
    """``text`` with every secret, and every long piece of one, replaced by ``mask``.

    Matching is done on the normalised text (see :func:`normalise`), ignoring case, so
    a zero-width character, a full-width letter or an upper-cased echo does not hide a
    token; when nothing matches, the text is returned unchanged. Scrub *before* cutting
    text short: a cut token is a fragment only this function still recognises.
    """
    keys = {_lower(normalise(s)) for s in secrets if s}
    keys = {k for k in keys if len(k) >= 4}
    if not keys or not text:
        return text
    flat = normalise(text)
    low = _lower(flat)
    hidden = [False] * len(flat)
    for key in keys:
        start = low.find(key)
        while start >= 0:
            hidden[start : start + len(key)] = [True] * len(key)
            start = low.find(key, start + 1)
    long_keys = [k for k in keys if len(k) >= MIN_FRAGMENT]
    for run in _TOKEN_RUN.finditer(low):
        piece = run.group(0)
        if len(piece) < 12 and not any(ch.isdigit() for ch in piece):
            continue
        if any(piece in k for k in long_keys):
            hidden[run.start() : run.end()] = [True] * (run.end() - run.start())
    if not any(hidden):
        return text
    out: list[str] = []
    for index, ch in enumerate(flat):
        if not hidden[index]:
            out.append(ch)
        elif index == 0 or not hidden[index - 1]:
            out.append(mask)
    return "".join(out)
