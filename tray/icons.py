"""Tray icons drawn with Pillow from an `IconState`, once per (state, size), and cached.

No fonts: digits come from a 3x5 pixel font scaled by whole pixels, so they are crisp at 16, 22, 32
and 64 px and immune to Pillow's text-layout clash with Gtk (docs/platform-notes.md, pystray: title and text).
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from .view import IconState

if TYPE_CHECKING:
    from PIL import Image

SIZES = (16, 22, 32, 64)
SNI_SIZES = (16, 22, 24, 32, 48)  # Linux panels: the hicolor theme handed to AppIndicator / GtkStatusIcon
WIN_SIZES = (16, 20, 24, 32)  # the notification area at 100%, 125%, 150% and 200%
MAC_SIZES = (18, 36)  # the menu bar: 18 pt at 1x and 2x
SUPERSAMPLE = 4

TRACK = (128, 128, 128, 110)
LEVEL_COLOURS = {
    0: (150, 150, 150, 255),  # no session
    1: (46, 160, 67, 255),  # ok: green
    2: (219, 154, 4, 255),  # warn: amber
    3: (218, 54, 51, 255),  # high: red
}
WAIT_COLOUR = (255, 120, 0, 255)  # the "waiting for you" badge: orange with a white "!"
# the rate-limit mark (issue 12; IconState.limit): a warning triangle in the bottom-right corner, amber from
# 80 %, red from 95 % (core.present.LIMIT_WARN / LIMIT_ALERT), with a dark edge that keeps it apart from the
# ring and visible on light panels; as a macOS template: black with the "!" cut out (the menu says which)
LIMIT_COLOURS = {1: (250, 180, 0, 255), 2: (230, 50, 45, 255)}
LIMIT_EDGE = (25, 25, 25, 255)
LIMIT_GLYPH = (20, 20, 20, 255)
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


def _ring_width(size: int) -> int:
    """The ring's stroke in supersampled pixels."""
    return max(SUPERSAMPLE * 2, size * SUPERSAMPLE // 7)


def inner_radius(size: int) -> float:
    """The radius (px) of the hole inside the ring."""
    return size / 2 - _ring_width(size) / SUPERSAMPLE


def _badge_size(size: int) -> int:
    return max(7, (size * 7) // 16)


def _mark_size(size: int) -> int:
    """The rate-limit triangle's width (px): a little smaller than the badge (so "9+" still fits beside it at
    16 px), at least 6 so its "!" stays readable."""
    return max(6, (size * 3) // 8)


def _text_box(text: str, cell: int) -> tuple[int, int]:
    return len(text) * 3 * cell + (len(text) - 1) * cell, 5 * cell


def _fits(size: int, text: str, cell: int, x0: int, y0: int, badge: bool, mark: bool = False) -> bool:
    w, h = _text_box(text, cell)
    c, r = size / 2, inner_radius(size)
    corners = ((x0, y0), (x0 + w, y0), (x0, y0 + h), (x0 + w, y0 + h))
    if any(((x - c) ** 2 + (y - c) ** 2) ** 0.5 > r for x, y in corners):
        return False
    if mark:  # keep clear of the limit triangle's box in the bottom-right corner (plus a pixel)
        m = _mark_size(size)
        if x0 + w > size - m - 1 and y0 + h > size - m - 1:
            return False
    if badge:  # keep clear of the badge's disc (plus a pixel of antialiasing)
        b = _badge_size(size)
        bx, by, br = size - b / 2, b / 2, b / 2 + 1
        nx, ny = min(max(bx, x0), x0 + w), min(max(by, y0), y0 + h)
        if ((nx - bx) ** 2 + (ny - by) ** 2) ** 0.5 < br:
            return False
    return True


def _layout(size: int, text: str, badge: bool, mark: bool = False) -> tuple[int, int, int]:
    """(cell, x0, y0): the biggest whole-pixel glyph cell, and a position near the centre (nudged away from
    the badge top-right and the limit mark bottom-right: down-left, up-left or left), at which the text fits
    inside the ring and clear of both."""
    if badge and mark:
        moves: tuple = ((-1, 0),)
    elif mark:
        moves = ((-1, -1), (0, -1), (-1, 0))
    else:
        moves = ((-1, 1),)
    for cell in range(max(1, size // 11), 0, -1):
        w, h = _text_box(text, cell)
        cx, cy = (size - w) // 2, (size - h) // 2
        for dx, dy in moves:
            for shift in range(max(3, size // 5)):
                x0, y0 = cx + dx * shift, cy + dy * shift
                if _fits(size, text, cell, x0, y0, badge, mark):
                    return cell, x0, y0
    w, h = _text_box(text, 1)
    return 1, (size - w) // 2, (size - h) // 2


def glyph_cell(size: int, text: str, badge: bool, mark: bool = False) -> int:
    return _layout(size, text, badge, mark)[0]


def _draw_glyphs(img: Image.Image, text: str, cell: int, x0: int, y0: int, colour: tuple[int, ...]) -> None:
    from PIL import ImageDraw

    draw = ImageDraw.Draw(img)
    for i, ch in enumerate(text):
        rows = FONT[ch]
        gx = x0 + i * 4 * cell
        for r, line in enumerate(rows):
            for c, lit in enumerate(line):
                if lit == "#":
                    x, y = gx + c * cell, y0 + r * cell
                    draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=colour)


def _centred(text: str, cell: int, cx: int, cy: int) -> tuple[int, int]:
    w, h = _text_box(text, cell)
    return cx - w // 2, cy - h // 2


@functools.lru_cache(maxsize=256)
def render(state: IconState, size: int = 64, template: bool = False, count: bool = True) -> Image.Image:
    """The icon for `state`, `size` px square, RGBA. `template=True` gives a black-on-transparent
    image (macOS template style) that keeps the count and the waiting mark but drops colour."""
    from PIL import Image, ImageDraw

    big = size * SUPERSAMPLE
    ring = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(ring)
    width = _ring_width(size)
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
    text = count_text(state.sessions)
    if not template:
        # a dark disc behind the digits keeps them legible on light and dark panels
        disc = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        inner = width + SUPERSAMPLE
        ImageDraw.Draw(disc).ellipse([inner, inner, big - inner - 1, big - inner - 1], fill=(30, 30, 30, 200))
        img = Image.alpha_composite(img, disc.resize((size, size), Image.Resampling.LANCZOS))
    badge_on = state.waiting or state.error
    # the biggest whole-pixel digits that fit inside the ring (and clear of a badge: nudged down-left)
    cell, x0, y0 = _layout(size, text, badge_on, state.limit > 0)
    if count:
        _draw_glyphs(img, text, cell, x0, y0, (0, 0, 0, 255) if template else GLYPH_COLOUR)

    if badge_on:
        badge_colour = WAIT_COLOUR if state.waiting else ERROR_COLOUR
        b = _badge_size(size)
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
        bx, by = _centred(mark, bcell, b // 2, b // 2)
        _draw_glyphs(badge, mark, bcell, bx, by, (255, 255, 255, 255) if not template else (0, 0, 0, 0))
        img.alpha_composite(badge, (size - b, 0))
    if state.limit:
        m = _mark_size(size)
        img.alpha_composite(_limit_mark(size, state.limit, template), (size - m, size - m))
    return img


def _limit_mark(size: int, limit: int, template: bool) -> Image.Image:
    """The rate-limit triangle with its "!": filled amber (warn) or red (alert) with a dark edge; as a template,
    black with the "!" cut out (at 18-22 px an outline cannot be told from a fill, so both levels look alike
    where colour is dropped; the menu's limits line gives the figures)."""
    from PIL import Image, ImageDraw

    m = _mark_size(size)
    big = m * SUPERSAMPLE
    tri = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(tri)
    points = [(big / 2, 0), (big - 1, big - 1), (0, big - 1)]
    edge = max(SUPERSAMPLE, big // 9)
    if template:
        d.polygon(points, fill=(0, 0, 0, 255))
    else:
        d.polygon(points, fill=LIMIT_EDGE)  # the edge: the fill drawn inset on top
        inset = edge * 1.6
        inner = [(big / 2, inset * 1.25), (big - 1 - inset, big - 1 - edge), (inset, big - 1 - edge)]
        d.polygon(inner, fill=LIMIT_COLOURS[min(2, limit)])
    out = tri.resize((m, m), Image.Resampling.LANCZOS)
    cell = max(1, m // 9)
    w, h = _text_box("!", cell)
    gx, gy = (m - w) // 2, m - h - max(1, m // 8)
    glyph = (0, 0, 0, 0) if template else LIMIT_GLYPH
    _draw_glyphs(out, "!", cell, gx, gy, glyph)
    return out


def app_icon(size: int = 128) -> Image.Image:
    """The application's own icon (notifications): the ring, no count."""
    return render(IconState(sessions=1, level=1, fill=6), size, count=False)


def icon_name(state: IconState, template: bool = False) -> str:
    """A stable icon-theme name per state (panels cache icons by name, so a new state needs a new name)."""
    flags = ("w" if state.waiting else "") + ("e" if state.error else "") + ("l%d" % state.limit if state.limit else "")
    flags += "t" if template else ""
    return f"claude-status-{min(state.sessions, 10)}-{state.level}-{state.fill}{('-' + flags) if flags else ''}"


# (dir, size in logical pixels, scale): every panel size at 100 %, and the small ones at 200 % (HiDPI)
THEME_DIRS = tuple((f"{s}x{s}/apps", s, 1) for s in SNI_SIZES) + tuple(
    (f"{s}x{s}@2/apps", s, 2) for s in SNI_SIZES if s <= 32
)

INDEX_THEME = """[Icon Theme]
Name=hicolor
Comment=claude-status-tray icons, one size per panel size
Directories={dirs}
{sections}"""


def write_theme(root: str, state: IconState) -> str:
    """Write `state` at every SNI size into the hicolor theme under `root` (AppIndicator's icon theme
    path); returns the icon name. The panel picks the size it draws, so nothing is scaled."""
    theme = os.path.join(root, "hicolor")
    index = os.path.join(theme, "index.theme")
    if not os.path.exists(index):
        sections = "".join(
            f"\n[{d}]\nSize={s}\nScale={k}\nContext=Applications\nType=Fixed\n" for d, s, k in THEME_DIRS
        )
        os.makedirs(theme, exist_ok=True)
        with open(index, "w", encoding="utf-8") as fh:
            fh.write(INDEX_THEME.format(dirs=",".join(d for d, _, _ in THEME_DIRS), sections=sections))
    name = icon_name(state)
    for folder_name, size, scale in THEME_DIRS:
        folder = os.path.join(theme, folder_name.split("/")[0], "apps")
        path = os.path.join(folder, name + ".png")
        if not os.path.exists(path):
            os.makedirs(folder, exist_ok=True)
            tmp = path + ".tmp"
            render(state, size * scale).save(tmp, "PNG")  # drawn at the pixel size, never scaled
            os.replace(tmp, path)  # a panel reading meanwhile never sees half a file
    return name


def ico_bytes(state: IconState) -> bytes:
    """A Windows .ico holding 16, 20, 24 and 32 px, each drawn at its size (Windows picks by DPI)."""
    from io import BytesIO

    images = [render(state, s) for s in WIN_SIZES]
    buf = BytesIO()
    images[-1].save(buf, format="ICO", sizes=[(s, s) for s in WIN_SIZES], append_images=images[:-1])
    return buf.getvalue()


def macos_pngs(state: IconState, template: bool = False) -> dict[int, bytes]:
    """PNG data at 18 px (1x) and 36 px (2x, Retina) for one 18 pt menu-bar NSImage."""
    from io import BytesIO

    out = {}
    for s in MAC_SIZES:
        buf = BytesIO()
        render(state, s, template).save(buf, format="PNG")
        out[s] = buf.getvalue()
    return out
