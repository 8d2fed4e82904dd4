"""core.jsonio in processes like the hook's: fresh ``python -I -S``, ``json`` never imported (issue 8 item 1).

pytest itself has imported ``json``, so an in-process test cannot see the bug: ``_json`` raised SystemError on
3.10/3.11 when ``json.decoder`` was not in ``sys.modules``.
"""

from __future__ import annotations

import glob
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PYTHONS = sorted(glob.glob("/root/.pyenv/versions/3.*/bin/python3"))
PYTHONS = [p for p in PYTHONS if not any("/%s." % v in p for v in ("3.6", "3.7", "3.8"))] or [sys.executable]

CHECK = r"""
import sys
sys.path.insert(0, {root!r})
assert "json" not in sys.modules and "json.decoder" not in sys.modules
from core import jsonio
assert "json" not in sys.modules and "re" not in sys.modules
bad = ['{{"a"', '{{"a":1', '"abc', '{{', '[1,', 'tru', '{{"a":}}', '{{"session_id": "corrupt-1", "upd', '"\\ud8',
       '[' * 100 + '{{"x"', '{{"a":1}}x', 'NaN', '-', '"\\x"', '{{"a" 1}}']
for text in bad:
    for data in (text, text.encode()):
        try:
            jsonio.loads(data)
        except ValueError:
            pass
        else:
            raise SystemExit("no error for %r" % text)
assert jsonio.loads(b'{{"a": [1, 2.5, "\\u00fc", null, true]}}') == {{"a": [1, 2.5, "\u00fc", None, True]}}
print("ok")
"""


@pytest.mark.parametrize("python", PYTHONS, ids=lambda p: p.split("/versions/")[-1].split("/")[0])
def test_truncated_json_is_valueerror_in_a_fresh_isolated_process(python):
    out = subprocess.run([python, "-I", "-S", "-c", CHECK.format(root=str(ROOT))], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout + out.stderr


TAIL_CHECK = r"""
import sys
sys.path.insert(0, {root!r})
from core import transcript
info = transcript.tail_info({path!r})
assert "json" not in sys.modules and "re" not in sys.modules, "json/re imported"
print(info.get("tokens"))
"""


@pytest.mark.parametrize("python", PYTHONS, ids=lambda p: p.split("/versions/")[-1].split("/")[0])
def test_partial_last_line_in_a_fresh_process(python, tmp_path):
    """What tests/test_transcript.py::test_partial_last_line_is_ignored only proved inside pytest."""
    t = tmp_path / "t.jsonl"
    t.write_bytes(b'{"type":"assistant","message":{"model":"m","usage":{"input_tokens":1000}}}\n'
                  b'{"type":"assistant","message":{"usage":{"input_tok')
    out = subprocess.run([python, "-I", "-S", "-c", TAIL_CHECK.format(root=str(ROOT), path=str(t))],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "1000", out.stdout + out.stderr
