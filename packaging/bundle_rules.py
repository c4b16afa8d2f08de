"""What goes into the frozen bundle and what stays out: the rules packaging/idphoto.spec uses.

Kept apart from the spec (which PyInstaller executes as a whole) so that
tests/test_packaging.py can check the rules without building anything.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

# A PyInstaller TOC entry: (name in the bundle, source path, type code).
TocEntry = tuple[str, str, str]


class BundleError(Exception):
    """The build must stop: the message says why and what to do."""


class ModelInfo(Protocol):
    """What the spec needs of idphoto_desktop.engines.offline.models.ModelFile."""

    name: str
    sha256: str
    size: int


# ------------------------------------------------------------------------------------------
# Qt
# ------------------------------------------------------------------------------------------
UNUSED_QT: tuple[str, ...] = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDBus", "QtDesigner",
    "QtGraphs", "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLocation", "QtMultimedia",
    "QtMultimediaWidgets", "QtNetwork", "QtNetworkAuth", "QtNfc", "QtOpenGL",
    "QtOpenGLWidgets", "QtPdf", "QtPdfWidgets", "QtPositioning", "QtQml", "QtQuick",
    "QtQuick3D", "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects",
    "QtScxml", "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql",
    "QtStateMachine", "QtSvg", "QtSvgWidgets", "QtTest", "QtTextToSpeech", "QtUiTools",
    "QtWebChannel", "QtWebEngineCore", "QtWebEngineQuick", "QtWebEngineWidgets",
    "QtWebSockets", "QtWebView", "QtXml",
)  # fmt: skip
"""PySide6 modules the app does not import: their Python bindings are excluded."""

KEEP_QT_LIBS = frozenset({"QtDBus", "QtOpenGL", "QtSvg"})
"""Unused as Python modules, but their C++ libraries stay: Qt6Gui links Qt6DBus, and the
Wayland client plugins link Qt6OpenGL and Qt6Svg."""

_LIB_NAMES = "|".join(m[2:] for m in UNUSED_QT if m not in KEEP_QT_LIBS)
DROP_PATTERNS: tuple[str, ...] = (
    # libQt6Quick.so.6, Qt6Quick.dll, QtQuick.framework/... (wherever they sit).
    rf"/(lib)?Qt6?({_LIB_NAMES}|EglFSDeviceIntegration|EglFsKmsSupport)"
    r"(\.so[.\d]*|\.dll|\.framework/.*)$",
    # Plugins for features the app does not use (networking, SQL, kiosk/embedded input).
    r"/plugins/(tls|networkinformation|sqldrivers|multimedia|position|sensors|qmltooling"
    r"|canbus|texttospeech|webview|sceneparsers|renderers|geometryloaders|scenegraph"
    r"|renderplugins|designer|assetimporters|help|qmllint|virtualkeyboard"
    r"|egldeviceintegrations|generic)/",
    # Embedded/kiosk platforms.
    r"/plugins/platforms/[^/]*(qeglfs|qlinuxfb|qvnc|qvkkhrdisplay|qminimalegl)[^/]*$",
    # The GTK3 theme drags the build machine's whole GTK stack into the bundle; Qt's own
    # dialogs are used instead.
    r"/plugins/platformthemes/[^/]*gtk3[^/]*$",
    r"/qml/",
    # Qt's own translations: English (built in) and Simplified Chinese stay.
    r"/translations/(?!(qt|qtbase)_zh_CN\.qm$)[^/]+\.qm$",
)
"""Bundle paths (``/``-separated) to leave out. What stays: the xcb and Wayland platforms
(and offscreen, minimal), image formats, SVG icons, input methods (ibus, for Chinese
input), the XDG portal theme, and printing support if the app ever imports it."""

_DROP = tuple(re.compile(p) for p in DROP_PATTERNS)


def keep(dest_name: str) -> bool:
    """False for a bundle path that :data:`DROP_PATTERNS` leaves out."""
    dest = "/" + dest_name.replace("\\", "/")
    return not any(p.search(dest) for p in _DROP)


def qt_modules_used(package_dir: Path) -> set[str]:
    """Qt module names on any line of the package's source that mentions PySide6."""
    used: set[str] = set()
    for source in sorted(package_dir.rglob("*.py")):
        for line in source.read_text("utf-8").splitlines():
            if "PySide6" in line:
                used.update(re.findall(r"\bQt[A-Z0-9]\w*", line))
    return used


