"""What the report notebooks show: every table and figure comes from a function here.

Why: notebooks stay thin (parameters, headings and one call per cell); the logic is tested
with the package. The database URL comes from ``TICKSTOCK_DATABASE_URL`` (the nightly job sets
it in the kernel's environment), never from a notebook parameter, so it never lands in a
notebook or its HTML.

Figures are emitted as HTML with plotly.js embedded once per notebook (:func:`plotly_offline`),
so the exported HTML works offline, with no CDN.

>>> ctx = context("2025-12-12", "reports/2025-12-12/nightly.json")   # doctest: +SKIP
>>> load_table(ctx)                                                   # doctest: +SKIP
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

import pandas as pd

from ..db.url import display_url
from ..sqlfiles import query
from .context import ReportContext, context, stored_daily_bars  # noqa: F401 (notebooks: r.context)
from .context import frame as _frame
from .context import only as _only
from .loads import load_files  # noqa: F401 (notebooks: r.load_files)
from .quality import (  # noqa: F401
    minute_coverage,
    quality_checks,
    quarantine_table,
    reconciliation,
    require_ok,
)
from .steps import frame_of, split  # noqa: F401 (notebooks: r.split)

#: Patterns whose events lead the chart section (rarer, structural shapes first).
_PRIORITY = ["HeadAndShoulders", "InverseHeadAndShoulders", "DoubleBottom", "MACrossover", "Day1Breakout",
             "TrendingUp", "TrendingDown", "Hammer", "Doji"]
_PLOTLY_EMITTED = False


# ----------------------------------------------------------------------------------------- display

def plotly_offline():
    """Set up a notebook's display: plotly.js itself as an HTML output (once per kernel, with no
    CDN), every plotly figure shown as HTML next to its plotly JSON (so nbconvert's HTML, the
    executed notebook and JupyterLab all show the chart), and the report's tables
    (:func:`table_html`)."""
    global _PLOTLY_EMITTED
    import plotly.io as pio
    from IPython import get_ipython
    from IPython.display import HTML
    from plotly.offline import get_plotlyjs

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 200)
    pio.renderers[_RENDERER] = _offline_renderer()
    pio.renderers.default = f"plotly_mimetype+{_RENDERER}"    # fig.show() and a cell's figure alike
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, table_html)
    if _PLOTLY_EMITTED:
        return HTML("")
    _PLOTLY_EMITTED = True
    # plotly.js is a UMD bundle: with require.js on the page (nbconvert's default template) it
    # would register as an AMD module and leave ``window.Plotly`` unset; hiding ``define`` while
    # it runs makes it a global either way. The newline keeps a trailing source-map comment closed.
    return HTML('<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
                '<script type="text/javascript">(function (define, exports, module) {\n'
                f'{get_plotlyjs()}\n}})(undefined, undefined, undefined);</script>')


_RENDERER = "tickstock_offline_html"


def _offline_renderer():
    from plotly.io.base_renderers import MimetypeRenderer

    class OfflineHtmlRenderer(MimetypeRenderer):
        """A plotly renderer adding a ``text/html`` form of the figure (drawn by the page's plotly.js)
        to the ``application/vnd.plotly.v1+json`` one."""

        def to_mimebundle(self, fig_dict) -> dict:
            import plotly.io as pio

            return {"text/html": pio.to_html(fig_dict, full_html=False, include_plotlyjs=False, include_mathjax=False,
                                             config={"displaylogo": False, "responsive": True}, validate=False)}

    return OfflineHtmlRenderer()


def figure_div(fig) -> str:
    """A plotly figure as an HTML fragment that draws it with the page's plotly.js (no CDN)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False,
                       config={"displaylogo": False, "responsive": True})


def table_html(frame: pd.DataFrame) -> str:
    """A report table: no row numbers (a meaningful index is kept), blanks for missing values,
    and "none" rather than an empty grid when there are no rows."""
    if frame.empty:
        return "<p><em>none</em></p>"
    keep_index = not isinstance(frame.index, pd.RangeIndex)
    blanks = [c for c in frame.columns if pd.api.types.is_extension_array_dtype(frame[c]) and frame[c].isna().any()]
    if blanks:    # pandas writes <NA> for missing nullable integers whatever na_rep says
        frame = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "") for c in blanks})
    return frame.to_html(index=keep_index, na_rep="", max_rows=pd.get_option("display.max_rows"),
                         border=0, classes="dataframe")


