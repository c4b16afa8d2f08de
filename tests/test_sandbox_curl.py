"""The provider's own curl example, run as a real curl process against the sandbox."""

from __future__ import annotations

import io
import json
import shlex
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from idphoto_desktop.sandbox.server import SandboxServer
from tests.fixtures.sandbox import PROVIDER_PAGE, assert_same_shape, provider_example_reply


def provider_curl_example(page: Path = PROVIDER_PAGE) -> list[str]:
    """The argv of the curl example on the provider's page, exactly as printed there."""
    text = page.read_text(encoding="utf-8")
    start = text.index("curl -X POST")
    end = text.index("JavaScript", start)
    return shlex.split(text[start:end].replace("\\\n", " "))


def test_the_page_example_is_what_we_think_it_is() -> None:
    argv = provider_curl_example()
    assert argv[:3] == ["curl", "-X", "POST"]
    assert "https://api.gpt.ge/task/pic/idphoto" in argv
    assert "Authorization: Bearer sk-xxxx" in argv
    assert "image_url=https://example.com/portrait.png" in argv
    assert {"size=300x400", "format=jpg", "bg_color=FFFFFF", "sync=1"} <= set(argv)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_provider_curl_example_against_the_sandbox(
    sandbox: SandboxServer, sandbox_token: str, loopback_file_server: str
) -> None:
    photo_url = f"{loopback_file_server}/hivision_test0.jpg"
    argv = [
        arg.replace("https://api.gpt.ge", sandbox.base_url)
        .replace("sk-xxxx", sandbox_token)
        .replace("https://example.com/portrait.png", photo_url)
        for arg in provider_curl_example()
    ]
    assert sandbox.base_url + "/task/pic/idphoto" in argv and f"image_url={photo_url}" in argv
    done = subprocess.run(
        [*argv, "--silent", "--show-error", "--max-time", "60", "--write-out", "\n%{http_code}"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    body_text, _, http_code = done.stdout.rpartition("\n")
    assert http_code == "200"
    reply = json.loads(body_text)

    example = provider_example_reply()
    assert_same_shape(reply, example)
    assert set(reply["data"]) >= set(example["data"])
    data = reply["data"]
    assert reply["status"] == 200 and data["state"] == 1 and data["progress"] == 100
    assert (data["image_width"], data["image_height"]) == (300, 400)
    assert data["foreground_rect"] == {"x": 0, "y": 0, "width": 576, "height": 768}
    with urllib.request.urlopen(data["image"], timeout=30) as response:
        image = Image.open(io.BytesIO(response.read()))
    assert (image.format, image.size) == ("JPEG", (300, 400))
    assert sandbox.request_counts["POST /task/pic/idphoto"] == 1


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_file_upload_with_expect_100_continue(
    sandbox: SandboxServer, sandbox_token: str, tmp_path: Path
) -> None:
    # A noisy picture compresses badly: well over curl's 1 MB threshold for Expect.
    path = tmp_path / "big.png"
    Image.effect_noise((1000, 1000), 64).convert("RGB").save(path)
    assert path.stat().st_size > 1024 * 1024
    done = subprocess.run(
        [
            "curl",
            "-X",
            "POST",
            f"{sandbox.base_url}/task/pic/idphoto",
            "-H",
            f"Authorization: Bearer {sandbox_token}",
            "-H",
            "Expect: 100-continue",
            "-F",
            f"image_file=@{path};type=image/png",
            "-F",
            "size=200x200",
            "-F",
            "sync=1",
            "--silent",
            "--show-error",
            "--max-time",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)["data"]
    assert data["state"] == 1
    assert data["foreground_rect"] == {"x": 0, "y": 0, "width": 1000, "height": 1000}
