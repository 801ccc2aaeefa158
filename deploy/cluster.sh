#!/bin/bash
# A jot cluster on loopback, for tests and demos: a PostgreSQL primary
# with a synchronous streaming standby, N jotd nodes sharing it, and
# nginx balancing the nodes (optionally the nodes reach PostgreSQL through
# pgbouncer in transaction mode).  Everything lives in DIR and runs as an
# unprivileged user: as root, "nobody" (or JOT_PG_USER); otherwise the
# caller.
#
#   deploy/cluster.sh start DIR [OPTIONS] [-- JOTD_FLAGS...]
#       --nodes N        jotd nodes (default 3)
#       --no-standby     the primary alone
#       --pgbouncer      the nodes connect through pgbouncer (one host: the
#                        primary; a promoted standby is not followed)
#       --jotd PATH      the jotd binary (default build/jotd)
#     JOTD_FLAGS (and the words of $JOT_NODE_FLAGS before them) are given
#     to every node, after the cluster's own flags, so they win.
#   deploy/cluster.sh stop DIR          stops everything, removes DIR
#   deploy/cluster.sh info DIR          prints DIR/cluster.env again
#   deploy/cluster.sh node-kill DIR I [SIGNAL]   (default KILL; waits
#       until the node is gone, except for STOP and CONT)
#   deploy/cluster.sh node-start DIR I [-- EXTRA_FLAGS...]
#       starts node I again on its port; EXTRA_FLAGS hold for this start
#   deploy/cluster.sh primary-kill DIR  kill -9 of the primary's postmaster
#   deploy/cluster.sh promote DIR       promotes the standby (pg_ctl -w)
#
# start prints KEY=VALUE lines (also in DIR/cluster.env) once everything
# answers: NGINX_URL, NODES, NODE<i>_URL, NODE<i>_PORT, NODE<i>_PID,
# DB_URL (what the nodes use), ADMIN_DB_URL (direct, for psql and
# "jotd keys ..."), LISTEN_URL (with --pgbouncer: the nodes' db_listen,
# direct), PG_PRIMARY_PORT, PG_STANDBY_PORT, PGBOUNCER_PORT,
# SECRET_FILE, PG_USER.  A start that fails stops what it started and
# exits non-zero with the failing piece's log on stderr.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PG_CLUSTER="$ROOT/tests/pg/cluster.sh"
WAIT=30                             # seconds for any one piece to answer

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '9,25p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

pg_bindir() {
    local d
    # shellcheck disable=SC2012
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/pg_basebackup" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    die "no PostgreSQL server binaries (apt-get install postgresql)"
}

# The same user tests/pg/cluster.sh runs PostgreSQL as.
pick_user() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
        return
    fi
    local u=${JOT_PG_USER:-nobody}
    id -u "$u" >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin "$u" >&2
    echo "$u"
}

# Runs a command as the cluster's user, through exec only, in a clean
# environment: no JOTD_* key or secret of the caller leaks into a node.
# AS_USER is the prefix; a background "${AS_USER[@]}" cmd & is cmd's pid.
as_user() {
    "${AS_USER[@]}" "$@"
}

set_as_user() {
    AS_USER=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$DIR"
             LANG=C.UTF-8)
    if [ "$(id -u)" -eq 0 ]; then
        AS_USER+=(setpriv --reuid="$PGUSER_" --regid="$(id -g "$PGUSER_")"
                  --init-groups --)
    fi
}

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Waits until "curl URL" answers 200; 1 when it does not within WAIT s.
wait_http() {
    local url=$1 i=0
    while [ $i -lt $((WAIT * 10)) ]; do
        if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url")" = 200 ]
        then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

env_get() {     # KEY; reads DIR/cluster.env
    sed -n "s/^$1=//p" "$DIR/cluster.env" | tail -n 1
}

env_set() {     # KEY VALUE
    local f="$DIR/cluster.env"
    if [ -f "$f" ]; then
        grep -v "^$1=" "$f" >"$f.new" || true
    else
        : >"$f.new"
    fi
    echo "$1=$2" >>"$f.new"
    mv "$f.new" "$f"
}

psql_admin() {  # SQL; on the primary, as the cluster's user
    as_user "$PGBIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$(env_get PG_PRIMARY_PORT)" -U "$PGUSER_" \
        -d jot -c "$1"
}

# --- PostgreSQL ---------------------------------------------------------

start_primary() {
    # tests/pg/cluster.sh is the one way a test cluster is made: a free
    # loopback port, the socket in its directory, trust on loopback
    # (which includes replication connections), database "jot".
    JOT_PG_USER=$PGUSER_ sh "$PG_CLUSTER" start "$DIR/pg/primary" \
        >/dev/null || die "the primary did not start"
    local url
    url=$(cat "$DIR/pg/primary/url")
    env_set PG_PRIMARY_PORT "$(echo "$url" | sed -E 's/.*:([0-9]+)\/jot$/\1/')"
}

