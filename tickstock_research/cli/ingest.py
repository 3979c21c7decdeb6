"""``tickstock ingest ticks|bars|symbols|splits|dividends|events PATH...``: load files and print the load report."""
from __future__ import annotations

import argparse
import json

from ..ingest import load_bars, load_events, load_symbols, load_ticks
from ..ingest.writers import DEFAULT_BATCH_ROWS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="load ticks, bars, symbols, corporate actions or events from files")
    isub = p.add_subparsers(dest="ingest_command", metavar="WHAT", required=True)

    def common(q: argparse.ArgumentParser, symbols_policy: bool = True) -> None:
        q.add_argument("paths", nargs="+", metavar="PATH", help="files (or folders of files) to load")
        if symbols_policy:
            q.add_argument("--unknown-symbols", choices=["register", "reject"], default="register",
                           help="symbols not in `symbols`: add a minimal row (default) or quarantine the rows")
            q.add_argument("--batch-rows", type=int, default=DEFAULT_BATCH_ROWS,
                           help=f"rows per batch and transaction (default {DEFAULT_BATCH_ROWS:,})")
            q.add_argument("--no-progress", action="store_true", help="never show a progress bar")
            q.add_argument("--tz", default=None, metavar="ZONE",
                           help="time zone of naive date-times in the files, e.g. America/New_York (without "
                                "it they are quarantined as timestamp_without_zone)")
        q.add_argument("--json", action="store_true", help="print the report as JSON")

    t = isub.add_parser("ticks", help="trades (Massive trades_v1 flat files or canonical tick columns)")
    common(t)
    t.set_defaults(handler=ticks, needs="writer")
    b = isub.add_parser("bars", help="vendor OHLCV bars (Massive minute_aggs_v1 / day_aggs_v1 or canonical)")
    common(b)
    b.add_argument("--timeframe", choices=["1min", "1d"], default=None,
                   help="1min -> ohlcv_1min, 1d -> ohlcv_daily by session date (default: from the Massive "
                        "folder, minute_aggs_v1 or day_aggs_v1, else 1min; one that contradicts the folder "
                        "is an error)")
    b.set_defaults(handler=bars, needs="writer")
    s = isub.add_parser("symbols", help="reference data (Massive /v3/reference/tickers JSON, CSV)")
    common(s, symbols_policy=False)
    s.set_defaults(handler=symbols, needs="writer")
    kinds = (("splits", "corporate actions (Massive /v3/reference/splits JSON pages, CSV)"),
             ("dividends", "corporate actions (Massive /v3/reference/dividends JSON pages, CSV)"),
             ("events", "pattern events (CSV or Parquet, e.g. written by `tickstock events list --csv`)"))
    for kind, what in kinds:
        c = isub.add_parser(kind, help=what)
        c.add_argument("paths", nargs="+", metavar="PATH", help="files to load")
        c.add_argument("--unknown-symbols", choices=["register", "reject"], default="register",
                       help="symbols not in `symbols`: add a minimal row (default) or quarantine the rows")
        c.add_argument("--json", action="store_true", help="print the report as JSON")
        c.set_defaults(handler=corporate if kind != "events" else events, kind=kind, needs="writer")


def _show(args, report) -> int:
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return 0


def _progress(args):
    return False if args.no_progress else None


def ticks(args) -> int:
    return _show(args, load_ticks(args.paths, engine_or_url=args.url, unknown_symbols=args.unknown_symbols,
                                  batch_rows=args.batch_rows, progress=_progress(args), tz=args.tz))


def bars(args) -> int:
    return _show(args, load_bars(args.paths, engine_or_url=args.url, timeframe=args.timeframe, unknown_symbols=args.unknown_symbols,
                                 batch_rows=args.batch_rows, progress=_progress(args), tz=args.tz))


def symbols(args) -> int:
    return _show(args, load_symbols(args.paths, engine_or_url=args.url))


def corporate(args) -> int:
    from ..ingest import load_dividends, load_splits

    loader = load_splits if args.kind == "splits" else load_dividends
    report = loader(args.paths, engine_or_url=args.url, unknown_symbols=args.unknown_symbols)
    print(json.dumps(report.to_dict(), indent=2, default=str) if args.json else report)
    return 0


def events(args) -> int:
    return _show(args, load_events(args.paths, engine_or_url=args.url, unknown_symbols=args.unknown_symbols))
