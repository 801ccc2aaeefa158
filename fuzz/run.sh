#!/bin/sh
# Runs one libFuzzer harness of fuzz/, or sums up the runs.  Used by
# fuzz/fuzz.mk and fuzz/smoke.sh, from the top of the tree.
#
#   run.sh run FZ NAME SECONDS    fuzz NAME for SECONDS on FZ/corpus/NAME,
#                                 seeded from fuzz/seeds/NAME and
#                                 FZ/seeds/NAME; log in FZ/logs/NAME.log
#   run.sh smoke FZ NAME SECONDS  the same on a scratch corpus (the seeds
#                                 are only read); one "ok"/"not ok" line
#   run.sh replay FZ NAME         every file of fuzz/regressions/NAME once;
#                                 one "ok"/"not ok" line
#   run.sh summary FZ NAME...     one line per "run"; fails if one failed
#
# FZ is the build directory of the harnesses (build/fuzz).  A crash leaves
# its input in FZ/artifacts/NAME/.  FUZZ_ARGS adds libFuzzer options.
set -u
mode=${1:?usage: run.sh run|smoke|replay|summary FZ NAME...}
FZ=${2:?usage: run.sh MODE FZ NAME...}
shift 2

# The options every run shares: inputs up to twice the token limit, a
# hang is a crash after 30 s, and a dictionary of the input's words.
options() {   # name
    case $1 in
    config) dict=fuzz/dict/config.dict ;;
    pem) dict=fuzz/dict/pem.dict ;;
    b64url) dict= ;;
    *) dict=fuzz/dict/jose.dict ;;
    esac
    mkdir -p "$FZ/artifacts/$1"
    echo "-max_len=16384 -timeout=30 -rss_limit_mb=2560" \
         "-print_final_stats=1 -artifact_prefix=$FZ/artifacts/$1/" \
         "${dict:+-dict=$dict} ${FUZZ_ARGS:-}"
}

# "execs N, cov C, ft F, corp N/S, exec/s E" from a libFuzzer log (in
# -fork mode the stats lines read "#N: cov: C ft: F corp: N exec/s E").
stats() {   # log
    last=$(grep -E '^#[0-9]+.*cov: ' "$1" | tail -n 1)
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' \
            "$1" | tail -n 1)
    [ -n "$execs" ] || execs=$(echo "$last" | sed -nE 's/^#([0-9]+).*/\1/p')
    field() {   # name
        echo "$last" | sed -nE "s|.* $1:? ([^ ]+).*|\1|p"
    }
    echo "execs ${execs:-0}, cov $(field cov), ft $(field ft)," \
         "corp $(field corp), exec/s $(field exec/s)"
}

# What went wrong, from a failed run's log.
failure() {   # log
    what=$(grep -m 1 -E \
        '^(==[0-9]+==ERROR|SUMMARY|.*check failed|.*runtime error)' "$1")
    unit=$(sed -nE 's/.*Test unit written to (.*)/\1/p' "$1" | tail -n 1)
    echo "${what:-exit status $2}${unit:+; input: $unit}"
}

case $mode in
run)
    name=${1:?name} secs=${2:?seconds}
    bin=$FZ/fuzz_$name corpus=$FZ/corpus/$name log=$FZ/logs/$name.log
    mkdir -p "$corpus" "$FZ/logs"
    for d in "fuzz/seeds/$name" "$FZ/seeds/$name"; do
        [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*' \
            -exec cp -n {} "$corpus/" \;
    done
    echo "fuzz_$name: ${secs} s on $corpus"
    # shellcheck disable=SC2046
    "$bin" $(options "$name") -max_total_time="$secs" "$corpus" \
        >"$log" 2>&1
    rc=$?
    echo "$rc" >"$FZ/logs/$name.status"
    if [ "$rc" -eq 0 ]; then
        line="fuzz_$name: ok, ${secs} s, $(stats "$log")"
    else
        line="fuzz_$name: CRASH, $(failure "$log" "$rc") (log $log)"
    fi
    echo "$line" >"$FZ/logs/$name.summary"
    echo "$line"
    exit "$rc"
    ;;
smoke)
    name=${1:?name} secs=${2:?seconds}
    bin=$FZ/fuzz_$name log=$FZ/logs/smoke-$name.log
    mkdir -p "$FZ/logs"
    scratch=$(mktemp -d)
    dirs=""
    for d in "fuzz/seeds/$name" "$FZ/seeds/$name"; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    # shellcheck disable=SC2046,SC2086
    "$bin" $(options "$name") -max_total_time="$secs" "$scratch" $dirs \
        >"$log" 2>&1
    rc=$?
    rm -rf "$scratch"
    if [ "$rc" -eq 0 ]; then
        echo "ok - fuzz_$name: ${secs} s, $(stats "$log")"
    else
        echo "not ok - fuzz_$name: $(failure "$log" "$rc") (log $log)"
    fi
    exit "$rc"
    ;;
replay)
    name=${1:?name}
    bin=$FZ/fuzz_$name log=$FZ/logs/replay-$name.log
    mkdir -p "$FZ/logs"
    : >"$log"
    n=0 bad=""
    for f in fuzz/regressions/"$name"/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        # shellcheck disable=SC2046
        "$bin" $(options "$name") -runs=1 "$f" >>"$log" 2>&1 ||
            bad="$bad $(basename "$f")"
    done
    if [ -z "$bad" ]; then
        echo "ok - fuzz_$name: $n regression inputs replayed"
        exit 0
    fi
    echo "not ok - fuzz_$name: regression inputs fail:$bad (log $log)"
    exit 1
    ;;
summary)
    rc=0
    echo "== fuzz summary"
    for name in "$@"; do
        if [ -f "$FZ/logs/$name.summary" ]; then
            cat "$FZ/logs/$name.summary"
        else
            echo "fuzz_$name: did not run"
        fi
        [ "$(cat "$FZ/logs/$name.status" 2>/dev/null)" = 0 ] || rc=1
    done
    exit "$rc"
    ;;
*)
    echo "run.sh: unknown mode $mode" >&2
    exit 2
    ;;
esac
