"""The one job pipeline, without Qt: the history rule, questions, the capture check hook,
Cancel during a paid call, and never losing a paid result. The provider is the sandbox
server on 127.0.0.1 through the real client."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from idphoto_desktop.api.client import ProviderClient
from idphoto_desktop.core import validation
from idphoto_desktop.core.background import compose
from idphoto_desktop.core.errors import StorageError, UnusableResultError
from idphoto_desktop.core.job import CancelToken, OutputFormat, PhotoSize
from idphoto_desktop.engines.cloud import CloudEngine
from idphoto_desktop.engines.cropresize import CropResizeEngine
from idphoto_desktop.engines.offline import OfflineEngine
from idphoto_desktop.pipeline import (
    Answers,
    CheckRefusedError,
    FixedQuestions,
    JobContext,
    KeptAfterCancelError,
    run_job,
    serves,
)
from idphoto_desktop.sandbox.server import SandboxServer
from idphoto_desktop.storage.history import History
from tests.fixtures.sandbox import SandboxFactory

POST = "POST /task/pic/idphoto"
PHOTO = "hivision_test0.jpg"


def _cloud(server: SandboxServer, token: str) -> Callable[[], CloudEngine]:
    return lambda: CloudEngine(ProviderClient(token, base_url=server.base_url))


def _ctx(
    photo: Path,
    history: History | None,
    engine: Callable[[], Any],
    *,
    paid: bool = True,
    name: str = "cloud",
    **kwargs: Any,
) -> JobContext:
    params = validation.make_params(PhotoSize(300, 400), OutputFormat.PNG)
    return JobContext(
        params=params,
        engine_name=name,
        engine_factory=engine,
        paid=paid,
        source=photo,
        history=(lambda: history) if history is not None else None,  # type: ignore[arg-type,return-value]
        checker=None,
        **kwargs,
    )


# ------------------------------------------------------------------ the history rule
def test_a_transparent_result_serves_every_colour_an_opaque_one_only_its_own(
    photos_dir: Path, tmp_path: Path
) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        ctx = run_job(_ctx(photos_dir / PHOTO, history, OfflineEngine, paid=False,
                           name="offline"))
        assert ctx.fresh and ctx.entry_id is not None
        [entry] = history.find_candidates(ctx.request.photo.source_sha256,  # type: ignore[union-attr]
                                          ctx.history_key)
        assert serves(entry, "offline", None) and serves(entry, "offline", "FF0000")
        assert not serves(entry, "cloud", None)  # another engine never answers silently
        from dataclasses import replace

        opaque = replace(entry, format=OutputFormat.JPG, bg_color="336699")
        assert serves(opaque, "offline", "336699")
        assert not serves(opaque, "offline", "FFFFFF") and not serves(opaque, "offline", None)


def test_framing_key_ignores_format_and_colour_but_not_size_or_preset() -> None:
    a = validation.make_params(PhotoSize(300, 400), OutputFormat.PNG)
    b = validation.make_params(PhotoSize(300, 400), OutputFormat.JPG, bg_color="112233")
    c = validation.make_params(PhotoSize(300, 401), OutputFormat.PNG)
    d = validation.make_params(PhotoSize(300, 400), OutputFormat.PNG, preset_id="x")
    assert a.framing_key() == b.framing_key()
    assert len({a.framing_key(), c.framing_key(), d.framing_key()}) == 3


def test_compose_makes_every_format_and_colour_from_one_transparent_png() -> None:
    rgba = Image.new("RGBA", (120, 160), (0, 0, 0, 0))
    rgba.paste((200, 10, 10, 255), (40, 40, 80, 120))
    buf = io.BytesIO()
    rgba.save(buf, format="PNG")
    png = buf.getvalue()
    assert compose(png, OutputFormat.PNG, None) == png  # nothing to change: same bytes
    with Image.open(io.BytesIO(compose(png, OutputFormat.JPG, "336699", dpi=300))) as jpg:
        assert jpg.format == "JPEG" and round(jpg.info["dpi"][0]) == 300
        r, g, b = jpg.convert("RGB").getpixel((2, 2))  # type: ignore[misc]
        assert abs(r - 0x33) < 8 and abs(g - 0x66) < 8 and abs(b - 0x99) < 8
    with Image.open(io.BytesIO(compose(png, OutputFormat.PNG, "FFFFFF"))) as on_white:
        assert on_white.format == "PNG" and on_white.mode == "RGB"
        assert on_white.getpixel((2, 2)) == (255, 255, 255)


# --------------------------------------------------------------------- questions
def test_a_stored_result_is_offered_and_the_answer_decides(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    sandbox = sandbox_factory()
    engine = _cloud(sandbox, sandbox_token)
    with History(tmp_path / "h.sqlite3") as history:
        first = run_job(_ctx(photos_dir / PHOTO, history, engine))
        assert first.paid_call and sandbox.request_counts[POST] == 1
        # an unanswered question pauses the job, nothing is sent
        paused = _ctx(photos_dir / PHOTO, history, engine)
        run_job(paused, questions=FixedQuestions(Answers(use_stored=None)))
        assert paused.pending is not None and paused.pending.kind == "use_stored"
        assert paused.pending.subject.id == first.entry_id and paused.result is None
        # the same context, answered: the stored result, no call
        run_job(paused, questions=FixedQuestions(Answers(use_stored=True)))
        assert paused.stored is not None and not paused.fresh
        assert paused.result is not None and paused.result.image == first.result.image  # type: ignore[union-attr]
        assert sandbox.request_counts[POST] == 1
        # "call again": a new paid call, stored too
        again = run_job(_ctx(photos_dir / PHOTO, history, engine),
                        questions=FixedQuestions(Answers(use_stored=False)))
        assert again.fresh and sandbox.request_counts[POST] == 2
        assert len(history.find_candidates(first.photo.source_sha256,  # type: ignore[union-attr]
                                           first.history_key)) == 2


class _Report:
    def __init__(self, verdict: str) -> None:
        self.verdict = verdict
        self.reasons = (type("R", (), {"message": "Eyes are closed."})(),)


def test_a_retake_verdict_asks_before_a_paid_call_and_a_no_sends_nothing(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    sandbox = sandbox_factory()
    seen: list[dict[str, Any]] = []

    def checker(image: Image.Image, *, preset: Any, size: PhotoSize) -> _Report:
        seen.append({"pixels": image.size, "preset": preset, "size": size})
        return _Report("retake")

    with History(tmp_path / "h.sqlite3") as history:
        ctx = _ctx(photos_dir / PHOTO, history, _cloud(sandbox, sandbox_token))
        ctx.checker = checker
        with pytest.raises(CheckRefusedError, match="Eyes are closed"):
            run_job(ctx, questions=FixedQuestions(Answers(go_on_despite_check=False)))
        assert sandbox.request_counts[POST] == 0
        assert seen[0]["pixels"] == (ctx.photo.width, ctx.photo.height)  # type: ignore[union-attr]
        assert seen[0]["size"] == PhotoSize(300, 400) and seen[0]["preset"] is None
        # the clerk says go on: the check is not repeated, the call is made
        run_job(ctx, questions=FixedQuestions(Answers(go_on_despite_check=True)))
        assert len(seen) == 1 and ctx.report.verdict == "retake"
        assert sandbox.request_counts[POST] == 1
        # a free engine is never held up by the question (the verdict is still reported)
        free = _ctx(photos_dir / PHOTO, history, CropResizeEngine, paid=False, name="cropresize")
        free.checker = checker
        run_job(free, questions=FixedQuestions(Answers(go_on_despite_check=False)))
        assert free.fresh and free.report.verdict == "retake"


# ------------------------------------------------------------ never lose a result
def test_cancel_during_a_paid_call_keeps_the_result_and_the_next_job_uses_it(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(faults="delay=1.5")
    engine = _cloud(sandbox, sandbox_token)
    cancel = CancelToken()
    outcome: list[BaseException | JobContext] = []
    with History(tmp_path / "h.sqlite3") as history:
        ctx = _ctx(photos_dir / PHOTO, history, engine)

        steps: list[str] = []

        def progress(_p: int, text: str) -> None:
            steps.append(text)
            if text.startswith("Starting the engine"):
                cancel.cancel()  # the clerk presses Cancel once the call is under way

        def run_with_progress() -> None:
            try:
                outcome.append(run_job(ctx, cancel=cancel, abort=CancelToken(),
                                       progress=progress))
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=run_with_progress)
        thread.start()
        thread.join(30)
        [error] = outcome
        assert isinstance(error, KeptAfterCancelError), error
        assert "paid for and kept in the history" in str(error)
        assert sandbox.request_counts[POST] == 1 and ctx.entry_id is not None
        # the next Generate uses it: no second call
        again = run_job(_ctx(photos_dir / PHOTO, history, engine))
        assert again.stored is not None and again.stored.id == ctx.entry_id
        assert sandbox.request_counts[POST] == 1


def test_a_cancel_before_the_call_sends_nothing(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    from idphoto_desktop.core.errors import CancelledError

    sandbox = sandbox_factory()
    cancel = CancelToken()
    cancel.cancel()
    with History(tmp_path / "h.sqlite3") as history, pytest.raises(CancelledError):
        run_job(_ctx(photos_dir / PHOTO, history, _cloud(sandbox, sandbox_token)),
                cancel=cancel)
    assert sandbox.request_counts[POST] == 0


def test_a_failed_write_still_keeps_the_paid_result(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    sandbox = sandbox_factory()
    out = tmp_path / "out.png"
    out.mkdir()  # a folder where the file should go: the rename cannot replace it
    with History(tmp_path / "h.sqlite3") as history:
        ctx = _ctx(photos_dir / PHOTO, history, _cloud(sandbox, sandbox_token),
                   output_format=OutputFormat.PNG, out_path=out, overwrite=True)
        with pytest.raises(StorageError):
            run_job(ctx)
        assert ctx.entry_id is not None
        assert history.get(ctx.entry_id).image == ctx.result.image  # type: ignore[union-attr]


def test_an_unusable_history_keeps_the_paid_result_in_the_recovery_folder(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    sandbox = sandbox_factory()

    def broken() -> History:
        raise StorageError("The history at /x could not be opened: database is locked.")

    params = validation.make_params(PhotoSize(300, 400), OutputFormat.PNG)
    ctx = JobContext(
        params=params, engine_name="cloud", engine_factory=_cloud(sandbox, sandbox_token),
        paid=True, source=photos_dir / PHOTO, history=broken, checker=None,
        recovery_dir=tmp_path / "recovered",
    )
    run_job(ctx)
    assert ctx.recovered is not None and ctx.recovered.parent == tmp_path / "recovered"
    assert ctx.recovered.read_bytes() == ctx.result.image  # type: ignore[union-attr]
    assert any("could not be searched" in w for w in ctx.warnings)
    assert any("Not kept in the history" in w for w in ctx.warnings)


def test_a_paid_result_of_another_shape_is_kept_and_the_clerk_told_where(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    """It cannot become the document's photo, but it was paid for: its bytes go to the
    recovery folder as they came, and the error names the file."""
    sandbox = sandbox_factory(faults="result-wrong-size=wide")
    with History(tmp_path / "h.sqlite3") as history:
        ctx = _ctx(photos_dir / PHOTO, history, _cloud(sandbox, sandbox_token),
                   recovery_dir=tmp_path / "recovered")
        with pytest.raises(UnusableResultError) as caught:
            run_job(ctx)
    [kept] = (tmp_path / "recovered").iterdir()
    assert ctx.recovered == kept and caught.value.kept == str(kept)
    assert str(kept) in caught.value.full_text() and "360x400" in str(caught.value)
    with Image.open(kept) as image:
        assert image.size == (360, 400)
    assert sandbox.request_counts[POST] == 1


def test_with_the_history_off_an_unusable_result_is_not_kept_on_disk(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(faults="result-wrong-size=wide")
    ctx = _ctx(photos_dir / PHOTO, None, _cloud(sandbox, sandbox_token),
               recovery_dir=tmp_path / "recovered")
    with pytest.raises(UnusableResultError) as caught:
        run_job(ctx)
    assert caught.value.kept is None and not (tmp_path / "recovered").exists()


def test_an_unusable_paid_result_that_cannot_be_kept_says_so(
    sandbox_factory: SandboxFactory, sandbox_token: str, photos_dir: Path, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(faults="result-wrong-size=wide")
    blocked = tmp_path / "recovered"
    blocked.write_text("a file where the folder should be")
    with History(tmp_path / "h.sqlite3") as history:
        ctx = _ctx(photos_dir / PHOTO, history, _cloud(sandbox, sandbox_token),
                   recovery_dir=blocked)
        with pytest.raises(UnusableResultError) as caught:
            run_job(ctx)
    assert caught.value.kept is None and ctx.recovered is None
    assert "could not be kept anywhere" in caught.value.full_text()
