"""Generate the app icon in every format the platforms need, from one source drawing (`draw` below).

    python assets/make_icons.py            # rewrite assets/icon-*.png, icon.ico, icon.icns
    python assets/make_icons.py --check    # exit 1 if any file is missing (CI builds check this)

The drawing is the tray's own language at app-icon size: a dark rounded square, the grey track ring,
a green context arc and the orange "waiting for you" badge. It is drawn once at 1024 px and
downsampled with Lanczos, so every size comes from the same picture. Needs Pillow only.

The tray's state icons are not files: `tray/icons.py` draws them at run time, per state and size.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MASTER = 1024
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512, 1024)  # Linux hicolor + the tray/README sizes
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # Windows: Explorer, taskbar, alt-tab, large icons
# macOS: Pillow writes icns from one 1024 px image (it derives 16..512 @1x/@2x itself)

BACKGROUND = (31, 35, 40, 255)
TRACK = (90, 96, 104, 255)
ARC = (46, 160, 67, 255)
BADGE = (255, 120, 0, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int = MASTER):  # -> PIL.Image.Image
    """The source drawing, `size` px square, RGBA."""
    from PIL import Image, ImageDraw

    s = size / 1024
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    # macOS-style margin (the 824 px body of Apple's 1024 px grid), also fine on Windows and Linux
    m = round(100 * s)
    d.rounded_rectangle([m, m, size - m - 1, size - m - 1], radius=round(185 * s), fill=BACKGROUND)
    ring_w = round(92 * s)
    r0 = round(250 * s)
    box = [r0, r0, size - r0 - 1, size - r0 - 1]
    d.ellipse(box, outline=TRACK, width=ring_w)
    d.arc(box, start=-90, end=180, fill=ARC, width=ring_w)
    # three session bars in the middle of the ring
    bar_w, bar_h, gap = round(44 * s), round(150 * s), round(34 * s)
    x = size // 2 - (3 * bar_w + 2 * gap) // 2
    y = size // 2 - bar_h // 2
    for i, h in enumerate((0.6, 1.0, 0.8)):
        top = y + round(bar_h * (1 - h))
        d.rounded_rectangle(
            [x + i * (bar_w + gap), top, x + i * (bar_w + gap) + bar_w, y + bar_h], radius=bar_w // 2, fill=WHITE
        )
    # the waiting badge, top right
    b = round(250 * s)
    bx, by = size - m - b + round(40 * s), m - round(40 * s)
    d.ellipse([bx, by, bx + b, by + b], fill=BADGE, outline=BACKGROUND, width=round(36 * s))
    return img


def outputs() -> list:
    return [f"icon-{n}.png" for n in PNG_SIZES] + ["icon.ico", "icon.icns"]


def generate(outdir: str = HERE) -> list:
    from PIL import Image

    # drawn at 2x and downsampled even for the largest size: Pillow's shapes are not anti-aliased
    master = draw(2 * MASTER).resize((MASTER, MASTER), Image.LANCZOS)
    written = []
    for n in PNG_SIZES:
        img = master if n == MASTER else master.resize((n, n), Image.LANCZOS)
        path = os.path.join(outdir, f"icon-{n}.png")
        img.save(path, optimize=True)
        written.append(path)
    ico = os.path.join(outdir, "icon.ico")
    master.resize((256, 256), Image.LANCZOS).save(ico, sizes=[(n, n) for n in ICO_SIZES])
    icns = os.path.join(outdir, "icon.icns")
    master.save(icns)
    return [*written, ico, icns]


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only check that every output exists")
    p.add_argument("--out", default=HERE, help="output dir (default: assets/)")
    args = p.parse_args(argv)
    if args.check:
        missing = [n for n in outputs() if not os.path.exists(os.path.join(args.out, n))]
        for n in missing:
            print(f"missing: {n} (run: python assets/make_icons.py)", file=sys.stderr)
        return 1 if missing else 0
    for path in generate(args.out):
        print(f"{path}: {os.path.getsize(path)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
