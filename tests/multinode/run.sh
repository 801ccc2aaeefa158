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

tally() {   # exit status of the run; reads $log
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
    f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
    p=${p:-0} f=${f:-0}
    [ "$1" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    pass=$((pass + p))
    fail=$((fail + f))
}

# A signal reaches the running Python, whose own handler stops its
# cluster and counts a failure; this shell waits for it, then reports.
trap 'rm -f "$log"' EXIT
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait; tally 1; fi
echo "multinode: $pass passed, $fail failed (interrupted)"; exit 130' \
    INT TERM HUP

for mode in direct pgbouncer; do
    /usr/bin/python3 "$HERE/run.py" "$B" "$mode" "$@" >"$log" 2>&1 &
    child=$!
    wait "$child"
    rc=$?
    child=""
    tally "$rc"
done

echo "multinode: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
