"""Messages kept true: each next to what it is about, cleared when the situation changes.

Where things are said: a photo problem under step 1, a job problem beside Generate,
a result problem on the result, a save problem under Save. This controller keeps
them current: a new photo clears an old job error (a network error belongs to the
earlier attempt) and the last save message; a different preset or size marks the
shown result as made for something else; a blocking problem of the shown result
(a background the document forbids; a retake verdict, reported by whoever checks
the photo) is written on the result, and Save asks before writing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from idphoto_desktop.core.job import OutputFormat
from idphoto_desktop.ui.preset_entries import preset_name

if TYPE_CHECKING:
    from idphoto_desktop.core.presets import Preset
    from idphoto_desktop.ui.main_window import MainWindow


class ResultNotes(QObject):
    """Owns the result's problem and staleness banners for one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._external: dict[str, str] = {}
        self._made_for: tuple[str | None, int, int] | None = None  # preset id, w, h
        window.photoLoaded.connect(self._photo_loaded)
        window.resultShown.connect(self._result_shown)
        window.preset_picker.changed.connect(self.refresh)
        window.background.changed.connect(self._background_changed)

    # ----- what other parts report -----
    def set_problem(self, key: str, text: str) -> None:
        """A blocking problem found elsewhere (e.g. ``"capture"``: a retake verdict);
        empty text withdraws it. Shown on the result; Save asks before writing."""
        if text:
            self._external[key] = text
        else:
            self._external.pop(key, None)
        self.refresh()

    # ----- the situation changes -----
    def _photo_loaded(self) -> None:
        message = self.window.message
        if message.role == "error":
            message.clear_message()  # it was about the earlier photo's attempt
        self.window.save_message.clear_message()
        self._external.clear()
        self._made_for = None
        self.refresh()

    def _result_shown(self) -> None:
        generated = self.window.generated
        if generated is None:
            self._made_for = None
        else:
            result = generated.result
            self._made_for = (self._result_preset_id(), result.width, result.height)
        self.refresh()

    def _background_changed(self) -> None:
        self.window.save_message.clear_message()
        self.refresh()

    # ----- what is shown -----
    def _result_preset_id(self) -> str | None:
        origin = self.window.studio.origin
        if origin is not None:
            return origin.preset_id
        return self.window.preset_picker.current_id()

    def _result_preset(self) -> Preset | None:
        preset_id = self._made_for[0] if self._made_for else None
        if preset_id is None:
            return None
        return self.window.studio.preset(preset_id)

    def stale_text(self) -> str:
        """Why the shown result is not what is chosen now ("" when it is)."""
        if self.window.generated is None or self._made_for is None:
            return ""
        preset_id, width, height = self._made_for
        picker = self.window.preset_picker
        chosen = picker.current_id()
        if picker.is_custom():
            if (width, height) == picker.custom_size():
                return ""
        elif chosen == preset_id or (preset_id is None and chosen is None):
            return ""
        made = self._result_preset()
        what = preset_name(made) if made is not None else f"{width}×{height} px"
        return self.tr(
            "This result was made for {0}, not for the size chosen now. Press Generate to "
            "make it for the new choice."
        ).format(what)

    def problems(self) -> list[str]:
        """Blocking problems of the shown result, in the clerk's words."""
        if self.window.generated is None:
            return []
        found: list[str] = []
        preset = self._result_preset()
        background = self.window.background
        if preset is not None and background.output_format() is OutputFormat.JPG:
            from idphoto_desktop.core.presets import background_allowed, background_rule

            colour = background.color()
            if background_allowed(preset, colour) is False:
                rule = background_rule(preset, colour)
                if rule is None or rule.status != "discouraged":
                    named = f"{rule.name} (#{colour})" if rule is not None else f"#{colour}"
                    found.append(
                        self.tr(
                            "The rules for {0} forbid a {1} background: this photo would be "
                            "rejected. Choose an allowed colour in step 3."
                        ).format(preset_name(preset), named)
                    )
        found.extend(self._external.values())
        return found

    def refresh(self) -> None:
        panel = self.window.result_panel
        problems = self.problems()
        if problems:
            panel.problem.show_message("⚠ " + "\n⚠ ".join(problems), "error")
        else:
            panel.problem.clear_message()
        stale = self.stale_text()
        if stale:
            panel.stale.show_message(stale, "warning")
        else:
            panel.stale.clear_message()
        panel.set_result_stale(bool(stale))

    # ----- before saving, exporting, printing -----
    def confirm_output(self) -> bool:
        """Before Export or Print: True when nothing blocks (a retake verdict, a forbidden
        colour), or the clerk chose to go on. A result made for another preset than the
        one chosen now is no reason to ask: a sheet or a form file uses the result's own."""
        problems = self.problems()
        if not problems:
            return True
        question = "\n\n".join(problems) + "\n\n" + self.tr("Use this result anyway?")
        confirm = self.window.services.studio.confirm
        return confirm(self.window, self.tr("Use a photo that may be rejected?"), question)

    def confirm_save(self) -> bool:
        """True when there is nothing blocking, or the clerk chose to save anyway."""
        problems = self.problems()
        stale = self.stale_text()
        if not problems and not stale:
            return True
        question = "\n\n".join([*problems, stale] if stale else problems)
        question += "\n\n" + self.tr("Save this result anyway?")
        confirm = self.window.services.studio.confirm
        return confirm(self.window, self.tr("Save a photo that may be rejected?"), question)
