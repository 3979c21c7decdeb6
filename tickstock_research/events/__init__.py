"""Pattern events: record detections, query them, scan symbols and audit what followed.

>>> from tickstock_research.events import scan, query_events, audit   # doctest: +SKIP
"""
from .audit import AuditResult, audit, forward_returns
from .bars import read_bars, read_bars_many
from .scan import ScanReport, detect_all, scan
from .writer import WriteCounts, event_details, query_events, write_events

__all__ = ["AuditResult", "audit", "forward_returns", "read_bars", "read_bars_many", "ScanReport", "detect_all", "scan",
           "WriteCounts", "event_details", "query_events", "write_events"]
