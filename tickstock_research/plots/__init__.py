"""Plotly figures: candlesticks with volume and pattern events; the audit's return distributions;
raw against adjusted closes.

>>> fig = candlestick(bars, events=get_pattern("Doji").detect(bars), title="AAPL 1d")  # doctest: +SKIP
>>> fig.show()                                                                          # doctest: +SKIP
"""
from .adjustments import adjusted_closes
from .figures import candlestick, forward_return_distribution

__all__ = ["adjusted_closes", "candlestick", "forward_return_distribution"]
