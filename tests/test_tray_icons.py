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
