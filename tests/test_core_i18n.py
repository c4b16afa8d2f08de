"""Messages made outside the window reach a Chinese clerk in Chinese: every template in
the code has a translation, fields survive, the window and the CLI translate at display."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from idphoto_desktop.core import i18n
from idphoto_desktop.core.errors import NetworkError
from idphoto_desktop.core.presets import load_presets

ROOT = Path(__file__).resolve().parent.parent
FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_messages", ROOT / "scripts" /
                                                  "extract_messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def test_every_message_made_outside_the_window_is_translated() -> None:
    extractor = _extractor()
    found = extractor.collect()
    assert len(found) > 150  # the extractor itself works
    assert "The service could not be reached." in found
    catalogue = extractor.load_catalogue()
    missing = sorted(t for t in found if not catalogue.get(t))
    assert not missing, "run scripts/extract_messages.py --update and translate: " + repr(missing)
    broken = [
        (source, target)
        for source, target in catalogue.items()
        if target and set(FIELD.findall(source)) != set(FIELD.findall(target))
    ]
    assert not broken, broken
    worded = [s for s in catalogue if re.search(r"[A-Za-z]{3}", FIELD.sub("", s))]
    untranslated = [s for s in worded if not CJK.search(catalogue[s])]
    assert not untranslated, untranslated


def test_templates_fields_sentences_and_lists(chinese: None) -> None:
    assert i18n.translate("customer.jpg was not found.") == "找不到 customer.jpg。"
    err = NetworkError("The service could not be reached.")
    assert i18n.error_text(err) == "无法连接到服务。请检查网络连接，或改用离线引擎。"
    assert i18n.translate(err.full_text()) == i18n.error_text(err)
    line = "Background: not allowed for United States passport (2x2 in) (only white; off-white)."
    assert i18n.translate(line) == "背景：美国护照（2x2 英寸） 不允许（只允许 白色；米白色）。"
    check = "Head height: 30.1 mm (59.0% of the height): 2.1 mm, 5.2 % too small (allowed 1-2 mm)."
    assert i18n.translate(check) == (
        "头部高度：30.1 毫米（占高度 59.0%）：偏小 2.1 毫米，即 5.2%（允许 1-2 毫米）。"
    )
    # unknown text is kept, never lost; a known sentence after it is still translated
    assert i18n.translate("Zorblax. Wait a moment and try again.") == "Zorblax. 请稍等片刻再试。"
    assert i18n.translate("⚠ Use another photo.") == "⚠ 请换一张照片。"
    assert i18n.translate("Use another photo.", "en") == "Use another photo."


def test_dashes_lists_of_reasons_and_file_errors(chinese: None) -> None:
    # an option's own dashes are part of the message, not decoration
    since = i18n.translate("--since '2026-13-01' is not a date.")
    assert since == "--since '2026-13-01' 不是日期。"
    # the pipeline lists the check's reasons without their full stops, joined by "; "
    refused = (
        "The photo should be taken again: The eyes look closed: ask the customer to keep the "
        "eyes open and retake; The chin is cut off by the photo's edge: retake with the whole "
        "face in the photo."
    )
    assert i18n.translate(refused) == (
        "这张照片需要重拍：眼睛看起来是闭着的：请让顾客睁开眼睛后重拍；"
        "下巴被照片边缘裁掉了：请重拍，让整张脸都在照片内。"
    )
    # the watched folder's refusal: reasons with their full stops, one holding "; " itself
    watch_line = (
        "x.jpg: retake (2 faces are in the photo; face 1 from the left was used. Check that it "
        "is the customer, or choose another face.; The eyes look closed: ask the customer to "
        "keep the eyes open and retake.); no ID photo made (--keep-retakes makes it anyway)."
    )
    assert i18n.translate(watch_line) == (
        "x.jpg：需重拍（照片中有 2 张人脸，使用了从左数第 1 张。请确认是顾客本人，或选择另一张"
        "人脸；眼睛看起来是闭着的：请让顾客睁开眼睛后重拍）；没有制作证件照"
        "（加 --keep-retakes 仍会制作）。"
    )
    # a capture reason filled in: its words translated with it
    assert i18n.translate(
        "Head turned about 12° to the customer's left (limit ±10°): ask the customer to look "
        "straight into the camera."
    ) == "头部向顾客的左边转了约 12°（限值 ±10°）：请让顾客正视镜头。"
    assert i18n.translate("The photo /tmp/x.jpg was not found.") == "找不到照片 /tmp/x.jpg。"


def test_every_preset_has_a_chinese_name(chinese: None) -> None:
    from idphoto_desktop.ui.preset_entries import preset_name

    english = [p.id for p in load_presets() if not CJK.search(preset_name(p))]
    assert not english, english


def test_language_follows_the_locale() -> None:
    assert i18n.language_from_environment({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert i18n.language_from_environment({"LANG": "de_DE.UTF-8"}) == "en"
    assert i18n.language_from_environment({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US"}) == "zh_CN"
    assert i18n.language_from_environment({"LANGUAGE": "en:zh", "LANG": "zh_CN"}) == "en"
    assert i18n.language_from_environment({}) == "en"


@pytest.mark.parametrize(("lang", "expected"), [("zh_CN.UTF-8", "找不到"), ("C", "not found")])
def test_the_cli_follows_the_locale(
    lang: str, expected: str, private_app_home: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "LANG": lang, "LC_ALL": lang, "IDPHOTO_HOME": str(private_app_home)}
    env.pop("LANGUAGE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "idphoto_desktop.cli", "generate", str(tmp_path / "none.jpg"),
         "--preset", "us_passport", "--engine", "offline", "-o", str(tmp_path / "out.jpg")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 1
    assert expected in proc.stderr, proc.stderr


@pytest.mark.parametrize(("lang", "expected"), [("zh_CN.UTF-8", "表单要求至少 500 KB"),
                                              ("C", "the form requires at least 500 KB")])
def test_the_cli_says_an_online_form_s_problem_in_the_clerk_s_language(
    lang: str, expected: str, private_app_home: Path, tmp_path: Path
) -> None:
    from PIL import Image

    flat = tmp_path / "flat.png"  # under New Zealand's 500 KB at any size tried
    Image.new("RGB", (900, 1200), (235, 235, 235)).save(flat)
    env = {**os.environ, "LANG": lang, "LC_ALL": lang, "IDPHOTO_HOME": str(private_app_home)}
    env.pop("LANGUAGE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "idphoto_desktop.cli", "export", str(flat),
         "--preset", "nz_passport_online", "-o", str(tmp_path / "form.jpg")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 1
    assert expected in proc.stderr, proc.stderr


@pytest.mark.gui
def test_the_window_shows_core_errors_in_chinese(
    qtbot: Any, make_window: Callable[..., Any], ui_services: Callable[..., Any], tmp_path: Path
) -> None:
    from idphoto_desktop.ui import i18n as ui_i18n
    from tests.fixtures.ui import drop_paths

    assert ui_i18n.install("zh_CN")
    try:
        window = make_window(ui_services())
        bad = tmp_path / "notes.jpg"
        bad.write_text("this is not a photo", "utf-8")
        with qtbot.waitSignal(window.photoRejected, timeout=10_000):
            drop_paths(window, [bad])
        shown = window.photo_error.text()
        assert "notes.jpg" in shown and CJK.search(shown), shown
        assert "not an image" not in shown and "Choose another" not in shown
    finally:
        ui_i18n.remove()
    assert i18n.current_language() == "en"


def test_reasons_listed_in_a_sentence_keep_no_stray_full_stop() -> None:
    english = ["The eyes look closed: retake.", "  The chin is cut off.  ", ""]
    assert i18n.join_reasons(english, "en") == "The eyes look closed: retake; The chin is cut off"
    assert i18n.join_reasons(english[:1], "en", end=True) == "The eyes look closed: retake."
    assert i18n.join_reasons([], "zh_CN", end=True) == ""
    chinese = ["嘴巴张得很大或露出舌头：请让顾客闭上嘴后重拍。", "头部向顾客的右边转了约 14°。"]
    joined = i18n.join_reasons(chinese, "zh_CN")
    assert joined == "嘴巴张得很大或露出舌头：请让顾客闭上嘴后重拍；头部向顾客的右边转了约 14°"
    assert i18n.join_reasons(chinese, "zh_CN", end=True) == joined + "。"


def _retake_report() -> Any:
    from idphoto_desktop.capture.report import RETAKE, CaptureReport, make_reason

    reasons = (
        make_reason("mouth_wide_open", RETAKE),
        make_reason(
            "head_yaw", RETAKE, value=14.0, limit=5.0, angle=14.0, side="customer's right"
        ),
    )
    return CaptureReport(RETAKE, reasons, (), None, {})


def test_the_window_lists_a_retake_s_reasons_in_chinese_sentences(
    qtbot: Any,
    make_window: Callable[..., Any],
    ui_services: Callable[..., Any],
    photos_dir: Path,
) -> None:
    """The result's retake banner, the watched folder's line and the question before a paid
    call, in a Chinese window: each reason in Chinese, listed with "；" (not the "。; " of
    an English separator)."""
    from idphoto_desktop.ui import i18n as ui_i18n
    from idphoto_desktop.watch.shot import verdict_from
    from tests.test_ui_flow import generate, load_photo

    assert ui_i18n.install("zh_CN")
    try:
        window = make_window(ui_services())
        load_photo(qtbot, window, photos_dir / "hivision_test3.jpg")
        generate(qtbot, window)  # a result for the banner to stand on
        report = _retake_report()
        window._show_verdict(report)
        banner = window.result_panel.problem.text()
        window.watch_folder._say_verdict(Path("DSC_0001.JPG"), verdict_from(report))
        line = window.save_message.text()
        window.check_question.ask_check(report)  # before a paid call: go on or retake?
        question = window.check_question.text.text()
    finally:
        ui_i18n.remove()
    for shown in (banner, line, question):
        assert CJK.search(shown) and "；" in shown, shown
        assert "。;" not in shown and "。；" not in shown and "; " not in shown, shown
        assert "ask the customer" not in shown, shown  # every reason translated
    assert "DSC_0001.JPG" in line
    assert banner.endswith("。")  # the banner is a sentence of its own


def test_a_known_sentence_holding_a_semicolon_is_not_read_as_a_list(chinese: None) -> None:
    """The watched folder's line for a camera raw file: two known sentences, the first
    holding "; ". Read as a list it matched the loose "{a} is {b}." template and came out
    half English ("A.CR2 是a camera raw file, ...；skipped. Set the camera ...")."""
    from idphoto_desktop.watch.ready import _raw_message, _unreadable_message

    said = i18n.translate(_raw_message(Path("DSC_0007.CR2")))
    assert said == (
        "DSC_0007.CR2 是相机 RAW 文件，这里无法读取；已跳过。"
        "请把相机软件设置为保存 JPEG（或 RAW+JPEG）。"
    )
    assert not re.search("[a-z]{3}", said.replace("DSC_0007.CR2", "").replace("RAW", ""))
    assert CJK.search(i18n.translate(_unreadable_message(Path("DSC_0008.JPG"))))
    # the window shows an error's message and hint as one line (ui/errors.py clerk_text):
    # a timeout's hint holds "; " and the line stayed English
    from idphoto_desktop.core.errors import RequestTimeoutError

    shown = RequestTimeoutError("The service did not answer in time.").full_text()
    assert i18n.translate(shown) == "服务没有及时响应。服务响应慢；请稍后重试或改用离线引擎。"


def test_a_message_and_any_hint_shown_as_one_line_read_wholly_chinese(chinese: None) -> None:
    """The window shows an error's message and hint as one line. A seeded sample of the
    catalogue's sentences, each followed by one of the errors' standing hints, must come
    out with no English word left (489 of 6000 random pairs did before this was fixed:
    a hint holding "; " was read as a list, a loose "{a} is {b}." took half of a line)."""
    import random

    from idphoto_desktop.core import errors

    hints = sorted(
        {
            c.default_hint
            for c in vars(errors).values()
            if isinstance(c, type) and issubclass(c, errors.IdPhotoError) and c.default_hint
        }
    )
    book = json.loads(
        (ROOT / "idphoto_desktop" / "data" / "i18n" / "messages_zh_CN.json").read_text("utf-8")
    )["messages"]
    sentences = [
        k for k, v in book.items() if v and "{" not in k and k[:1].isupper() and k.endswith(".")
    ]
    assert len(hints) >= 10 and len(sentences) >= 150
    rng = random.Random(18)
    english = re.compile(r"\b(the|is|are|or|and|to|of|was|not|this|that|with)\b")
    left = []
    for _ in range(700):
        line = f"{rng.choice(sentences)} {rng.choice(hints + sentences)}"
        shown = i18n.translate(line)
        if english.search(shown):
            left.append((line, shown))
    assert not left, left[:3]


def test_every_print_paper_has_a_chinese_name(chinese: None) -> None:
    """The sheet dialog's paper list, its summary line and the sheet's errors name papers."""
    from idphoto_desktop.core.presets import load_papers
    from idphoto_desktop.ui.preset_entries import paper_name

    english = [p.key for p in load_papers() if not CJK.search(paper_name(p))]
    assert not english, english
    said = i18n.translate("A 35x45 mm photo does not fit on 10x15 cm (metric equivalent of 4x6).")
    assert said == "35x45 毫米的照片放不进 10x15 厘米（4x6 英寸的公制对应）。"


def test_an_unknown_preset_s_hint_is_translated(chinese: None) -> None:
    """The hint was built in a variable, out of the message extractor's sight (N_ now)."""
    from idphoto_desktop.core.errors import ValidationError
    from idphoto_desktop.core.presets import get_preset

    for wrong in ("cn_visa", "zzzz"):
        with pytest.raises(ValidationError) as caught:
            get_preset(wrong)
        shown = i18n.error_text(caught.value)
        assert CJK.search(shown) and not re.search(r"\b(Did|Run|mean|list)\b", shown), shown


