"""`claude-status aggregate ...`: the same as `python -m core.aggregate ...`."""

from __future__ import annotations

import argparse

HELP = "same as `python -m core.aggregate`"
PASSTHROUGH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Pass-through: `core.aggregate` parses its own options."""


def run(args: argparse.Namespace) -> int:
    from core import aggregate

    return int(aggregate.main(list(args.args), prog="claude-status aggregate") or 0)
