# jot - build, test and run.  See README.md.
#
#   make             build/jot, build/libjot.a, build/libjot.so
#   make test        every test suite (installs missing Debian packages)
#   make test SANITIZE=1   the same under ASan + UBSan, in build/san
#   make valgrind    the unit suites under valgrind
#   make bench       microbenchmarks
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
CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
        -Wformat=2 -Wno-format-nonliteral
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g \
               $(OPT) $(WARN) -Iinclude -fvisibility=hidden -fPIC
LIB_CFLAGS = $(CFLAGS_BASE) $(shell pkg-config --cflags $(PKG_LIB)) $(CFLAGS)
LIB_LIBS = $(shell pkg-config --libs $(PKG_LIB))
LDFLAGS_SAN := $(filter -fsanitize=%,$(OPT))

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(wildcard tests/unit/test_*.c tests/vectors/test_*.c)
TEST_BIN := $(patsubst %.c,$(B)/tests/%,$(notdir $(TEST_SRC)))

DEPS_STAMP := build/.deps-$(shell cat scripts/deps.sh | cksum | cut -d' ' -f1)

.PHONY: all deps test-deps test valgrind bench run clean lint
all: $(B)/libjot.a $(B)/libjot.so $(B)/jot

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

$(B)/obj/%.o: %.c $(wildcard include/jot/*.h lib/*.h src/cli/*.h) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(B)/libjot.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libjot.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libjot.so.0 $(LDFLAGS_SAN) -o $@ $^ $(LIB_LIBS)

# jot links libjot statically, so it runs from the build tree as it is.
$(B)/jot: $(CLI_OBJ) $(B)/libjot.a
	$(CC) $(LDFLAGS_SAN) -o $@ $(CLI_OBJ) $(B)/libjot.a $(LIB_LIBS)

# Tests see libjot's internal header too, to test helpers that are not API.
$(B)/tests/%: tests/unit/%.c $(B)/libjot.a tests/unit/testutil.h | build/.test-deps
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -Ilib -Itests/unit $< -o $@ $(B)/libjot.a \
	    $(LDFLAGS_SAN) $(LIB_LIBS) $(shell pkg-config --libs cmocka)
$(B)/tests/%: tests/vectors/%.c $(B)/libjot.a tests/unit/testutil.h | build/.test-deps
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -Ilib -Itests/unit $< -o $@ $(B)/libjot.a \
	    $(LDFLAGS_SAN) $(LIB_LIBS) $(shell pkg-config --libs cmocka)

test: test-deps all $(TEST_BIN)
	@sh tests/run.sh $(B)

valgrind: test-deps all $(TEST_BIN)
	@VALGRIND=1 sh tests/run.sh $(B) unit

lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|rand|alloca)\(' \
	    lib/*.c src/cli/*.c || { echo "lint: avoided function used"; exit 1; }

clean:
	rm -rf build

-include bench/bench.mk
