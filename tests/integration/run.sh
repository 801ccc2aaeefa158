#!/bin/sh
# Black-box tests of jotd: real servers on loopback ports, real SQLite
# databases in temporary directories (or fresh databases of the
# PostgreSQL cluster at JOT_INTEG_DB_URL), real HTTP (see README.md here).
#
#   sh tests/integration/run.sh BUILD_DIR [GROUP...]
#
# Runs BUILD_DIR/jotd.  Every check prints "ok - NAME" or
# "not ok - NAME: expected X got Y"; the last line is "N passed, M failed"
# and the exit status is non-zero when any check failed.
set -u
B=${1:?usage: tests/integration/run.sh BUILD_DIR [GROUP...]}
shift
HERE=$(dirname "$0")
export PYTHONDONTWRITEBYTECODE=1 PYTHONUTF8=1
exec /usr/bin/python3 "$HERE/run.py" "$B" "$@"
