"""Local web dashboard for Claude Code sessions (stdlib http.server + one static page)."""
