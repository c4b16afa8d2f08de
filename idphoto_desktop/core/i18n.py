"""Messages made outside the window, in the clerk's language: marked where made,
translated where shown.

Why: errors, hints, warnings and progress come from core/, api/, engines/ and
storage/, which must not import Qt. They keep writing plain English (``N_`` marks a
literal that is not already an error's message or hint); the window and the CLI
translate the text at display time with :func:`translate`, which looks it up in one
catalogue per language (``data/i18n/messages_<lang>.json``: English template ->
translation). Templates have named fields (``{path_name} was not found.``), so a
message built with an f-string is still recognised; each field's value is itself
translated when the catalogue knows it. A text of several sentences (a message and
its hint) is translated sentence by sentence. Unknown text is shown as it is: a
message is never lost for lack of a translation. ``scripts/extract_messages.py``
finds the templates in the code; tests/test_core_i18n.py fails while one has none.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "zh_CN")
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "data" / "i18n"

_language = SOURCE_LANGUAGE
_lock = threading.Lock()
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SENTENCE_END = re.compile(r"(?<=[.!?;:)])\s+(?=[A-Z{(\"'])")
_DECOR = re.compile(r"^([^\w{(\"']*)(.*?)(\s*)$", re.S)
_MAX_DEPTH = 5
_PREFIX = 6  # characters of a text that choose its candidate templates
_UNKNOWN = "\0not looked up"  # a cache entry that is not there (None means "not known")


def N_(text: str) -> str:
    """Mark ``text`` as a message to translate where it is shown; returns it unchanged."""
    return text


def set_language(language: str) -> None:
    """The language of this process (the window sets it with its own; the CLI from the
    locale). Unknown languages fall back to English."""
    global _language
    with _lock:
        _language = language if language in LANGUAGES else SOURCE_LANGUAGE


def current_language() -> str:
    return _language


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for (LC_ALL, LC_MESSAGES, LANG, LANGUAGE), as gettext
    reads them: "zh_CN" for any Chinese locale, else English."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        first = value.split(":")[0]
        if first.lower().startswith("zh"):
            return "zh_CN"
        if first not in ("C", "POSIX", "C.UTF-8"):
            return SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


@dataclass(frozen=True)
class _Template:
    """One message with fields. Its expressions are compiled on first use: most are
    never needed (:meth:`may_match` turns the text away), and compiling all of them
    took about 45 ms at a Chinese window's first message."""

    source: str
    target: str
    literal_length: int
    chunks: tuple[str, ...]  # the literal text before, between and after the fields

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.source)

    @functools.cached_property
    def greedy(self) -> re.Pattern[str]:
        """For fields that hold brackets themselves (preset names)."""
        return _compile(self.source, True)

    def may_match(self, text: str) -> bool:
        """False when ``text`` cannot match: a literal missing, or out of order.

        Why: a necessary condition checked with plain string search before the regular
        expression, whose lazy fields scan (and, in a line of several sentences, try
        each field as a nested message) at every start. Without it a line of eight
        sentences could take most of a second on the window's thread."""
        chunks = self.chunks
        head, tail = chunks[0], chunks[-1]
        if not (text.startswith(head) and text.endswith(tail)):
            return False
        position, end = len(head), len(text) - len(tail)
        for chunk in chunks[1:-1]:
            found = text.find(chunk, position + 1)  # a field holds one character at least
            if found < 0:
                return False
            position = found + len(chunk)
        return position < end


def _literal(text: str) -> str:
    return re.escape(text.replace("{{", "{").replace("}}", "}"))


def _chunks(source: str) -> tuple[str, ...]:
    """The literal parts of a template around its fields, as they appear in a text."""
    return tuple(
        part.replace("{{", "{").replace("}}", "}") for part in _FIELD.split(source)[::2]
    )


def _compile(source: str, greedy: bool = False) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    seen: set[str] = set()
    for match in _FIELD.finditer(source):
        parts.append(_literal(source[position : match.start()]))
        name = match.group(1)
        field = "(?P<{0}>.+)" if greedy else "(?P<{0}>.+?)"
        parts.append(f"(?P={name})" if name in seen else field.format(name))
        seen.add(name)
        position = match.end()
    parts.append(_literal(source[position:]))
    return re.compile("".join(parts) + r"\Z", re.S)


