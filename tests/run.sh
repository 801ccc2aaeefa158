#!/bin/sh
# Runs every test suite of jot and sums their results.
#
#   tests/run.sh BUILD_DIR [unit]
#
# A suite is a cmocka binary in BUILD_DIR/tests, or a script that ends its
# output with "N passed, M failed".  A suite's own "N passed, M failed"
# line wins over cmocka's summary (the vector suites count vectors, not
# test functions).  A suite that exits non-zero counts at least one
# failure, whatever it printed.  With VALGRIND=1 the cmocka binaries run
# under valgrind and any error or leak fails them.  jotd itself always
# runs once under valgrind (tests/valgrind/), except in sanitizer builds.
set -u
B=${1:?usage: tests/run.sh BUILD_DIR [unit]}
ONLY=${2:-all}
total_pass=0
total_fail=0
failed_suites=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {   # name, exit status; reads $log
    name=$1 rc=$2
    line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
        f=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
    else
        # cmocka writes its summary to both stdout and stderr, so the
        # lines may be glued together: do not anchor these.
        p=$(sed -nE 's/.*\[  PASSED  \] ([0-9]+) test.*/\1/p' "$log" | tail -n 1)
        f=$(sed -nE 's/.*\[  FAILED  \] ([0-9]+) test.*/\1/p' "$log" | tail -n 1)
    fi
    p=${p:-0} f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    if [ "$f" -ne 0 ]; then
        failed_suites="$failed_suites $name"
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    echo "== $name: $p passed, $f failed"
}

run_suite() {   # name, command...
    name=$1
    shift
    echo "== $name"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    count "$name" "$rc"
}

for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    if [ "${VALGRIND:-0}" = 1 ]; then
        run_suite "valgrind $(basename "$t")" valgrind -q --error-exitcode=99 \
            --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect "$t"
    else
        run_suite "$(basename "$t")" "$t"
    fi
done

if [ "$ONLY" = all ]; then
    for s in tests/cli/run.sh tests/interop/run.sh tests/integration/run.sh \
             tests/pg/run.sh tests/multinode/run.sh fuzz/smoke.sh; do
        [ -f "$s" ] && run_suite "$s" sh "$s" "$B"
    done
fi

# jotd under valgrind through a session of every endpoint; not with a
# sanitizer build, whose runtime cannot run under valgrind.
case "$B" in
*/san) ;;
*) run_suite "valgrind jotd session" /usr/bin/python3 \
       tests/valgrind/jotd_session.py "$B" ;;
esac

if [ -n "$failed_suites" ]; then
    echo "failing suites:$failed_suites"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
