"""The nightly job and its report on the plain-PostgreSQL tier (no TimescaleDB)."""
from __future__ import annotations

import sqlalchemy as sa

from tickstock_research.db.engine import get_engine
from tickstock_research.jobs.nightly import run_nightly
from tickstock_research.jobs.synthetic import generate_market


def test_nightly_on_plain_postgresql(plain_database_url, tmp_path):
    market = generate_market(tmp_path / "drop", seed=2, symbols=2, days=3, liquidity=0.02)
    result = run_nightly(market.sessions[-1], engine_or_url=plain_database_url, drop_folder=market.drop_folder,
                         reports_dir=tmp_path / "reports")
    assert result.status == "ok", str(result)
    html = result.html.read_text()
    assert 'id="Database-size-and-compression"' in html and "not a hypertable" in html and "<td>plain</td>" in html
    with get_engine(plain_database_url).connect() as conn:
        daily = conn.execute(sa.text("SELECT count(*) FROM ohlcv_daily")).scalar()
    assert daily == 2 * 3                                       # every symbol, every session
