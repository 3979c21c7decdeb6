"""``tickstock scan``: run patterns over symbols' bars and record events; ``tickstock events list|audit``.

    tickstock scan --timeframe 1d --symbols AAPL MSFT --patterns Doji Hammer --start 2024-01-01 --end 2024-06-30
    tickstock scan --list-patterns --timeframe 1min
    tickstock events list --symbols AAPL --patterns Doji --start 2024-01-01
    tickstock events audit --timeframe 1d --patterns Doji --horizons 1 5 20 [--csv out.csv]
"""
from __future__ import annotations

import argparse
import sys

from ..errors import ValidationError
from ..symbols import parse_symbols, split_names


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="detect patterns in stored bars and record them in `events`")
    p.add_argument("--timeframe", default="1d", help="bar timeframe (1d, 1min, 5min, ...; default 1d)")
    p.add_argument("--symbols", nargs="+", help="symbols to scan (space or comma separated)")
    p.add_argument("--patterns", nargs="+", help="pattern names (default: every pattern accepting the timeframe)")
    p.add_argument("--start", help="first date/time (inclusive)")
    p.add_argument("--end", help="last date/time (inclusive; a date includes its whole day)")
    p.add_argument("--adjustment", choices=["splits", "all", "none"], default="splits",
                   help="price adjustment of the bars scanned (default splits; recorded in the events' metadata)")
    p.add_argument("--session", choices=["regular", "extended", "all"],
                   help="intraday bars of which hours (default: extended for intraday, regular for daily)")
    p.add_argument("--list-patterns", action="store_true", help="list the patterns accepting --timeframe and exit")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="run symbol groups on this Dask scheduler (default: TICKSTOCK_DASK_SCHEDULER, else in-process)")
    p.set_defaults(handler=run_scan, needs="writer")

    ev = sub.add_parser("events", help="stored pattern events: list them, audit what followed")
    evsub = ev.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    ls = evsub.add_parser("list", help="print stored events (filtered)")
    ls.add_argument("--timeframe", help="only events of this timeframe (1d, 5min, ...)")
    ls.add_argument("--symbols", nargs="+", help="symbols, space or comma separated (default: all)")
    ls.add_argument("--patterns", nargs="+", help="pattern names, space or comma separated (default: all)")
    ls.add_argument("--direction", nargs="+", choices=["bullish", "bearish", "neutral"], help="only these directions")
    ls.add_argument("--start", help="first date or time (a date is a whole UTC day)")
    ls.add_argument("--end", help="end date or time (a date includes its whole UTC day; a time is exclusive)")
    ls.add_argument("--limit", type=int, default=50, metavar="N",
                    help="print at most N events, the latest first (default 50; 0 prints all)")
    ls.add_argument("--csv", help="write every matching event (details as JSON) to this CSV file, whatever --limit")
    ls.set_defaults(handler=run_list)
    a = evsub.add_parser("audit", help="forward returns after stored events against the symbols' baseline")
    a.add_argument("--timeframe", default="1d", help="timeframe of the events and bars (default 1d)")
    a.add_argument("--symbols", nargs="+", help="symbols, space or comma separated (default: all with events)")
    a.add_argument("--patterns", nargs="+", help="pattern names, space or comma separated (default: all)")
    a.add_argument("--horizons", nargs="+", type=int, default=[1, 5, 20], help="bars ahead (default 1 5 20)")
    a.add_argument("--start", help="first date or time of the events audited")
    a.add_argument("--end", help="end date or time (a date includes its whole day)")
    a.add_argument("--csv", help="write the summary table to this CSV file")
    a.add_argument("--adjustment", choices=["splits", "all", "none"], default="splits",
                   help="price adjustment of the bars forward returns are computed on (default splits)")
    a.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="compute forward returns on this Dask scheduler (default: TICKSTOCK_DASK_SCHEDULER)")
    a.set_defaults(handler=run_audit)


def run_scan(args) -> int:
    from ..patterns import all_patterns

    if args.list_patterns:
        for p in all_patterns(args.timeframe):
            print(f"{p.name:26s} {p.parameters}")
        return 0
    symbols = parse_symbols(args.symbols)
    if not symbols:
        raise ValidationError("give --symbols to scan (e.g. --symbols AAPL MSFT)")
    from ..events import scan

    report = scan(symbols, split_names(args.patterns), timeframe=args.timeframe, start=args.start, end=args.end,
                  engine_or_url=args.url, adjustment=_adjustment(args.adjustment), session=args.session,
                  client=args.dask_scheduler)
    print(report)
    for name, n in sorted(report.per_pattern.items()):
        print(f"  {name}: {n}")
    return 0


def _adjustment(choice: str) -> str | None:
    return None if choice == "none" else choice


def run_audit(args) -> int:
    from ..events import audit

    result = audit(engine_or_url=args.url, symbols=parse_symbols(args.symbols), patterns=split_names(args.patterns), timeframe=args.timeframe,
                   horizons=tuple(args.horizons), start=args.start, end=args.end, client=args.dask_scheduler,
                   adjustment=_adjustment(args.adjustment))
    print(f"forward returns on {result.adjustment or 'raw'} bars")
    table = result.table()
    if args.csv:
        table.to_csv(args.csv, index=False)
    with __import__("pandas").option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}") if len(table) else "no events")
    sys.stdout.flush()
    return 0


def run_list(args) -> int:
    import json

    from ..events import query_events
    from ..sessions.ranges import resolve_range

    if args.limit < 0:
        raise ValidationError(f"--limit must be 0 (all) or a positive number; got {args.limit}")
    resolve_range(args.start, args.end)                    # a reversed range is an error, not "no events"
    patterns = split_names(args.patterns)
    frame = query_events(engine_or_url=args.url, symbols=parse_symbols(args.symbols), patterns=patterns,
                         direction=split_names(args.direction), start=args.start, end=args.end, timeframe=args.timeframe)
    if patterns and frame.empty:
        _check_pattern_names(args.url, patterns)
    frame = frame.assign(details=frame["details"].map(lambda d: json.dumps(d, sort_keys=True)))
    if args.csv:
        frame.to_csv(args.csv, index=False)
    cols = ["symbol", "timestamp", "pattern", "timeframe", "direction", "price"]
    shown = frame if not args.limit or len(frame) <= args.limit else frame.sort_values("timestamp").tail(args.limit)
    print(shown[cols].to_string(index=False) if len(shown) else "no events")
    if len(shown) < len(frame):
        print(f"... {len(frame) - len(shown):,} earlier events not shown (of {len(frame):,}; --limit 0 shows all)",
              file=sys.stderr)
    return 0


def _check_pattern_names(url, names: list[str]) -> None:
    """A name that no registered pattern has and no stored event has is a typo: say so."""
    from ..events import query_events
    from ..patterns import all_patterns

    known = {p.name for p in all_patterns()}
    stored = set(query_events(engine_or_url=url, patterns=names)["pattern"])     # custom patterns recorded from notebooks
    unknown = [n for n in names if n not in known | stored]
    if unknown:
        raise ValidationError(f"unknown pattern(s): {', '.join(unknown)}; expected one of {', '.join(sorted(known))} "
                              "or a pattern with stored events")
