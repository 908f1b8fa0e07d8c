#!/usr/bin/env bash
# A throwaway PostgreSQL server for the warehouse tests.
#
#   eval "$(.ci/postgres.sh start)"   # sets PLAYBOOK_TEST_POSTGRES
#   .ci/postgres.sh stop
#
# `start` installs Debian's postgresql when missing, creates a cluster in a temporary
# directory and starts it on 127.0.0.1 only; the only thing on stdout is the `export`
# line. A second `start` reuses the running server. When the server cannot start it
# says so loudly on stderr and exits non-zero, so CI can skip those tests visibly.
set -euo pipefail

PORT="${PLAYBOOK_POSTGRES_PORT:-55432}"
# Keyed by port: there is one server per port on the machine, whichever clone started it.
STATE="${TMPDIR:-/tmp}/playbook-ci-postgres-${PORT}.state"
URL="postgres://app:secret@127.0.0.1:${PORT}/appdb"

skip() {
    echo "!!! .ci/postgres.sh: SKIPPED PostgreSQL: $* !!!" >&2
    exit 1
}

# PostgreSQL refuses to run as root, so root runs it as the `postgres` user.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

install_postgres() {
    [ -n "$(pg_bin)" ] && return 0
    command -v apt-get >/dev/null || skip "not installed and no apt-get to install it"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    echo ".ci/postgres.sh: installing postgresql" >&2
    {
        $sudo apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql
    } >/dev/null 2>&1 || skip "apt-get install postgresql failed"
    [ -n "$(pg_bin)" ] || skip "postgresql installed but no /usr/lib/postgresql/*/bin"
}

# Whether something listens on PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# Whether the app user can log in to the server on PORT (ours, or one left running).
answers() {
    PGPASSWORD=secret PGCONNECT_TIMEOUT=3 "$(pg_bin)/psql" -h 127.0.0.1 -p "$PORT" -U app -d appdb \
        -Atqc 'SELECT 1' >/dev/null 2>&1
}

start() {
    install_postgres
    local bin
    bin="$(pg_bin)"
    if [ -f "$STATE" ]; then
        local old
        old="$(cat "$STATE")"
        if as_pg "$bin/pg_ctl" -D "$old" status >/dev/null 2>&1 && answers; then
            echo ".ci/postgres.sh: reusing the server in $old" >&2
            echo "export PLAYBOOK_TEST_POSTGRES=$URL"
            return 0
        fi
        # A cluster left over from a run that did not stop it: start afresh.
        as_pg "$bin/pg_ctl" -D "$old" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$old" "$STATE"
    fi
    if answers; then
        echo ".ci/postgres.sh: reusing the server already on port $PORT" >&2
        echo "export PLAYBOOK_TEST_POSTGRES=$URL"
        return 0
    fi
    # Something else holds the port: take the next free one.
    while port_open; do
        PORT=$((PORT + 1))
        [ "$PORT" -lt 55532 ] || skip "no free port from ${PLAYBOOK_POSTGRES_PORT:-55432} on"
    done
    URL="postgres://app:secret@127.0.0.1:${PORT}/appdb"

    local data
    data="$(mktemp -d "${TMPDIR:-/tmp}/playbook-pg.XXXXXX")"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || skip "running as root and there is no postgres user"
        chown postgres:postgres "$data"
    fi
    chmod 700 "$data"
    echo "$data" >"$STATE"

    as_pg "$bin/initdb" -D "$data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --no-locale >"$data.initdb.log" 2>&1 ||
        skip "initdb failed: $(tail -3 "$data.initdb.log" | tr '\n' ' ')"
    rm -f "$data.initdb.log"
    # fsync off: the data is thrown away, and loading a million rows gets faster.
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
        -o "-p $PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1 ||
        skip "the server did not start: $(tail -3 "$data/server.log" 2>/dev/null | tr '\n' ' ')"
    as_pg "$bin/psql" -h "$data" -p "$PORT" -U postgres -qAt -v ON_ERROR_STOP=1 \
        -c "CREATE USER app PASSWORD 'secret'" \
        -c "CREATE DATABASE appdb OWNER app" >/dev/null ||
        skip "could not create the app user and database"
    answers || skip "the server started but app@appdb cannot log in over TCP"
    echo ".ci/postgres.sh: PostgreSQL on 127.0.0.1:$PORT, cluster in $data" >&2
    echo "export PLAYBOOK_TEST_POSTGRES=$URL"
}

stop() {
    [ -f "$STATE" ] || return 0
    local data bin
    data="$(cat "$STATE")"
    bin="$(pg_bin)"
    if [ -n "$bin" ] && [ -d "$data" ]; then
        as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    # Only ever a directory this script made (mktemp's prefix), never a path from elsewhere.
    case "$data" in
    */playbook-pg.*) rm -rf "$data" ;;
    esac
    rm -f "$STATE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
