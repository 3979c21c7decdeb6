"""Corporate actions: splits and dividends stored raw, bars adjusted on read."""
from .adjust import ADJUSTMENTS, Adjustment, adjust_frame, check_adjustment
from .store import load_dividends, load_splits, read_actions

__all__ = ["ADJUSTMENTS", "Adjustment", "adjust_frame", "check_adjustment",
           "load_dividends", "load_splits", "read_actions"]
