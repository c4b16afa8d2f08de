"""Why a file or database operation failed, in words the clerk can read, in any language.

Why: the reason after "could not be saved:" came straight from the system (``strerror``
or SQLite's text: "No space left on device", "database is locked"), so a Chinese window
showed it in English, and an odd one as ``[Errno 5] …``. The common reasons are said
here in the message catalogue's words (``N_``); anything else falls back to the
system's own text, cleaned.
"""

from __future__ import annotations

import errno

from idphoto_desktop.core.i18n import N_

__all__ = ["reason"]

_ERRNO = {
    errno.ENOSPC: N_("the disk is full"),
    errno.EDQUOT: N_("the disk quota is used up"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.ENOENT: N_("it was not found"),
    errno.EROFS: N_("the disk is read-only"),
    errno.EIO: N_("the disk reported a read or write error"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.EISDIR: N_("it is a folder"),
    errno.ENAMETOOLONG: N_("the name is too long"),
    errno.EBUSY: N_("it is in use by another program"),
    errno.ETXTBSY: N_("it is in use by another program"),
}

# SQLite says these in its own words (sqlite3.Error has no errno)
_SQLITE = {
    "database is locked": N_("another program is using it (the database is locked)"),
    "database table is locked": N_("another program is using it (the database is locked)"),
    "database or disk is full": N_("the disk is full"),
    "disk i/o error": N_("the disk reported a read or write error"),
    "unable to open database file": N_("the file cannot be opened"),
    "attempt to write a readonly database": N_("the file is read-only"),
    "file is not a database": N_("it is not a history file (it may be damaged)"),
    "database disk image is malformed": N_("the file is damaged"),
}


def reason(err: BaseException) -> str:
    """A lower-case phrase without a final stop, for "… could not be saved: {reason}."."""
    code = getattr(err, "errno", None)
    if isinstance(code, int) and code in _ERRNO:
        return _ERRNO[code]
    text = str(getattr(err, "strerror", None) or err).strip().rstrip(".")
    known = _SQLITE.get(text.lower())
    if known is not None:
        return known
    if not text:
        return type(err).__name__
    return text[:1].lower() + text[1:] if not text[:2].isupper() else text
