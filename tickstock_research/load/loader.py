"""``HistoricalLoader``: ticks, bars of any timeframe, events and symbols from the database into pandas.

Result shape (every method):

- **long format**: one frame for all requested symbols, with a ``symbol`` column, sorted by
  (symbol, time); ``by_symbol=True`` returns ``dict[str, DataFrame]`` instead (one entry per
  requested symbol, empty frames included).
- **index**: ticks and intraday bars have a UTC tz-aware ``DatetimeIndex`` named
  ``"timestamp"`` (a bar is labelled by its start); daily, weekly and monthly bars have a naive
  ``DatetimeIndex`` named ``"date"`` holding the session date (a week or month is labelled by
  its first session date).
- **bars** columns: ``symbol, open, high, low, close, volume, vwap, trade_count``;
  **ticks** columns: ``symbol, price, volume, exchange, trade_id, sequence_number, conditions,
  correction``. Prices are float64, volumes int64, ``trade_count``/``sequence_number`` nullable
  ``Int64``, ``conditions`` an Arrow ``list<int16>``; never Decimal or object numbers.
- an empty range gives an empty frame with these columns and dtypes.

Time ranges follow :mod:`tickstock_research.sessions.ranges` (naive timestamps are UTC, a bare date
is a session date in exchange time and, as an end, includes the whole day; ``[start, end)``).

>>> loader = HistoricalLoader()                                              # doctest: +SKIP
>>> bars = loader.bars(["AAPL", "MSFT"], "5min", "2024-03-04", "2024-03-08")  # doctest: +SKIP
>>> bars.loc[bars.symbol == "AAPL", "close"].tail()                          # doctest: +SKIP
"""
from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator
from typing import Any, Literal, overload

import pandas as pd
from sqlalchemy.engine import Engine

from ..corporate.adjust import Adjustment, check_adjustment
from ..db.engine import get_engine
from ..errors import ValidationError
from ..schema.settings import daily_session
from ..sessions import exchange_tz, session_bounds, sessions
from ..sessions.calendar import ALWAYS_OPEN, check_session_filter
from ..sessions.lookup import symbol_calendars
from ..sessions.ranges import resolve_dates, resolve_range, sql_bound
from ..sqlfiles import query
from ..symbols import parse_symbols
from ..timeframes import Timeframe, parse_timeframe
from ..types import DIRECTIONS, EngineOrURL, SessionFilter, TimestampLike
from . import fetch
from .adjusted import adjust_bars, as_of_date, resample_sessions

Align = Literal["session", "clock"]
Symbols = str | Iterable[str]
META = "queries/load_meta"

TICK_COLUMNS = ["symbol", "price", "volume", "exchange", "trade_id", "sequence_number", "conditions", "correction"]
BAR_COLUMNS = ["symbol", "open", "high", "low", "close", "volume", "vwap", "trade_count"]
EVENT_COLUMNS = ["symbol", "pattern", "timeframe", "direction", "price", "details", "created_at", "updated_at"]
#: Longest possible session of each filter, in minutes (bounds intraday chunk estimates).
_MAX_SESSION_MINUTES = {"regular": 390, "extended": 960, "all": 1500}


def _symbol_list(symbols: Symbols | None) -> list[str]:
    """The shared symbol-list rule (:mod:`..symbols`); ``None`` here means none given."""
    return parse_symbols(symbols) or []


def _as_list(value) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


