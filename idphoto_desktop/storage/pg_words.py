"""Why the shared history's server could not be used, in words a clerk can read.

Why: psycopg hands on libpq's and the server's own text ("connection to server at
"10.0.0.5", port 5432 failed: FATAL: password authentication failed for user …"),
English whatever the counter's language and full of details only an administrator
needs. The common reasons are said here in the message catalogue's words (``N_``), the
way ``core.oswords`` says a file's; anything else keeps the driver's text, cleaned and
with any password taken out.
"""

from __future__ import annotations

import re

from idphoto_desktop.core.i18n import N_
from idphoto_desktop.logsetup import redact

__all__ = ["reason", "unreachable"]

# (what the driver or the server says, lower-cased) -> the clerk's phrase; first match wins
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), phrase)
    for pattern, phrase in (
        (
            r"password authentication failed|no password supplied|"
            r"role \".*\" does not exist|authentication failed",
            N_("the server refused the user name or password"),
        ),
        (r"database \".*\" does not exist", N_("the server has no database of that name")),
        (
            r"no pg_hba\.conf entry",
            N_("the server does not accept connections from this computer"),
        ),
        (
            r"failed to resolve host|could not translate host name|"
            r"name or service not known|nodename nor servname|temporary failure in name",
            N_("the server's name could not be found"),
        ),
        (
            r"connection refused",
            N_("the server refused the connection (is PostgreSQL running there?)"),
        ),
        (
            r"network is unreachable|no route to host|host is unreachable",
            N_("the server cannot be reached on this network"),
        ),
        (
            r"timeout expired|timed out|couldn't get a connection after",
            N_("the server did not answer in time"),
        ),
        (
            r"too many clients|remaining connection slots are reserved",
            N_("the server has too many connections open"),
        ),
        (
            r"the database system is (starting up|shutting down|in recovery mode)",
            N_("the server is starting or stopping"),
        ),
        (
            r"server closed the connection|terminating connection|connection is lost|"
            r"connection is closed|consuming input failed|connection reset",
            N_("the connection to the server was lost"),
        ),
    )
)


def reason(err: BaseException) -> str:
    """A lower-case phrase without a final stop, for "… cannot be reached: {reason}."."""
    text = redact(" ".join(str(err).split()))
    lowered = text.lower()
    for pattern, phrase in _KNOWN:
        if pattern.search(lowered):
            return phrase
    return text[:300].rstrip(".") or type(err).__name__


def unreachable(display: str, why: str) -> str:
    """The sentence for a shared history that cannot be reached (its error, and the
    warning while a counter works on its own history): one catalogue entry for both."""
    return N_("The shared history at {display} cannot be reached: {why}.").format(
        display=display, why=why.rstrip(".")
    )