@pytest.mark.parametrize("retry_after", [None, 5.0])
@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 408, 413, 418, 429, 500, 503, 504])
def test_the_provider_s_http_errors_are_said_in_chinese(
    chinese: None, status: int, retry_after: float | None
) -> None:
    """Their messages were built inside a helper, out of the extractor's sight: a bad
    token, no credit or a busy service was shown in English in a Chinese window."""
    from idphoto_desktop.api.http_errors import error_for_status

    for context in ("api", "task"):
        error = error_for_status(status, "", retry_after=retry_after, context=context)
        for shown in (i18n.error_text(error), i18n.translate(error.full_text())):
            left = re.sub(r"HTTP|API|JPEG|PNG|WebP|BMP|TIFF|HEIC", "", shown)
            assert CJK.search(shown) and not re.search(r"[A-Za-z]{3}", left), shown


@pytest.mark.parametrize(
    "reply",
    [b"not json", b"[1, 2]", b'{"status": "x"}', b'{"status": 201}', b'{"status": 200}',
     b'{"status": 200, "data": 5}', b'{"status": 200, "data": {"state": 1.5}}'],
)
def test_a_malformed_reply_is_said_in_chinese(chinese: None, reply: bytes) -> None:
    """What was wrong with the provider's reply was English inside a Chinese sentence."""
    from idphoto_desktop.api.models import parse_reply_bytes
    from idphoto_desktop.core.errors import MalformedReplyError

    with pytest.raises(MalformedReplyError) as caught:
        parse_reply_bytes(reply)
    shown = i18n.error_text(caught.value)
    left = re.sub(r"'[a-z_]+'|JSON", "", shown)
    assert CJK.search(shown) and not re.search(r"[A-Za-z]{3}", left), shown


