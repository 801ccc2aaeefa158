"""bench/server/cpuprofile.py - where a server's CPU goes during one load:
perf samples of its processes (cpu-clock, DWARF call graphs), each put in
one bucket by its stack: the signature math, OpenSSL's per-call set-up,
jansson, SQLite, libmicrohttpd, the kernel's TCP, jotd's request log...

Used by bench_server.py when BENCH_PROFILE=1; on its own:

    python3 bench/server/cpuprofile.py perf.data
"""
import collections
import subprocess
import sys


def record(pids, seconds, out):
    """Starts perf record on pids for seconds; returns the Popen."""
    return subprocess.Popen(
        ["perf", "record", "-q", "-e", "cpu-clock", "-F", "499",
         "--call-graph", "dwarf,16384", "-p", ",".join(map(str, pids)),
         "-o", out, "--", "sleep", f"{seconds:g}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stacks(data):
    """The call stacks of perf.data, each a list of (symbol, dso), leaf
    first."""
    res = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"],
                         capture_output=True, text=True, timeout=600)
    out, cur = [], []
    for line in res.stdout.splitlines():
        if not line.strip():
            if cur:
                out.append(cur)
            cur = []
            continue
        parts = line.strip().split(None, 1)
        rest = parts[1] if len(parts) > 1 else ""
        sym, _, dso = rest.rpartition(" (")
        cur.append((sym, dso.rstrip(")").rsplit("/", 1)[-1]))
    if cur:
        out.append(cur)
    # A function inlined into another is printed before it, with "inlined"
    # for its object: it belongs to the object of the frame that holds it.
    for st in out:
        dso = "?"
        for i in range(len(st) - 1, -1, -1):
            if st[i][1] == "inlined":
                st[i] = (st[i][0], dso)
            else:
                dso = st[i][1]
    return out


def bucket(stack):
    syms = [s for s, _ in stack]
    dsos = [d for _, d in stack]
    leaf, leaf_dso = stack[0]
    near = dsos[:4]

    def has(*names):
        return any(s.startswith(names) for s in syms)

    if has("jotd_log_request"):
        return "jotd: request log line (buffered per thread)"
    if "kernel" in leaf_dso:
        if has("tcp_sendmsg"):
            return "kernel: TCP send"
        if has("tcp_recvmsg"):
            return "kernel: TCP receive"
        if any("sqlite" in d for d in dsos):
            return "kernel: database file I/O"
        return "kernel: other (epoll, scheduling, ...)"
    if has("EVP_DigestVerifyFinal", "EVP_DigestVerify"):
        if not has("EVP_DigestVerifyInit"):
            return "OpenSSL: signature verification"
    if has("EVP_DigestSignFinal", "EVP_DigestSign"):
        if not has("EVP_DigestSignInit"):
            return "OpenSSL: signing"
    if has("EVP_DigestVerifyInit", "EVP_DigestSignInit"):
        return "OpenSSL: per-call set-up (EVP_Digest*Init)"
    if any("jansson" in d for d in near):
        return "jansson (JSON)"
    if any("sqlite" in d for d in dsos):
        return "SQLite"
    if "memset" in leaf and any("microhttpd" in d for d in near):
        return "libmicrohttpd: zeroing its memory pool"
    if any("microhttpd" in d for d in near):
        return "libmicrohttpd (and libc under it)"
    if "libcrypto" in leaf_dso:
        return "OpenSSL: other"
    if leaf.startswith("jot_") or has("jot_jwt_verify", "jot_jws_sign"):
        return "libjot: other"
    if leaf_dso.startswith(("jotd", "libc")):
        return "jotd (and libc under it)"
    return "other: " + leaf_dso


def breakdown(data):
    """[(share in %, bucket)], largest first, and the sample count."""
    st = [s for s in stacks(data) if s]
    c = collections.Counter(bucket(s) for s in st)
    n = sum(c.values())
    return [(100.0 * v / n, k) for k, v in c.most_common()], n


if __name__ == "__main__":
    rows, n = breakdown(sys.argv[1])
    for share, name in rows:
        print(f"{share:5.1f}%  {name}")
    print(f"{n} samples")
