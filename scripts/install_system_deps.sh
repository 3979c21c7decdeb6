#!/usr/bin/env bash
# Install the database server pieces the kit needs, when they are missing and we can.
#
#  * PostgreSQL 15 server binaries (Debian package postgresql-15).
#  * TimescaleDB: when TICKSTOCK_TSDB_SOURCE names a full TimescaleDB source tarball (with its
#    community code in tsl/), built from it with the community ("timescale" licence) module and
#    installed into the system's PostgreSQL (rebuilt when the installed build lacks the module);
#    otherwise built from Debian's trixie source package (Apache-only build) against the
#    installed PostgreSQL, through a private apt configuration: the system's apt sources are
#    never changed.
#
# Idempotent and fast when nothing is missing. When not root or without apt it prints exactly
# what to install and exits 0, so the kit continues on plain PostgreSQL.
set -euo pipefail

PG_MAJOR="${TICKSTOCK_PG_MAJOR:-15}"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
TSDB_SUITE="${TICKSTOCK_TSDB_SUITE:-trixie}"
log() { printf '[system-deps] %s\n' "$*" >&2; }

have_pg() { [ -x "${PG_BIN}/initdb" ] && [ -x "${PG_BIN}/postgres" ]; }
have_tsdb() {
  [ -x "${PG_BIN}/pg_config" ] || return 1
  local libdir sharedir
  libdir="$("${PG_BIN}/pg_config" --pkglibdir)"
  sharedir="$("${PG_BIN}/pg_config" --sharedir)"
  ls "${libdir}"/timescaledb*.so >/dev/null 2>&1 && [ -f "${sharedir}/extension/timescaledb.control" ]
}
# The community module (timescale licence) of the installed build.
have_tsl() { ls "$("${PG_BIN}/pg_config" --pkglibdir)"/timescaledb-tsl-*.so >/dev/null 2>&1; }
TSDB_SOURCE="${TICKSTOCK_TSDB_SOURCE:-}"
# The TimescaleDB this set-up wants: any build, or with a source tarball, one with the module.
have_wanted_tsdb() { have_tsdb && { [ -z "${TSDB_SOURCE}" ] || have_tsl; }; }
if [ -n "${TSDB_SOURCE}" ] && [ ! -f "${TSDB_SOURCE}" ]; then
  log "TICKSTOCK_TSDB_SOURCE names no file: ${TSDB_SOURCE}"
  exit 1
fi

have_browser() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }

if have_pg && have_wanted_tsdb && { have_browser || [ "${TICKSTOCK_SKIP_BROWSER:-0}" = "1" ]; }; then
  log "PostgreSQL ${PG_MAJOR}, TimescaleDB and Chromium are installed; nothing to do."
  exit 0
fi

can_apt=0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then can_apt=1; fi

if [ "${can_apt}" != "1" ]; then
  have_browser || log "optional: Chromium (Debian: apt-get install chromium) lets the tests check the HTML report in a real browser."
  have_pg || log "MISSING: PostgreSQL ${PG_MAJOR} server. Install it with: sudo apt-get install postgresql-${PG_MAJOR}"
  have_wanted_tsdb || log "MISSING: TimescaleDB for PostgreSQL ${PG_MAJOR}. Install timescaledb-2-postgresql-${PG_MAJOR} (Timescale's repository) or build Debian's 'timescaledb' source package; the kit continues on plain PostgreSQL."
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED_STAMP="/var/lib/apt/periodic/tickstock-updated"
apt_update_once() {
  if [ ! -f "${APT_UPDATED_STAMP}" ] || [ -n "$(find "${APT_UPDATED_STAMP}" -mmin +720 2>/dev/null)" ]; then
    apt-get update -qq
    mkdir -p "$(dirname "${APT_UPDATED_STAMP}")" && touch "${APT_UPDATED_STAMP}"
  fi
}

if ! have_pg; then
  log "installing postgresql-${PG_MAJOR}"
  if ! { apt_update_once && apt-get install -y -qq "postgresql-${PG_MAJOR}" >/dev/null; }; then
    log "MISSING: PostgreSQL ${PG_MAJOR} server could not be installed from this machine's apt sources."
    log "Install PostgreSQL ${PG_MAJOR}+ server binaries (e.g. from apt.postgresql.org), or set"
    log "TICKSTOCK_DATABASE_URL to an existing server; the kit itself installs next."
    exit 0
  fi
fi

# Optional: headless Chromium for the real-browser check of the HTML report (best effort).
if ! have_browser && [ "${TICKSTOCK_SKIP_BROWSER:-0}" != "1" ]; then
  log "installing chromium (headless browser for the report check; TICKSTOCK_SKIP_BROWSER=1 skips)"
  apt_update_once
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null \
    || log "chromium could not be installed; the browser test will be skipped"
fi

if have_wanted_tsdb; then exit 0; fi

