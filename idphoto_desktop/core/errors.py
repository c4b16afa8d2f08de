"""Typed errors, each with a plain message a studio clerk can act on.

Every error the core, the engines or the provider client raises derives from
:class:`IdPhotoError`. ``str(err)`` is the clerk's message; ``err.hint`` says what to
do next. No message ever contains the API token: errors are built from our own
words and from the provider's display text, never from request headers.
"""

from __future__ import annotations


class IdPhotoError(Exception):
    """Base of every error shown to the clerk."""

    default_hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    def full_text(self) -> str:
        """Message plus hint, as shown in the window and printed by the CLI."""
        return f"{self.message} {self.hint}".strip()


class ValidationError(IdPhotoError):
    """The request or the photo is not acceptable; nothing was sent."""

    default_hint = "Correct the highlighted choice and try again."


class ImageError(ValidationError):
    """The file is not a usable image (wrong type, corrupt, too large)."""

    default_hint = "Choose another photo file (JPEG, PNG, WebP, BMP, TIFF or HEIC)."


class FaceError(IdPhotoError):
    """No usable face was found in the photo."""

    default_hint = "Use a photo where one face looks straight at the camera."


class AuthenticationError(IdPhotoError):
    """The token was refused (HTTP 401/403)."""

    default_hint = "Check the API token in Preferences, or use the offline engine."


class QuotaError(IdPhotoError):
    """Rate limit or credits exhausted (HTTP 429)."""

    default_hint = "Wait a moment and try again."

    def __init__(
        self, message: str, *, hint: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class ServerError(IdPhotoError):
    """The provider answered with a server error (HTTP 5xx)."""

    default_hint = "The service has a problem; try again later or use the offline engine."


class NetworkError(IdPhotoError):
    """The service could not be reached."""

    default_hint = "Check the internet connection, or use the offline engine."


class RequestTimeoutError(NetworkError):
    """The service did not answer in time."""

    default_hint = "The service is slow; try again later or use the offline engine."


class MaybeChargedError(NetworkError):
    """The request may have reached the provider, so it is not repeated automatically.

    A second POST could cost the studio a second credit; the caller decides.
    """

    default_hint = (
        "The request may already have been received and charged; it was not repeated "
        "automatically. Press Generate again only if you accept a possible second charge."
    )


class MalformedReplyError(IdPhotoError):
    """The service answered something that is not the documented reply."""

    default_hint = "The service sent an unexpected answer; try again later."


class UnusableResultError(MalformedReplyError):
    """A result arrived (and is paid for) but cannot be the document's photo as it is.

    Why a class of its own: its bytes come along (``image``, with the file
    ``extension`` they need) so that the job keeps them in the recovery folder instead
    of dropping a paid result with the error; ``kept`` is where they went."""

    default_hint = "Generate again, or use the offline engine."

    def __init__(
        self, message: str, *, image: bytes, extension: str, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.image = image
        self.extension = extension
        self.kept: str | None = None


class TaskFailedError(IdPhotoError):
    """The provider's task ended in a failure state (negative ``state``)."""

    default_hint = "Try another photo, or the offline engine."

    def __init__(
        self, message: str, *, hint: str | None = None, state: int = -1, err_info: str = ""
    ) -> None:
        super().__init__(message, hint=hint)
        self.state = state
        self.err_info = err_info


class ResultExpiredError(IdPhotoError):
    """The result image URL no longer answers (the provider keeps results one hour)."""

    default_hint = "Generate again to get a fresh result."


class CancelledError(IdPhotoError):
    """The clerk cancelled the job."""

    default_hint = ""


class DeadlineError(RequestTimeoutError):
    """An asynchronous task did not finish before the deadline."""

    default_hint = "The service is busy; try again later or use the offline engine."


class StorageError(IdPhotoError):
    """A file or the keyring could not be written or read."""

    default_hint = "Choose another folder or check the disk."
