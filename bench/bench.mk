# make bench - libjot's sign and verify against libjwt 1.10.2 and against
# the floor (OpenSSL and jansson used directly), on the same tokens.
#
#   make bench                          the full run, under two minutes
#   BENCH_SECONDS=0.5 BENCH_REPS=9 make bench
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

bench: build/.test-deps $(B)/bench/bench_lib
	$(B)/bench/bench_lib