start_standby() {
    local pport sport d="$DIR/pg/standby"
    pport=$(env_get PG_PRIMARY_PORT)
    as_user mkdir -m 0700 "$d"
    as_user "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U "$PGUSER_" \
        -D "$d/data" -R -X stream -c fast >"$d/basebackup.log" 2>&1 || {
        cat "$d/basebackup.log" >&2
        die "pg_basebackup failed"
    }
    # -R wrote primary_conninfo; this one, later in the file, wins and
    # names the standby for synchronous_standby_names.
    echo "primary_conninfo = 'host=127.0.0.1 port=$pport user=$PGUSER_ \
application_name=standby1'" | as_user tee -a "$d/data/postgresql.auto.conf" \
        >/dev/null
    for _ in 1 2 3; do
        sport=$(free_port)
        # max_connections must be at least the primary's for a hot
        # standby.
        if as_user "$PGBIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$sport \
-c unix_socket_directories=$d -c fsync=off -c full_page_writes=off \
-c max_connections=300 -c shared_buffers=32MB -c hot_standby=on" \
            start >/dev/null; then
            env_set PG_STANDBY_PORT "$sport"
            break
        fi
    done
    [ -n "$(env_get PG_STANDBY_PORT)" ] || {
        cat "$d/server.log" >&2
        die "the standby did not start"
    }
    # Set after the base backup, so the standby did not copy it: once
    # promoted it must not wait for a standby of its own.
    psql_admin "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" \
        >/dev/null
    psql_admin "SELECT pg_reload_conf()" >/dev/null
    local i=0 state=""
    while [ $i -lt $((WAIT * 10)) ]; do
        state=$(psql_admin "SELECT sync_state FROM pg_stat_replication \
WHERE application_name = 'standby1'" || true)
        [ "$state" = sync ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    die "the standby is not synchronous (state '$state')"
}

start_pgbouncer() {
    local d="$DIR/pgbouncer" port
    as_user mkdir -m 0700 "$d"
    port=$(free_port)
    # Trust on loopback, as the clusters of the tests; the user must still
    # be listed.  In transaction mode a session's SET is lost (it lands on
    # whichever server connection ran it), so the statement timeout jotd
    # sets on each connection is also set here, on every server
    # connection.
    as_user tee "$d/users.txt" >/dev/null <<EOF
"$PGUSER_" ""
EOF
    as_user tee "$d/pgbouncer.ini" >/dev/null <<EOF
[databases]
jot = host=127.0.0.1 port=$(env_get PG_PRIMARY_PORT) dbname=jot connect_query='SET statement_timeout = 5000'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $d
auth_type = trust
auth_file = $d/users.txt
admin_users = $PGUSER_
pool_mode = transaction
max_client_conn = 500
default_pool_size = 40
logfile = $d/pgbouncer.log
pidfile = $d/pgbouncer.pid
EOF
    as_user pgbouncer -d -q "$d/pgbouncer.ini" || {
        cat "$d/pgbouncer.log" >&2
        die "pgbouncer did not start"
    }
    env_set PGBOUNCER_PORT "$port"
    local i=0
    while [ $i -lt $((WAIT * 10)) ]; do
        if as_user "$PGBIN/psql" -X -q -t -A -h 127.0.0.1 -p "$port" \
            -U "$PGUSER_" -d jot -c "SELECT 1" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    cat "$d/pgbouncer.log" >&2
    die "pgbouncer does not answer"
}

# --- jotd ---------------------------------------------------------------

# Starts node I on its port (a fresh one the first time); extra flags
# after the cluster's.
node_start() {
    local i=$1 port d="$DIR/node$1" jotd flags=() pid
    shift
    jotd=$(env_get JOTD)
    port=$(env_get "NODE${i}_PORT")
    [ -n "$port" ] || port=$(free_port)
    [ -d "$d" ] || as_user mkdir -m 0700 "$d"
    if [ -f "$DIR/jotd.flags" ]; then
        mapfile -t flags <"$DIR/jotd.flags"
    fi
    # LISTEN needs a session of its own, which a pooler in transaction
    # mode does not keep: nodes behind pgbouncer listen on the database
    # directly (LISTEN_URL).
    if [ -n "$(env_get LISTEN_URL)" ]; then
        flags=(--db_listen="$(env_get LISTEN_URL)" "${flags[@]}")
    fi
    "${AS_USER[@]}" "$jotd" --listen="127.0.0.1:$port" --db="$(env_get DB_URL)" \
        --secret_file="$(env_get SECRET_FILE)" \
        --issuer="$(env_get NGINX_URL)" "${flags[@]}" "$@" \
        </dev/null >>"$d/jotd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$d/pid"
    # Only the first start writes cluster.env: nodes may be started again
    # at once, and "info" reads their pids from their pid files.
    if [ -z "$(env_get "NODE${i}_PORT")" ]; then
        env_set "NODE${i}_PORT" "$port"
        env_set "NODE${i}_URL" "http://127.0.0.1:$port"
        env_set "NODE${i}_PID" "$pid"
    fi
    if ! wait_http "http://127.0.0.1:$port/healthz"; then
        tail -n 20 "$d/jotd.log" >&2
        die "node $i does not answer on port $port"
    fi
}

