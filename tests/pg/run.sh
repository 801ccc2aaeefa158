#!/bin/sh
# The PostgreSQL suite: the storage contract (BUILD_DIR/tests/test_store)
# against a throw-away cluster, then the black-box groups that exercise
# the database most, with every jotd on that cluster.
#
#   sh tests/pg/run.sh BUILD_DIR
#
# The cluster (tests/pg/cluster.sh) lives in a temporary directory and is
# stopped and removed at the end.  A cluster that cannot start is a
# failure, never a skip.  The groups that open the SQLite file or name
# sqlite: URLs (config, crash, floods, growth, hostile_http,
# hostile_tokens, private_answers, secrets, slowloris) are not run here,
# nor yet the rest.  The last line is "pg: N passed, M failed".
set -u
B=${1:?usage: tests/pg/run.sh BUILD_DIR}
HERE=$(dirname "$0")
GROUPS="accounts nodes refresh sessions tokens verify"
pass=0
fail=0
dir=$(mktemp -d /tmp/jot-pg-XXXXXX) || exit 1
log=$(mktemp)
trap 'sh "$HERE/cluster.sh" stop "$dir"; rm -f "$log"' EXIT

if ! url=$(sh "$HERE/cluster.sh" start "$dir"); then
    echo "not ok - a PostgreSQL cluster starts"
    echo "pg: 0 passed, 1 failed"
    exit 1
fi
echo "# cluster at $url"

# The contract, as cmocka counts it.
JOTD_TEST_DB=$url "$B/tests/test_store" >"$log" 2>&1
rc=$?
cat "$log"
p=$(sed -nE 's/.*\[  PASSED  \] ([0-9]+) test.*/\1/p' "$log" | tail -n 1)
f=$(sed -nE 's/.*\[  FAILED  \] ([0-9]+) test.*/\1/p' "$log" | tail -n 1)
p=${p:-0} f=${f:-0}
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
pass=$((pass + p))
fail=$((fail + f))

# jotd on PostgreSQL: each server gets a fresh database of the cluster.
# shellcheck disable=SC2086
JOT_INTEG_DB_URL=$url sh tests/integration/run.sh "$B" $GROUPS >"$log" 2>&1
rc=$?
cat "$log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
p=${p:-0} f=${f:-0}
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
pass=$((pass + p))
fail=$((fail + f))

echo "pg: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
