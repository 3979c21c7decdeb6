"""The drop folder: where a vendor's (or the synthetic market's) daily files arrive.

Trade files are named by their session date, as Massive names its flat files:
``<YYYY-MM-DD>.csv.gz`` (also ``.csv``, ``.parquet``), in the folder or any sub-folder
(``trades_v1/2025/01/2025-01-02.csv.gz``). Reference-ticker pages are ``*.json`` files.

>>> file_date(Path("trades_v1/2025/01/2025-01-02.csv.gz"))
datetime.date(2025, 1, 2)
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

_DATED = re.compile(r"^(?P<d>\d{4}-\d{2}-\d{2})(?:[._-].*)?\.(csv|csv\.gz|parquet)$")


def file_date(path: Path) -> dt.date | None:
    """The session date in a trade file's name, or None."""
    m = _DATED.match(Path(path).name)
    if not m:
        return None
    try:
        return dt.date.fromisoformat(m["d"])
    except ValueError:
        return None


@dataclass
class DropFiles:
    trades: list[Path] = field(default_factory=list)
    tickers: list[Path] = field(default_factory=list)


def check_drop_folder(folder: str | Path | None) -> None:
    """Raise ConfigurationError when a drop folder is given but is not a folder: a mistyped
    path must fail the job, not make it load nothing and report success."""
    if folder is not None and not Path(folder).is_dir():
        from ..errors import ConfigurationError

        what = "is not a folder" if Path(folder).exists() else "does not exist"
        raise ConfigurationError(f"drop folder {folder} {what}")


def find_files(folder: str | Path | None, date: dt.date, catch_up: bool = True) -> DropFiles:
    """Trade files for ``date`` (and, with ``catch_up``, every earlier dated file, so nights
    that were missed or files that arrived late are picked up), oldest first, plus every
    reference-tickers JSON file. No folder (None): nothing to load."""
    found = DropFiles()
    if folder is None:
        return found
    check_drop_folder(folder)
    root = Path(folder)
    dated = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".json":
            found.tickers.append(path)
            continue
        d = file_date(path)
        if d is not None and (d == date or (catch_up and d < date)):
            dated.append((d, path.name, path))
    found.trades = [p for _, _, p in sorted(dated)]
    found.tickers.sort()
    return found
