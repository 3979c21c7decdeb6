"""The embedded local database: a private PostgreSQL cluster under the project data folder.

With no ``TICKSTOCK_DATABASE_URL`` the kit uses this cluster. It is created with ``initdb`` on
first use, listens on 127.0.0.1 only, preloads TimescaleDB when the extension is installed,
and, when the kit runs as root, runs as an unprivileged OS user (``postgres`` by default),
since PostgreSQL refuses to run as root.

Layout of the data folder (``TICKSTOCK_HOME``, default ``<repository>/.tickstock``)::

    cluster.json   port, user, database, binaries used
    password       the superuser password (mode 0600)
    pgdata/        the cluster
    postgres.log   the server log

>>> cluster = LocalCluster.default()        # doctest: +SKIP
>>> cluster.ensure_running(); cluster.url() # doctest: +SKIP
'postgresql://tickstock:...@127.0.0.1:25432/tickstock'
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import LocalClusterError

ENV_HOME = "TICKSTOCK_HOME"
ENV_PG_BIN = "TICKSTOCK_PG_BIN"
ENV_OS_USER = "TICKSTOCK_PG_OS_USER"
SUPERUSER = "tickstock"
DATABASE = "tickstock"


def project_home(environ: Mapping[str, str] | None = None) -> Path:
    """The project data folder: ``TICKSTOCK_HOME``, else ``<repository>/.tickstock`` for a source
    checkout, else the user's data folder (``$XDG_DATA_HOME/tickstock``, default
    ``~/.local/share/tickstock``); for root, whose home the server's unprivileged OS user
    cannot enter, ``/var/lib/tickstock``."""
    env = os.environ if environ is None else environ
    if env.get(ENV_HOME):
        return Path(env[ENV_HOME]).expanduser().resolve()
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file() and (repo / "sql").is_dir():
        return repo / ".tickstock"
    if (Path.home() / ".tickstock").is_dir():       # where kits before 0.2 kept it
        return Path.home() / ".tickstock"
    if os.geteuid() == 0:
        return Path("/var/lib/tickstock")
    data = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "tickstock"


def _version_key(path: str) -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", path)) or (0,)


def find_pg_bin(environ: Mapping[str, str] | None = None) -> Path:
    """The folder holding ``initdb``/``pg_ctl``/``postgres`` (newest installed version)."""
    env = os.environ if environ is None else environ
    candidates: list[str] = []
    if env.get(ENV_PG_BIN):
        candidates.append(env[ENV_PG_BIN])
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates += sorted(glob.glob("/usr/pgsql-*/bin"), key=_version_key, reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).resolve().parent))
    for cand in candidates:
        p = Path(cand)
        if (p / "initdb").exists() and (p / "pg_ctl").exists() and (p / "postgres").exists():
            return p
    raise LocalClusterError(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; install them "
        "(Debian: apt-get install postgresql-15, or run scripts/setup.sh) or set TICKSTOCK_DATABASE_URL "
        "to an existing server"
    )


def timescaledb_installed(pg_bin: Path) -> bool:
    """Whether the TimescaleDB extension files are installed for the server in ``pg_bin``."""
    pg_config = pg_bin / "pg_config"
    try:
        libdir = subprocess.run([str(pg_config), "--pkglibdir"], capture_output=True, text=True, check=True).stdout.strip()
        sharedir = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return bool(glob.glob(os.path.join(libdir, "timescaledb*.so"))) and os.path.isfile(
        os.path.join(sharedir, "extension", "timescaledb.control")
    )


def _traversable(folder: Path, user: pwd.struct_passwd) -> bool:
    """Whether ``user`` can enter ``folder`` and every folder above it (permission bits)."""
    for p in [folder, *folder.parents]:
        try:
            st = os.stat(p)
        except OSError:
            continue  # not created yet: created later with mode 0755
        if st.st_uid == user.pw_uid:
            ok = st.st_mode & 0o100
        elif st.st_gid == user.pw_gid:
            ok = st.st_mode & 0o010
        else:
            ok = st.st_mode & 0o001
        if not ok:
            return False
    return True


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_port(home: Path) -> int:
    start = 20000 + int(hashlib.sha1(str(home).encode()).hexdigest(), 16) % 20000
    for i in range(200):
        port = 20000 + (start - 20000 + i) % 20000
        if _port_free(port):
            return port
    raise LocalClusterError("no free TCP port found on 127.0.0.1 for the local cluster")


@dataclass
class ClusterStatus:
    """What ``tickstock db status`` reports."""

    initialised: bool
    running: bool
    home: Path
    port: int | None
    timescaledb: bool

    def __str__(self) -> str:
        state = "running" if self.running else ("stopped" if self.initialised else "not initialised")
        port = f" on 127.0.0.1:{self.port}" if self.port and self.running else ""
        tsdb = "TimescaleDB preloaded" if self.timescaledb else "plain PostgreSQL"
        return f"local cluster {state}{port} ({tsdb}); data folder {self.home}"


class LocalCluster:
    """A private PostgreSQL cluster in ``home`` (see module docstring)."""

    def __init__(self, home: str | Path, environ: Mapping[str, str] | None = None):
        self.home = Path(home).expanduser().resolve()
        self.environ = dict(os.environ if environ is None else environ)
        self.data_dir = self.home / "pgdata"
        self.log_file = self.home / "postgres.log"
        self.state_file = self.home / "cluster.json"
        self.password_file = self.home / "password"
        self.lock_file = self.home / "cluster.lock"

    @classmethod
    def default(cls, environ: Mapping[str, str] | None = None) -> "LocalCluster":
        """The cluster in the project data folder.

        When the kit runs as root from a checkout the server's OS user cannot reach (say under
        a private home folder) and ``TICKSTOCK_HOME`` is not set, the cluster lives in
        ``/var/lib/tickstock/<checkout name>-<hash>`` instead, so it still works.
        """
        env = os.environ if environ is None else environ
        home = project_home(environ)
        if os.geteuid() == 0 and not env.get(ENV_HOME):
            name = env.get(ENV_OS_USER, "postgres")
            try:
                user = pwd.getpwnam(name)
            except KeyError:
                user = None
            if user is not None and not _traversable(home.parent, user):
                digest = hashlib.sha1(str(home).encode()).hexdigest()[:8]
                home = Path("/var/lib/tickstock") / f"{home.parent.name}-{digest}"
        return cls(home, environ=environ)

    def __repr__(self) -> str:
        return f"LocalCluster(home={str(self.home)!r})"

    # ----------------------------------------------------------------- state
    def _state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _save_state(self, state: dict) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.state_file)

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file() and self.state_file.is_file()

    @property
    def port(self) -> int | None:
        return self._state().get("port")

    def password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except OSError:
            raise LocalClusterError(f"local cluster in {self.home} is not initialised; run `tickstock db start`") from None

    def url(self, database: str = DATABASE) -> str:
        """A URL that psql and SQLAlchemy accept (it contains the password: do not log it)."""
        state = self._state()
        if not state:
            raise LocalClusterError(f"local cluster in {self.home} is not initialised; run `tickstock db start`")
        return f"postgresql://{state['user']}:{self.password()}@127.0.0.1:{state['port']}/{database}"

    # ----------------------------------------------------------------- running programs
    def _os_user(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        name = self.environ.get(ENV_OS_USER, "postgres")
        try:
            return pwd.getpwnam(name)
        except KeyError:
            raise LocalClusterError(
                f"running as root, the local cluster needs an unprivileged OS user; user {name!r} does not exist "
                f"(create it, or set {ENV_OS_USER})"
            ) from None

    def _run(self, args: list[str], check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        user = self._os_user()
        kwargs: dict = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", TZ="UTC")
        if user is not None:
            kwargs.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
            env.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
        try:
            proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd="/",
                                  timeout=timeout, **kwargs)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LocalClusterError(f"{Path(args[0]).name} failed: {exc}") from None
        if check and proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip()
            raise LocalClusterError(f"{Path(args[0]).name} failed (exit {proc.returncode}): {detail}{self._log_tail()}")
        return proc

    def _log_tail(self, lines: int = 15) -> str:
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\nserver log (last lines):\n  " + "\n  ".join(tail) if tail else ""

    def _chown(self, path: Path) -> None:
        user = self._os_user()
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)

    def _check_reachable(self) -> None:
        user = self._os_user()
        if user is None:
            return
        proc = self._run(["test", "-w", str(self.data_dir)], check=False)
        if proc.returncode != 0:
            raise LocalClusterError(
                f"the data folder {self.home} is not reachable by OS user {user.pw_name!r}, which runs the server "
                f"(a parent folder is private); set {ENV_HOME} to a folder that user can reach"
            )

    @contextlib.contextmanager
    def _locked(self):
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ----------------------------------------------------------------- lifecycle
    def init(self) -> bool:
        """Create the cluster if it does not exist. Returns True if it was created now."""
        with self._locked():
            return self._init_unlocked()

    def _init_unlocked(self) -> bool:
        if self.initialised:
            return False
        pg_bin = find_pg_bin(self.environ)
        self.home.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o755)
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)  # a half-made cluster from an interrupted initdb
        self.data_dir.mkdir(mode=0o700)
        self._chown(self.data_dir)
        self._check_reachable()
        password = secrets.token_urlsafe(24)
        pwfile = self.data_dir.parent / f".initdb-pw-{secrets.token_hex(4)}"
        old_umask = os.umask(0o077)     # both files are created private: never readable by others
        try:
            self.password_file.write_text(password + "\n")
            pwfile.write_text(password + "\n")
        finally:
            os.umask(old_umask)
        self._chown(pwfile)
        try:
            self._run([str(pg_bin / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "-E", "UTF8",
                       "--no-locale", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
                       f"--pwfile={pwfile}"], timeout=300)
        finally:
            pwfile.unlink(missing_ok=True)
        conf = self.data_dir / "postgresql.conf"
        with open(conf, "a") as fh:
            fh.write("\n# settings managed by tickstock-research\ninclude_if_exists = 'tickstock.conf'\n")
        self._save_state({"port": _pick_port(self.home), "user": SUPERUSER, "database": DATABASE,
                          "pg_bin": str(pg_bin), "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        return True

    def _write_settings(self, pg_bin: Path) -> bool:
        state = self._state()
        if not _port_free(state["port"]):
            state["port"] = _pick_port(self.home)
            self._save_state(state)
        tsdb = timescaledb_installed(pg_bin)
        lines = [
            "# written by tickstock-research at every start; edit postgresql.conf for your own settings",
            "listen_addresses = '127.0.0.1'",
            f"port = {int(state['port'])}",
            "unix_socket_directories = ''",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
            "max_connections = 100",
            "shared_buffers = '256MB'",
            "max_wal_size = '4GB'",
            "max_locks_per_transaction = 256",
            "password_encryption = 'scram-sha-256'",
        ]
        if tsdb:
            lines += ["shared_preload_libraries = 'timescaledb'", "timescaledb.telemetry_level = off",
                      "timescaledb.max_background_workers = 8", "max_worker_processes = 16"]
        target = self.data_dir / "tickstock.conf"
        tmp = self.home / "tickstock.conf.tmp"
        tmp.write_text("\n".join(lines) + "\n")
        self._chown(tmp)
        # the data folder belongs to the server's OS user; write through a rename from outside
        shutil.copyfile(tmp, target)
        self._chown(target)
        tmp.unlink()
        state["timescaledb"] = tsdb
        state["pg_bin"] = str(pg_bin)
        self._save_state(state)
        return tsdb

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        pg_bin = Path(self._state().get("pg_bin") or find_pg_bin(self.environ))
        proc = self._run([str(pg_bin / "pg_ctl"), "-D", str(self.data_dir), "status"], check=False)
        return proc.returncode == 0

    def start(self) -> None:
        """Initialise (first use) and start the server; a no-op when it is already running."""
        with self._locked():
            self._init_unlocked()
            if self.is_running():
                return
            pg_bin = find_pg_bin(self.environ)
            self._write_settings(pg_bin)
            if not self.log_file.exists():
                self.log_file.touch()
            self._chown(self.log_file)
            self._run([str(pg_bin / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                       "-w", "-t", "90", "start"], timeout=120)
            self._ensure_database()

    def ensure_running(self) -> None:
        """Start the server unless it is running."""
        if not self.is_running():
            self.start()

    def stop(self, mode: str = "fast") -> bool:
        """Stop the server. ``mode``: ``"fast"`` (roll back open transactions, clean shutdown),
        ``"smart"`` (wait for clients) or ``"immediate"`` (abort, as after a crash; recovery runs
        at the next start). Returns False if it was not running."""
        if mode not in ("smart", "fast", "immediate"):
            raise LocalClusterError(f"unknown stop mode {mode!r}; expected smart, fast or immediate")
        with self._locked():
            if not self.is_running():
                return False
            pg_bin = Path(self._state().get("pg_bin") or find_pg_bin(self.environ))
            self._run([str(pg_bin / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop"])
            return True

    def status(self) -> ClusterStatus:
        state = self._state()
        return ClusterStatus(self.initialised, self.is_running(), self.home, state.get("port"),
                             bool(state.get("timescaledb")))

    def _ensure_database(self) -> None:
        import psycopg2
        from psycopg2 import sql

        dsn = self.url(database="postgres")
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg2.connect(dsn, connect_timeout=5)
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise LocalClusterError(f"local cluster started but refuses connections{self._log_tail()}") from None
                time.sleep(0.2)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (DATABASE,))
                if cur.fetchone() is None:
                    cur.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))
        finally:
            conn.close()

    def destroy(self) -> None:
        """Stop the server and delete its data folder (tests)."""
        with contextlib.suppress(LocalClusterError):
            self.stop()
        shutil.rmtree(self.home, ignore_errors=True)