if [ -n "${TSDB_SOURCE}" ]; then
  # A full source tarball: build it with its community code (no -DAPACHE_ONLY), stage the
  # install in a private tree, then move each file into place with a rename, so servers that
  # already have the old library mapped keep running on it.
  log "building TimescaleDB with its community module from ${TSDB_SOURCE} (a few minutes)"
  { apt_update_once && apt-get install -y -qq "postgresql-server-dev-${PG_MAJOR}" cmake gcc make >/dev/null; } \
    || { log "the build tools (postgresql-server-dev-${PG_MAJOR}, cmake, gcc, make) could not be installed"; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "${work}"' EXIT
  mkdir -p "${work}/src" "${work}/stage"
  tar -xzf "${TSDB_SOURCE}" -C "${work}/src" || { log "could not unpack ${TSDB_SOURCE}"; exit 1; }
  srcdir="$(dirname "$(find "${work}/src" -maxdepth 2 -name bootstrap -type f | head -n1)")"
  [ -d "${srcdir}/tsl" ] || { log "${TSDB_SOURCE} has no tsl/ folder: not a full TimescaleDB source"; exit 1; }
  build_log="${work}/build.log"
  if ! ( cd "${srcdir}" \
         && ./bootstrap -DPG_CONFIG="${PG_BIN}/pg_config" -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF \
              -DWARNINGS_AS_ERRORS=OFF -DCMAKE_BUILD_TYPE=Release -DGENERATE_DOWNGRADE_SCRIPT=OFF \
         && make -s -C build -j"$(nproc)" \
         && make -s -C build install DESTDIR="${work}/stage" ) >"${build_log}" 2>&1; then
    tail -n 30 "${build_log}" >&2
    log "the TimescaleDB build from ${TSDB_SOURCE} failed (output above)"
    exit 1
  fi
  ( cd "${work}/stage" && find . -type f ) | while read -r f; do
    dest="/${f#./}"
    mkdir -p "$(dirname "${dest}")"
    install -m 0644 "${work}/stage/${f#./}" "${dest}.tickstock-new"
    case "${dest}" in *.so) chmod 0755 "${dest}.tickstock-new" ;; esac
    mv -f "${dest}.tickstock-new" "${dest}"
  done
  if have_tsdb && have_tsl; then log "TimescaleDB with its community module installed."; exit 0; fi
  log "the TimescaleDB build finished but the community module was not found"
  exit 1
fi

log "building TimescaleDB (Apache-only) from Debian's ${TSDB_SUITE} source package"
no_tsdb() {
  log "$1"
  log "MISSING: TimescaleDB for PostgreSQL ${PG_MAJOR}. Install timescaledb-2-postgresql-${PG_MAJOR} (Timescale's repository) or build Debian's 'timescaledb' source package; the kit continues on plain PostgreSQL."
  exit 0
}
{ apt_update_once && apt-get install -y -qq "postgresql-server-dev-${PG_MAJOR}" cmake dpkg-dev gcc make >/dev/null; } \
  || no_tsdb "the build tools (postgresql-server-dev-${PG_MAJOR}, cmake, gcc, make) could not be installed"

# The archive URI the system already uses for Debian itself; we only add another suite of it,
# and only inside a private apt configuration.
mirror="$(grep -rhoE '^(URIs:|deb(-src)?)[[:space:]]+[^[:space:]]+/debian/?([[:space:]]|$)' \
            /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
          | grep -oE '[a-z]+://[^[:space:]]+/debian/?' | head -n1 || true)"
[ -n "${mirror}" ] || no_tsdb "could not find a Debian archive in the system's apt sources"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
mkdir -p "${work}/lists/partial" "${work}/cache/archives/partial" "${work}/src"
printf 'deb-src %s %s main\n' "${mirror%/}" "${TSDB_SUITE}" > "${work}/sources.list"
APT_PRIVATE=(-o "Dir::Etc::SourceList=${work}/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
             -o "Dir::State::Lists=${work}/lists" -o "Dir::Cache=${work}/cache"
             -o "APT::Sandbox::User=root")
{ apt-get "${APT_PRIVATE[@]}" update -qq \
  && ( cd "${work}/src" && apt-get "${APT_PRIVATE[@]}" source -qq --download-only timescaledb >/dev/null \
       && dpkg-source -x --no-check ./timescaledb_*.dsc tsdb >/dev/null ); } \
  || no_tsdb "Debian's ${TSDB_SUITE} timescaledb source package could not be fetched"
cd "${work}/src/tsdb"
# The build's own output (including git's complaints that the source is not a checkout) goes
# to a log that is shown only when the build fails.
build_log="${work}/build.log"
if ! { ./bootstrap -DPG_CONFIG="${PG_BIN}/pg_config" -DAPACHE_ONLY=ON -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF \
                   -DWARNINGS_AS_ERRORS=OFF -DCMAKE_BUILD_TYPE=Release \
       && make -s -C build -j"$(nproc)" install; } >"${build_log}" 2>&1; then
  tail -n 30 "${build_log}" >&2
  no_tsdb "the TimescaleDB build failed (output above)"
fi
if have_tsdb; then log "TimescaleDB installed."; else no_tsdb "the TimescaleDB build finished but the extension was not found"; fi
