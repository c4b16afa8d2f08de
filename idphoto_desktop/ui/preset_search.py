"""Rank presets for what the clerk typed: country and document words first.

"us passport" must put the United States passport first, not every passport whose
details happen to contain the letters "us" (Australia, Russia). Each typed word
scores by where it matches: a whole word of the country (name or code), a whole
word of the document's name, the start of such a word, and last anywhere in the
details. A preset is shown only if every word matches somewhere. Plain Python: the
picker calls it on every keystroke, and tests call it without a window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

_WORD = re.compile(r"[\w]+", re.UNICODE)

COUNTRY_WORD = 10.0
NAME_WORD = 6.0
COUNTRY_PREFIX = 4.0
NAME_PREFIX = 3.0
ANYWHERE = 1.0


class Searchable(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country_words(self) -> str: ...
    @property
    def search_text(self) -> str: ...


def words_of(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _is_cjk(word: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in word)


def score(entry: Searchable, query: Sequence[str]) -> float | None:
    """How well ``entry`` matches the typed words (higher first); None if a word is missing."""
    country = words_of(entry.country_words)
    name = words_of(f"{entry.name} {entry.id.replace('_', ' ')}")
    anywhere = f"{entry.country_words} {entry.name} {entry.id} {entry.search_text}".casefold()
    total = 0.0
    for word in query:
        if _is_cjk(word):  # Chinese is not split into words: a substring of the name counts
            if word in entry.name.casefold() or word in entry.country_words.casefold():
                total += NAME_WORD
                continue
        if word in country:
            total += COUNTRY_WORD
        elif word in name:
            total += NAME_WORD
        elif any(w.startswith(word) for w in country):
            total += COUNTRY_PREFIX
        elif any(w.startswith(word) for w in name):
            total += NAME_PREFIX
        elif word in anywhere:
            total += ANYWHERE
        else:
            return None
    return total


T = TypeVar("T", bound=Searchable)


def rank(entries: Iterable[T], text: str) -> list[T]:
    """The entries matching every word of ``text``, best first (ties: shorter name)."""
    query = [w.casefold() for w in text.split() if w.strip()]
    scored: list[tuple[float, int, str, T]] = []
    for entry in entries:
        value = score(entry, query)
        if value is not None:
            scored.append((-value, len(entry.name), entry.name.casefold(), entry))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored]