node_kill() {
    local i=$1 sig=${2:-KILL} pid
    pid=$(cat "$DIR/node$i/pid" 2>/dev/null) || die "no node $i"
    kill -s "$sig" "$pid" 2>/dev/null || true
    case $sig in
    STOP | CONT | SIGSTOP | SIGCONT) return 0 ;;   # it lives on
    esac
    # Waits for it to be gone (bounded), so its port is free again.
    local n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 200 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -s KILL "$pid" 2>/dev/null
    rm -f "$DIR/node$i/pid"
    return 0
}

# --- nginx --------------------------------------------------------------

start_nginx() {
    local d="$DIR/nginx" port=$1 n=$2 i ups=""
    as_user mkdir -p "$d/tmp"
    for i in $(seq 1 "$n"); do
        ups="$ups        server 127.0.0.1:$(env_get "NODE${i}_PORT") \
max_fails=1 fail_timeout=2s;
"
    done
    UPS=$ups awk -v prefix="$d" -v listen="127.0.0.1:$port" '
        /^@UPSTREAMS@$/ { printf "%s", ENVIRON["UPS"]; next }
        { gsub(/@PREFIX@/, prefix); gsub(/@LISTEN@/, listen); print }
    ' "$HERE/nginx.conf" | as_user tee "$d/nginx.conf" >/dev/null
    as_user nginx -q -p "$d" -e "$d/error.log" -c "$d/nginx.conf" || {
        cat "$d/error.log" >&2
        die "nginx did not start"
    }
    wait_http "http://127.0.0.1:$port/healthz" || {
        cat "$d/error.log" >&2
        die "nginx does not answer on port $port"
    }
}

# --- start and stop -----------------------------------------------------

start() {
    local nodes=3 standby=1 bouncer=0 jotd="$ROOT/build/jotd" url i port
    while [ $# -gt 0 ]; do
        case $1 in
        --nodes) nodes=${2:?--nodes N}; shift 2 ;;
        --no-standby) standby=0; shift ;;
        --pgbouncer) bouncer=1; shift ;;
        --jotd) jotd=${2:?--jotd PATH}; shift 2 ;;
        --) shift; break ;;
        *) usage ;;
        esac
    done
    case $nodes in
    '' | *[!0-9]* | 0) die "--nodes wants a number from 1" ;;
    esac
    [ -x "$jotd" ] || die "$jotd is not an executable"
    jotd=$(cd "$(dirname "$jotd")" && pwd)/$(basename "$jotd")
    [ ! -e "$DIR/cluster.env" ] || die "$DIR holds a cluster already"
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    [ "$(id -u)" -ne 0 ] || chown "$PGUSER_" "$DIR"
    as_user test -w "$DIR" ||
        die "$PGUSER_ cannot write $DIR (is a parent closed to others?)"
    # From here on a failure stops what was started.
    # shellcheck disable=SC2154
    trap 'rc=$?; [ $rc -eq 0 ] || stop >/dev/null 2>&1; exit $rc' EXIT
    env_set PG_USER "$PGUSER_"
    env_set JOTD "$jotd"
    env_set NODES "$nodes"
    as_user mkdir -m 0700 "$DIR/pg"

    # Flags for every node, one a line (words of $JOT_NODE_FLAGS first).
    : >"$DIR/jotd.flags"
    # shellcheck disable=SC2086
    for f in ${JOT_NODE_FLAGS:-} "$@"; do
        printf '%s\n' "$f" >>"$DIR/jotd.flags"
    done

    # One server secret for every node: the signing keys in the database
    # are sealed with it.
    head -c 48 /dev/urandom | base64 -w 0 |
        as_user sh -c "umask 077; cat >'$DIR/secret'"
    env_set SECRET_FILE "$DIR/secret"

    start_primary
    url="postgresql://$PGUSER_@127.0.0.1:$(env_get PG_PRIMARY_PORT)/jot"
    if [ "$standby" = 1 ]; then
        start_standby
        url="postgresql://$PGUSER_@127.0.0.1:$(env_get PG_PRIMARY_PORT),\
127.0.0.1:$(env_get PG_STANDBY_PORT)/jot?target_session_attrs=read-write"
    fi
    env_set ADMIN_DB_URL "$url"
    if [ "$bouncer" = 1 ]; then
        start_pgbouncer
        env_set DB_URL "postgresql://$PGUSER_@127.0.0.1:$(env_get \
PGBOUNCER_PORT)/jot"
        env_set LISTEN_URL "$url"
    else
        env_set DB_URL "$url"
    fi

    port=$(free_port)
    env_set NGINX_PORT "$port"
    env_set NGINX_URL "http://127.0.0.1:$port"
    # The first node makes the schema and the first key alone; the others
    # then find both.
    node_start 1
    for i in $(seq 2 "$nodes"); do
        node_start "$i"
    done
    start_nginx "$port" "$nodes"
    trap - EXIT
    cat "$DIR/cluster.env"
}