def test_a_frame_correction_out_of_bounds_is_said_in_chinese(chinese: None) -> None:
    """The old message put two fields side by side ("{lo}{unit}"): with no unit, the
    catalogue could not match it and the line stayed English."""
    from idphoto_desktop.core.errors import ValidationError
    from idphoto_desktop.core.job import FrameAdjust
    from idphoto_desktop.core.validation import validate_adjust

    for wrong in (FrameAdjust(dx=0.6), FrameAdjust(angle_deg=20.0), FrameAdjust(scale=3.0)):
        with pytest.raises(ValidationError) as caught:
            validate_adjust(wrong)
        shown = i18n.error_text(caught.value)
        assert CJK.search(shown) and not re.search(r"[A-Za-z]{3}", shown), shown


def test_messages_built_at_run_time_are_catalogued(chinese: None) -> None:
    """Found by recording every error and warning the test suite made and translating
    them: these were built from pieces (or in a variable) and stayed English."""
    from idphoto_desktop.api.states import interpret_state
    from idphoto_desktop.core.errors import ValidationError
    from idphoto_desktop.core.presets import get_preset
    from idphoto_desktop.core.sheet import photo_mm_for

    texts = [
        "Cancelled, but the provider had already made the photo: it was paid for and kept "
        "in the history.",
        "Cancelled, but the provider had already made the photo: it was paid for and kept "
        "in /srv/photos/recovered.png.",
        "The models folder /opt/models (IDPHOTO_MODELS_DIR) lacks or has damaged: "
        "face_landmark.tflite.",
        interpret_state(-42).text,
    ]
    upload_only = next(p for p in load_presets() if p.print_mm is None and p.see_also)
    with pytest.raises(ValidationError) as caught:
        photo_mm_for(get_preset(upload_only.id))
    texts.append(caught.value.hint)
    names = re.compile(r"/[\w./]+|\b\w+\.tflite|IDPHOTO_MODELS_DIR|\b[a-z]+_[a-z_]+\b")
    for text in texts:
        shown = names.sub("", i18n.translate(text))  # paths, files and preset ids stay
        assert CJK.search(shown) and not re.search(r"[A-Za-z]{3}", shown), (text, shown)


