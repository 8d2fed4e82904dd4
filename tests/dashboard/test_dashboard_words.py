from __future__ import annotations

import pytest

from dashboard.words import detail_text


@pytest.mark.parametrize(
    ("state", "detail", "words"),
    [
        ("working", "Read", "Reading a file"),
        ("working", "Bash", "Running a command"),
        ("working", "mcp__github__create_issue", "Using create issue from github"),
        ("working", "FancyTool", "Using FancyTool"),
        ("working", "3 background tasks", "3 background tasks"),
        ("error", "authentication_failed", "Authentication failed: run /login in Claude Code"),
        ("error", "rate_limit", "Rate limit reached: Claude Code resumes when it resets"),
        ("error", "brand_new_error", "API error: brand new error"),
        ("compacting", "auto", "Compacting the conversation (context was full)"),
        ("idle", "interrupted", "Interrupted with Esc"),
        ("working", None, None),
        ("working", "  ", None),
    ],
)
def test_detail_text_says_what_raw_values_mean(state, detail, words):
    assert detail_text({"state": state, "detail": detail}) == words
