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