class HistoricalLoader:
    """Reads the TickStock tables into pandas, computing bars of any timeframe in the database.

    ``engine_or_url``: an Engine, a URL, or None (``TICKSTOCK_DATABASE_URL``, else the embedded
    local database). ``parallel``: how many connections one large read may use at once (the
    rows are split into contiguous parts by symbol, or by time for one symbol); 1 disables it.

    >>> loader = HistoricalLoader("postgresql://analyst@127.0.0.1/tickstock")   # doctest: +SKIP
    >>> loader.ticks("AAPL", "2024-03-08", "2024-03-08").price.describe()       # doctest: +SKIP
    """

    def __init__(self, *, engine_or_url: EngineOrURL | Engine = None, parallel: int = 2):
        self.engine = get_engine(engine_or_url)
        self._daily_session: str | None = None
        self.parallel = max(1, int(parallel))

    # ------------------------------------------------------------------ symbols
    def symbols(self, market: str | None = None, active: bool | None = None) -> pd.DataFrame:
        """The ``symbols`` table (optionally one market, or only active/inactive), sorted by symbol.

        >>> HistoricalLoader().symbols(market="crypto")                        # doctest: +SKIP
        """
        with self.engine.connect() as conn:
            result = conn.execute(query(META, "symbols_list"), {"market": market, "active": active})
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        for col in ("market_cap", "weighted_shares_outstanding"):
            frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
        frame["active"] = frame["active"].astype(bool)
        frame["last_updated_utc"] = pd.to_datetime(frame["last_updated_utc"], utc=True)
        return frame

    def _calendars(self, symbols: list[str]) -> dict[str, str]:
        """symbol -> calendar name; raises UnknownSymbolError listing every unknown one."""
        with self.engine.connect() as conn:
            return symbol_calendars(conn, symbols)

    def _groups(self, symbols: list[str]) -> list[tuple[str, list[str]]]:
        """(calendar, symbols) groups in symbol order (consecutive symbols of one calendar)."""
        cals = self._calendars(symbols)
        groups: list[tuple[str, list[str]]] = []
        for s in symbols:
            if groups and groups[-1][0] == cals[s]:
                groups[-1][1].append(s)
            else:
                groups.append((cals[s], [s]))
        return groups

    def _split(self, symbols: list[str]) -> list[list[str]]:
        k = min(self.parallel, len(symbols))
        return [symbols[i * len(symbols) // k:(i + 1) * len(symbols) // k] for i in range(k)]

    # ------------------------------------------------------------------ ticks
    @overload
    def ticks(self, symbols: Symbols, start: TimestampLike | None, end: TimestampLike | None, *,
              by_symbol: Literal[False] = False) -> pd.DataFrame: ...

    @overload
    def ticks(self, symbols: Symbols, start: TimestampLike | None, end: TimestampLike | None, *,
              by_symbol: Literal[True]) -> dict[str, pd.DataFrame]: ...

    def ticks(self, symbols: Symbols, start: TimestampLike | None, end: TimestampLike | None, *,
              by_symbol: bool = False) -> pd.DataFrame | dict[str, pd.DataFrame]:
        """Every tick of ``symbols`` in ``[start, end)``, sorted by (symbol, time, exchange, trade id).

        Index ``timestamp`` (UTC); columns ``symbol, price (float64), volume (int64), exchange
        (int16), trade_id (str), sequence_number (Int64), conditions (list<int16>), correction
        (int16)``. Read with ``COPY ... TO STDOUT`` parsed by pyarrow (see :mod:`.fetch`).

        >>> HistoricalLoader().ticks(["AAPL", "MSFT"], "2024-03-08 14:30", "2024-03-08 15:00")  # doctest: +SKIP
        """
        syms = _symbol_list(symbols)
        parts = []
        for cal, group in self._groups(syms):
            lo, hi = resolve_range(start, end, _tz(cal))
            if lo is not None and hi is not None and lo >= hi:
                continue
            if len(syms) == 1 and self.parallel > 1 and lo is not None and hi is not None:
                step = ((hi - lo) / self.parallel).floor("us")
                cuts = [lo + step * i for i in range(self.parallel)] + [hi]
                parts += [{"symbols": group, "start": sql_bound(a, "lo"), "end": sql_bound(b, "hi")}
                          for a, b in zip(cuts[:-1], cuts[1:])]
            else:
                parts += [{"symbols": p, "start": sql_bound(lo, "lo"), "end": sql_bound(hi, "hi")}
                          for p in self._split(group)]
        frame = fetch.copy_frame(self.engine, "ticks", parts, fetch.TICK_COLUMNS) if parts else \
            fetch.empty_frame(fetch.TICK_COLUMNS)
        return _shape(frame.set_index("timestamp"), TICK_COLUMNS, syms, by_symbol)

    def iter_ticks(self, symbols: Symbols, start: TimestampLike | None, end: TimestampLike | None, *,
                   chunk_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        """The ticks of :meth:`ticks` as frames of at most ``chunk_rows`` rows, in the same order.

        Pages are read with keyset pagination on the ticks key (symbol, time, exchange, trade
        id), one bounded query per page, so a range larger than memory can be processed; a
        chunk may hold several symbols.

        >>> for chunk in HistoricalLoader().iter_ticks("AAPL", "2024-01-01", "2024-12-31"):  # doctest: +SKIP
        ...     total += chunk.volume.sum()
        """
        if chunk_rows < 1:
            raise ValidationError("chunk_rows must be at least 1")
        syms = _symbol_list(symbols)
        pending: list[pd.DataFrame] = []
        held = 0
        for cal, group in self._groups(syms):
            lo, hi = resolve_range(start, end, _tz(cal))
            if lo is not None and hi is not None and lo >= hi:
                continue
            for sym in group:
                after: tuple[Any, int | None, str | None] = (None, None, None)
                while True:
                    params = {"symbol": sym, "after_ts": after[0], "after_exchange": after[1],
                              "after_trade_id": after[2], "start": sql_bound(lo, "lo"), "end": sql_bound(hi, "hi"),
                              "limit": chunk_rows - held}
                    page = fetch.copy_frame(self.engine, "ticks_page", params, fetch.TICK_COLUMNS)
                    if len(page):
                        pending.append(page)
                        held += len(page)
                        last = page.iloc[-1]
                        after = (last["timestamp"].to_pydatetime(), int(last["exchange"]), str(last["trade_id"]))
                    if held >= chunk_rows:
                        yield _shape(_concat(pending).set_index("timestamp"), TICK_COLUMNS, syms, False)
                        pending, held = [], 0
                        continue
                    break
        if held:
            yield _shape(_concat(pending).set_index("timestamp"), TICK_COLUMNS, syms, False)

    # ------------------------------------------------------------------ bars
    @overload
    def bars(self, symbols: Symbols, timeframe: str | Timeframe = "1min", start: TimestampLike | None = None,
             end: TimestampLike | None = None, session: SessionFilter = "regular", align: Align = "session", *,
             by_symbol: Literal[False] = False, adjust: Adjustment | None = None) -> pd.DataFrame: ...

    @overload
    def bars(self, symbols: Symbols, timeframe: str | Timeframe = "1min", start: TimestampLike | None = None,
             end: TimestampLike | None = None, session: SessionFilter = "regular", align: Align = "session", *,
             by_symbol: Literal[True], adjust: Adjustment | None = None) -> dict[str, pd.DataFrame]: ...

    def bars(self, symbols: Symbols, timeframe: str | Timeframe = "1min", start: TimestampLike | None = None,
             end: TimestampLike | None = None, session: SessionFilter = "regular", align: Align = "session", *,
             by_symbol: bool = False, adjust: Adjustment | None = None) -> pd.DataFrame | dict[str, pd.DataFrame]:
        """OHLCV bars of ``symbols`` for ``timeframe``, computed in the database.

        - Intraday timeframes (1min ... 4h) are built from ``ohlcv_1min``: open/close are the
          first/last minute by time, high/low the max/min, volume and trade_count the sums,
          vwap the volume-weighted mean of the minutes' vwap. Buckets are aligned to the
          session open in exchange time (``align="session"``: 1h bars start 09:30, 10:30, ...,
          15:30, the last one partial; DST-proof) or to the exchange-time clock
          (``align="clock"``: 09:00, 10:00, ...). A bar is labelled by its start and kept when
          that start is in ``[start, end)``; bars never straddle two sessions.
        - ``session``: ``"regular"`` (open to close, 13:00 on early closes), ``"extended"``
          (04:00-20:00 New York) or ``"all"`` (the whole session date), from the exchange
          calendar; holidays have no bars.
        - ``1d`` reads ``ohlcv_daily`` (built for the regular session unless the database's
          first daily build chose another); ``1w`` groups those sessions by exchange week
          (Monday-Sunday) and ``1mo`` by month, each labelled by its first session date;
          weeks/months cut by ``start``/``end`` are partial. For another session filter
          (``"extended"``, ``"all"``) daily and longer bars are built from ``ohlcv_1min``.
        - ``adjust``: ``None`` (raw, as traded), ``"splits"`` (prices divided and volumes
          multiplied by the cumulative split ratio after each bar) or ``"all"`` (splits plus the
          multiplicative dividend adjustment ``1 - dividend / previous close``), as of the range's
          end date (the last bar's date when ``end`` is None): later actions are not applied.

        >>> HistoricalLoader().bars("AAPL", "1h", "2024-03-04", "2024-03-08")          # doctest: +SKIP
        >>> HistoricalLoader().bars(["AAPL", "MSFT"], "1w", "2024-01-01", "2024-06-30") # doctest: +SKIP
        """
        tf, syms = self._bar_args(symbols, timeframe, session, align)
        check_adjustment(adjust)
        if adjust is not None and tf.name in ("1w", "1mo"):
            daily = self.bars(syms, "1d", start, end, session, align, adjust=adjust)
            return _shape(resample_sessions(daily, tf.name), BAR_COLUMNS, syms, by_symbol)
        groups = self._groups(syms)
        frames = [self._bars_group(cal, group, tf, start, end, session, align) for cal, group in groups]
        if adjust is None:
            return self._finish_bars(frames, tf, syms, by_symbol)
        frame = self._finish_bars(frames, tf, syms, False)
        calendar_of = {s: cal for cal, group in groups for s in group}
        end_date = resolve_dates(None, end, _tz(groups[0][0]) if groups else "UTC")[1] if end is not None else None
        as_of = as_of_date(frame, end_date, tf.intraday, calendar_of)
        frame = adjust_bars(self.engine, frame, mode=adjust, intraday=tf.intraday, as_of=as_of, calendar_of=calendar_of)
        return _shape(frame, BAR_COLUMNS, syms, by_symbol)

    def iter_bars(self, symbols: Symbols, timeframe: str | Timeframe = "1min", start: TimestampLike | None = None,
                  end: TimestampLike | None = None, session: SessionFilter = "regular", align: Align = "session", *,
                  chunk_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        """The bars of :meth:`bars` as frames of at most ``chunk_rows`` rows, in (symbol, time) order.

        Each query covers a batch of symbols and a window of whole sessions sized so its rows
        stay under ``chunk_rows`` (from the longest possible session), so memory stays bounded
        for any range.
        """
        if chunk_rows < 1:
            raise ValidationError("chunk_rows must be at least 1")
        tf, syms = self._bar_args(symbols, timeframe, session, align)
        for cal, group in self._groups(syms):
            if tf.intraday:
                d0, d1 = self._session_span(cal, group, start, end)
                if d0 is None:
                    continue
                n_sessions = len(sessions(d0, d1, cal))
                per_session = math.ceil(_MAX_SESSION_MINUTES[session] / tf.minutes) + 1
                per_symbol = max(1, n_sessions * per_session)
                if per_symbol <= chunk_rows:
                    batch = max(1, chunk_rows // per_symbol)
                    plans = [(group[i:i + batch], d0, d1) for i in range(0, len(group), batch)]
                else:
                    days = list(sessions(d0, d1, cal).index)
                    width = max(1, chunk_rows // per_session)
                    plans = [([s], days[i], days[min(i + width, len(days)) - 1])
                             for s in group for i in range(0, len(days), width)]
                for batch_syms, a, b in plans:
                    frame = self._bars_group(cal, batch_syms, tf, start, end, session, align, days=(a, b))
                    yield from _slices(self._finish_bars([frame], tf, batch_syms, False), chunk_rows)
            else:
                for sym in group:
                    frame = self._bars_group(cal, [sym], tf, start, end, session, align)
                    yield from _slices(self._finish_bars([frame], tf, [sym], False), chunk_rows)

    def _bar_args(self, symbols, timeframe, session, align) -> tuple[Timeframe, list[str]]:
        tf = parse_timeframe(timeframe)
        check_session_filter(session)
        if align not in ("session", "clock"):
            raise ValidationError(f"unknown align {align!r}; expected 'session' or 'clock'")
        return tf, _symbol_list(symbols)

    def _finish_bars(self, frames, tf: Timeframe, syms, by_symbol):
        spec = fetch.INTRADAY_BAR_COLUMNS if tf.intraday else fetch.DAILY_BAR_COLUMNS
        frames = [f for f in frames if f is not None]
        frame = _concat(frames) if frames else fetch.empty_frame(spec)
        frame = frame.set_index("timestamp" if tf.intraday else "date")
        return _shape(frame, BAR_COLUMNS, syms, by_symbol)

    def _session_span(self, cal: str, group: list[str], start, end) -> tuple[dt.date | None, dt.date | None]:
        """Session dates to consider: from start/end, or the data's own span when open-ended."""
        d0, d1 = resolve_dates(start, end, _tz(cal))
        if d0 is None or d1 is None:
            conn = self.engine.raw_connection()
            try:
                with conn.cursor() as cur:  # type: ignore[attr-defined]  # psycopg2's cursor is a context manager
                    cur.execute(fetch.raw(fetch.FAMILY, "minute_span"), {"symbols": group})
                    first, last = cur.fetchone()
                conn.rollback()
            finally:
                conn.close()
            if first is None:
                return None, None
            tz = _tz(cal)
            d0 = d0 or pd.Timestamp(first).tz_convert(tz).date()
            d1 = d1 or pd.Timestamp(last).tz_convert(tz).date()
        if d0 > d1:
            return None, None
        return d0, d1

    def _stored_daily_session(self) -> str:
        """The session filter of the stored daily bars (read once per loader)."""
        if self._daily_session is None:

            with self.engine.connect() as conn:
                self._daily_session = daily_session(conn)
        return self._daily_session

    def _bars_group(self, cal, group, tf: Timeframe, start, end, session, align, days=None) -> pd.DataFrame | None:
        tz = _tz(cal)
        if not tf.intraday and session == self._stored_daily_session():
            d0, d1 = resolve_dates(start, end, tz)
            if d0 is not None and d1 is not None and d0 > d1:
                return None
            period = {"daily": "day", "weekly": "week", "monthly": "month"}[tf.kind]
            parts = [{"symbols": p, "d0": d0, "d1": d1, "period": period} for p in self._split(group)]
            return fetch.copy_frame(self.engine, "bars_daily", parts, fetch.DAILY_BAR_COLUMNS)
        d0, d1 = days if days is not None else self._session_span(cal, group, start, end)
        if d0 is None:
            return None
        sess = sessions(d0, d1, cal)
        if sess.empty:
            return None
        bounds = session_bounds(sess, session, cal)
        lo_arr = [t.to_pydatetime() for t in bounds["start"]]
        hi_arr = [t.to_pydatetime() for t in bounds["end"]]
        if not tf.intraday:
            period = {"daily": "day", "weekly": "week", "monthly": "month"}[tf.kind]
            day_arr = [d for d in sess.index]
            parts = [{"symbols": p, "lo": lo_arr, "hi": hi_arr, "day": day_arr, "period": period}
                     for p in self._split(group)]
            return fetch.copy_frame(self.engine, "bars_sessions_1min", parts, fetch.DAILY_BAR_COLUMNS)
        lo, hi = resolve_range(start, end, tz)
        if lo is not None and hi is not None and lo >= hi:
            return None
        if tf.minutes == 1:
            parts = [{"symbols": p, "lo": lo_arr, "hi": hi_arr, "start": sql_bound(lo, "lo"), "end": sql_bound(hi, "hi")}
                     for p in self._split(group)]
            return fetch.copy_frame(self.engine, "bars_1min", parts, fetch.INTRADAY_BAR_COLUMNS)
        anchors = sess["open"] if align == "session" else session_bounds(sess, "all", cal)["start"]
        width = pd.Timedelta(minutes=tf.minutes)
        common = {
            "lo": lo_arr, "hi": hi_arr, "anchor": [t.to_pydatetime() for t in anchors], "width": tf.interval,
            "start": sql_bound(lo, "lo"), "end": sql_bound(hi, "hi"),
            "row_lo": sql_bound(None if lo is None else lo - width, "lo"),
            "row_hi": sql_bound(None if hi is None else hi + width, "hi"),
        }
        parts = [dict(common, symbols=p) for p in self._split(group)]
        return fetch.copy_frame(self.engine, "bars_intraday", parts, fetch.INTRADAY_BAR_COLUMNS)

    # ------------------------------------------------------------------ events
    def events(self, symbols: Symbols | None = None, patterns: str | Iterable[str] | None = None,
               start: TimestampLike | None = None, end: TimestampLike | None = None,
               timeframe: str | Iterable[str] | None = None, direction: str | Iterable[str] | None = None,
               ) -> pd.DataFrame:
        """Pattern events, filtered by any of symbols, patterns, time range, timeframe(s), direction(s).

        Index ``timestamp`` (UTC); columns ``symbol, pattern, timeframe, direction, price
        (float64), details (dict parsed from JSON), created_at, updated_at``, sorted by
        (symbol, time, pattern, timeframe). Bare dates here are UTC dates.

        >>> HistoricalLoader().events("AAPL", patterns=["Doji", "Hammer"], start="2024-03-01")  # doctest: +SKIP
        """
        syms = _symbol_list(symbols) if symbols is not None else None
        if syms:
            self._calendars(syms)
        tfs = _as_list(timeframe)
        if tfs is not None:
            tfs = [parse_timeframe(t).name for t in tfs]
        directions = _as_list(direction)
        unknown = sorted(set(directions or ()) - set(DIRECTIONS))
        if unknown:
            raise ValidationError(f"unknown direction(s) {unknown}; expected one of {', '.join(DIRECTIONS)}")
        lo, hi = resolve_range(start, end, "UTC")
        params = {"symbols": syms, "patterns": _as_list(patterns), "timeframes": tfs,
                  "directions": directions, "start": lo, "end": hi}
        with self.engine.connect() as conn:
            result = conn.execute(query(META, "events"), params)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
        for col in ("created_at", "updated_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True)
        frame["price"] = frame["price"].astype("float64")
        frame["details"] = [json.loads(d) for d in frame["details"]] if len(frame) else pd.Series([], dtype=object)
        for col in ("symbol", "pattern", "timeframe", "direction"):
            frame[col] = frame[col].astype("str")
        return frame.set_index("timestamp")[EVENT_COLUMNS]


def _tz(calendar: str) -> str:
    return "UTC" if calendar == ALWAYS_OPEN else exchange_tz(calendar)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _slices(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    for i in range(0, len(frame), rows):
        yield frame.iloc[i:i + rows]


def _shape(frame: pd.DataFrame, columns: list[str], symbols: list[str], by_symbol: bool):
    frame = frame[columns]
    if not by_symbol:
        return frame
    out = {}
    codes = frame["symbol"].to_numpy()
    for sym in symbols:
        out[sym] = frame[codes == sym]
    return out
