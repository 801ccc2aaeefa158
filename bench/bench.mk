# make bench - libjot's sign and verify against libjwt 1.10.2 and against
# the floor (OpenSSL and jansson used directly), on the same tokens; then
# jotd over HTTP against an express and a fastify peer and nginx's fixed
# response (bench/server/bench_server.py), which writes
# bench/results/latest.md and latest.svg.
#
#   make bench                          both halves, about 7 minutes
#   BENCH_PROFILE=1 make bench          and profiles (installs linux-perf)
#   make bench-server                   the server half alone
#   BENCH_SECONDS=0.5 BENCH_REPS=9 make bench
#   BENCH_DURATION=6 make bench-server  seconds per server cell (12)
#   $(B)/bench/bench_lib ES256 verify libjot     one cell, for profiling
#
# Included by the top-level Makefile, whose variables it uses.

BENCH_LIB_SRC := bench/bench_lib.c bench/floor.c bench/keys.c \
                 bench/peer_libjwt.c
BENCH_LIB_OBJ := $(BENCH_LIB_SRC:bench/%.c=$(B)/bench/%.o)

# libjwt-dev comes with the test dependencies, hence build/.test-deps.
$(B)/bench/%.o: bench/%.c bench/bench.h $(wildcard include/jot/*.h) \
                | $(DEPS_STAMP) build/.test-deps
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $$(pkg-config --cflags libjwt) -c $< -o $@

$(B)/bench/bench_lib: $(BENCH_LIB_OBJ) $(B)/libjot.a
	$(CC) $(LDFLAGS_SAN) -o $@ $(BENCH_LIB_OBJ) $(B)/libjot.a \
	    $$(pkg-config --libs libjwt) $(LIB_LIBS)

# wrk, gnuplot and nginx come with the test dependencies; the Node.js
# peers are installed by the script (npm ci) when their node_modules is
# missing.
BENCH_SERVER = python3 bench/server/bench_server.py --jotd $(B)/jotd

.PHONY: bench-server
# bench_lib's output goes to the terminal and, through a file, into
# latest.md; its exit status is kept.
bench: build/.test-deps $(B)/bench/bench_lib $(JOTD)
	@if [ -n "$(BENCH_PROFILE)" ] && [ "$(BENCH_PROFILE)" != 0 ]; then \
	    sh scripts/deps.sh profile; fi
	$(B)/bench/bench_lib > $(B)/bench/lib.txt; rc=$$?; \
	    cat $(B)/bench/lib.txt; exit $$rc
	$(BENCH_SERVER) --lib $(B)/bench/lib.txt

bench-server: build/.test-deps $(JOTD)
	@if [ -n "$(BENCH_PROFILE)" ] && [ "$(BENCH_PROFILE)" != 0 ]; then \
	    sh scripts/deps.sh profile; fi
	$(BENCH_SERVER)
