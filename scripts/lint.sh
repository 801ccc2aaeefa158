#!/usr/bin/env bash
# lint.sh - the checks of STYLE.md that a compiler does not make.
#
#   bash scripts/lint.sh        (or make lint), from anywhere in the tree
#
# Every violation is printed as "FILE:LINE: CHECK: what is wrong", all of
# them, not only the first; the last line counts them, and the exit
# status is 1 when there is any.  The checks read the C with comments,
# string literals and character constants blanked out (line numbers
# kept), so that a comment saying "no atoi here" is not a use of atoi.
#
#   avoided    strcpy strcat sprintf vsprintf gets atoi atol strtok rand
#              alloca called anywhere in lib/ or src/ (a whole word: the
#              identifier jot_rand is not rand).
#   layering   the one-way dependencies of src/server (STYLE.md):
#              no <microhttpd.h> in core/, store/ or cmd/; no <sqlite3.h>
#              or <libpq-fe.h> outside store/ (nor in lib/ or src/cli/);
#              no "api/..." header in http/ or core/; store/ includes
#              nothing of core/, http/, api/, cmd/ nor jotd.h, and
#              neither does util.[ch], the ground floor.
#   snprintf   an snprintf whose result is ignored: a statement that
#              starts with snprintf( or (void)snprintf(, in lib/ or src/,
#              or one added to a length unchecked (len += snprintf(...)).
#              Its result says whether the text was cut; check it
#              (n < 0 || (size_t)n >= sizeof buf) or use jotd_errf.
#   length     a function in src/server whose body (the lines between its
#              opening and closing braces) is over 60 lines, unless one
#              of the 3 lines above its definition (above the return
#              type line) has a comment with the whole word "long"
#              saying why it is long, e.g.
#                  /* Long: one table of every flag, read top to bottom. */
set -u
cd "$(dirname "$0")/.."

MAX_BODY=60
violations=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# C files of lib/ and src/, in a stable order.
c_files() {
    find "$@" -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null |
        LC_ALL=C sort
}

# Prints FILE with /* */ and // comments, string literals and character
# constants replaced by blanks (the quotes kept), one output line per
# input line.  Include lines are kept whole: their "file.h" is the point.
strip_c() {
    awk '
    /^[ \t]*#[ \t]*include/ { if (!incomment) { print; next } }
    {
        line = $0; res = ""; n = length(line); i = 1
        while (i <= n) {
            c = substr(line, i, 1); c2 = substr(line, i, 2)
            if (incomment) {
                if (c2 == "*/") { incomment = 0; res = res "  "; i += 2 }
                else { res = res " "; i++ }
            } else if (c2 == "/*") {
                incomment = 1; res = res "  "; i += 2
            } else if (c2 == "//") {
                break
            } else if (c == "\"" || c == "\047") {
                q = c; res = res q; i++
                while (i <= n && substr(line, i, 1) != q) {
                    if (substr(line, i, 1) == "\\") { res = res " "; i++ }
                    res = res " "; i++
                }
                res = res q; i++
            } else {
                res = res c; i++
            }
        }
        print res
    }' "$1"
}

# report CHECK FILE:LINE MESSAGE
report() {
    printf '%s: %s: %s\n' "$2" "$1" "$3" >>"$out"
}

# grep_stripped CHECK MESSAGE ERE FILE...: reports every line matching ERE.
grep_stripped() {
    local check=$1 msg=$2 re=$3 f
    shift 3
    for f in "$@"; do
        strip_c "$f" | grep -nE -- "$re" | while IFS=: read -r ln _; do
            report "$check" "$f:$ln" "$msg"
        done
    done
}

AVOIDED='strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|rand|alloca'

check_avoided() {
    local f ln fn
    for f in $(c_files lib src); do
        strip_c "$f" |
            grep -noE "(^|[^A-Za-z0-9_.>])($AVOIDED)[[:space:]]*\\(" |
            while IFS=: read -r ln fn; do
                fn=$(printf '%s' "$fn" | sed -E 's/^[^a-z]*//; s/[[:space:]]*\($//')
                report avoided "$f:$ln" "$fn() is avoided (STYLE.md)"
            done
    done
}

