"""``tickstock db start|stop|status|url|init|info|login`` and ``tickstock maintain``."""
from __future__ import annotations

import argparse
import json
import sys

from ..db.engine import check_connection, get_engine
from ..db.localcluster import LocalCluster
from ..db.url import configured_url, display_url, libpq_url

LOGIN_EPILOG = """examples:
  TICKSTOCK_DATABASE_URL="$(tickstock db login ana)" tickstock lab    # a read-only notebook session
  tickstock db login loader --role writer                            # a login for a loading job
  tickstock db login ana --reset-password                            # a new password for ana

Only logins this command made are ever changed; the kit's admin, its group roles, pg_* names
and roles made otherwise are refused. The URL goes to standard output (with the password only
when one was made now); what happened goes to standard error."""


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the database: embedded cluster, schema, information")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dbsub.add_parser("start", help="initialise (first use) and start the embedded database").set_defaults(handler=start)
    dbsub.add_parser("stop", help="stop the embedded database").set_defaults(handler=stop)
    dbsub.add_parser("status", help="is the embedded database running").set_defaults(handler=status)
    p = dbsub.add_parser("url", help="print the database URL (for psql and SQLAlchemy; contains the password)")
    p.set_defaults(handler=url)
    p = dbsub.add_parser("init", help="create or upgrade the schema (idempotent)")
    p.add_argument("--plain", action="store_true", help="do not use TimescaleDB (plain PostgreSQL tier)")
    p.add_argument("--require-timescaledb", action="store_true", help="fail unless TimescaleDB is available")
    p.add_argument("--space-partitions", type=int, default=None,
                   help="hash partitions of ticks by symbol on a new database (default 1; the seed used 100)")
    p.set_defaults(handler=init, needs="admin")
    p = dbsub.add_parser("login", help="create a login in the analyst or writer role (or switch one the kit made) "
                                       "and print its URL", epilog=LOGIN_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="login name (lower-case letters, digits, underscores)")
    p.add_argument("--role", choices=["analyst", "writer"], default="analyst",
                   help="analyst: reads everything, writes nothing (default); writer: loads data and records events")
    p.add_argument("--reset-password", action="store_true",
                   help="give an existing login a new random password (otherwise it keeps its password)")
    p.set_defaults(handler=login)
    p = dbsub.add_parser("info", help="server version, tier, features and schema version")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=info)
    p = dbsub.add_parser("retention", help="show or change the retention horizons (data is dropped only once aggregated)")
    p.add_argument("table", nargs="?", choices=["ticks", "ohlcv_1min"], help="the table whose horizon to change")
    p.add_argument("age", nargs="?", help="an interval such as '2 years' or '90 days', or 'off'")
    p.set_defaults(handler=retention, needs=lambda args: "admin" if args.table or args.age else None)
    m = sub.add_parser("maintain", help="enforce retention (only aggregated data is dropped) and recompress late chunks")
    m.add_argument("--dry-run", action="store_true", help="change nothing; list exactly what a run would drop")
    m.set_defaults(handler=maintain, needs=lambda args: None if args.dry_run else "admin")


def _url(args) -> str:
    if args.url:
        return args.url
    configured = configured_url()
    if configured:
        return configured
    cluster = LocalCluster.default()
    cluster.ensure_running()
    return cluster.url()


def start(args) -> int:
    if args.url or configured_url():
        engine = get_engine(_url(args))
        check_connection(engine)
        print(f"using external database {display_url(engine.url)}; nothing to start")
        return 0
    cluster = LocalCluster.default()
    cluster.start()
    print(cluster.status())
    return 0


def stop(args) -> int:
    cluster = LocalCluster.default()
    print("stopped" if cluster.stop() else "not running")
    return 0


def status(args) -> int:
    st = LocalCluster.default().status()
    print(st)
    return 0 if st.running else 3


def url(args) -> int:
    print(libpq_url(_url(args)))
    return 0


def login(args) -> int:
    from ..schema.roles import create_login

    login = create_login(args.name, args.role, engine_or_url=_url(args), reset_password=args.reset_password)
    print(login, file=sys.stderr)
    print(login.url)
    return 0


def init(args) -> int:
    from ..schema.migrate import init_schema
    from ..types import ExtensionMode

    extension: ExtensionMode = "none" if args.plain else ("require" if args.require_timescaledb else "auto")
    report = init_schema(engine_or_url=_url(args), extension=extension, space_partitions=args.space_partitions)
    print(report)
    return 0


def info(args) -> int:
    from ..schema.tiers import describe

    engine = get_engine(_url(args))
    check_connection(engine)
    with engine.connect() as conn:
        result = describe(conn, display_url(engine.url))
    print(json.dumps(result.to_dict(), indent=2, default=str) if args.json else result)
    return 0


def maintain(args) -> int:
    from ..schema.maintain import run_maintenance

    print(run_maintenance(engine_or_url=_url(args), dry_run=args.dry_run))
    return 0


def retention(args) -> int:
    from ..schema.retention import horizons, set_retention

    if args.table and not args.age:
        from ..errors import ConfigurationError
        raise ConfigurationError("tickstock db retention: give the table and its horizon (e.g. ticks '2 years', or ticks off)")
    url = _url(args)
    if args.table:
        current = set_retention(args.table, args.age, engine_or_url=url)
    else:
        engine = get_engine(url)
        with engine.connect() as conn:
            current = horizons(conn)
    for table, age in current.items():
        print(f"{table}: {age}")
    print("(past its horizon, data is dropped only once its minute and daily bars are built; "
          "`tickstock maintain --dry-run` lists what would go)")
    return 0
