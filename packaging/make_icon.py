"""Draw the application icon with Pillow and write the files the builds need.

Run from anywhere: ``.venv/bin/python packaging/make_icon.py``. It writes

- ``resources/icons/idphoto-desktop.png``: 512x512 RGBA (Linux ``.desktop`` icon, the
  window icon, and macOS: PyInstaller turns a PNG into ``.icns`` itself with Pillow, so no
  ``.icns`` is kept in the repository);
- ``resources/icons/idphoto-desktop.ico``: 16, 24, 32, 48, 64, 128 and 256 px (Windows).

The drawing is plain geometry (rounded tile, portrait silhouette, crop marks), rendered at
4x and scaled down so the edges are smooth; the output is the same on every run, so the
committed files only change when this script does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
PNG_NAME = "idphoto-desktop.png"
ICO_NAME = "idphoto-desktop.ico"
PNG_SIZE = 512
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

_TILE_TOP = (40, 110, 200)  # blue, the colour of a typical ID-photo backdrop
_TILE_BOTTOM = (22, 70, 150)
_CARD = (250, 250, 252)
_PERSON = (52, 64, 84)
_MARKS = (255, 196, 0)


def _lerp(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def draw(size: int = PNG_SIZE, supersample: int = 4) -> Image.Image:
    """The icon as an RGBA image of ``size`` x ``size`` pixels."""
    s = size * supersample

    def px(fraction: float) -> int:
        return round(fraction * s)

    # Vertical gradient clipped to a rounded tile.
    gradient = Image.new("RGBA", (s, s))
    grad_draw = ImageDraw.Draw(gradient)
    for y in range(s):
        grad_draw.line([(0, y), (s, y)], fill=(*_lerp(_TILE_TOP, _TILE_BOTTOM, y / (s - 1)), 255))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [px(0.04), px(0.04), px(0.96), px(0.96)], radius=px(0.2), fill=255
    )
    icon = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    icon.paste(gradient, (0, 0), mask)

    d = ImageDraw.Draw(icon)
    # The photo: a white card with a portrait in it.
    card = [px(0.27), px(0.18), px(0.73), px(0.82)]
    d.rounded_rectangle(card, radius=px(0.03), fill=(*_CARD, 255))
    # Shoulders (an ellipse cut by the card's bottom edge) and head.
    shoulders = Image.new("L", (s, s), 0)
    ImageDraw.Draw(shoulders).ellipse([px(0.31), px(0.58), px(0.69), px(0.98)], fill=255)
    card_mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(card_mask).rounded_rectangle(card, radius=px(0.03), fill=255)
    body = Image.new("L", (s, s), 0)
    body.paste(shoulders, (0, 0), card_mask)
    icon.paste(Image.new("RGBA", (s, s), (*_PERSON, 255)), (0, 0), body)
    d.ellipse([px(0.395), px(0.30), px(0.605), px(0.56)], fill=(*_PERSON, 255))

    # Crop marks at the card's corners: "this is cut to size".
    w = px(0.028)
    arm = px(0.09)
    gap = px(0.045)
    left, top, right, bottom = card[0] - gap, card[1] - gap, card[2] + gap, card[3] + gap
    for x, y, dx, dy in (
        (left, top, 1, 1),
        (right, top, -1, 1),
        (left, bottom, 1, -1),
        (right, bottom, -1, -1),
    ):
        d.line([(x, y), (x + dx * arm, y)], fill=(*_MARKS, 255), width=w)
        d.line([(x, y), (x, y + dy * arm)], fill=(*_MARKS, 255), width=w)
        half = w // 2
        d.rectangle([x - half, y - half, x + half, y + half], fill=(*_MARKS, 255))

    return icon.resize((size, size), Image.Resampling.LANCZOS)


def write(out_dir: Path = ICON_DIR) -> list[Path]:
    """Write the PNG and the ICO into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    big = draw(PNG_SIZE)
    png = out_dir / PNG_NAME
    big.save(png, format="PNG", optimize=True)
    ico = out_dir / ICO_NAME
    # Each size drawn on its own (not just scaled from 512) keeps the small ones crisp.
    frames = [draw(n) for n in ICO_SIZES]
    frames[-1].save(ico, format="ICO", sizes=[(n, n) for n in ICO_SIZES], append_images=frames)
    return [png, ico]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ICON_DIR, help="folder for the icon files")
    args = parser.parse_args()
    for path in write(args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