class Catalogue:
    """One language's messages: exact texts and templates with fields."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        self.exact: dict[str, str] = {}
        templates: list[_Template] = []
        for source, target in messages.items():
            if not target:
                continue  # not translated yet: shown in English
            if _FIELD.search(source):
                literal = len(_FIELD.sub("", source))
                templates.append(
                    _Template(source, target, literal, _chunks(source))
                )
            else:
                self.exact[source] = target
        # The most specific template first: "{text} is not a size." before "{a} is {b}."
        self.templates = sorted(templates, key=lambda t: -t.literal_length)
        # The templates a text can start like, by the text's first characters (same
        # order): those that start with a field, and those whose literal start agrees
        # with the text's first _PREFIX characters. Made once per prefix met: keyed on
        # one character, every "The ..." text was tried against hundreds of templates.
        self._starting: dict[str, list[_Template]] = {}
        self.longest_run = max(
            (len(_SENTENCE_END.split(source)) for source in messages), default=1
        )
        """The most sentences one message holds (a run of more is never one message)."""
        self._known: dict[tuple[str, int, bool, bool], str | None] = {}

    @classmethod
    def load(cls, path: Path) -> Catalogue:
        data = json.loads(path.read_text("utf-8"))
        messages = data.get("messages", {})
        if not isinstance(messages, dict):
            raise ValueError(f"{path}: no messages table")
        return cls({str(k): str(v) for k, v in messages.items()})

    def translate(
        self, text: str, depth: int = 0, whole: bool = False, lists: bool = True
    ) -> str | None:
        """The translation of one message, or None when it is not known (``whole``: a
        list is known only when every item is; ``lists``: may be read as a list).
        Answers are remembered: a line's sentences are looked up in overlapping runs."""
        found = self.exact.get(text)
        if found is not None:
            return found
        key = (text, depth, whole, lists)
        known = self._known.get(key, _UNKNOWN)  # one lookup: another thread may clear it
        if known is not _UNKNOWN:
            return known
        if len(self._known) > 4096:  # a long-lived window sees many file names
            self._known.clear()
        answer = self._translate(text, depth, whole, lists)
        self._known[key] = answer
        return answer

    def _candidates(self, text: str) -> list[_Template]:
        """The templates that may match ``text``, by its first characters."""
        prefix = text[:_PREFIX]
        found = self._starting.get(prefix)
        if found is None:
            found = [
                t for t in self.templates if prefix.startswith(t.chunks[0][:_PREFIX])
            ]  # "" (a field first) is every text's start
            if len(self._starting) > 4096:
                self._starting.clear()
            self._starting[prefix] = found
        return found

    def _translate(self, text: str, depth: int, whole: bool, lists: bool) -> str | None:
        for template in self._candidates(text):
            if not template.may_match(text):
                continue
            match = template.pattern.match(text)
            if match is None:
                continue
            if not all(_balanced(v) for v in match.groupdict().values()):
                match = template.greedy.match(text) or match
            if any(
                _SENTENCE_END.search(v) and self.translate(v, depth + 1, whole=True) is None
                for v in match.groupdict().values()
            ):  # a field may not swallow a whole next sentence (a message's hint), unless
                continue  # it is a list of known messages ("taken again: a; b.")
            if not lists and any("; " in v for v in match.groupdict().values()):
                continue  # a list's item: a field may not reach into the next item
            fields = {
                name: (self._item(value, depth + 1) or value) if depth < _MAX_DEPTH else value
                for name, value in match.groupdict().items()
            }
            try:
                return template.target.format(**fields)
            except (KeyError, IndexError, ValueError):
                continue  # a broken translation: try the next template
        if lists and "; " in text and depth < _MAX_DEPTH:  # a list: "white; off-white"
            return self._list(text.split("; "), depth + 1, whole)
        return None

    def _list(self, items: list[str], depth: int, whole: bool) -> str | None:
        """Items joined by "; "; an item may hold "; " itself, so the longest run of
        items that is one known message is taken first."""
        done: list[str | None] = []
        shown: list[str] = []
        start = 0
        while start < len(items):
            for end in range(len(items), start, -1):
                found = self._item("; ".join(items[start:end]), depth, lists=False)
                if found is not None:
                    done.append(found)
                    shown.append(found.rstrip("。"))
                    start = end
                    break
            else:
                done.append(None)
                shown.append(items[start])
                start += 1
        if (whole and None in done) or all(d is None for d in done):
            return None
        return "；".join(shown)

    def _item(self, item: str, depth: int, lists: bool = True) -> str | None:
        """A list's item; a sentence listed without its full stop is still known."""
        if item[-1:].isalnum() and item[:1].isupper() and item.count(" ") >= 2:
            found = self.translate(item + ".", depth, lists=lists)
            if found is not None:
                return found.rstrip("。.")
        return self.translate(item, depth, lists=lists)


