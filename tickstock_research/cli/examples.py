"""An example for every command's ``--help`` (shown as its epilog), in one table."""
from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "": "tickstock db start && tickstock db init\n"
        "tickstock ingest ticks us_stocks_sip/trades_v1/2024/01/2024-01-02.csv.gz\n"
        "tickstock aggregate && tickstock scan --timeframe 1d --symbols AAPL MSFT",
    "db": "tickstock db info\ntickstock db login ana",
    "db start": "tickstock db start",
    "db stop": "tickstock db stop",
    "db status": "tickstock db status",
    "db url": 'psql "$(tickstock db url)"',
    "db init": "tickstock db init\ntickstock --url postgresql://me@db.example/market db init --require-timescaledb",
    "db info": "tickstock db info\ntickstock db info --json",
    "maintain": "tickstock maintain",
    "ingest": "tickstock ingest ticks trades_v1/2024/01/2024-01-02.csv.gz",
    "ingest ticks": "tickstock ingest ticks trades_v1/2024/01/2024-01-02.csv.gz\n"
                    "tickstock ingest ticks trades_v1/2024/01/ --unknown-symbols reject",
    "ingest bars": "tickstock ingest bars minute_aggs_v1/2024/01/2024-01-02.csv.gz\n"
                   "tickstock ingest bars day_aggs_v1/2024/01/2024-01-02.csv.gz --timeframe 1d",
    "ingest symbols": "tickstock ingest symbols tickers.json",
    "ingest splits": "tickstock ingest splits splits.json",
    "ingest dividends": "tickstock ingest dividends dividends.json",
    "ingest events": "tickstock events list --csv events.csv && tickstock ingest events events.csv",
    "aggregate": "tickstock aggregate\ntickstock aggregate --start 2024-01-02 --end 2024-01-31 --symbols AAPL MSFT\n"
                 "tickstock aggregate --runs 5",
    "scan": "tickstock scan --timeframe 1d --symbols AAPL MSFT --start 2024-01-01\n"
            "tickstock scan --list-patterns --timeframe 5min",
    "events": "tickstock events list --symbols AAPL --patterns Doji",
    "events list": "tickstock events list --symbols AAPL,MSFT --patterns Doji Hammer --start 2024-01-01 --limit 20\n"
                   "tickstock events list --csv events.csv --limit 0",
    "events audit": "tickstock events audit --timeframe 1d --patterns Doji --horizons 1 5 20",
    "export": "tickstock export bars --symbols AAPL --timeframe 5min --start 2024-01-02 --end 2024-01-31 -o aapl.parquet",
    "export bars": "tickstock export bars --symbols AAPL MSFT --timeframe 1d --start 2024-01-01 -o daily.csv\n"
                   "tickstock export bars --symbols AAPL --timeframe 5min --start 2024-01-02 --end 2024-01-02 -o -",
    "export ticks": "tickstock export ticks --symbols AAPL --start 2024-01-02 --end 2024-01-02 -o aapl_ticks.parquet",
    "export events": "tickstock export events --patterns Doji --start 2024-01-01 -o doji.csv",
    "nightly": "tickstock nightly --date 2024-01-02 --drop-folder /data/massive/trades_v1\n"
               "tickstock nightly --symbols AAPL,MSFT --no-report",
    "demo": "tickstock demo\ntickstock demo --symbols 10 --days 80 --seed 3",
    "lab": "tickstock lab\nTICKSTOCK_DATABASE_URL=\"$(tickstock db login ana)\" tickstock lab --no-browser",
}


def example(path: str) -> str | None:
    """The epilog for the command at ``path`` ("" for ``tickstock`` itself), or None."""
    text = EXAMPLES.get(path)
    return None if text is None else "example:\n" + "\n".join("  " + line for line in text.splitlines())
