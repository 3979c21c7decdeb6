"""Data-quality checks of one session, by the symbols' exchange calendar.

What an analyst can rely on:

- a date that is not a trading day says so ("not a trading day") and checks nothing: its trades
  (such as the evening before a holiday) belong to another session;
- a session that has not closed yet says so; nothing can be complete before it closes;
- every active symbol of the calendar (or the symbols asked for) is expected to have data: one
  without any minute bar in the session is listed ("no data") and fails the check;
- the expected minutes are the session's own regular minutes (390; 210 on an early close);
- trades and minutes are counted inside the session's bounds (UTC, computed from the calendar
  in New York time), never by UTC day.

``quality_checks(ctx)`` returns one row per check with ``findings``, ``status`` (ok, warning,
failed, info; a not-a-trading-day or not-closed row when the date has nothing to check) and a
``detail`` line; :func:`require_ok` raises :class:`DataQualityError` when a check failed, for a
scheduler that wants a non-zero exit.
"""
from __future__ import annotations

import pandas as pd

from ..errors import TickstockError
from ..sessions import calendar_for
from .context import ReportContext, frame, only, stored_daily_bars
from .steps import StepStatus

COVERAGE_COLUMNS = ["symbol", "minutes", "expected_minutes", "missing_minutes", "status"]
CHECK_COLUMNS = ["check", "findings", "status", "detail"]


class DataQualityError(TickstockError):
    """A data-quality check of a session failed."""


def expected_symbols(ctx: ReportContext) -> list[str]:
    """The symbols the session should have data for: those asked for, else every active symbol
    whose calendar is the context's (24/7 markets are not held to an exchange's session)."""
    if ctx.symbols:
        return list(ctx.symbols)
    rows = frame("active_symbols", ctx, {})
    return [r.symbol for r in rows.itertuples(index=False) if calendar_for(r.market, r.calendar) == ctx.calendar]


def _coverage_params(ctx: ReportContext, start, end) -> dict:
    """Bounds and the correction codes that count under the stored bars' rule set."""
    from ..aggregate._common import stored_bar_rules
    from ..aggregate.eligibility import rules
    with ctx.engine.connect() as conn:
        corrections = list(rules(stored_bar_rules(conn)).corrections)
    return {"start": start, "end": end, "corrections": corrections}


def minute_coverage(ctx: ReportContext) -> pd.DataFrame:
    """Regular-session minutes with a bar, or with trades that count although none may set a
    price (a minute of odd lots alone under the consolidated rules), per expected symbol (and
    any other that traded) against the session's own count; ``status`` ok, missing minutes, or no data. Empty on a
    date that is not a trading day."""
    if not ctx.is_session:
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    r0, r1 = ctx.bounds("regular")
    expected = ctx.regular_minutes
    cov = frame("minute_coverage", ctx, _coverage_params(ctx, r0, r1))[["symbol", "minutes", "bars"]]
    universe = pd.DataFrame({"symbol": expected_symbols(ctx)})
    cov = universe.merge(cov, on="symbol", how="outer").sort_values("symbol")
    cov["minutes"] = pd.to_numeric(cov["minutes"], errors="coerce").fillna(0).astype("int64")
    cov["bars"] = pd.to_numeric(cov["bars"], errors="coerce").fillna(0).astype("int64")
    cov["expected_minutes"] = expected
    cov["missing_minutes"] = (expected - cov["minutes"]).clip(lower=0)
    cov["status"] = "ok"
    cov.loc[cov["missing_minutes"] > 0, "status"] = "missing minutes"
    cov.loc[cov["bars"] == 0, "status"] = "no data"
    return only(cov[COVERAGE_COLUMNS], ctx)


def reconciliation(ctx: ReportContext) -> pd.DataFrame:
    """Daily volume against the sum of its regular-session minutes (they must agree); only the
    disagreeing symbols. Empty on a date that is not a trading day."""
    cols = ["symbol", "minutes_volume", "daily_volume", "difference"]
    if not ctx.is_session:
        return pd.DataFrame(columns=cols)
    r0, r1 = ctx.bounds("regular")
    mins = frame("minute_coverage", ctx, _coverage_params(ctx, r0, r1)).rename(columns={"volume": "minutes_volume"})
    daily = stored_daily_bars(ctx)[["symbol", "volume"]].rename(columns={"volume": "daily_volume"})
    rec = mins[["symbol", "minutes_volume"]].merge(daily, on="symbol", how="outer").fillna(0)
    rec["difference"] = rec["daily_volume"].astype("int64") - rec["minutes_volume"].astype("int64")
    return only(rec.loc[rec["difference"] != 0, cols], ctx)


