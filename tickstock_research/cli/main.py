"""``tickstock``: the command line. It only parses arguments and delegates to the package.

Errors the kit raises on purpose are printed as one line (no traceback) and exit with 2;
set ``TICKSTOCK_DEBUG=1`` to see tracebacks.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable, Sequence

from ..db.url import redact
from ..errors import TickstockError
from . import db as db_cmd

#: Modules that add sub-commands: each has ``register(subparsers)``. Later areas append here.
COMMAND_MODULES: list[str] = [
    "tickstock_research.cli.db",
]
_OPTIONAL = [
    "tickstock_research.cli.ingest",
    "tickstock_research.cli.aggregate",
    "tickstock_research.cli.scan",
    "tickstock_research.cli.jobs",
]


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="tickstock", description="TickStock research kit")
    parser.add_argument("--url", help="database URL (default: $TICKSTOCK_DATABASE_URL, else the embedded database)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES + _OPTIONAL:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler: Callable = args.handler
    try:
        return int(handler(args) or 0)
    except TickstockError as exc:
        if os.environ.get("TICKSTOCK_DEBUG"):
            raise
        print(f"tickstock: error: {redact(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tickstock: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
