"""List every clerk-visible message made outside ui/ (core, api, engines, storage, ...).

    .venv/bin/python scripts/extract_messages.py            # what is missing from the catalogue
    .venv/bin/python scripts/extract_messages.py --update   # add them (untranslated: "")

Messages are found where they are made, by their shape in the code: the first
argument of an ``...Error(...)`` (and its ``hint=``), a class's ``default_hint``,
``message=`` / ``reason=`` / ``hint=`` keywords, anything wrapped in ``N_(...)``
(core/i18n.py's marker), and the text given to a progress callback. An f-string
becomes a template with named fields (``{width}``), the form the catalogue
``idphoto_desktop/data/i18n/messages_zh_CN.json`` keeps and the window and the CLI
match at display time. tests/test_core_i18n.py fails while one has no translation.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "idphoto_desktop"
LAYERS = ("core", "api", "engines", "storage", "capture", "pipeline", "cli", "watch")
CATALOGUE = PACKAGE / "data" / "i18n" / "messages_zh_CN.json"
TEXT_KEYWORDS = {"message", "hint", "reason", "text"}
PROGRESS_NAMES = {"progress", "_progress", "report", "on_progress", "step"}
_FIELD = re.compile(r"[^0-9A-Za-z_]+")
# Programming errors: never shown to the clerk (the crash dialog says "something went wrong").
BUILTIN_ERRORS = {
    "ValueError", "TypeError", "RuntimeError", "KeyError", "AssertionError", "OSError",
    "NotImplementedError", "AttributeError", "IndexError", "LookupError", "PermissionError",
    "FileNotFoundError", "FileExistsError", "UnicodeError", "EOFError",
}


def _field_name(node: ast.expr, taken: dict[str, str]) -> str:
    source = ast.unparse(node)
    name = _FIELD.sub("_", source).strip("_") or "value"
    if name[0].isdigit():
        name = f"v_{name}"
    base, n = name, 2
    while name in taken and taken[name] != source:
        name = f"{base}_{n}"
        n += 1
    taken[name] = source
    return name


_FORMAT_SPEC = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:![rsa])?:[^{}]*\}")


def template_of(node: ast.expr) -> str | None:
    """A literal's text, or an f-string as a template with named fields; else None.

    A ``str.format`` template's format specs are dropped (``{angle:.0f}`` -> ``{angle}``),
    as they are for an f-string: the catalogue matches the text once it is filled in.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _FORMAT_SPEC.sub(r"{\1}", node.value)
    if isinstance(node, ast.JoinedStr):
        taken: dict[str, str] = {}
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value.replace("{", "{{").replace("}", "}}"))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + _field_name(value.value, taken) + "}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "a" "b" split lines
        left, right = template_of(node.left), template_of(node.right)
        if left is not None and right is not None:
            return left + right
    return None


# SQL kept in tables and constants (the history's schema and migrations): never shown.
_SQL = re.compile(
    r"\s*(CREATE|ALTER|UPDATE|INSERT|SELECT|DELETE|DROP|PRAGMA)\b.*"
    r"\b(TABLE|INDEX|SET|FROM|INTO|WHERE|VALUES)\b",
    re.S,
)


def _is_message(text: str) -> bool:
    """Words for a person: a letter, a space, and not a code, SQL or a format string alone."""
    stripped = re.sub(r"\{[^}]*\}", "", text).strip()
    if _SQL.match(text):
        return False
    return bool(re.search(r"[A-Za-z]{2}", stripped)) and " " in stripped


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


MESSAGE_VARIABLES = ("message", "hint", "why", "warning", "reason", "note", "text")
COLLECTIONS = ("warnings", "notes", "reasons", "messages", "lines", "problems")


def _is_sentence(text: str) -> bool:
    """A table's text meant for a person: a capital, three words or more."""
    words = re.sub(r"\{[^}]*\}", "x", text).split()
    return len(words) >= 3 and text[:1].isupper() and _is_message(text)


def _table_texts(node: ast.expr) -> Iterable[str]:
    """Sentences inside a module-level dict/tuple/list literal (state tables and the like)."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            text = _FORMAT_SPEC.sub(r"{\1}", inner.value)
            if _is_sentence(text):
                yield text


def messages_in(tree: ast.AST) -> Iterable[str]:
    if isinstance(tree, ast.Module):
        for statement in tree.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                if isinstance(statement.value, ast.Dict | ast.Tuple | ast.List):
                    yield from _table_texts(statement.value)
                else:
                    text = template_of(statement.value)
                    if text is not None and _is_sentence(text):
                        yield text
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) == "append" and node.args:
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            receiver_name = ast.unparse(receiver) if receiver is not None else ""
            if any(c in receiver_name for c in COLLECTIONS):
                text = template_of(node.args[0])
                if text is not None and _is_message(text):
                    yield text
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [ast.unparse(t) for t in targets]
            if any(v in n.lower() for n in names for v in MESSAGE_VARIABLES):
                text = template_of(node.value)
                if text is not None and _is_message(text):
                    yield text
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            candidates: list[ast.expr] = []
            # ``error(...)``: an error class given as a parameter (core/readfile.py)
            own_error = (name.endswith("Error") and name not in BUILTIN_ERRORS) or (
                name == "error" and isinstance(node.func, ast.Name)  # not log.error(...)
            )
            if (own_error or name == "N_") and node.args:
                candidates.append(node.args[0])
            if name in PROGRESS_NAMES and len(node.args) >= 2:
                candidates.append(node.args[1])
            candidates.extend(k.value for k in node.keywords if k.arg in TEXT_KEYWORDS)
            for candidate in candidates:
                text = template_of(candidate)
                if text is not None and _is_message(text):
                    yield text
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = [t.id for t in targets if isinstance(t, ast.Name)]
            if "default_hint" in named and node.value is not None:
                text = template_of(node.value)
                if text is not None and _is_message(text):
                    yield text


def collect(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Template -> the files that make it."""
    found: dict[str, list[str]] = {}
    for layer in LAYERS:
        for path in sorted((package / layer).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            for text in messages_in(tree):
                where = str(path.relative_to(package.parent))
                found.setdefault(text, [])
                if where not in found[text]:
                    found[text].append(where)
    return found


def load_catalogue(path: Path = CATALOGUE) -> dict[str, str]:
    data = json.loads(path.read_text("utf-8"))
    messages = data["messages"]
    assert isinstance(messages, dict)
    return {str(k): str(v) for k, v in messages.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="add missing messages (empty)")
    args = parser.parse_args(argv)
    found = collect()
    catalogue = load_catalogue() if CATALOGUE.exists() else {}
    missing = [t for t in found if not catalogue.get(t)]
    for text in missing:
        print(f"{', '.join(found[text])}: {text}")
    if args.update:
        for text in found:
            catalogue.setdefault(text, "")
        data = {"language": "zh_CN", "messages": dict(sorted(catalogue.items()))}
        CATALOGUE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 1 if missing and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