def _names(symbols, limit: int = 12) -> str:
    symbols = sorted(symbols)
    return ", ".join(symbols[:limit]) + (f" and {len(symbols) - limit} more" if len(symbols) > limit else "")


def quality_checks(ctx: ReportContext, now: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per data-quality check of the session (see the module docstring)."""
    day = ctx.date.isoformat()
    if not ctx.is_session:
        return pd.DataFrame([("session", 0, "not a trading day",
                              f"{day} is not a trading day ({ctx.calendar}); there is nothing to check")],
                            columns=CHECK_COLUMNS)
    if not ctx.closed(now):
        today_row = ctx.session
        assert today_row is not None           # a trading day (checked above)
        close = today_row["extended_close"].tz_convert("America/New_York")
        return pd.DataFrame([("session", 0, "not closed yet",
                              f"the {day} session closes at {close:%Y-%m-%d %H:%M} New York; its data cannot be complete yet")],
                            columns=CHECK_COLUMNS)
    from .report import bars_built

    e0, e1 = ctx.bounds("extended")
    cov = minute_coverage(ctx)
    nodata = cov[cov["status"] == "no data"]
    gaps = cov[cov["status"] == "missing minutes"]
    rec = reconciliation(ctx)
    built = bars_built(ctx)
    no_daily = built[(built["trades"] > 0) & built["close"].isna()]
    same = frame("same_timestamp_trades", ctx, {"start": e0, "end": e1})
    quarantine = frame("quarantine_summary", ctx, {"since": e0 - pd.Timedelta(days=3650)})
    n_expected = len(cov)

    def row(check, n, bad, detail):
        return (check, int(n), bad if n else "ok", detail if n else "")

    rows = [
        row("symbols with no data for the session", len(nodata), "failed",
            f"no minute bar in the {ctx.regular_minutes}-minute regular session: {_names(nodata['symbol'])}"),
        row("symbols with missing regular-session minutes", len(gaps), "warning", _names(gaps["symbol"])),
        ("missing regular-session minutes (total)", int(gaps["missing_minutes"].sum()),
         "warning" if len(gaps) else "ok",
         f"of {ctx.regular_minutes} expected per symbol, {n_expected - len(nodata)} symbol(s) with data"),
        row("daily volume differs from its minutes", len(rec), "failed", _names(rec["symbol"])),
        row("symbols that traded but have no daily bar", len(no_daily), "failed", _names(no_daily["symbol"])),
        ("distinct trades sharing a timestamp (kept)", int(same["trades"].sum()) if len(same) else 0, "info", ""),
        ("trades with a correction indicator", int(built["corrected"].sum()), "info", ""),
        ("quarantined rows (all time)", int(quarantine["rows"].sum()) if len(quarantine) else 0, "info", ""),
    ]
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def require_ok(checks: pd.DataFrame) -> pd.DataFrame:
    """``checks`` unchanged, or :class:`DataQualityError` naming the failed checks (one line)."""
    bad = checks[checks["status"] == "failed"]
    if len(bad):
        raise DataQualityError("; ".join(f"{r.check}: {r.detail or r.status}" for r in bad.itertuples()))
    return checks


def quarantine_table(ctx: ReportContext) -> pd.DataFrame:
    e0 = pd.Timestamp(ctx.date, tz="UTC")
    return frame("quarantine_summary", ctx, {"since": e0 - pd.Timedelta(days=3650)})


def drop_folder_check(folder, day, trade_files, expect_files: bool = False):
    """The nightly job's check of its drop folder for session ``day``: no trade file dated
    ``day`` is a warning (the night may simply have no data yet), and a failure when the job
    was told to expect files (``expect_files``); with no drop folder at all, only
    ``expect_files`` makes it a failure."""
    from .dropfolder import file_date
    from .steps import StepResult

    if folder is None:
        if expect_files:
            return StepResult("drop folder", "failed", "files were expected but no drop folder was given")
        return StepResult("drop folder", "skipped", "no drop folder given")
    own = [p for p in trade_files if file_date(p) == day]
    if own:
        return StepResult("drop folder", "ok", f"{len(own)} trade file(s) dated {day}; {len(trade_files)} dated file(s) "
                                               f"up to it (those loaded before are skipped)")
    status: StepStatus = "failed" if expect_files else "warning"
    extra = f"; {len(trade_files)} earlier file(s) to catch up" if trade_files else ""
    return StepResult("drop folder", status, f"no trade file for {day} in the drop folder{extra}",
                      {"folder": str(folder), "expected": bool(expect_files)})
