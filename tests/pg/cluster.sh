#!/bin/sh
# A throw-away PostgreSQL cluster for the tests, with Debian's binaries.
#
#   sh tests/pg/cluster.sh start DIR    creates DIR, starts a cluster in
#                                       it and prints its URL
#   sh tests/pg/cluster.sh url DIR      prints the URL again
#   sh tests/pg/cluster.sh stop DIR     stops the cluster, removes DIR
#   sh tests/pg/cluster.sh pause DIR    stops the server (pg_ctl stop -m
#                                       fast), keeping DIR: an outage
#   sh tests/pg/cluster.sh resume DIR   starts it again on the same port
#                                       and data directory
#
# The cluster listens on 127.0.0.1 only, on a free port, with its socket
# in DIR (never a system cluster's port or socket), trusts loopback
# connections and runs with fsync=off: it holds test data only.  The URL
# is postgresql://USER@127.0.0.1:PORT/jot, for a database "jot" made at
# start.  PostgreSQL refuses to run as root, so as root the cluster runs
# as "nobody" (or JOT_PG_USER), through runuser; otherwise as the caller.
# Exits non-zero, with the server's log on stderr, when it cannot start.
set -eu

usage() {
    echo "usage: cluster.sh start|stop|url|pause|resume DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

bindir() {
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    echo "cluster.sh: no PostgreSQL server binaries in" \
         "/usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
    return 1
}

# Runs a command as the cluster's user.
as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

pick_user() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
        return
    fi
    u=${JOT_PG_USER:-nobody}
    if ! id -u "$u" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$u" >&2
    fi
    echo "$u"
}

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start() {
    bin=$(bindir)
    user=$(pick_user)
    if [ -e "$dir/data" ]; then
        echo "cluster.sh: $dir/data exists already" >&2
        exit 1
    fi
    mkdir -p "$dir"
    chmod 0700 "$dir"
    [ "$(id -u)" -ne 0 ] || chown "$user" "$dir"
    as_user "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust \
        --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    # A port taken between free_port and the start makes pg_ctl fail:
    # try a few.
    for _ in 1 2 3; do
        port=$(free_port)
        if as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
            -t 60 -o "$(server_opts "$port")" start >/dev/null; then
            as_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" jot
            echo "postgresql://$user@127.0.0.1:$port/jot" >"$dir/url"
            echo "$port" >"$dir/port"
            cat "$dir/url"
            return 0
        fi
    done
    cat "$dir/server.log" >&2
    exit 1
}

stop() {
    [ -d "$dir" ] || exit 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        bin=$(bindir)
        user=$(stat -c %U "$dir/data")
        as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop \
            >/dev/null || true
    fi
    rm -rf "$dir"
}

# The server's settings at start, on port $1.
server_opts() {
    echo "-c listen_addresses=127.0.0.1 -c port=$1 \
-c unix_socket_directories=$dir -c fsync=off -c full_page_writes=off \
-c max_connections=300 -c shared_buffers=32MB"
}

pause() {
    bin=$(bindir)
    user=$(stat -c %U "$dir/data")
    as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

resume() {
    bin=$(bindir)
    user=$(stat -c %U "$dir/data")
    port=$(cat "$dir/port")
    as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "$(server_opts "$port")" start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
}

case $cmd in
start) start ;;
stop) stop ;;
pause) pause ;;
resume) resume ;;
url) cat "$dir/url" ;;
*) usage ;;
esac
