"""The sandbox server: the provider's contract served locally, for tests and training."""

from idphoto_desktop.sandbox.server import SandboxServer

__all__ = ["SandboxServer"]