def figure_html(fig):
    """A plotly figure as an HTML output that relies on :func:`plotly_offline` (no CDN)."""
    from IPython.display import HTML

    return HTML(figure_div(fig))


def display_all(outputs) -> None:
    """Display each output of a list (figures from :func:`event_charts`)."""
    from IPython.display import display

    for out in outputs:
        display(out)


def note(text: str):
    from IPython.display import Markdown

    return Markdown(text)


def header(ctx: ReportContext):
    """The report's first lines: date, session, database (password hidden), job status."""
    s = ctx.session
    if s is None:
        sess = "not an XNYS trading day"
    else:
        sess = (f"regular {s['open'].tz_convert('America/New_York'):%H:%M}-"
                f"{s['close'].tz_convert('America/New_York'):%H:%M} New York"
                + (" (early close)" if s["early_close"] else ""))
    lines = [f"**Session** {ctx.date.isoformat()}: {sess}",
             f"**Database** `{display_url(ctx.engine.url)}`"]
    if ctx.summary:
        lines.append(f"**Job status** {ctx.summary.get('status', '?')}; run at {ctx.summary.get('generated_at', '?')}")
    return note("  \n".join(lines))


# ----------------------------------------------------------------------------------------- tables

def steps_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per pipeline step: status, summary, seconds."""
    rows = [{"step": s["name"], "status": s["status"], "summary": s["summary"], "seconds": s.get("seconds")}
            for s in ctx.summary.get("steps", [])]
    return pd.DataFrame(rows, columns=["step", "status", "summary", "seconds"])


def load_table(ctx: ReportContext) -> pd.DataFrame:
    """The load reports of the files this run read (and those loaded by an earlier run)."""
    details = ctx.step("ingest").get("details", {})
    rows = [dict(r, when="this run") for r in details.get("loads", [])]
    earlier = details.get("already_loaded", [])
    if earlier:
        names = sorted(r.get("file", "") for r in earlier if r.get("kind") == "trades")
        others = sorted(r.get("file", "") for r in earlier if r.get("kind") != "trades")
        span = f"{names[0]} .. {names[-1]}" if names else ""
        label = ", ".join(x for x in (span, *others) if x)
        rows.append({"file": f"{len(earlier)} file(s): {label}", "kind": "all",
                     "when": "loaded by earlier runs (skipped)",
                     "rows_read": sum(int(r.get("rows_read") or 0) for r in earlier),
                     "inserted": sum(int(r.get("inserted") or 0) for r in earlier)})
    if not rows:
        return pd.DataFrame({"result": [ctx.step("ingest").get("summary", "no load in this run")]})
    frame = pd.DataFrame(rows)
    front = [c for c in ("file", "kind", "when", "rows_read", "inserted", "already_present", "corrected", "rejected",
                         "duration_s", "rows_per_second") if c in frame.columns]
    rest = [c for c in frame.columns if c not in front and c != "loaded_at"]
    frame = frame[front + rest]
    for col in ("rows_read", "inserted", "already_present", "corrected", "rows_per_second"):
        if col in frame.columns:     # whole numbers, blank where a row has none (not 0.0 / NaN)
            frame[col] = pd.to_numeric(frame[col], errors="coerce").round().astype("Int64")
    if "duration_s" in frame.columns:
        frame["duration_s"] = pd.to_numeric(frame["duration_s"], errors="coerce").round(2)
    if "rejected" in frame.columns:   # reason -> rows, shown as "reason: rows"
        frame["rejected"] = frame["rejected"].map(
            lambda r: ", ".join(f"{k}: {v}" for k, v in sorted(r.items())) if isinstance(r, dict) else r)
    return frame


def symbol_list(ctx: ReportContext) -> list[str]:
    """The active symbols of the database, in order (what a scan of "all" means)."""
    return list(_frame("active_symbols", ctx, {})["symbol"])


def example_symbol(*, engine_or_url=None) -> str:
    """A symbol worth showing raw against adjusted: the first with a split, else with a
    dividend, else the first active symbol (ValidationError when there are none)."""
    from ..db.engine import get_engine
    from ..errors import ValidationError

    with get_engine(engine_or_url).connect() as conn:
        symbol = conn.execute(query("queries/jobs_report", "example_symbol")).scalar()
    if symbol is None:
        raise ValidationError("the database has no symbols yet; load some first (see load_ticks.ipynb)")
    return symbol


def bars_built(ctx: ReportContext) -> pd.DataFrame:
    """Per symbol for the session: trades stored (extended hours), regular-session minute bars,
    and the daily bar (OHLCV) built from them."""
    e0, e1 = ctx.bounds("extended")
    r0, r1 = ctx.bounds("regular")
    ticks = _frame("ticks_by_symbol", ctx, {"start": e0, "end": e1})
    minutes = _frame("minute_bars_by_symbol", ctx, {"start": r0, "end": r1})
    daily = stored_daily_bars(ctx)
    out = ticks[["symbol", "trades", "corrected"]].merge(
        minutes[["symbol", "minute_bars"]], on="symbol", how="outer").merge(
        daily[["symbol", "open", "high", "low", "close", "volume"]], on="symbol", how="outer")
    for c in ("open", "high", "low", "close"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    for c in ("trades", "corrected", "minute_bars", "volume"):
        out[c] = pd.to_numeric(out[c], errors="coerce").fillna(0).astype("int64")
    return _only(out.sort_values("symbol"), ctx)


def bars_totals(ctx: ReportContext) -> pd.DataFrame:
    b = bars_built(ctx)
    return pd.DataFrame([{"symbols": int((b["trades"] > 0).sum()), "trades": int(b["trades"].sum()),
                          "minute bars": int(b["minute_bars"].sum()), "daily bars": int(b["close"].notna().sum()),
                          "trades with a correction indicator": int(b["corrected"].sum())}])


def gaps_table(ctx: ReportContext) -> pd.DataFrame:
    """Gap findings for the session: the rollup's own report when it ran, else a check of
    regular-session minute coverage against the exchange calendar."""
    rep = ctx.step("aggregate").get("details", {}).get("report", {})
    if isinstance(rep, dict) and "gaps" in rep:
        gaps = frame_of(rep["gaps"])
        return _only(gaps, ctx)
    return minute_coverage(ctx).query("missing_minutes > 0").reset_index(drop=True)


# ----------------------------------------------------------------------------------------- events

def events_of_day(ctx: ReportContext) -> pd.DataFrame:
    """Events stamped on the session date (daily events) or inside its extended hours."""
    day0 = pd.Timestamp(ctx.date, tz="UTC")
    e0, e1 = ctx.bounds("all")
    ev = _events(ctx, min(day0, e0), max(day0 + pd.Timedelta(days=1), e1))
    if ev.empty:
        return ev.drop(columns=["details"], errors="ignore")
    ts = pd.to_datetime(ev["timestamp"], utc=True)
    daily = ev["timeframe"].eq("1d") & (ts.dt.date == ctx.date)
    intraday = ~ev["timeframe"].eq("1d") & (ts >= e0) & (ts < e1)
    ev = ev[daily | intraday]
    ev["price"] = pd.to_numeric(ev["price"], errors="coerce")
    return _only(ev.drop(columns=["details"]), ctx)


def events_table(ctx: ReportContext) -> pd.DataFrame:
    """The events of the day as a reader wants them: ``when`` is the session date of a daily
    event and the New York time of an intraday one."""
    ev = events_of_day(ctx)
    cols = ["symbol", "when", "pattern", "timeframe", "direction", "price"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ts = pd.to_datetime(ev["timestamp"], utc=True)
    local = ts.dt.tz_convert("America/New_York").dt.strftime("%Y-%m-%d %H:%M")
    ev = ev.assign(when=ts.dt.strftime("%Y-%m-%d").where(ev["timeframe"].eq("1d"), local + " New York"))
    return ev[cols].reset_index(drop=True)


def events_summary(ctx: ReportContext) -> pd.DataFrame:
    ev = events_of_day(ctx)
    if ev.empty:
        return pd.DataFrame(columns=["pattern", "timeframe", "direction", "events", "symbols"])
    return (ev.groupby(["pattern", "timeframe", "direction"], as_index=False)
              .agg(events=("symbol", "size"), symbols=("symbol", lambda s: ", ".join(sorted(set(s))[:12])))
              .sort_values(["events", "pattern"], ascending=[False, True]).reset_index(drop=True))


def chart_symbols(ctx: ReportContext, max_charts: int = 8, events: pd.DataFrame | None = None) -> list[str]:
    """Symbols with events of the day (``events``, read when not given), structural patterns
    first, then by event count."""
    ev = events_of_day(ctx) if events is None else events
    if ev.empty:
        return []
    rank = {p: i for i, p in enumerate(_PRIORITY)}
    ev = ev.assign(rank=ev["pattern"].map(lambda p: rank.get(p, len(rank))))
    order = ev.groupby("symbol").agg(best=("rank", "min"), n=("pattern", "size")).sort_values(["best", "n"], ascending=[True, False])
    return list(order.index[:max_charts])


def daily_bars(ctx: ReportContext, symbol: str, sessions_back: int = 90) -> pd.DataFrame:
    """Daily bars of one symbol over the last ``sessions_back`` sessions up to the date, as
    traded, indexed by session date."""
    from ..load import HistoricalLoader

    start = ctx.date - dt.timedelta(days=int(sessions_back * 1.5) + 5)
    bars = HistoricalLoader(engine_or_url=ctx.engine).bars([symbol], "1d", start, ctx.date)
    return bars.drop(columns=["symbol"]).tail(sessions_back)


def _events(ctx: ReportContext, start: pd.Timestamp, end: pd.Timestamp, symbol: str | None = None,
            timeframe: str | None = None) -> pd.DataFrame:
    """Recorded events in [start, end), through the one reader of ``events``."""
    from ..load import HistoricalLoader

    ev = HistoricalLoader(engine_or_url=ctx.engine).events(symbol, start=start, end=end, timeframe=timeframe).reset_index()
    return ev[["symbol", "timestamp", "pattern", "timeframe", "direction", "price", "details"]]


def symbol_events(ctx: ReportContext, symbol: str, bars: pd.DataFrame, timeframe: str = "1d") -> pd.DataFrame:
    if bars.empty:
        return pd.DataFrame()
    start = pd.Timestamp(bars.index[0])
    start = start.tz_localize("UTC") if start.tzinfo is None else start
    end = pd.Timestamp(ctx.date, tz="UTC") + pd.Timedelta(days=1)
    ev = _events(ctx, start, end, symbol=symbol, timeframe=timeframe)
    ev["price"] = pd.to_numeric(ev["price"], errors="coerce")
    return ev


def event_charts(ctx: ReportContext, max_charts: int = 8, sessions_back: int = 90) -> list:
    """One candlestick per symbol with events of the day, the events of the window marked."""
    from .. import plots

    out = []
    day_events = events_of_day(ctx)      # read once, not once per chart
    for symbol in chart_symbols(ctx, max_charts, day_events):
        bars = daily_bars(ctx, symbol, sessions_back)
        if bars.empty:
            continue
        ev = symbol_events(ctx, symbol, bars)
        today = ", ".join(sorted(set(day_events.loc[day_events["symbol"] == symbol, "pattern"])))
        out.append(figure_html(plots.candlestick(bars, events=ev, title=f"{symbol}: {today}")))
    return out


AUDIT_COLUMNS = ["pattern", "timeframe", "direction", "horizon", "events", "n", "mean", "hit_rate", "baseline_mean",
                 "baseline_hit_rate", "excess_mean", "excess_hit_rate"]


def audit_table(ctx: ReportContext, start: str | dt.date | None = None, patterns: Sequence[str] | str | None = None,
                timeframe: str = "1d", sessions_back: int = 250, horizon: int | None = 5) -> pd.DataFrame:
    """The audit of the events of ``timeframe`` (some ``patterns``, default all) from ``start``
    (default: ``sessions_back`` sessions before the date) to the date, for one ``horizon`` (bars
    after the event; None: every horizon): events (state patterns counted at onset), forward
    return and hit rate against the baseline, best excess return first, returns and rates in
    percent. It runs on the Dask scheduler in ``TICKSTOCK_DASK_SCHEDULER`` when the job set one."""
    from ..events import audit

    if not start:
        start = ctx.date - dt.timedelta(days=int(sessions_back * 1.5))
    result = audit(engine_or_url=ctx.engine, symbols=ctx.symbols, patterns=split(patterns), timeframe=timeframe,
                   horizons=(1, 5, 20) if horizon in (None, 1, 5, 20) else (int(horizon),), start=start, end=ctx.date)
    table = result.table(horizon=horizon)[AUDIT_COLUMNS]
    pct = ["mean", "hit_rate", "baseline_mean", "baseline_hit_rate", "excess_mean", "excess_hit_rate"]
    table[pct] = (table[pct].astype("float64") * 100).round(2)
    return table.rename(columns={c: f"{c} %" for c in pct})


# ----------------------------------------------------------------------------------------- database

def database_size(ctx: ReportContext) -> pd.DataFrame:
    """Size, rows, tier and compression state of each data table."""
    from ..schema import describe

    with ctx.engine.connect() as conn:
        info = describe(conn, display_url(ctx.engine.url))
        rows = {r.table_name: int(r.rows) for r in conn.execute(query("queries/jobs_report", "row_counts"))}
        chunks: dict[str, tuple[int, int]] = {}
        if info.tier != "plain":
            chunks = {r.table_name: (int(r.chunks), int(r.compressed_chunks))
                      for r in conn.execute(query("queries/jobs_report", "chunk_compression"))}
    comp = info.features.get("compression", "")
    out = []
    for table, size in sorted(info.table_bytes.items(), key=lambda kv: -kv[1]):
        n, c = chunks.get(table, (0, 0))
        if table in chunks:
            state = f"{c}/{n} chunks compressed" + ("" if info.tier == "timescale" else f" ({comp})")
        else:
            state = "not a hypertable"
        out.append({"table": table, "rows": rows.get(table), "size_mb": round(size / 1048576, 2),
                    "tier": info.tier, "compression": state})
    return pd.DataFrame(out)


def summary_numbers(ctx: ReportContext) -> dict[str, Any]:
    """Headline numbers (used by tests and the report's first table)."""
    t = bars_totals(ctx).iloc[0].to_dict()
    t["events of the day"] = int(len(events_of_day(ctx)))
    return t


# ----------------------------------------------------------------------------------------- ranges

def _range(ctx: ReportContext, start: str | dt.date | None) -> tuple[dt.date, dt.date]:
    d0 = pd.Timestamp(start).date() if start else ctx.date - dt.timedelta(days=30)
    return d0, ctx.date


def bars_in_range(ctx: ReportContext, start: str | dt.date | None = None) -> pd.DataFrame:
    """Per symbol over [start, date]: minute bars, daily bars, first and last daily close."""
    d0, d1 = _range(ctx, start)
    t0 = pd.Timestamp(d0, tz="UTC") - pd.Timedelta(days=1)
    t1 = pd.Timestamp(d1, tz="UTC") + pd.Timedelta(days=2)
    mins = _frame("minute_bars_by_symbol", ctx, {"start": t0, "end": t1})
    daily = _frame("daily_bars_span", ctx, {"start": d0, "end": d1})
    out = daily.merge(mins[["symbol", "minute_bars"]], on="symbol", how="outer")
    for c in ("daily_bars", "minute_bars"):
        out[c] = pd.to_numeric(out[c], errors="coerce").fillna(0).astype("int64")
    for c in ("first_close", "last_close"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return _only(out.sort_values("symbol"), ctx)


def symbol_chart(ctx: ReportContext, symbol: str | None = None, sessions_back: int = 90):
    """A candlestick of one symbol's daily bars up to the date with its daily events marked."""
    symbol = symbol or (ctx.symbols[0] if ctx.symbols else None)
    if symbol is None:
        with ctx.engine.connect() as conn:
            symbol = conn.execute(query("queries/jobs", "symbol_list")).scalar()
    if symbol is None:
        return note("no symbols in the database yet")
    bars = daily_bars(ctx, symbol, sessions_back)
    if bars.empty:
        return note(f"no daily bars for {symbol} up to {ctx.date}")
    from .. import plots

    return figure_html(plots.candlestick(bars, events=symbol_events(ctx, symbol, bars), title=f"{symbol} daily"))


def events_in_range(ctx: ReportContext, start: str | dt.date | None = None, patterns: Sequence[str] | str | None = None,
                    timeframe: str | None = None) -> pd.DataFrame:
    """Recorded events over [start, date], optionally one timeframe and some patterns."""
    d0, d1 = _range(ctx, start)
    ev = _events(ctx, pd.Timestamp(d0, tz="UTC"), pd.Timestamp(d1, tz="UTC") + pd.Timedelta(days=1))
    if isinstance(patterns, str):
        patterns = [p.strip() for p in patterns.split(",") if p.strip()]
    if patterns:
        ev = ev[ev["pattern"].isin(patterns)]
    if timeframe:
        ev = ev[ev["timeframe"] == timeframe]
    ev["price"] = pd.to_numeric(ev["price"], errors="coerce")
    return _only(ev.drop(columns=["details"]), ctx)
