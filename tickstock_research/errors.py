"""Every error the kit raises on purpose, in one place.

All derive from :class:`TickstockError`, so callers (and the CLI, which prints them without a
traceback) can catch the whole family. Messages say what was expected and what was got, and
never contain a database password.
"""
from __future__ import annotations


class TickstockError(Exception):
    """Base class of the kit's errors."""


class ConfigurationError(TickstockError):
    """A setting (URL, parameter, environment variable) is malformed or missing."""


class DatabaseUnavailableError(TickstockError):
    """The database server cannot be reached or refused the connection."""


class LocalClusterError(TickstockError):
    """The embedded local PostgreSQL cluster could not be created, started or stopped."""


class SchemaVersionError(TickstockError):
    """The database schema is missing, or newer than this version of the kit understands."""


class FeatureUnavailableError(TickstockError):
    """The server's tier lacks a feature (e.g. compression on an Apache-only TimescaleDB)."""


class ReadOnlyError(TickstockError):
    """The login may read but not do this: the action needs the writer role or the kit's admin."""


class ValidationError(TickstockError):
    """Input data is not what a writer or reader expects (names the source, row and reason)."""


class UnknownSymbolError(ValidationError):
    """One or more symbols are not in the ``symbols`` table."""

    def __init__(self, symbols):
        self.symbols = sorted(set(symbols))
        shown = ", ".join(self.symbols[:20]) + (" ..." if len(self.symbols) > 20 else "")
        super().__init__(f"unknown symbol(s): {shown}; load them into `symbols` first")


class UnknownTimeframeError(ValidationError):
    """A timeframe string is not one the kit supports."""

    def __init__(self, got, valid):
        self.got, self.valid = got, list(valid)
        super().__init__(f"unknown timeframe {got!r}; expected one of {', '.join(self.valid)}")


class InvalidRangeError(ValidationError):
    """A time range is empty or reversed (start after end)."""


class LoadError(TickstockError):
    """A load failed as a whole; the database was left as it was before the failed batch."""


class JobError(TickstockError):
    """A scheduled job (nightly, aggregate, scan) failed or could not start."""


class JobLockedError(JobError):
    """Another process is already running the same job for the same key."""


class PatternError(TickstockError):
    """A pattern was given a frame it cannot handle (wrong timeframe, missing columns)."""


class NotebookCellError(JobError):
    """A notebook cell failed while a job executed it; the failed notebook is kept."""

    def __init__(self, message: str, *, notebook=None, cell_index=None, ename=None, evalue=None):
        super().__init__(message)
        self.notebook, self.cell_index, self.ename, self.evalue = notebook, cell_index, ename, evalue
