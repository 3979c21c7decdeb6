"""Corporate actions: splits and dividends stored raw, bars adjusted on read."""
from ..ingest.corporate_actions import load_dividends, load_splits, read_actions
from .adjust import ADJUSTMENTS, Adjustment, adjust_frame, check_adjustment

__all__ = ["ADJUSTMENTS", "Adjustment", "adjust_frame", "check_adjustment",
           "load_dividends", "load_splits", "read_actions"]
