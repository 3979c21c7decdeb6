"""Raw against adjusted closes around corporate actions (why scans read adjusted bars)."""
from __future__ import annotations

import plotly.graph_objects as go

from ..db.engine import get_engine
from ..ingest.corporate_actions import read_actions
from ..load import HistoricalLoader
from ..sessions.ranges import resolve_dates
from ..types import EngineOrURL, TimestampLike


def adjusted_closes(symbol: str, start: TimestampLike | None = None, end: TimestampLike | None = None,
                    title: str | None = None, *, engine_or_url: EngineOrURL = None) -> go.Figure:
    """Daily closes of ``symbol`` raw (as traded), split-adjusted and fully adjusted, with the
    split and ex-dividend dates marked.

    >>> adjusted_closes("AAPL", "2020-06-01", "2020-10-30")   # doctest: +SKIP
    """
    engine = get_engine(engine_or_url)
    loader = HistoricalLoader(engine_or_url=engine)
    raw = loader.bars(symbol, "1d", start, end)
    fig = go.Figure()
    for frame, name, dash in ((raw, "raw (as traded)", "solid"),
                              (loader.bars(symbol, "1d", start, end, adjust="splits"), "split-adjusted", "dash"),
                              (loader.bars(symbol, "1d", start, end, adjust="all"), "splits + dividends", "dot")):
        fig.add_trace(go.Scatter(x=frame.index, y=frame["close"], name=name, mode="lines", line=dict(dash=dash)))
    if len(raw):
        as_of = (resolve_dates(None, end)[1] if end is not None else None) or raw.index.max().date()
        with engine.connect() as conn:
            splits, divs = read_actions(conn, [symbol], as_of)
        first = raw.index.min().date()
        for row in splits.itertuples(index=False):
            if row.execution_date >= first:
                fig.add_vline(x=str(row.execution_date), line_dash="dot", line_color="#d73027",
                              annotation_text=f"split {row.split_to:g}-for-{row.split_from:g}")
        for row in divs.itertuples(index=False):
            if row.ex_dividend_date >= first:
                fig.add_vline(x=str(row.ex_dividend_date), line_dash="dot", line_color="#4575b4",
                              annotation_text=f"ex-div {row.cash_amount:g}", annotation_position="bottom right")
    fig.update_layout(title=title or f"{symbol}: raw and adjusted daily closes", yaxis_title="close",
                      hovermode="x unified", legend=dict(orientation="h", y=1.08, x=0))
    return fig
