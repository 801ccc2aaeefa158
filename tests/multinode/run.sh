#!/bin/sh
# The multi-node suite, twice: the three nodes direct to PostgreSQL (with
# the fault tests), then through pgbouncer in transaction mode.
#
#   sh tests/multinode/run.sh BUILD_DIR [GROUP...]
#
# Each run starts its own cluster (deploy/cluster.sh) and stops it, also
# when a check fails or the run is interrupted.  The last line is
# "multinode: N passed, M failed".
set -u
B=${1:?usage: tests/multinode/run.sh BUILD_DIR [GROUP...]}
shift
HERE=$(dirname "$0")
export PYTHONDONTWRITEBYTECODE=1 PYTHONUTF8=1
pass=0
fail=0
log=$(mktemp)
child=""
# A signal reaches the running Python, whose own handler stops its
# cluster; this shell then waits for it before leaving.
trap 'rm -f "$log"' EXIT
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 130' \
    INT TERM HUP

for mode in direct pgbouncer; do
    /usr/bin/python3 "$HERE/run.py" "$B" "$mode" "$@" >"$log" 2>&1 &
    child=$!
    wait "$child"
    rc=$?
    child=""
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
    f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
    p=${p:-0} f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    pass=$((pass + p))
    fail=$((fail + f))
done

echo "multinode: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
