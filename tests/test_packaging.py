"""Light checks of the packaging files; no build here (CI: packaging/ci_build_and_smoke.sh).

The spec parses and makes exactly the two executables in one folder; the exclusion rules
keep what the window needs and drop what it does not; the models are refused unless their
sums match; the licence texts of the bundled parts are collected (and the build stops when
a required one has none); the icon files
have the sizes the platforms need and match what packaging/make_icon.py draws; the Linux
desktop entry is valid.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import importlib
import importlib.metadata
import runpy
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "idphoto.spec"
ICONS = ROOT / "resources" / "icons"
DESKTOP = PACKAGING / "idphoto-desktop.desktop"


@pytest.fixture(scope="module")
def rules() -> Iterator[object]:
    sys.path.insert(0, str(PACKAGING))
    try:
        yield importlib.import_module("bundle_rules")
    finally:
        sys.path.remove(str(PACKAGING))


@pytest.fixture(scope="module")
def make_icon() -> Iterator[object]:
    sys.path.insert(0, str(PACKAGING))
    try:
        yield importlib.import_module("make_icon")
    finally:
        sys.path.remove(str(PACKAGING))


# -- the spec --------------------------------------------------------------------------


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def _module_constants(tree: ast.Module) -> dict[str, object]:
    constants: dict[str, object] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
        ):
            constants[node.targets[0].id] = node.value.value
    return constants


def _keyword(call: ast.Call, name: str, constants: dict[str, object]) -> object:
    for kw in call.keywords:
        if kw.arg == name:
            if isinstance(kw.value, ast.Constant):
                return kw.value.value
            if isinstance(kw.value, ast.Name):
                return constants.get(kw.value.id, kw.value.id)
    raise AssertionError(f"{name}= not given")


def test_spec_makes_the_window_and_the_command_line_in_one_folder() -> None:
    # GIVEN the spec, parsed as the Python that PyInstaller runs
    tree = ast.parse(SPEC.read_text("utf-8"), filename=str(SPEC))
    constants = _module_constants(tree)
    # THEN it makes two executables, one windowed and one console, collected once
    exes = {_keyword(c, "name", constants): _keyword(c, "console", constants)
            for c in _calls(tree, "EXE")}
    assert exes == {"idphoto-desktop": False, "idphoto": True}
    collects = _calls(tree, "COLLECT")
    assert len(collects) == 1
    assert _keyword(collects[0], "name", constants) == "idphoto-desktop"
    collected = {a.id for a in collects[0].args if isinstance(a, ast.Name)}
    assert {"gui_exe", "cli_exe"} <= collected
    # AND two analyses, one per launcher, with no runtime hook: the frozen app finds its
    # models itself (storage.paths.bundled_models_dir)
    assert len(_calls(tree, "Analysis")) == 2
    assert "rthooks" not in SPEC.read_text("utf-8")
    assert not (PACKAGING / "rthooks").exists()


def test_launchers_call_the_same_entry_points_as_the_installed_scripts() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    scripts = pyproject["project"]["scripts"] | pyproject["project"]["gui-scripts"]
    launchers = {
        "idphoto": PACKAGING / "launchers" / "idphoto_cli.py",
        "idphoto-desktop": PACKAGING / "launchers" / "idphoto_desktop_gui.py",
    }
    for command, launcher in launchers.items():
        module, func = scripts[command].split(":")
        tree = ast.parse(launcher.read_text("utf-8"))
        imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
        assert [(n.module, [a.name for a in n.names]) for n in imports] == [(module, [func])]
        assert callable(getattr(importlib.import_module(module), func))


def test_app_imports_no_qt_module_that_the_bundle_excludes(rules: object) -> None:
    # The spec stops the build on this too; here a developer learns it without building.
    rules.check_no_excluded_qt(ROOT / "idphoto_desktop")  # type: ignore[attr-defined]
    used = rules.qt_modules_used(ROOT / "idphoto_desktop")  # type: ignore[attr-defined]
    assert {"QtCore", "QtGui", "QtWidgets"} <= used


def test_excluded_qt_import_stops_the_build(rules: object, tmp_path: Path) -> None:
    (tmp_path / "view.py").write_text("from PySide6.QtNetwork import QNetworkAccessManager\n")
    with pytest.raises(rules.BundleError, match="QtNetwork"):  # type: ignore[attr-defined]
        rules.check_no_excluded_qt(tmp_path)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt/lib/libQt6WaylandClient.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforms/libqminimal.so",
        "PySide6\\plugins\\platforms\\qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so",
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
        "PySide6\\Qt6Widgets.dll",
        "PySide6/Qt/lib/QtGui.framework/Versions/A/QtGui",
        "cv2/cv2.abi3.so",
        "models/face_landmark.tflite",
    ],
)
def test_bundle_keeps_what_the_window_needs(rules: object, dest: str) -> None:
    assert rules.keep(dest)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6Network.so.6",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6",
        "PySide6\\Qt6Network.dll",
        "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/generic/libqtuiotouchplugin.so",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/translations/qt_ja.qm",
        "PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so",
    ],
)
def test_bundle_drops_what_the_window_does_not_use(rules: object, dest: str) -> None:
    assert not rules.keep(dest)  # type: ignore[attr-defined]


def test_orphaned_libraries_go_with_their_plugin_and_shared_ones_stay(rules: object) -> None:
    # GIVEN a dropped GTK theme plugin linking gtk (alone) and glib (shared with Qt Core)
    links = {
        "/q/libqgtk3.so": {"/s/libgtk-3.so.0", "/s/libglib-2.0.so.0"},
        "/s/libgtk-3.so.0": {"/s/libglib-2.0.so.0"},
        "/q/libQt6Core.so.6": {"/s/libglib-2.0.so.0"},
        "/s/libglib-2.0.so.0": set(),
    }
    kept = [
        ("libQt6Core.so.6", "/q/libQt6Core.so.6", "BINARY"),
        ("libgtk-3.so.0", "/s/libgtk-3.so.0", "BINARY"),
        ("libglib-2.0.so.0", "/s/libglib-2.0.so.0", "BINARY"),
        ("presets.json", "/p/presets.json", "DATA"),
    ]
    dropped = [("plugins/platformthemes/libqgtk3.so", "/q/libqgtk3.so", "BINARY")]
    # WHEN orphans are removed
    result = rules.without_orphans(kept, dropped, lambda p: links.get(p, set()))  # type: ignore[attr-defined]
    # THEN gtk goes, glib (still needed by Qt Core) and the data file stay
    assert [e[0] for e in result] == ["libQt6Core.so.6", "libglib-2.0.so.0", "presets.json"]


def test_keyring_backends_are_named_for_every_platform(rules: object) -> None:
    for platform in ("linux", "win32", "darwin"):
        names = rules.keyring_hidden_imports(platform)  # type: ignore[attr-defined]
        for backend in ("SecretService", "Windows", "macOS", "kwallet", "libsecret", "fail",
                        "null"):
            assert f"keyring.backends.{backend}" in names
            importlib.import_module(f"keyring.backends.{backend}")  # each one exists
    assert "secretstorage" in rules.keyring_hidden_imports("linux")  # type: ignore[attr-defined]


# -- models ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    name: str
    sha256: str
    size: int


def test_models_are_bundled_only_when_their_sums_match(
    rules: object, tmp_path: Path, models_dir: Path
) -> None:
    from idphoto_desktop.engines.offline.models import MODEL_FILES

    found = rules.verified_models(models_dir, MODEL_FILES, "shared")  # type: ignore[attr-defined]
    assert sorted(p.name for p in found) == sorted(MODEL_FILES)

    good = b"model bytes"
    (tmp_path / "m.tflite").write_bytes(good)
    table = {"m": _Model("m.tflite", hashlib.sha256(good).hexdigest(), len(good))}
    assert rules.verified_models(tmp_path, table, "tmp") == [tmp_path / "m.tflite"]  # type: ignore[attr-defined]

    (tmp_path / "m.tflite").write_bytes(b"model bytez")  # same size, other bytes
    with pytest.raises(rules.BundleError, match="SHA-256"):  # type: ignore[attr-defined]
        rules.verified_models(tmp_path, table, "tmp")  # type: ignore[attr-defined]
    (tmp_path / "m.tflite").unlink()
    with pytest.raises(rules.BundleError, match="idphoto models"):  # type: ignore[attr-defined]
        rules.verified_models(tmp_path, table, "tmp")  # type: ignore[attr-defined]


# -- licences --------------------------------------------------------------------------


def test_licence_texts_of_every_required_part_are_collected(
    rules: object, tmp_path: Path
) -> None:
    # GIVEN the distributions a Linux bundle must carry (all installed in the venv)
    required = rules.required_licences("linux")  # type: ignore[attr-defined]
    folder = tmp_path / "licenses"
    # WHEN the spec's step writes them
    written = rules.write_licences(folder, {"cffi"}, required)  # type: ignore[attr-defined]
    # THEN every file is there, named <dist>-<version>-<file>, and README.txt lists them
    assert sorted(written) == sorted(p.name for p in folder.iterdir())
    readme = (folder / "README.txt").read_text("utf-8")
    assert all(name in readme for name in written if name != "README.txt")
    for dist in [*required, "cffi"]:
        project = importlib.metadata.distribution(dist)
        prefix = f"{project.metadata['Name']}-{project.version}-"
        assert any(n.startswith(prefix) for n in written), dist
    # AND PySide6, whose wheel ships none, gets the LGPL-3.0 and GPL-3.0 texts
    lgpl = [n for n in written if n.startswith("PySide6_Essentials-") and "LGPL-3.0" in n]
    assert lgpl and "GNU LESSER GENERAL PUBLIC LICENSE" in (folder / lgpl[0]).read_text()
    assert any(n.startswith("shiboken6-") and n.endswith("GPL-3.0.txt") for n in written)
    # AND a file shipped both in the dist-info and in the package is there once
    assert len([n for n in written if n.startswith("opencv") and "3RD" not in n]) == 1
    # AND the interpreter's own licence (libpython and the stdlib are bundled)
    assert any(n.startswith("Python-") and n.endswith("LICENSE.txt") for n in written)
    # AND the MediaPipe models have their notice and the Apache-2.0 text
    notice = (folder / "mediapipe-0.10.21-NOTICE.txt").read_text("utf-8")
    assert "mediapipe==0.10.21" in notice and "face_landmark.tflite" in notice
    apache = (folder / "mediapipe-0.10.21-LICENSE-Apache-2.0.txt").read_text("utf-8")
    assert "Apache License" in apache and "Version 2.0" in apache


def test_repository_licence_texts_are_the_published_ones(rules: object) -> None:
    sums = {
        "Apache-2.0.txt": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
        "GPL-3.0.txt": "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986",
        "LGPL-3.0.txt": "e3a994d82e644b03a792a930f574002658412f62407f5fee083f2555c5f23118",
    }
    for name, sha in sums.items():
        assert rules.sha256_of(PACKAGING / "licenses" / name) == sha, name  # type: ignore[attr-defined]


def test_required_part_without_a_licence_stops_the_build(
    rules: object, tmp_path: Path
) -> None:
    class NoLicence(importlib.metadata.Distribution):
        """Installed with METADATA only: no RECORD, so no files and no licence."""

        def read_text(self, filename: str) -> str | None:
            if filename == "METADATA":
                return "Metadata-Version: 2.1\nName: bare-dist\nVersion: 1.0\nLicense: MIT\n"
            return None

        def locate_file(self, path: object) -> Path:
            return tmp_path / str(path)

    def find(name: str) -> importlib.metadata.Distribution:
        if name == "bare-dist":
            return NoLicence()
        raise importlib.metadata.PackageNotFoundError(name)

    folder = tmp_path / "licenses"
    # GIVEN an optional part without one: it is left out of the index, no error
    written = rules.write_licences(folder, {"bare-dist"}, [], find=find)  # type: ignore[attr-defined]
    assert not any(n.startswith("bare-dist") for n in written)
    # GIVEN a required one: the build stops and says what to do
    with pytest.raises(rules.BundleError, match=r"no licence file found for bare-dist 1\.0"):  # type: ignore[attr-defined]
        rules.write_licences(folder, set(), ["bare-dist"], find=find)  # type: ignore[attr-defined]
    # GIVEN a required one that is not installed at all
    with pytest.raises(rules.BundleError, match="not installed"):  # type: ignore[attr-defined]
        rules.write_licences(folder, set(), ["absent-dist"], find=find)  # type: ignore[attr-defined]


def test_bundled_distributions_are_found_from_module_names(rules: object) -> None:
    found = rules.bundled_distributions(  # type: ignore[attr-defined]
        ["PySide6.QtCore", "cv2/cv2.abi3.so", "numpy\\_core\\x.pyd", "json", "idna.core"]
    )
    assert {"pyside6-essentials", "opencv-python-headless", "numpy", "idna"} <= found
    assert "json" not in found


# -- icon and desktop entry ------------------------------------------------------------


def test_icon_files_have_the_sizes_the_platforms_need() -> None:
    with Image.open(ICONS / "idphoto-desktop.png") as png:
        assert png.format == "PNG"
        assert png.size == (512, 512)
        assert png.mode == "RGBA"
        assert png.getpixel((0, 0))[3] == 0  # rounded corners are transparent
        assert png.getpixel((256, 256))[3] == 255
    with Image.open(ICONS / "idphoto-desktop.ico") as ico:
        assert ico.format == "ICO"
        assert set(ico.info["sizes"]) >= {(n, n) for n in (16, 24, 32, 48, 64, 128, 256)}
    for path in (ICONS / "idphoto-desktop.png", ICONS / "idphoto-desktop.ico"):
        assert path.stat().st_size < 100_000


def test_committed_icon_is_what_make_icon_draws(make_icon: object, tmp_path: Path) -> None:
    written = make_icon.write(tmp_path)  # type: ignore[attr-defined]
    assert [p.name for p in written] == ["idphoto-desktop.png", "idphoto-desktop.ico"]
    with Image.open(tmp_path / "idphoto-desktop.png") as fresh, \
            Image.open(ICONS / "idphoto-desktop.png") as committed:
        diff = ImageChops.difference(fresh.convert("RGBA"), committed.convert("RGBA"))
        assert max(hi for _lo, hi in diff.getextrema()) <= 2, "run packaging/make_icon.py"


def test_desktop_entry_names_the_app_and_its_icon() -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "idphoto-desktop"
    assert entry["Icon"] == "idphoto-desktop"
    assert (ICONS / f"{entry['Icon']}.png").is_file()
    assert entry["Terminal"] == "false"
    assert entry["Name[zh_CN]"]


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate not installed (apt-get install desktop-file-utils)",
)
def test_desktop_entry_passes_desktop_file_validate() -> None:
    proc = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "", proc.stdout  # no warnings or hints either


# -- scripts ---------------------------------------------------------------------------


def test_pyinstaller_is_pinned() -> None:
    lines = [
        line.strip()
        for line in (PACKAGING / "requirements.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert any(line.startswith("pyinstaller==") for line in lines)
    assert all("==" in line for line in lines), lines


@pytest.mark.parametrize(
    "script", ["build.sh", "ci_build_and_smoke.sh", "install-desktop-entry.sh"]
)
def test_shell_scripts_parse(script: str) -> None:
    shell = "sh" if script == "install-desktop-entry.sh" else "bash"
    proc = subprocess.run(
        [shell, "-n", str(PACKAGING / script)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_smoke_test_parses_and_knows_its_photo() -> None:
    ast.parse((PACKAGING / "smoke_test.py").read_text("utf-8"))
    smoke = runpy.run_path(str(PACKAGING / "smoke_test.py"), run_name="smoke_test")
    assert smoke["DEFAULT_PHOTO"].is_file()


def test_desktop_entry_installer_points_the_menu_at_the_bundle(tmp_path: Path) -> None:
    # GIVEN an unpacked bundle in a folder whose path has a space
    bundle = tmp_path / "Apps dir" / "idphoto-desktop"
    bundle.mkdir(parents=True)
    for source in (PACKAGING / "install-desktop-entry.sh", DESKTOP, ICONS / "idphoto-desktop.png"):
        shutil.copy2(source, bundle / source.name)
    (bundle / "idphoto-desktop").write_text("#!/bin/sh\n")
    (bundle / "idphoto-desktop").chmod(0o755)
    data = tmp_path / "xdg-data"
    # WHEN the clerk's administrator runs the installer
    proc = subprocess.run(
        ["sh", str(bundle / "install-desktop-entry.sh")],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(data)},
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # THEN the menu entry runs this bundle's window and the icon is in the user's theme
    installed = data / "applications" / "idphoto-desktop.desktop"
    lines = installed.read_text("utf-8").splitlines()
    assert f'Exec="{bundle}/idphoto-desktop" %f' in lines  # "Open with" passes the photo
    assert (data / "icons" / "hicolor" / "512x512" / "apps" / "idphoto-desktop.png").is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(installed)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout
