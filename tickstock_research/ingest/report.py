"""The outcome of a load: what was read, stored, already there and rejected, and how fast."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class LoadReport:
    """Counts of one load call (all its sources).

    ``rows_read = inserted + already_present + sum(rejected.values())``; ``rejected`` maps a
    quarantine reason (``non_positive_price``, ``unknown_symbol``, ...) to a row count.
    ``corrected`` counts trades already present that this load flagged as corrected (a later
    delivery correcting or cancelling them); the next rollup rebuilds their minutes.

    >>> r = LoadReport("ticks", ["a.csv"], rows_read=3, inserted=2, rejected={"negative_size": 1})
    >>> r.rejected_total
    1
    """

    target: str
    sources: list[str] = field(default_factory=list)
    rows_read: int = 0
    inserted: int = 0
    already_present: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    corrected: int = 0
    duration_s: float = 0.0
    rows_per_second: float = 0.0
    #: things the caller should know (e.g. rows older than the retention horizon)
    notes: list[str] = field(default_factory=list)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reject(self, reason: str, count: int) -> None:
        if count:
            self.rejected[reason] = self.rejected.get(reason, 0) + int(count)

    def finish(self, duration_s: float) -> "LoadReport":
        self.duration_s = round(float(duration_s), 6)
        self.rows_per_second = round(self.rows_read / duration_s, 1) if duration_s > 0 else 0.0
        return self

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rejected"] = dict(sorted(self.rejected.items()))
        return d

    def __str__(self) -> str:
        shown = ", ".join(self.sources[:3]) + (f" (+{len(self.sources) - 3} more)" if len(self.sources) > 3 else "")
        lines = [
            f"load into {self.target} from {shown or '-'}",
            f"  rows read        {self.rows_read:>12,}",
            f"  inserted         {self.inserted:>12,}",
            f"  already present  {self.already_present:>12,}",
            f"  rejected         {self.rejected_total:>12,}",
        ]
        for reason, count in sorted(self.rejected.items()):
            lines.append(f"    {reason:<22}{count:>10,}")
        if self.corrected:
            lines.append(f"  newly corrected  {self.corrected:>12,}  (already present, now flagged)")
        lines.append(f"  duration         {self.duration_s:>12.2f} s  ({self.rows_per_second:,.0f} rows/s)")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)
