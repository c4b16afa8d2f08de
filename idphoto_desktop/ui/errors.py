"""One way to tell the clerk that something failed.

Every failure shown in the window goes through :func:`clerk_text`: an
:class:`IdPhotoError` is the clerk's situation, shown in its own words (message and
hint); anything else is a bug, shown as a short apology (the task runner has already
logged it at ERROR with its traceback, see ``workers.log_failure``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from idphoto_desktop.core.errors import IdPhotoError, StorageError


def clerk_text(error: BaseException) -> str:
    """What the clerk reads: our message and hint, never a traceback."""
    if isinstance(error, IdPhotoError):
        return error.full_text()
    return QCoreApplication.translate(
        "MainWindow",
        "Something went wrong ({0}). The photo and your choices are kept; try again, and "
        "if it happens again send the log file to support.",
    ).format(type(error).__name__)


def write_failure(error: BaseException, target: Path) -> BaseException:
    """A failed write of ``target`` as the clerk's error: the system's reason in the
    clerk's words (``core.oswords``), never "[Errno 28] …". Our own errors pass through:
    an OutputExistsError already says which file exists and what to do."""
    if not isinstance(error, OSError) or isinstance(error, IdPhotoError):
        return error
    from idphoto_desktop.core.i18n import translate
    from idphoto_desktop.core.oswords import reason

    return StorageError(
        QCoreApplication.translate("Errors", "{0} could not be written: {1}.").format(
            target, translate(reason(error))
        )
    )
