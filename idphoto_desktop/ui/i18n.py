"""The window's language: English (the source text) or Simplified Chinese.

Qt's own translation system: every visible string goes through ``tr()`` or
``QCoreApplication.translate()``; ``resources/i18n/*.ts`` are the sources,
``scripts/update_translations.sh`` compiles them into ``data/i18n/*.qm``, shipped with the
package. The language follows the system (``QLocale.system()``) unless the clerk chose
one in Preferences (``settings.language``: "" = system, "en", "zh_CN"); translators are
installed once, before the first widget, so a change applies at the next start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
"""Language code -> its name in that language (how a clerk recognises it in a list)."""

QM_DIR = Path(__file__).resolve().parent.parent / "data" / "i18n"
QM_PREFIX = "idphoto_"

_installed: list[QTranslator] = []  # kept alive: Qt does not own installed translators
_current = SOURCE_LANGUAGE


def choose_language(setting: str, system: QLocale | None = None) -> str:
    """The language to use: the clerk's choice, else the system's if we have it, else English."""
    if setting in LANGUAGES:
        return setting
    locale = system if system is not None else QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        # Simplified Chinese for mainland and Singapore; Traditional-script readers get
        # Simplified too (closer than English), but an explicit choice always wins.
        return "zh_CN"
    return SOURCE_LANGUAGE


def qm_path(language: str) -> Path:
    return QM_DIR / f"{QM_PREFIX}{language}.qm"


def install(language: str, app: QCoreApplication | None = None) -> bool:
    """Install the app's and Qt's own translations for ``language``; True if ours loaded.

    English needs none. A missing or unreadable ``.qm`` leaves the window in English
    and logs why: a language must never stop the app from starting.
    """
    remove()
    app = app if app is not None else QCoreApplication.instance()
    if app is None or language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return False
    ours = QTranslator(app)
    loaded = ours.load(str(qm_path(language)))
    if loaded:
        app.installTranslator(ours)
        _installed.append(ours)
    else:
        log.warning("No translation file for %s at %s; using English", language, qm_path(language))
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{language}", qt_dir):  # standard buttons, dialogs, menus
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    if loaded:
        global _current
        _current = language
        QLocale.setDefault(QLocale(language))
        from idphoto_desktop.core import i18n as messages

        messages.set_language(language)  # what core/, api/, engines/ say, shown translated
    return loaded


def current() -> str:
    """The language the window is shown in ("en" when no translation is installed)."""
    return _current


def remove() -> None:
    """Back to English (tests switch languages within one process)."""
    global _current
    _current = SOURCE_LANGUAGE
    from idphoto_desktop.core import i18n as messages

    messages.set_language(SOURCE_LANGUAGE)
    app = QCoreApplication.instance()
    if not _installed:
        return
    while _installed:
        translator = _installed.pop()
        if app is not None:
            app.removeTranslator(translator)
    QLocale.setDefault(QLocale.system())


def text(message: str) -> str:
    """A message made outside ui/ (an error, hint, warning, progress), in the window's
    language: the one place the window translates them (``core.i18n``)."""
    from idphoto_desktop.core.i18n import translate

    return translate(message)


def install_for_setting(setting: str) -> str:
    """Choose and install the language for the settings value; returns the code used."""
    language = choose_language(setting)
    if language != SOURCE_LANGUAGE and not install(language):
        return SOURCE_LANGUAGE
    return language
