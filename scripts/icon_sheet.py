"""Render every kind of tray icon at the sizes panels ask for (16-48 px; shown at 2x with whole pixels, on
light and dark) for the docs.

    .venv/bin/python scripts/icon_sheet.py docs/tray-icons.png
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from PIL import Image  # noqa: E402

from tray.icons import SNI_SIZES, render  # noqa: E402

SIZES = (*SNI_SIZES, 64)
from tray.view import IconState  # noqa: E402

STATES = [
    (IconState(), False),  # no session
    (IconState(1, 1, 2), False),  # one session, context ok
    (IconState(2, 2, 5, waiting=True), False),  # one waits for you, context 60 %
    (IconState(12, 3, 8), False),  # many, context high
    (IconState(12, 1, 4, waiting=True), False),  # 9+ with the waiting badge
    (IconState(3, 3, 7, error=True), False),  # an error
    (IconState(2, 1, 3), True),  # macOS template style
    (IconState(3, 1, 3, limit=1), False),  # a rate-limit window at 80 % or more (issue 12)
    (IconState(4, 2, 5, waiting=True, limit=2), False),  # at 95 %, and one waits for you
    (IconState(3, 1, 3, limit=2), True),  # the limit mark as a macOS template
]


def main(out: str) -> int:
    cell = 2 * max(SIZES) + 10
    sheet = Image.new("RGBA", (len(STATES) * cell, sum(4 * s + 12 for s in SIZES)), (255, 255, 255, 255))
    y = 5
    for size in SIZES:
        for i, (state, template) in enumerate(STATES):
            img = render(state, size, template).resize((size * 2, size * 2), Image.Resampling.NEAREST)
            x = i * cell + 5
            sheet.alpha_composite(img, (x, y))
            dark = Image.new("RGBA", img.size, (40, 40, 40, 255))
            dark.alpha_composite(img)
            beside = size * 4 + 2 <= cell - 5
            sheet.alpha_composite(dark, (x + size * 2 + 2, y) if beside else (x, y + size * 2 + 2))
        y += size * 2 + (8 if size * 4 + 2 <= cell - 5 else size * 2 + 10)
    sheet.crop((0, 0, sheet.width, y)).save(out)
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "tray-icons.png")))