def check_no_excluded_qt(package_dir: Path, excluded: Iterable[str] = UNUSED_QT) -> None:
    """Stop the build if the app imports a Qt module the spec excludes as unused.

    Better a clear build error than a frozen app that fails with ImportError at run time.
    """
    clash = sorted(qt_modules_used(package_dir) & set(excluded))
    if clash:
        raise BundleError(
            "the app imports " + ", ".join(clash) + ", which packaging/bundle_rules.py "
            "excludes as unused: remove it from UNUSED_QT."
        )


Deps = Callable[[str], set[str]]


def bindepend_deps() -> Deps:
    """Real paths of the libraries a binary links to, transitively (PyInstaller's reader)."""
    from PyInstaller.depend import bindepend  # type: ignore[import-untyped]

    memo: dict[str, set[str]] = {}

    def deps(path: str) -> set[str]:
        path = os.path.realpath(path)
        if path not in memo:
            memo[path] = set()
            try:
                found = bindepend.get_imports(path)
            except Exception:  # not a binary PyInstaller can read: it links nothing
                found = []
            for _name, full in found:
                if full:
                    memo[path].add(os.path.realpath(full))
                    memo[path] |= deps(full)
        return memo[path]

    return deps


def without_orphans(
    binaries: Sequence[TocEntry], dropped: Sequence[TocEntry], deps: Deps
) -> list[TocEntry]:
    """``binaries`` less the libraries that only ``dropped`` entries linked to.

    Dropping a plugin leaves behind the libraries PyInstaller collected for it (the GTK3
    theme alone brings GTK, cairo, pango, atk...). A library goes only when something
    dropped needs it and nothing kept for its own sake does.
    """

    def is_binary(entry: TocEntry) -> bool:
        return entry[2] in ("BINARY", "EXTENSION")

    candidates: set[str] = set()
    for entry in dropped:
        if is_binary(entry):
            candidates |= deps(entry[1])
    needed: set[str] = set()
    for entry in binaries:
        path = os.path.realpath(entry[1])
        if is_binary(entry) and path not in candidates:
            needed |= deps(path)
    orphans = candidates - needed
    return [e for e in binaries if os.path.realpath(e[1]) not in orphans]


# ------------------------------------------------------------------------------------------
# Python modules
# ------------------------------------------------------------------------------------------
def keyring_hidden_imports(platform: str) -> list[str]:
    """keyring backends, named: keyring finds them through entry points, which a frozen
    build may not carry, so the token store names them itself (choose_backend)."""
    names = [
        "keyring.backends.SecretService",
        "keyring.backends.Windows",
        "keyring.backends.macOS",
        "keyring.backends.kwallet",
        "keyring.backends.libsecret",
        "keyring.backends.fail",
        "keyring.backends.null",
        "keyring.backends.chainer",
    ]
    if platform.startswith("linux"):
        names += ["secretstorage", "jeepney", "jeepney.io.blocking"]
    return names


EXCLUDES: tuple[str, ...] = (
    "tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "hypothesis", "mypy", "ruff",
    "IPython", "matplotlib", "PyInstaller", "setuptools", "pkg_resources", "pip",
    "lib2to3", "pydoc_data",
)  # fmt: skip
"""Python modules nothing in the app needs at run time (dev tools, stdlib GUI toolkits)."""


# ------------------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------------------
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified_models(folder: Path, table: Mapping[str, ModelInfo], where: str) -> list[Path]:
    """The model files in ``folder``, each checked for size and SHA-256, or a BundleError."""
    found: list[Path] = []
    for model in table.values():
        path = folder / model.name
        if not path.is_file():
            raise BundleError(
                f"{model.name} is missing from {where}. Run `.venv/bin/idphoto models` once, "
                "or set IDPHOTO_MODELS_DIR to a folder with the three verified model files."
            )
        if path.stat().st_size != model.size or sha256_of(path) != model.sha256:
            raise BundleError(f"{path} does not match its published SHA-256 sum; not bundled.")
        found.append(path)
    return found


# ------------------------------------------------------------------------------------------
# After assembly
# ------------------------------------------------------------------------------------------
def strip_python_debug_info(bundle: Path) -> int:
    """Remove debug sections from the bundled libpython (Linux); returns bytes saved.

    A Python built from source (pyenv) ships libpython with ~17 MB of DWARF data. Only
    debug sections go (``strip --strip-debug``), only from libpython, which no auditwheel
    ``patchelf`` has touched; wheels' own libraries are left alone, since stripping
    patched ELF files can break them.
    """
    strip = shutil.which("strip")
    if strip is None:
        return 0
    saved = 0
    for lib in sorted(bundle.rglob("libpython3*.so*")):
        if lib.is_symlink() or not lib.is_file():
            continue
        before = lib.stat().st_size
        subprocess.run([strip, "--strip-debug", str(lib)], check=True)  # noqa: S603
        saved += before - lib.stat().st_size
    return saved
