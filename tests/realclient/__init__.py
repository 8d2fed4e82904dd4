"""End-to-end tests against the real Claude Code (npm, pinned), offline against a loopback mock API."""
