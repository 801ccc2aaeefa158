# jot - build, test and run.  See README.md.
#
#   make             build/jot, build/libjot.a, build/libjot.so
#   make test        every test suite (installs missing Debian packages)
#   make test SANITIZE=1   the same under ASan + UBSan, in build/san
#   make valgrind    the unit suites and a jotd session under valgrind
#   make bench       microbenchmarks
#   make lint        avoided functions, layering, snprintf, long functions
#   make run         jotd on 127.0.0.1:8080 with sqlite:data/jot.db

SANITIZE ?= 0
BUILD ?= build
ifeq ($(SANITIZE),1)
B := $(BUILD)/san
OPT := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
       -fno-omit-frame-pointer
else
B := $(BUILD)
OPT := -O2
endif

PKG_LIB := libcrypto jansson
PKG_SRV := libmicrohttpd gnutls sqlite3 libpq libargon2 libcrypt
CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
        -Wformat=2 -Wno-format-nonliteral
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g \
               $(OPT) $(WARN) -Iinclude -fvisibility=hidden -fPIC
LIB_CFLAGS = $(CFLAGS_BASE) $(shell pkg-config --cflags $(PKG_LIB)) $(CFLAGS)
LIB_LIBS = $(shell pkg-config --libs $(PKG_LIB))
LDFLAGS_SAN := $(filter -fsanitize=%,$(OPT))
SRV_CFLAGS = $(LIB_CFLAGS) -Isrc/server $(shell pkg-config --cflags $(PKG_SRV))
SRV_LIBS = $(shell pkg-config --libs $(PKG_SRV)) -lpthread

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
SRV_SRC := $(wildcard src/server/*.c src/server/*/*.c)
SRV_OBJ := $(SRV_SRC:%.c=$(B)/obj/%.o)
SRV_LIB_OBJ := $(filter-out %/main.o,$(SRV_OBJ))
JOTD := $(if $(wildcard src/server/main.c),$(B)/jotd)
TEST_SRC := $(wildcard tests/unit/test_*.c tests/vectors/test_*.c)
TEST_BIN := $(patsubst %.c,$(B)/tests/%,$(notdir $(TEST_SRC)))

DEPS_STAMP := build/.deps-$(shell cat scripts/deps.sh | cksum | cut -d' ' -f1)

.PHONY: all deps test-deps test valgrind bench run clean lint
all: $(B)/libjot.a $(B)/libjot.so $(B)/jot $(JOTD)

# Installing packages must happen before pkg-config is asked anything, so
# every build depends on this stamp (made once per version of deps.sh).
$(DEPS_STAMP):
	@mkdir -p build
	@sh scripts/deps.sh build
	@touch $@
deps: $(DEPS_STAMP)

build/.test-deps: scripts/deps.sh | $(DEPS_STAMP)
	@sh scripts/deps.sh test
	@touch $@
test-deps: build/.test-deps

# -MMD writes each object's header dependencies beside it (.d), so that
# touching a header rebuilds exactly what includes it.
$(B)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(B)/obj/src/server/%.o: src/server/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(SRV_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libjot.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libjot.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libjot.so.0 $(LDFLAGS_SAN) -o $@ $^ $(LIB_LIBS)

# jot links libjot statically, so it runs from the build tree as it is.
$(B)/jot: $(CLI_OBJ) $(B)/libjot.a
	$(CC) $(LDFLAGS_SAN) -o $@ $(CLI_OBJ) $(B)/libjot.a $(LIB_LIBS)

# jotd's modules, less main.c, as a library for jotd and its unit tests.
$(B)/libjotd.a: $(SRV_LIB_OBJ)
	@rm -f $@
	@mkdir -p $(dir $@)
	$(if $(SRV_LIB_OBJ),ar rcs $@ $^,printf '!<arch>\n' > $@)

$(B)/jotd: $(B)/obj/src/server/main.o $(B)/libjotd.a $(B)/libjot.a
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(LIB_LIBS) $(SRV_LIBS)

# Tests see libjot's internal header and jotd's modules too, to test
# helpers that are not API.
TEST_LINK = $(B)/libjotd.a $(B)/libjot.a $(LDFLAGS_SAN) $(LIB_LIBS) \
            $(SRV_LIBS) $(shell pkg-config --libs cmocka)
$(B)/tests/%: tests/unit/%.c $(B)/libjot.a $(B)/libjotd.a | build/.test-deps
	@mkdir -p $(dir $@)
	$(CC) $(SRV_CFLAGS) -MMD -MP -Ilib -Itests/unit $< -o $@ $(TEST_LINK)
$(B)/tests/%: tests/vectors/%.c $(B)/libjot.a $(B)/libjotd.a | build/.test-deps
	@mkdir -p $(dir $@)
	$(CC) $(SRV_CFLAGS) -MMD -MP -Ilib -Itests/unit $< -o $@ $(TEST_LINK)

# jotd on 127.0.0.1:8080 with the embedded database sqlite:data/jot.db
# (both are the defaults); the server secret goes to data/secret.
run: all
	$(B)/jotd --listen=127.0.0.1:8080 --db=sqlite:data/jot.db

test: test-deps all $(TEST_BIN)
	@sh tests/run.sh $(B)

valgrind: test-deps all $(TEST_BIN)
	@VALGRIND=1 sh tests/run.sh $(B) unit

# The STYLE.md checks a compiler does not make, over lib/ and src/ (the
# list and what each means are in the script's header).
lint:
	@bash scripts/lint.sh

clean:
	rm -rf build

-include $(shell find $(B)/obj $(B)/tests $(BUILD)/fuzz/obj -name '*.d' 2>/dev/null)

-include bench/bench.mk
-include fuzz/fuzz.mk