@pytest.mark.parametrize(
    ("key", "value"),
    [("api_url", "http://api.example.com"), ("api_url", "https://u:p@api.example.com"),
     ("custom_width", 5000), ("custom_width", "wide"), ("engine", "magic"), ("format", "gif"),
     ("bg_color", "blue"), ("history_enabled", "yes")],
)
def test_a_setting_refused_is_said_in_chinese(
    chinese: None, tmp_path: Path, key: str, value: object
) -> None:
    """Preferences refuses a value with "The setting 'x' …": the why was English."""
    from idphoto_desktop.core.errors import ValidationError
    from idphoto_desktop.storage.settings import Settings

    settings = Settings(tmp_path / "settings.json")
    with pytest.raises(ValidationError) as caught:
        setattr(settings, key, value)
    shown = re.sub(r"'\w+'|https?://|png|jpg|true|false|offline|cloud|FFFFFF",
                   "", i18n.error_text(caught.value))
    assert CJK.search(shown) and not re.search(r"[A-Za-z]{3}", shown), shown


def test_a_full_or_locked_disk_is_said_in_the_clerk_s_words(
    chinese: None, tmp_path: Path
) -> None:
    """The reason after "could not be saved:" came from the system ("No space left on
    device", SQLite's "database is locked") and stayed English in a Chinese window."""
    import errno
    import sqlite3

    from idphoto_desktop.core.oswords import reason

    assert reason(OSError(errno.ENOSPC, "No space left on device")) == "the disk is full"
    locked = sqlite3.OperationalError("database is locked")
    assert reason(locked) == "another program is using it (the database is locked)"
    assert reason(OSError(errno.EXDEV, "Invalid cross-device link")) == "invalid cross-device link"
    # a real SQLite lock: another connection holds the write lock
    path = tmp_path / "h.sqlite3"
    holder = sqlite3.connect(path)
    holder.execute("create table t (x)")
    holder.execute("begin exclusive")
    other = sqlite3.connect(path, timeout=0.05)
    with pytest.raises(sqlite3.OperationalError) as caught:
        other.execute("select * from t")
    holder.close()
    other.close()
    for err in (caught.value, OSError(errno.ENOSPC, "No space left on device"),
                OSError(errno.EACCES, "Permission denied")):
        shown = i18n.translate(f"The history at {path} could not be opened: {reason(err)}.")
        left = shown.replace(str(path), "")
        assert CJK.search(left) and not re.search(r"[A-Za-z]{3}", left), shown


