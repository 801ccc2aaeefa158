#!/bin/sh
# Installs the Debian packages jot needs to build and test, when missing.
# Runs apt-get as root, or through sudo otherwise.  Does nothing when every
# package is already there, so it is cheap to call from every build.
set -eu

# Build: the libraries libjot, jot and jotd link against.
BUILD="pkg-config gcc make libssl-dev libjansson-dev libmicrohttpd-dev \
libgnutls28-dev libsqlite3-dev libpq-dev libargon2-dev libcrypt-dev"
# Test: unit tests, the memory checker, the independent JWT implementations
# used for interoperability, the library compared in benchmarks, and the
# server benchmark's load generator, chart plotter and HTTP ceiling; clang
# with its libFuzzer runtime for fuzz/; and the PostgreSQL server, whose
# binaries tests/pg/cluster.sh runs in a cluster of its own (a system
# cluster that the package may start is never used); pgbouncer, which
# deploy/cluster.sh runs in front of it for tests/multinode (never the
# system's service); prometheus for its promtool, which checks the text of
# /metrics (its server is never started, see below).
TEST="libcmocka-dev valgrind python3 python3-jwt python3-cryptography \
libjwt-dev curl wrk gnuplot-nox nginx-light clang libclang-rt-14-dev \
postgresql pgbouncer python3-authlib python3-requests prometheus"

# Profile: perf, for BENCH_PROFILE=1 make bench.
PROFILE="linux-perf"

want="$BUILD"
case "${1:-build}" in
test) want="$BUILD $TEST" ;;
profile) want="$BUILD $TEST $PROFILE" ;;
build) ;;
*) echo "usage: deps.sh [build|test|profile]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
        grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
# Node.js and npm run the node "jose" interoperability tests; any node >= 18
# will do, so one already on the PATH is kept.
if [ "${1:-build}" != build ]; then
    command -v node >/dev/null 2>&1 || missing="$missing nodejs"
    command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: missing packages:$missing (run as root or install sudo)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Packages with a service (prometheus, postgresql, nginx, pgbouncer) start it
# when installed, through invoke-rc.d in a container without systemd: a
# policy-rc.d that refuses (exit 101) stops that, for this install only when
# none was there.
rcd=""
if [ ! -e /usr/sbin/policy-rc.d ] && [ ! -d /run/systemd/system ]; then
    rcd=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $rcd >/dev/null
    $SUDO chmod 755 $rcd
    trap '$SUDO rm -f $rcd' EXIT
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
