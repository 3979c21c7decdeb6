"""Plotly figures: candlesticks with volume and pattern events; the audit's return distributions.

>>> fig = candlestick(bars, events=get_pattern("Doji").detect(bars), title="AAPL 1d")  # doctest: +SKIP
>>> fig.show()                                                                          # doctest: +SKIP
"""
from .figures import candlestick, forward_return_distribution

__all__ = ["candlestick", "forward_return_distribution"]
