"""``tickstock export bars|ticks|events``: stored data to CSV or Parquet, read by HistoricalLoader.

The format follows the output's name: ``.parquet``, ``.csv`` or ``.csv.gz``; ``-`` writes CSV to
standard output. Times are UTC (ISO 8601 in CSV); daily bars are indexed by session date.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ValidationError

FORMATS = (".parquet", ".csv", ".csv.gz")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write stored bars, ticks or events to CSV or Parquet")
    esub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    for what, helptext in (("bars", "OHLCV bars of any timeframe (computed in the database)"),
                           ("ticks", "trades"), ("events", "pattern events")):
        q = esub.add_parser(what, help=helptext)
        q.add_argument("--symbols", nargs="+", required=what != "events",
                       help="symbols, space or comma separated" + (" (default: all)" if what == "events" else ""))
        q.add_argument("--start", help="first date or time (a date is a session date in exchange time)")
        q.add_argument("--end", help="end date or time (a date includes its whole day; a time is exclusive)")
        if what == "bars":
            q.add_argument("--timeframe", default="1d", help="1min, 5min, ..., 4h, 1d, 1w, 1mo (default 1d)")
            q.add_argument("--session", choices=["regular", "extended", "all"], default="regular",
                           help="hours the bars cover (default regular)")
            q.add_argument("--adjust", choices=["splits", "all", "none"], default="none",
                           help="split / split-and-dividend adjusted prices (default none: as stored)")
        if what == "events":
            q.add_argument("--patterns", nargs="+", help="pattern names (default: all)")
            q.add_argument("--timeframe", help="only events of this timeframe")
        q.add_argument("-o", "--output", required=True,
                       help="file to write (.parquet, .csv or .csv.gz), or - for CSV on standard output")
        q.set_defaults(handler=export, what=what)


def _check_output(output: str) -> None:
    if output != "-" and not output.lower().endswith(FORMATS):
        raise ValidationError(f"output {output!r} has no known format; expected a name ending in "
                              f"{', '.join(FORMATS)}, or - for standard output")


def export(args) -> int:
    from ..load import HistoricalLoader
    from ..symbols import named_symbols, parse_symbols, split_names

    _check_output(args.output)
    loader = HistoricalLoader(engine_or_url=args.url)
    if args.what == "bars":
        frame = loader.bars(named_symbols(args.symbols, "export bars"), args.timeframe, args.start, args.end, session=args.session,
                            adjust=None if args.adjust == "none" else args.adjust)
    elif args.what == "ticks":
        frame = loader.ticks(named_symbols(args.symbols, "export ticks"), args.start, args.end)
    else:
        frame = loader.events(parse_symbols(args.symbols), split_names(args.patterns), args.start, args.end,
                              timeframe=args.timeframe)
        frame = frame.assign(details=frame["details"].map(_json))
    frame = frame.reset_index()
    path = None if args.output == "-" else Path(args.output)
    if path is not None and path.name.lower().endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        # without pandas' own metadata: its arrow-backed list dtype does not read back in pandas
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table.replace_schema_metadata(None), path)
    else:
        for col in frame.columns:        # list columns (trade conditions) as space-separated text
            if frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, (list, tuple))).any():
                frame[col] = frame[col].map(lambda v: " ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        frame.to_csv(sys.stdout if path is None else path, index=False)
    if path is None:
        return 0
    print(f"wrote {len(frame):,} {args.what} rows to {path}", file=sys.stderr)
    return 0


def _json(value) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)