pid_of() {      # FILE: the first line, when it names a live process
    local pid
    pid=$(head -n 1 "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

wait_gone() {   # PID: up to 10 s, then KILL
    local n=0
    while kill -0 "$1" 2>/dev/null && [ $n -lt 200 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    kill -s KILL "$1" 2>/dev/null || true
}

stop() {
    local pid d pids=()
    [ -d "$DIR" ] || return 0
    # nginx first, then every node at once, then pgbouncer: each is
    # told, then waited for (each node takes a moment to end its threads).
    for d in "$DIR/nginx/nginx.pid" "$DIR"/node*/pid; do
        pid=$(pid_of "$d") && {
            kill -s TERM "$pid" 2>/dev/null
            kill -s CONT "$pid" 2>/dev/null     # a node-kill STOP
            pids+=("$pid")
        }
    done
    for pid in "${pids[@]}"; do
        wait_gone "$pid"
    done
    pid=$(pid_of "$DIR/pgbouncer/pgbouncer.pid") && {
        kill -s TERM "$pid" 2>/dev/null
        wait_gone "$pid"
    }
    if [ -f "$DIR/pg/standby/data/postmaster.pid" ]; then
        as_user "$PGBIN/pg_ctl" -D "$DIR/pg/standby/data" -m immediate \
            -w -t 60 stop >/dev/null 2>&1 || true
    fi
    # A killed primary leaves its pid file: pg_ctl finds no server, and
    # its backends have ended with it.
    [ ! -d "$DIR/pg/primary" ] ||
        sh "$PG_CLUSTER" stop "$DIR/pg/primary" 2>/dev/null
    rm -rf "$DIR"
}

# cluster.env with each node's pid as it is now ("" for a stopped node).
info() {
    local line i pid
    while IFS= read -r line; do
        case $line in
        NODE*_PID=*)
            i=${line#NODE}
            i=${i%%_PID=*}
            pid=$(pid_of "$DIR/node$i/pid") || pid=""
            echo "NODE${i}_PID=$pid" ;;
        *) echo "$line" ;;
        esac
    done <"$DIR/cluster.env"
}

[ $# -ge 2 ] || usage
cmd=$1
DIR=$2
shift 2
case $DIR in
/*) ;;
*) DIR=$(pwd)/$DIR ;;
esac
PGBIN=$(pg_bindir)
if [ "$cmd" != start ] && [ -d "$DIR" ]; then
    # The owner of DIR: also when cluster.env is damaged, stop works.
    PGUSER_=$(stat -c %U "$DIR")
else
    PGUSER_=$(pick_user)
fi
set_as_user

case $cmd in
start) start "$@" ;;
stop) stop ;;
info) info ;;
node-kill)
    node_kill "${1:?node-kill DIR I [SIGNAL]}" "${2:-KILL}" ;;
node-start)
    i=${1:?node-start DIR I [-- FLAGS]}
    shift
    [ "${1:-}" != -- ] || shift
    if pid=$(pid_of "$DIR/node$i/pid"); then
        die "node $i runs already (pid $pid)"
    fi
    node_start "$i" "$@"
    echo "NODE${i}_PID=$(cat "$DIR/node$i/pid")" ;;
primary-kill)
    pid=$(pid_of "$DIR/pg/primary/data/postmaster.pid") ||
        die "the primary does not run"
    kill -s KILL "$pid"
    echo "PG_PRIMARY_PID=$pid" ;;
promote)
    as_user "$PGBIN/pg_ctl" -D "$DIR/pg/standby/data" -w -t 30 promote \
        >/dev/null || die "the standby was not promoted"
    echo "PROMOTED=1" ;;
*) usage ;;
esac