check_layering() {
    local inc_mhd='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]microhttpd\.h[>"]'
    local inc_sql='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](sqlite3|libpq-fe)\.h[>"]'
    local inc_api='^[[:space:]]*#[[:space:]]*include[[:space:]]*"api/'
    local inc_up='^[[:space:]]*#[[:space:]]*include[[:space:]]*"((core|http|api|cmd)/[^"]*|jotd\.h)"'
    local f

    grep_stripped layering \
        "libmicrohttpd belongs to http/ (core, store and cmd never see HTTP)" \
        "$inc_mhd" $(c_files src/server/core src/server/store src/server/cmd)
    for f in $(c_files lib src); do
        case $f in src/server/store/*) continue ;; esac
        grep_stripped layering \
            "database client headers belong to store/ only" "$inc_sql" "$f"
    done
    grep_stripped layering \
        "http/ and core/ never include api/: the route table hands them what to call" \
        "$inc_api" $(c_files src/server/http src/server/core)
    grep_stripped layering \
        "store/ uses only util.h: no core/, http/, api/, cmd/ or jotd.h" \
        "$inc_up" $(c_files src/server/store)
    grep_stripped layering \
        "util.[ch] is the ground floor: it includes nothing of jotd" \
        "$inc_up" src/server/util.c src/server/util.h
}

check_snprintf() {
    local sn='(\(void\)[[:space:]]*)?snprintf[[:space:]]*\('

    grep_stripped snprintf \
        "snprintf result ignored: check n < 0 || (size_t)n >= size" \
        "(^[[:space:]]*|[;{}][[:space:]]*|(^|[^A-Za-z0-9_])else[[:space:]]+)$sn" \
        $(c_files lib src)
    grep_stripped snprintf \
        "snprintf result added to a length unchecked: a cut text makes it pass the end" \
        "[-+]=[[:space:]]*(\([a-z_ ]+\)[[:space:]]*)?snprintf[[:space:]]*\(" \
        $(c_files lib src)
}

# Function definitions as this tree writes them: the name at column 0,
# "{" alone at column 0 before any ";", the body up to "}" at column 0.
check_length() {
    local f
    for f in $(c_files src/server); do
        case $f in *.c) ;; *) continue ;; esac
        strip_c "$f" | awk -v file="$f" -v max="$MAX_BODY" -v src="$f" '
        BEGIN {
            while ((getline l < src) > 0)
                orig[++no] = l
        }
        { line[NR] = $0 }
        END {
            for (i = 1; i <= NR; i++) {
                if (line[i] !~ /^[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/ ||
                    line[i] ~ /^(if|for|while|switch|return|sizeof)[ \t(]/)
                    continue
                open_ln = 0
                for (k = i; k <= NR && k < i + 20; k++) {
                    if (line[k] == "{") { open_ln = k; break }
                    if (line[k] ~ /;[ \t]*$/) break
                }
                if (!open_ln)
                    continue
                close_ln = 0
                for (k = open_ln + 1; k <= NR; k++)
                    if (line[k] ~ /^}/) { close_ln = k; break }
                if (!close_ln)
                    continue
                body = close_ln - open_ln - 1
                if (body <= max)
                    continue
                start = i
                if (i > 1 && line[i - 1] ~ /[A-Za-z_*][ \t]*$/ &&
                    line[i - 1] !~ /;[ \t]*$/)
                    start = i - 1
                marked = 0
                for (k = start - 3; k < start; k++)
                    if (k >= 1 && tolower(orig[k]) ~ /(^|[^a-z])long([^a-z]|$)/ &&
                        orig[k] ~ /(\/\*|\*\/|^[ \t]*\*)/)
                        marked = 1
                if (!marked) {
                    name = line[i]; sub(/[ \t]*\(.*/, "", name)
                    printf "%s:%d: length: %s() has a %d-line body " \
                           "(over %d) and no comment with \"long\" in the " \
                           "3 lines above it saying why\n", file, start, name,
                           body, max
                }
                i = close_ln
            }
        }' >>"$out"
    done
}

check_avoided
check_layering
check_snprintf
check_length

violations=$(wc -l <"$out")
cat "$out"
if [ "$violations" -ne 0 ]; then
    for c in avoided layering snprintf length; do
        n=$(grep -c ": $c: " "$out")
        [ "$n" -eq 0 ] || printf 'lint: %s: %d\n' "$c" "$n"
    done
    echo "lint: $violations violations"
    exit 1
fi
echo "lint: no violations"
