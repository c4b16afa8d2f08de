"""Shared test fixtures: the shared material in place, and a private app home per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt must never look for a real display unless a test starts Xvfb itself.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("IDPHOTO_SHARED", ROOT.parent / "shared")).resolve()

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.sandbox",
    "tests.fixtures.ui",
]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED}: tests use the shared material in place")
    return SHARED


@pytest.fixture(scope="session")
def photos_dir(shared_dir: Path) -> Path:
    return shared_dir / "photos"


@pytest.fixture(scope="session")
def models_dir(shared_dir: Path) -> Path:
    return shared_dir / "models"


@pytest.fixture(scope="session")
def all_photos(photos_dir: Path) -> list[Path]:
    photos = sorted(p for p in photos_dir.iterdir() if p.suffix.lower() in {".jpg", ".png"})
    assert len(photos) >= 10
    return photos


@pytest.fixture(autouse=True)
def private_app_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, models_dir: Path
) -> Iterator[Path]:
    """Every test writes settings, history and logs to its own folder, never the user's."""
    home = tmp_path_factory.mktemp("app-home")
    monkeypatch.setenv("IDPHOTO_HOME", str(home))
    monkeypatch.setenv("IDPHOTO_MODELS_DIR", str(models_dir))
    monkeypatch.delenv("IDPHOTO_TOKEN", raising=False)
    monkeypatch.delenv("IDPHOTO_DATABASE_URL", raising=False)  # never a real shared history
    monkeypatch.delenv("IDPHOTO_COUNTER", raising=False)
    yield home