def _balanced(text: str) -> bool:
    """Every ")" closes an earlier "(" (a field must not cut a bracket in two). Most
    texts hold no bracket: answered without a loop (this runs for every match tried)."""
    if "(" not in text and ")" not in text:
        return True
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@functools.lru_cache(maxsize=4)
def catalogue(language: str) -> Catalogue:
    path = CATALOGUE_DIR / f"messages_{language}.json"
    if language == SOURCE_LANGUAGE or not path.is_file():
        return Catalogue({})
    return Catalogue.load(path)


def _translate_piece(piece: str, book: Catalogue, strict: bool = False) -> tuple[str, bool]:
    """``piece`` translated, and whether it was known (``strict``: a list of messages
    only when every item is known)."""
    whole = book.translate(piece, whole=strict)  # "--since x is not a date.": its own dashes
    if whole is not None:
        return whole, True
    match = _DECOR.match(piece)
    assert match is not None
    lead, body, tail = match.groups()
    found = book.translate(body, whole=strict)
    return (f"{lead}{found}{tail}", True) if found is not None else (piece, False)


def translate(text: str, language: str | None = None) -> str:
    """``text`` in ``language`` (default: this process's), as far as the catalogue knows it.

    Lines are translated one by one; a line the catalogue does not know as a whole is
    tried sentence by sentence (a message followed by its hint), the longest run of
    sentences that is one known message first (a message may hold two sentences).
    """
    language = language or _language
    if language == SOURCE_LANGUAGE or not text:
        return text
    book = catalogue(language)
    out_lines: list[str] = []
    for line in text.split("\n"):
        # A line read as a list of messages must know them all; else its sentences are
        # tried (a known sentence may hold "; " itself), and only then the list's known
        # items (the rest left as they are).
        translated, ok = _translate_piece(line, book, strict=True)
        if not ok:
            pieces = _sentence_runs(_SENTENCE_END.split(line), book)
            if len(pieces) > 1 and any(done for _, done in pieces):
                ok = True
                translated = pieces[0][0]
                chinese = language.startswith("zh")
                for (_, done_before), (piece, done) in itertools.pairwise(pieces):
                    glue = "" if chinese and done_before and done else " "
                    translated += glue + piece
        if not ok:
            translated, ok = _translate_piece(line, book)
        out_lines.append(translated)
    return "\n".join(out_lines)


def _sentence_runs(sentences: list[str], book: Catalogue) -> list[tuple[str, bool]]:
    """The sentences translated, each time the longest run from the left that is one
    known message (strictly); a sentence in no run is tried alone, leniently."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    while start < len(sentences):
        for end in range(min(len(sentences), start + book.longest_run), start + 1, -1):
            text, done = _translate_piece(" ".join(sentences[start:end]), book, strict=True)
            if done:
                pieces.append((text, True))
                start = end
                break
        else:
            pieces.append(_translate_piece(sentences[start], book))
            start += 1
    return pieces


def join_reasons(texts: Iterable[str], language: str | None = None, *, end: bool = False) -> str:
    """Whole sentences (already in ``language``) as one list inside another sentence:
    each one's final stop dropped, then "; " in English and "；" in Chinese (never the
    "。; " of an English separator after a Chinese sentence). ``end``: the list closes
    with the language's full stop (a line of its own)."""
    chinese = (language or _language).startswith("zh")
    items = [t.strip().rstrip(".。").rstrip() for t in texts]
    joined = ("；" if chinese else "; ").join(t for t in items if t)
    return joined + ("。" if chinese else ".") if joined and end else joined


def error_text(error: BaseException, language: str | None = None) -> str:
    """An error's message and hint in the clerk's language (``IdPhotoError.full_text``)."""
    message = getattr(error, "message", None)
    hint = getattr(error, "hint", "")
    if not isinstance(message, str):
        return translate(str(error), language)
    parts = [translate(message, language)]
    if isinstance(hint, str) and hint:
        parts.append(translate(hint, language))
    joiner = "" if (language or _language).startswith("zh") else " "
    return joiner.join(parts).strip()
