"""Fan work out over Dask (dask.distributed) by symbol groups, when one process is not enough.

The database does the aggregation; Python work that grows with symbols (pattern scans, audits)
can run on Dask workers. Each task receives the database URL (never an Engine or a connection),
opens its own connection, and writes idempotently (upserts), so a task retried after a worker
dies writes nothing twice.

Dask is an optional extra (``pip install -e ".[dask]"``). Without a client everything runs
in-process exactly as before.

>>> from dask.distributed import Client                                  # doctest: +SKIP
>>> results = map_symbol_groups(scan_group, symbols, url=url, client=Client("tcp://sched:8786"))  # doctest: +SKIP
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Mapping, Sequence

from .db.url import display_url, parse_url
from .errors import ConfigurationError

ENV_SCHEDULER = "TICKSTOCK_DASK_SCHEDULER"


class DatabaseURL:
    """A database URL that travels to workers in full but never shows its password.

    Its ``repr``/``str`` (what Dask's dashboard, logs and tracebacks show) are redacted; pickling
    keeps the real value, so the worker can connect.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = str(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"DatabaseURL({display_url(self._value)!r})"

    __str__ = __repr__

    def __reduce__(self):
        return (DatabaseURL, (self._value,))

    def __eq__(self, other) -> bool:
        return isinstance(other, DatabaseURL) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def resolve_client(client: Any = None, environ: Mapping[str, str] | None = None):
    """A ``distributed.Client`` from a client, a scheduler address, or ``TICKSTOCK_DASK_SCHEDULER``;
    None (run in-process) when none is given."""
    env = os.environ if environ is None else environ
    if client is None:
        client = env.get(ENV_SCHEDULER) or None
    if client is None:
        return None
    if isinstance(client, str):
        try:
            from distributed import Client
        except ImportError:
            raise ConfigurationError('Dask is not installed; install the extra: pip install -e ".[dask]"') from None
        try:
            return Client(client, timeout="20s")
        except OSError as exc:
            raise ConfigurationError(f"cannot reach the Dask scheduler at {client!r}: {exc}") from None
    return client


def symbol_groups(symbols: Sequence[str], group_size: int) -> list[list[str]]:
    """Symbols split into sorted groups of at most ``group_size`` (deterministic)."""
    if group_size < 1:
        raise ConfigurationError(f"group_size must be >= 1; got {group_size}")
    ordered = sorted(dict.fromkeys(symbols))
    return [ordered[i:i + group_size] for i in range(0, len(ordered), group_size)]


def map_symbol_groups(func: Callable[..., Any], symbols: Sequence[str], *, url: str, client: Any = None,
                      group_size: int = 50, retries: int = 3, environ: Mapping[str, str] | None = None,
                      group_kwargs: Callable[[list[str]], dict] | None = None, **kwargs) -> list[Any]:
    """Run ``func(url, group, **kwargs)`` for every symbol group and return the results in group order.

    ``func`` must be importable on the workers (a module-level function of the kit) and
    idempotent. With no client (and no ``TICKSTOCK_DASK_SCHEDULER``) the groups run here, one
    after the other. ``url`` is passed as a :class:`DatabaseURL`; ``func`` gets it as a string.
    ``group_kwargs(group)`` adds arguments of one group only (its slice of a frame, say), so a
    task is not shipped the data of every other group.
    """
    parse_url(url)  # fail early on a malformed URL, before anything is shipped
    groups = symbol_groups(symbols, group_size)
    dask_client = resolve_client(client, environ)

    def args_of(group: list[str]) -> dict:
        return {**kwargs, **group_kwargs(group)} if group_kwargs else kwargs

    if dask_client is None:
        return [func(url, group, **args_of(group)) for group in groups]
    secret = DatabaseURL(url)
    # keys are unique to this call: a scheduler shared by two runs (two nightly dates, a notebook
    # scan during the nightly) must never hand one run the results of the other's tasks
    run = uuid.uuid4().hex[:12]
    futures = [dask_client.submit(_call, func, secret, group, args_of(group),
                                  key=f"tickstock-{func.__name__}-{run}-{i}-{group[0]}", retries=retries)
               for i, group in enumerate(groups)]
    return dask_client.gather(futures)


def _call(func: Callable[..., Any], url: DatabaseURL, group: list[str], kwargs: dict) -> Any:
    return func(url.reveal(), group, **kwargs)
