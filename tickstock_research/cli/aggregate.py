"""``tickstock aggregate``: the incremental rollup (ticks -> minutes -> daily bars) and its checks."""
from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("aggregate", help="roll ticks up to 1-minute and daily bars (incremental by default)",
                       description="With no range: everything new or changed since the last successful run "
                                   "(watermark in the database). With --start/--end: rebuild those session dates.")
    p.add_argument("--start", help="first session date to rebuild (YYYY-MM-DD)")
    p.add_argument("--end", help="last session date to rebuild (YYYY-MM-DD, inclusive)")
    p.add_argument("--symbols", nargs="+", help="symbols, space or comma separated (default: all)")
    p.add_argument("--session", choices=["regular", "extended", "all"], default="regular",
                   help="hours a daily bar covers (default regular)")
    p.add_argument("--no-gaps", action="store_true", help="skip the gap/reconciliation report")
    p.add_argument("--runs", type=int, metavar="N", help="show the last N runs instead of running")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=aggregate, needs=lambda args: None if args.runs else "writer")


def aggregate(args) -> int:
    from ..aggregate import rollup_runs, run_rollup

    if args.runs:
        runs = rollup_runs(engine_or_url=args.url, limit=args.runs)
        if args.json:
            print(runs.to_json(orient="records", date_format="iso"))
        else:
            print(runs.to_string(index=False) if not runs.empty else "no aggregate runs yet")
        return 0
    report = run_rollup(engine_or_url=args.url, start=args.start, end=args.end, symbols=args.symbols, session=args.session,
                        check_gaps=not args.no_gaps)
    print(json.dumps(report.to_dict(), indent=2, default=str) if args.json else report)
    return 0