def _filled(source: str, values: list[str]) -> str:
    """A template's source with each field replaced by the next of ``values``."""
    names: dict[str, str] = {}
    return FIELD.sub(
        lambda m: names.setdefault(m.group(1), values[len(names) % len(values)]), source
    ).replace("{{", "{").replace("}}", "}")


def test_the_literal_prefilter_never_hides_a_match() -> None:
    """Every template's own filled text passes the prefilter, and no text the template's
    expression matches (real messages, made-up lines) is turned away by it."""
    book = i18n.catalogue("zh_CN")
    assert len(book.templates) > 100
    values = ["us_passport", "C:/photos/a b.jpg", "12", "Use another file.", "x"]
    texts = [_filled(t.source, values) for t in book.templates]
    texts += [a + " " + b for a, b in itertools.pairwise(texts)]
    texts += list(book.exact)
    for template in book.templates:
        own = _filled(template.source, values)
        assert template.may_match(own), template.source
        for text in texts:
            if template.pattern.match(text) or template.greedy.match(text):
                assert template.may_match(text), (template.source, text)


def test_the_literal_prefilter_turns_most_templates_away() -> None:
    """A plain sentence leaves only the few templates it could be: the rest are never
    tried as expressions (a line of eight sentences took up to a second without this)."""
    book = i18n.catalogue("zh_CN")
    for line in ("The disk is full.", "Choose another file name, or confirm replacing it."):
        candidates = [t.source for t in book.templates if t.may_match(line)]
        assert len(candidates) <= 5, candidates
    assert not any(t.may_match("") for t in book.templates if t.literal_length)
