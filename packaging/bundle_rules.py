"""What goes into the frozen bundle and what stays out: the rules packaging/idphoto.spec uses.

Kept apart from the spec (which PyInstaller executes as a whole) so that
tests/test_packaging.py can check the rules without building anything.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from idphoto_desktop.engines.offline.models import sha256_of

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
# Third-party licence texts
# ------------------------------------------------------------------------------------------
LICENCE_TEXTS = Path(__file__).resolve().parent / "licenses"
"""Verbatim licence texts kept in the repository (FSF's GPL-3.0 and LGPL-3.0, Apache's
2.0), for parts whose wheels ship none: see :data:`LICENCE_FALLBACKS`."""

REQUIRED_LICENCES: tuple[str, ...] = (
    "PySide6-Essentials", "shiboken6", "opencv-python-headless", "numpy", "pillow",
    "pillow-heif", "keyring", "platformdirs", "certifi",
)  # fmt: skip
"""Distributions whose licence texts must be in every bundle, or the build stops."""

REQUIRED_LICENCES_LINUX: tuple[str, ...] = ("secretstorage", "jeepney", "cryptography")
"""Only Linux bundles carry the Secret Service keyring backend and what it needs."""

LICENCE_FALLBACKS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    # The PySide6-Essentials and shiboken6 wheels ship no licence file at all (their
    # METADATA only says "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only"). The app uses
    # them under the LGPL-3.0, which is the GPL-3.0 plus additional permissions: both texts.
    "pyside6-essentials": ("LGPL-3.0", ("LGPL-3.0.txt", "GPL-3.0.txt")),
    "shiboken6": ("LGPL-3.0", ("LGPL-3.0.txt", "GPL-3.0.txt")),
}
"""Normalised distribution name -> (the licence its METADATA must name, repository texts)."""

MEDIAPIPE_ORIGIN = "mediapipe==0.10.21"

_LICENCE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)


# An openly licensed font with Chinese characters (Apache-2.0 or GPL-3 with the font
# exception), from Debian's fonts-wqy-microhei, which scripts/setup.sh installs.
CJK_FONT_FILES = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
CJK_FONT_COPYRIGHT = Path("/usr/share/doc/fonts-wqy-microhei/copyright")


def cjk_font(
    candidates: Iterable[Path] = CJK_FONT_FILES, copyright_file: Path = CJK_FONT_COPYRIGHT
) -> tuple[Path, Path]:
    """The CJK font to bundle and its licence text; BundleError when either is missing."""
    override = os.environ.get("IDPHOTO_CJK_FONT")
    paths = [Path(override)] if override else list(candidates)
    font = next((p for p in paths if p.is_file()), None)
    if font is None:
        raise BundleError(
            "no CJK font to bundle: install fonts-wqy-microhei (scripts/setup.sh does) "
            "or set IDPHOTO_CJK_FONT"
        )
    if not copyright_file.is_file():
        raise BundleError(f"the CJK font's licence text {copyright_file} is missing")
    return font, copyright_file


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them (``Pillow`` == ``pillow``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def required_licences(platform: str) -> list[str]:
    names = list(REQUIRED_LICENCES)
    if platform.startswith("linux"):
        names += REQUIRED_LICENCES_LINUX
    return names


def bundled_distributions(modules: Iterable[str]) -> set[str]:
    """Normalised names of the installed distributions that provide these modules.

    ``modules`` may be dotted module names (``PySide6.QtCore``) or the bundle paths of
    extension modules (``cv2/cv2.abi3.so``): only the top-level name counts.
    """
    owners = metadata.packages_distributions()
    found: set[str] = set()
    for module in modules:
        top = module.replace("\\", "/").split("/")[0].split(".")[0]
        for dist in owners.get(top, []):
            found.add(normalise(dist))
    return found


def licence_files(dist: metadata.Distribution) -> list[tuple[str, Path]]:
    """(name part, path) of each licence file a distribution installed, duplicates dropped.

    A licence file is anything under a ``licenses/`` folder of the dist-info (PEP 639), or a
    file named LICENSE*, LICENCE*, COPYING* or NOTICE* in the dist-info or the package.
    """
    found: list[tuple[str, Path]] = []
    seen: set[str] = set()
    # The dist-info's own copies first: they win over the same text inside the package.
    files = sorted(dist.files or [], key=lambda f: (".dist-info/" not in f"{f}/", str(f)))
    for entry in files:
        parts = entry.parts
        if "licenses" in parts[:-1] and parts[0].endswith(".dist-info"):
            name = "_".join(parts[parts.index("licenses") + 1 :])
        elif _LICENCE_NAME.match(parts[-1]):
            name = parts[-1]
        else:
            continue
        path = Path(str(dist.locate_file(entry)))
        if not path.is_file():
            continue
        digest = sha256_of(path)
        if digest in seen:
            continue
        seen.add(digest)
        found.append((name, path))
    return found


def _field(dist: metadata.Distribution, key: str) -> str:
    values = dist.metadata.get_all(key) or []
    return str(values[0]).strip() if values else ""


def _fallback_files(dist: metadata.Distribution, texts: Path) -> list[tuple[str, Path]]:
    rule = LICENCE_FALLBACKS.get(normalise(dist.metadata["Name"]))
    if rule is None:
        return []
    spdx, names = rule
    declared = f"{_field(dist, 'License-Expression')} {_field(dist, 'License')}"
    if spdx not in declared:
        return []  # the licence changed: someone must look again, not ship the old text
    return [(name, texts / name) for name in names if (texts / name).is_file()]


def python_licence() -> Path | None:
    """The interpreter's own LICENSE.txt (the bundle carries libpython and its stdlib)."""
    for folder in (Path(sysconfig.get_paths()["stdlib"]), Path(sys.base_prefix)):
        if (folder / "LICENSE.txt").is_file():
            return folder / "LICENSE.txt"
    return None


