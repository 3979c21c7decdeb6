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

from ..db.engine import INSUFFICIENT_PRIVILEGE, permission_denied
from ..db.url import redact
from ..errors import TickstockError

#: Modules that add sub-commands: each has ``register(subparsers)``. Later areas append here.
COMMAND_MODULES: list[str] = [
    "tickstock_research.cli.db",
]
_OPTIONAL = [
    "tickstock_research.cli.ingest",
    "tickstock_research.cli.aggregate",
    "tickstock_research.cli.scan",
    "tickstock_research.cli.jobs",
    "tickstock_research.cli.export",
]


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from ..version import __version__
    from .examples import example

    parser = argparse.ArgumentParser(prog="tickstock", description="TickStock research kit")
    parser.add_argument("--url", help="database URL (default: $TICKSTOCK_DATABASE_URL, else the embedded database); "
                                      "may also follow the command")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--version", action="version", version=f"tickstock-research {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES + _OPTIONAL:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    for path, command in _commands(parser):
        if path:                       # --url before or after the command (the later one wins)
            if not any("--url" in a.option_strings for a in command._actions):
                command.add_argument("--url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        if command.epilog is None:
            command.epilog = example(path)
        command.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _commands(parser: argparse.ArgumentParser, path: str = ""):
    """Every (command path, parser) below ``parser``, itself first ("" for the root)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, f"{path} {name}".strip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler: Callable = args.handler
    try:
        _check_access(args)
        return int(handler(args) or 0)
    except TickstockError as exc:
        if os.environ.get("TICKSTOCK_DEBUG"):
            raise
        _error(redact(exc))
        return 2
    except KeyboardInterrupt:
        print("tickstock: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:           # `tickstock events list | head`: the reader went away
        _silence_stdout()
        return 0
    except Exception as exc:          # a failure the kit did not foresee: still one line
        if os.environ.get("TICKSTOCK_DEBUG"):
            raise
        if getattr(getattr(exc, "orig", exc), "pgcode", None) == INSUFFICIENT_PRIVILEGE:
            _error(redact(permission_denied(_engine_for(args), exc)))
            return 2
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _error(f"{type(exc).__name__}: {redact(first)} (unexpected; TICKSTOCK_DEBUG=1 shows the traceback)")
        return 1


def _error(message: str) -> None:
    print(f"tickstock: error: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _engine_for(args):
    from ..db.engine import get_engine

    return get_engine(getattr(args, "url", None))


def _check_access(args) -> None:
    """Commands that write declare ``needs`` ("writer"/"admin", or a function of the arguments):
    a login without that right gets one line before anything runs."""
    needs = getattr(args, "needs", None)
    if callable(needs):
        needs = needs(args)
    if needs:
        from ..db.access import require

        words = [args.command] + [getattr(args, k) for k in ("db_command", "ingest_command") if getattr(args, k, None)]
        require(_engine_for(args), f"`tickstock {' '.join(words)}`", needs)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
