"""pystray's win32 and darwin icons at the sizes those platforms ask for (tray.icons draws each size).

- Windows: pystray saves one image as a one-size .ico and lets Windows scale it. Here the .ico holds
  16, 20, 24 and 32 px (100%-200% scaling), each drawn at its size, loaded at the small-icon size the
  system reports (SM_CXSMICON), so Windows picks the matching image instead of scaling.
- macOS: pystray squeezes the image to the bar's thickness in pixels (blurry on Retina). Here one
  18 pt NSImage holds an 18 px and a 36 px representation, and keeps the template flag.

Set `icon.icon_state` (and `icon.icon_template` on macOS) before `icon.icon = image`. Neither backend can
run on Linux, so these subclasses are exercised on Windows and macOS only; tests/test_tray_icons.py checks
the images they load (ico_bytes, macos_pngs).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from typing import Any, Optional

from . import icons
from .view import IconState

log = logging.getLogger("claude-status.tray")

SM_CXSMICON, SM_CYSMICON = 49, 50


def win32_icon_class(base: Any) -> Any:  # pragma: no cover - Windows only
    class SizedIcon(base):  # type: ignore[misc, valid-type]
        icon_state: Optional[IconState] = None

        def _assert_icon_handle(self) -> None:
            if self._icon_handle:
                return
            if self.icon_state is None:
                base._assert_icon_handle(self)
                return
            import ctypes

            from pystray._util import win32

            fd, path = tempfile.mkstemp(suffix=".ico", prefix="claude-status-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(icons.ico_bytes(self.icon_state))
                user32 = ctypes.windll.user32  # type: ignore[attr-defined]
                cx, cy = user32.GetSystemMetrics(SM_CXSMICON), user32.GetSystemMetrics(SM_CYSMICON)
                self._icon_handle = win32.LoadImage(None, path, win32.IMAGE_ICON, cx, cy, win32.LR_LOADFROMFILE)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    SizedIcon.__name__ = SizedIcon.__qualname__ = f"Sized{base.__name__}"
    SizedIcon.__module__ = base.__module__
    return SizedIcon


def darwin_icon_class(base: Any) -> Any:  # pragma: no cover - macOS only
    class SizedIcon(base):  # type: ignore[misc, valid-type]
        icon_state: Optional[IconState] = None
        icon_template = False

        def _assert_image(self) -> None:
            if self.icon_state is None:
                base._assert_image(self)
                return
            key = (self.icon_state, self.icon_template)
            if self._icon_image and getattr(self, "_sized_key", None) == key:
                return
            import AppKit
            import Foundation

            image = AppKit.NSImage.alloc().initWithSize_((18, 18))
            for _px, data in sorted(icons.macos_pngs(self.icon_state, self.icon_template).items()):
                blob = Foundation.NSData.dataWithBytes_length_(data, len(data))
                rep = AppKit.NSBitmapImageRep.imageRepWithData_(blob)
                rep.setSize_((18, 18))  # points: the 36 px one is the Retina representation
                image.addRepresentation_(rep)
            image.setTemplate_(bool(self.icon_template))
            self._icon_image = image
            self._sized_key = key
            self._status_item.button().setImage_(image)

    SizedIcon.__name__ = SizedIcon.__qualname__ = f"Sized{base.__name__}"
    SizedIcon.__module__ = base.__module__
    return SizedIcon
