"""Tray icons drawn with Pillow from an `IconState`, once per (state, size), and cached.

No fonts: digits come from a 3x5 pixel font scaled by whole pixels, so they are crisp at 16, 22, 32
and 64 px and immune to Pillow's text-layout clash with Gtk (docs/platform-notes.md, pystray: title and text).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .view import IconState

if TYPE_CHECKING:
    from PIL import Image

SIZES = (16, 22, 32, 64)
SUPERSAMPLE = 4

TRACK = (128, 128, 128, 110)
LEVEL_COLOURS = {
    0: (150, 150, 150, 255),  # no session
    1: (46, 160, 67, 255),  # ok: green
    2: (219, 154, 4, 255),  # warn: amber
    3: (218, 54, 51, 255),  # high: red
}
WAIT_COLOUR = (255, 120, 0, 255)  # the "waiting for you" badge: orange with a white "!"
ERROR_COLOUR = (200, 30, 30, 255)
GLYPH_COLOUR = (235, 235, 235, 255)

# 3x5 pixel font; "#" is a lit cell.
FONT = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "+": ("...", ".#.", "###", ".#.", "..."),
    "!": (".#.", ".#.", ".#.", "...", ".#."),
    "-": ("...", "...", "###", "...", "..."),
}


def count_text(n: int) -> str:
    if n <= 0:
        return "-"
    return str(n) if n < 10 else "9+"


def _draw_glyphs(img: Image.Image, text: str, cell: int, cx: int, cy: int, colour: tuple[int, ...]) -> None:
    from PIL import ImageDraw

    draw = ImageDraw.Draw(img)
    width = len(text) * 3 * cell + (len(text) - 1) * cell
    x0 = cx - width // 2
    y0 = cy - (5 * cell) // 2
    for i, ch in enumerate(text):
        rows = FONT[ch]
        gx = x0 + i * 4 * cell
        for r, line in enumerate(rows):
            for c, lit in enumerate(line):
                if lit == "#":
                    x, y = gx + c * cell, y0 + r * cell
                    draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=colour)


@functools.lru_cache(maxsize=256)
def render(state: IconState, size: int = 64, template: bool = False) -> Image.Image:
    """The icon for `state`, `size` px square, RGBA. `template=True` gives a black-on-transparent
    image (macOS template style) that keeps the count and the waiting mark but drops colour."""
    from PIL import Image, ImageDraw

    big = size * SUPERSAMPLE
    ring = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(ring)
    width = max(SUPERSAMPLE * 2, big // 7)
    box = [width // 2, width // 2, big - width // 2 - 1, big - width // 2 - 1]
    colour = (0, 0, 0, 255) if template else LEVEL_COLOURS[state.level]
    track = (0, 0, 0, 90) if template else TRACK
    d.ellipse(box, outline=track, width=width)
    if state.sessions and state.fill:
        d.arc(box, start=-90, end=-90 + 45 * state.fill, fill=colour, width=width)
    if not state.sessions:
        d.ellipse(box, outline=colour, width=max(SUPERSAMPLE, width // 2))
    img = ring.resize((size, size), Image.Resampling.LANCZOS)

    # the count, pixel-exact on top
    cell = max(1, size // 11)
    text = count_text(state.sessions)
    if not template:
        # a dark disc behind the digits keeps them legible on light and dark panels
        disc = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        inner = width + SUPERSAMPLE
        ImageDraw.Draw(disc).ellipse([inner, inner, big - inner - 1, big - inner - 1], fill=(30, 30, 30, 200))
        img = Image.alpha_composite(img, disc.resize((size, size), Image.Resampling.LANCZOS))
    badge_on = state.waiting or state.error
    # with a badge in the top-right corner, nudge the count down-left so both stay readable
    cx, cy = (size * 7 // 16, size * 9 // 16) if badge_on else (size // 2, size // 2)
    _draw_glyphs(img, text, cell, cx, cy, (0, 0, 0, 255) if template else GLYPH_COLOUR)

    if badge_on:
        badge_colour = WAIT_COLOUR if state.waiting else ERROR_COLOUR
        b = max(7, (size * 7) // 16)
        badge = Image.new("RGBA", (b * SUPERSAMPLE, b * SUPERSAMPLE), (0, 0, 0, 0))
        bd = ImageDraw.Draw(badge)
        edge = max(SUPERSAMPLE, b * SUPERSAMPLE // 10)
        bd.ellipse(
            [0, 0, b * SUPERSAMPLE - 1, b * SUPERSAMPLE - 1],
            fill=(0, 0, 0, 255) if template else badge_colour,
            outline=(255, 255, 255, 255) if not template else None,
            width=edge,
        )
        badge = badge.resize((b, b), Image.Resampling.LANCZOS)
        mark = "!" if state.waiting else "-"
        bcell = max(1, b // 7)
        _draw_glyphs(badge, mark, bcell, b // 2, b // 2, (255, 255, 255, 255) if not template else (0, 0, 0, 0))
        img.alpha_composite(badge, (size - b, 0))
    return img
