#!/bin/sh
# The fuzz smoke suite, run by tests/run.sh: builds the libFuzzer
# harnesses (clang, ASan + UBSan), runs each for FUZZ_SMOKE_SECONDS (10)
# from its seeds, and replays every input of fuzz/regressions/<name>/.
# Each harness run and each replay is one test.
#
#   sh fuzz/smoke.sh BUILD_DIR
#
# The harnesses go to build/fuzz (BUILD_DIR less a trailing /san: they
# have their own sanitizers).  FUZZ_NO_BUILD=1 skips the build.
set -u
B=${1:?usage: fuzz/smoke.sh BUILD_DIR}
case "$B" in
*/san) base=${B%/san} ;;
*) base=$B ;;
esac
FZ=$base/fuzz
secs=${FUZZ_SMOKE_SECONDS:-10}
pass=0
fail=0

result() {   # exit status; the line was printed by run.sh
    if [ "$1" -eq 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
    fi
}

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    log=$(mktemp)
    # A make of its own, not the caller's jobs or variables.
    if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
        make -s -j2 BUILD="$base" fuzz-build fuzz-seeds >"$log" 2>&1; then
        echo "ok - build the harnesses in $FZ"
        pass=$((pass + 1))
    else
        cat "$log"
        rm -f "$log"
        echo "not ok - build the harnesses in $FZ"
        echo "$pass passed, 1 failed"
        exit 1
    fi
    rm -f "$log"
fi

for src in fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    sh fuzz/run.sh smoke "$FZ" "$name" "$secs"
    result $?
    if [ -n "$(ls fuzz/regressions/"$name" 2>/dev/null)" ]; then
        sh fuzz/run.sh replay "$FZ" "$name"
        result $?
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
