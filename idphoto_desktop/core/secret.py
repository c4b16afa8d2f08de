"""A holder for the API token that every way of printing shows as ``***``.

The token passes through the client, the token store and workers; wrapping it means a
repr in a traceback, a debugger or a crash report cannot show it by accident.
"""

from __future__ import annotations


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
