"""Human words for a card's detail line: the hook stores raw values (a tool name such as ``Read``, an API
error type such as ``authentication_failed``, a compaction trigger); the dashboard shows what they mean.

State words, the task-name fallback and what a waiting session asks come from ``core.present``; this adds
only the detail line. Pure.
"""

from __future__ import annotations

from typing import Any

TOOL_WORDS = {
    "Read": "Reading a file",
    "Write": "Writing a file",
    "Edit": "Editing a file",
    "MultiEdit": "Editing a file",
    "NotebookEdit": "Editing a notebook",
    "Bash": "Running a command",
    "BashOutput": "Reading a command's output",
    "KillShell": "Stopping a background command",
    "KillBash": "Stopping a background command",
    "Grep": "Searching the code",
    "Glob": "Finding files",
    "LS": "Listing a folder",
    "WebFetch": "Fetching a web page",
    "WebSearch": "Searching the web",
    "Task": "Running a subagent",
    "Agent": "Running a subagent",
    "TodoWrite": "Updating its to-do list",
    "ExitPlanMode": "Presenting a plan",
    "AskUserQuestion": "Asking you a question",
    "Skill": "Using a skill",
    "SlashCommand": "Running a slash command",
}
# StopFailure's `error` (its matcher values in Claude Code's hook reference).
ERROR_WORDS = {
    "authentication_failed": "Authentication failed: run /login in Claude Code",
    "rate_limit": "Rate limit reached: Claude Code resumes when it resets",
    "billing_error": "Billing problem: check your plan or credits",
    "invalid_request": "The API refused the request",
    "server_error": "The API had a server error: try again",
    "overloaded": "The API is overloaded: try again shortly",
    "max_output_tokens": "The reply hit the output token limit",
    "unknown": "The API returned an error",
}
COMPACT_WORDS = {
    "auto": "Compacting the conversation (context was full)",
    "manual": "Compacting the conversation (/compact)",
}
IDLE_WORDS = {"interrupted": "Interrupted with Esc"}


def _tool_words(name: str) -> str:
    if name in TOOL_WORDS:
        return TOOL_WORDS[name]
    if name.startswith("mcp__"):
        parts = name.split("__")
        server = parts[1] if len(parts) > 1 and parts[1] else "MCP"
        tool = parts[2] if len(parts) > 2 and parts[2] else "a tool"
        return "Using %s from %s" % (tool.replace("_", " "), server)
    return "Using " + name


def detail_text(row: dict[str, Any]) -> str | None:
    """The detail line of a card in words, or None when there is nothing to say."""
    detail = row.get("detail")
    if not isinstance(detail, str) or not detail.strip():
        return None
    detail = detail.strip()
    state = row.get("state")
    if state == "error":
        return ERROR_WORDS.get(detail, detail if " " in detail else "API error: " + detail.replace("_", " "))
    if state == "compacting":
        return COMPACT_WORDS.get(detail, "Compacting the conversation")
    if state == "idle":
        return IDLE_WORDS.get(detail, detail)
    if state in ("working", "waiting") and " " not in detail:
        return _tool_words(detail)  # a bare tool name
    return detail