MEDIAPIPE_NOTICE = """\
MediaPipe face models
=====================

ID Photo Desktop bundles three TensorFlow Lite models from Google's MediaPipe, unmodified:

  models/face_detection_short_range.tflite  (mediapipe/modules/face_detection/)
  models/selfie_segmentation.tflite         (mediapipe/modules/selfie_segmentation/)
  models/face_landmark.tflite               (mediapipe/modules/face_landmark/)

They are byte-identical to the files inside Google's {origin} wheels on PyPI
(https://pypi.org/project/mediapipe/0.10.21/); their SHA-256 sums are checked when the
application is built and again when it loads them.

Copyright The MediaPipe Authors.
https://github.com/google-ai-edge/mediapipe

Licensed under the Apache License, Version 2.0 (the "License"); you may not use these
files except in compliance with the License. A copy of the License is in
mediapipe-0.10.21-LICENSE-Apache-2.0.txt in this folder, and at
http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software distributed under the
License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,
either express or implied. See the License for the specific language governing
permissions and limitations under the License.
"""


def write_licences(
    folder: Path,
    dists: Collection[str],
    required: Collection[str],
    *,
    texts: Path = LICENCE_TEXTS,
    find: Callable[[str], metadata.Distribution] = metadata.distribution,
) -> list[str]:
    """Copy the licence texts of ``dists`` (and of every ``required`` one) into ``folder``.

    One file per licence file of each distribution, named ``<dist>-<version>-<file>``, the
    interpreter's own LICENSE.txt, the MediaPipe notice with the Apache-2.0 text, and
    ``README.txt`` listing them all. Raises BundleError if a required distribution is not
    installed or has no licence text.
    Returns the file names written (README.txt last).
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    wanted = sorted({normalise(d) for d in dists} | {normalise(d) for d in required})
    must = {normalise(d) for d in required}
    index: list[str] = []
    written: list[str] = []
    for name in wanted:
        try:
            dist = find(name)
        except metadata.PackageNotFoundError:
            if name in must:
                raise BundleError(
                    f"{name} must be in the bundle with its licence, but it is not installed "
                    "in this environment."
                ) from None
            continue
        project, version = dist.metadata["Name"], dist.version
        files = licence_files(dist)
        from_repo = not files
        if from_repo:
            files = _fallback_files(dist, texts)
        if not files:
            if name in must:
                raise BundleError(
                    f"no licence file found for {project} {version}: its dist-info has no "
                    "licenses/ folder and no LICENSE*, COPYING* or NOTICE* file. Add its "
                    "licence text to packaging/licenses/ and to LICENCE_FALLBACKS in "
                    "packaging/bundle_rules.py (after checking which licence applies)."
                )
            continue
        names = []
        for part, source in files:
            target = f"{project}-{version}-{part}"
            shutil.copyfile(source, folder / target)
            names.append(target)
        written += names
        declared = _field(dist, "License-Expression") or _field(dist, "License")
        declared = declared if len(declared) <= 80 else ""  # some put the whole text here
        note = " (text from packaging/licenses/: the wheel ships none)" if from_repo else ""
        index.append(f"{project} {version}" + (f"  [{declared}]" if declared else "") + note)
        index += [f"    {n}" for n in names]
    interpreter = python_licence()
    if interpreter is not None:
        target = f"Python-{platform.python_version()}-LICENSE.txt"
        shutil.copyfile(interpreter, folder / target)
        written.append(target)
        index += [f"Python {platform.python_version()}  [PSF-2.0]", f"    {target}"]
    mediapipe = f"{MEDIAPIPE_ORIGIN.replace('==', '-')}"
    notice, apache = f"{mediapipe}-NOTICE.txt", f"{mediapipe}-LICENSE-Apache-2.0.txt"
    (folder / notice).write_text(MEDIAPIPE_NOTICE.format(origin=MEDIAPIPE_ORIGIN), "utf-8")
    shutil.copyfile(texts / "Apache-2.0.txt", folder / apache)
    written += [notice, apache]
    index += [f"MediaPipe face models ({MEDIAPIPE_ORIGIN} on PyPI)  [Apache-2.0]",
              f"    {notice}", f"    {apache}"]
    readme = (
        "Third-party licences\n"
        "====================\n\n"
        "ID Photo Desktop includes the parts below. Each keeps its own licence; the texts\n"
        "are in this folder, one file per licence file a part ships, named\n"
        "<part>-<version>-<file>.\n\n"
        "Qt, PySide6 and shiboken6 are used under the LGPL-3.0, as separate shared\n"
        "libraries (the PySide6/ and shiboken6/ folders of this installation); you may\n"
        "replace them with your own builds of the same version.\n\n"
        + "\n".join(index) + "\n"
    )
    (folder / "README.txt").write_text(readme, "utf-8")
    return [*written, "README.txt"]


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
