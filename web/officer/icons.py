"""Draw the officer page's icons (a white check mark on the page's blue): `make officer-icons`."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (31, 78, 153, 255)


def icon(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGBA", (size, size), BLUE if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if not maskable:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=BLUE)
    # A maskable icon keeps its drawing inside the central 80 % safe zone.
    s = size * (0.8 if maskable else 1.0)
    o = (size - s) / 2
    points = [
        (o + s * 0.24, o + s * 0.52),
        (o + s * 0.43, o + s * 0.70),
        (o + s * 0.77, o + s * 0.32),
    ]
    draw.line(points, fill="white", width=max(2, int(s * 0.11)), joint="curve")
    return image


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size, maskable=False).save(out / f"icon-{size}.png", optimize=True)
    icon(512, maskable=True).save(out / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
