from __future__ import annotations

import pytest

from tray import icons
from tray.view import IconState


def pixels(img):
    w, h = img.size
    return [img.getpixel((x, y)) for y in range(h) for x in range(w)]


STATES = [
    pytest.param(IconState(), id="empty"),
    pytest.param(IconState(1, 1, 2), id="one-ok"),
    pytest.param(IconState(3, 2, 5, waiting=True), id="waiting"),
    pytest.param(IconState(12, 3, 8, error=True), id="many-error"),
]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("size", icons.SIZES)
@pytest.mark.parametrize("template", [False, True])
def test_render_size_and_mode(state, size, template):
    img = icons.render(state, size, template)
    assert img.size == (size, size) and img.mode == "RGBA"
    assert img.getbbox() is not None  # something is drawn


def test_render_is_cached():
    s = IconState(2, 1, 3)
    assert icons.render(s, 32) is icons.render(s, 32)


def test_states_look_different():
    imgs = [icons.render(p.values[0], 32).tobytes() for p in STATES]
    assert len(set(imgs)) == len(imgs)


def test_waiting_badge_is_orange_in_the_corner():
    img = icons.render(IconState(1, 1, 2, waiting=True), 64)
    b = (64 * 7) // 16
    r, g, bl, a = img.getpixel((64 - b // 2 - b // 4, b // 4 + 2))
    assert a == 255 and r > 200 and 80 < g < 160 and bl < 60
    plain = icons.render(IconState(1, 1, 2), 64).getpixel((64 - b // 2 - b // 4, b // 4 + 2))
    assert plain[:3] != (r, g, bl)


def test_template_is_monochrome():
    img = icons.render(IconState(2, 3, 6, waiting=True), 32, template=True)
    colours = {px[:3] for px in pixels(img) if px[3] > 0}
    assert colours == {(0, 0, 0)}


@pytest.mark.parametrize("n,text", [(0, "-"), (1, "1"), (9, "9"), (10, "9+"), (250, "9+")])
def test_count_text(n, text):
    assert icons.count_text(n) == text


def test_count_digits_are_pixel_exact_at_16px():
    # the glyph cells are whole pixels: the digit's pixels are fully opaque, not smeared
    img = icons.render(IconState(1, 1, 0), 16)
    lit = [px for px in pixels(img) if px[:3] == icons.GLYPH_COLOUR[:3]]
    assert lit and all(px[3] == 255 for px in lit)


def test_every_glyph_is_3x5():
    for ch, rows in icons.FONT.items():
        assert len(rows) == 5 and all(len(r) == 3 for r in rows), ch


def _glyph_pixels(img):
    w, h = img.size
    return [(x, y) for y in range(h) for x in range(w) if img.getpixel((x, y))[:3] == icons.GLYPH_COLOUR[:3]]


@pytest.mark.parametrize("size", [16, 18, 20, 22, 24, 32, 36, 44, 48, 64])
@pytest.mark.parametrize("waiting", [False, True])
def test_nine_plus_fits_inside_the_ring(size, waiting):
    """Every lit pixel of "9+" lies inside the ring's inner circle, and the badge hides none of it."""
    state = IconState(12, 1, 8, waiting=waiting)
    img = icons.render(state, size)
    lit = _glyph_pixels(img)
    inner = icons.inner_radius(size)
    c = size / 2
    assert lit
    outside = [(x, y) for x, y in lit
               if max(((x + dx - c) ** 2 + (y + dy - c) ** 2) ** 0.5 for dx in (0, 1) for dy in (0, 1)) > inner]
    assert outside == [], (size, inner, outside)
    cell = icons.glyph_cell(size, "9+", waiting)
    cells = sum(row.count("#") for ch in "9+" for row in icons.FONT[ch])
    assert len(lit) == cells * cell * cell  # nothing overdrawn by the badge


@pytest.mark.parametrize("size", [22, 24, 32, 48])
def test_sizes_are_drawn_not_scaled(size):
    """Each platform size is drawn at that size (whole-pixel glyphs), not a 64 px image scaled down."""
    img = icons.render(IconState(3, 1, 4), size)
    lit = _glyph_pixels(img)
    assert lit and all(img.getpixel(p)[3] == 255 for p in lit)


def test_hicolor_theme_has_every_size(tmp_path):
    state = IconState(2, 1, 3, waiting=True)
    name = icons.write_theme(str(tmp_path), state)
    assert name.startswith("claude-status-")
    from PIL import Image

    for size in icons.SNI_SIZES:
        path = tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{name}.png"
        with Image.open(path) as im:
            assert im.size == (size, size)
            assert im.tobytes() == icons.render(state, size).convert("RGBA").tobytes()
    for size in (16, 22, 24, 32):  # 200 %: drawn at twice the pixels, not scaled up
        with Image.open(tmp_path / "hicolor" / f"{size}x{size}@2" / "apps" / f"{name}.png") as im:
            assert im.size == (2 * size, 2 * size)
            assert im.tobytes() == icons.render(state, 2 * size).convert("RGBA").tobytes()
    index = (tmp_path / "hicolor" / "index.theme").read_text()
    assert all(f"{s}x{s}/apps" in index for s in icons.SNI_SIZES)
    assert "[22x22@2/apps]\nSize=22\nScale=2" in index
    assert icons.write_theme(str(tmp_path), state) == name  # stable per state
    other = icons.write_theme(str(tmp_path), IconState(1, 1, 1))
    assert other != name


def test_windows_ico_holds_each_size_drawn_at_that_size(tmp_path):
    from PIL import Image

    state = IconState(12, 2, 5, waiting=True)
    path = tmp_path / "i.ico"
    path.write_bytes(icons.ico_bytes(state))
    with Image.open(path) as im:
        assert sorted(im.info["sizes"]) == [(s, s) for s in icons.WIN_SIZES]
        for s in icons.WIN_SIZES:
            assert im.ico.getimage((s, s)).convert("RGBA").tobytes() == icons.render(state, s).tobytes(), s


def test_macos_template_pair_is_18_and_36():
    pngs = icons.macos_pngs(IconState(2, 1, 3), template=True)
    from io import BytesIO

    from PIL import Image

    assert sorted(pngs) == [18, 36]
    for px, data in pngs.items():
        with Image.open(BytesIO(data)) as im:
            assert im.size == (px, px)


# ------------------------------------------------------------------ the rate-limit mark (issue 12)


def _mark_box(size):
    m = icons._mark_size(size)
    return size - m, size - m, size, size


def _coloured(img, box, colour, tol=40):
    x0, y0, x1, y1 = box
    return [(x, y) for y in range(y0, y1) for x in range(x0, x1)
            if img.getpixel((x, y))[3] > 200 and all(abs(a - b) <= tol for a, b in zip(img.getpixel((x, y)), colour))]


@pytest.mark.parametrize("size", [16, 18, 22, 24, 32, 64])
def test_limit_mark_is_amber_then_red_in_the_bottom_right_corner(size):
    plain = icons.render(IconState(3, 1, 2), size)
    warn = icons.render(IconState(3, 1, 2, limit=1), size)
    alert = icons.render(IconState(3, 1, 2, limit=2), size)
    box = _mark_box(size)
    amber, red = icons.LIMIT_COLOURS[1][:3], icons.LIMIT_COLOURS[2][:3]
    assert not _coloured(plain, box, amber) and not _coloured(plain, box, red)
    assert len(_coloured(warn, box, amber)) >= 3 and not _coloured(warn, box, red)
    assert len(_coloured(alert, box, red)) >= 3 and not _coloured(alert, box, amber)
    # its "!" is drawn pixel-exact in the dark glyph colour
    assert _coloured(warn, box, icons.LIMIT_GLYPH[:3], tol=0)
    # the ring (what the context use shows) is untouched outside the mark's corner
    x0, y0, _, _ = box
    c, r = size / 2, icons.inner_radius(size) + 1
    ring = [(x, y) for y in range(size) for x in range(size)
            if (x < x0 or y < y0) and ((x + 0.5 - c) ** 2 + (y + 0.5 - c) ** 2) ** 0.5 > r]
    for img in (warn, alert):
        assert [plain.getpixel(p) for p in ring] == [img.getpixel(p) for p in ring]


@pytest.mark.parametrize("size", [16, 18, 20, 22, 24, 32, 36, 48, 64])
@pytest.mark.parametrize("waiting", [False, True])
@pytest.mark.parametrize("sessions", [3, 12])
def test_the_count_stays_whole_and_clear_of_the_limit_mark(size, waiting, sessions):
    """With the mark the count keeps its cell size where it fits, and no glyph pixel lies under the mark."""
    text = icons.count_text(sessions)
    img = icons.render(IconState(sessions, 1, 8, waiting=waiting, limit=2), size)
    lit = _glyph_pixels(img)
    cell = icons.glyph_cell(size, text, waiting, True)
    cells = sum(row.count("#") for ch in text for row in icons.FONT[ch])
    assert len(lit) == cells * cell * cell
    x0, y0, _, _ = _mark_box(size)
    assert not [(x, y) for x, y in lit if x >= x0 - 1 and y >= y0 - 1]
    if size == 22 and text == "3":
        assert cell >= icons.glyph_cell(size, text, waiting)  # readable at 22 px: the digit is not shrunk


def test_limit_mark_as_a_template_is_black_with_the_mark_cut_out():
    size = 22
    img = icons.render(IconState(3, 1, 2, limit=1), size, template=True)
    assert {px[:3] for px in pixels(img) if px[3] > 0} == {(0, 0, 0)}
    x0, y0, x1, y1 = _mark_box(size)
    m = x1 - x0
    cell = max(1, m // 9)
    bang = x0 + (m - 3 * cell) // 2 + cell  # the "!"'s column (its 3x5 glyph is ".#.")
    col = [img.getpixel((bang, y))[3] for y in range(y0 + m // 3, y1 - 1)]
    assert max(col) >= 200 and min(col) == 0  # black triangle with the transparent "!" inside
    assert icons.render(IconState(3, 1, 2, limit=2), size, template=True).tobytes() == img.tobytes()


def test_limit_states_have_their_own_icon_names():
    names = {icons.icon_name(IconState(3, 1, 2, limit=n)) for n in (0, 1, 2)}
    assert len(names) == 3
