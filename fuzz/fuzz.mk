# fuzz/fuzz.mk - libFuzzer harnesses under ASan + UBSan (included by the
# Makefile).  See fuzz/README.md.
#
#   make fuzz            each harness for FUZZ_SECONDS (60) on its corpus in
#                        build/fuzz/corpus/<name>; fails on a crash
#   make -j2 fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="verify jwk"
#   make fuzz-smoke      each harness for FUZZ_SMOKE_SECONDS (10), and every
#                        input of fuzz/regressions/<name>/ replayed
#   make fuzz-build      only build build/fuzz/fuzz_<name>
#
# The library is compiled again here, by clang with the sanitizers and
# the fuzzer's coverage instrumentation: the gcc-built archives have
# neither.

.SECONDEXPANSION:

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FZ := $(BUILD)/fuzz
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# -Werror only for the harnesses: a new clang warning in the library must
# not stop the fuzzing of it.
FUZZ_CFLAGS_BASE = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
                   -g -O1 $(FUZZ_SAN) -fno-omit-frame-pointer \
                   $(filter-out -Werror,$(WARN)) -Iinclude -Isrc/server \
                   $(shell pkg-config --cflags $(PKG_LIB) libmicrohttpd)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FZ)/obj/%.o)
# The server modules a harness needs, by harness name.
FUZZ_SRV_config := src/server/core/config.c src/server/util.c
FUZZ_SRV_json_body := src/server/util.c src/server/core/config.c \
                      src/server/http/request.c \
                      src/server/http/response.c src/server/http/router.c
FUZZ_SRV_form := $(FUZZ_SRV_json_body)
# and the libraries they need beyond libjot's.
FUZZ_LIBS_json_body := $(shell pkg-config --libs libmicrohttpd)
FUZZ_LIBS_form := $(FUZZ_LIBS_json_body)
fuzz_srv_obj = $(patsubst %.c,$(FZ)/obj/%.o,$(FUZZ_SRV_$(1)))
# Made by pattern rules only, they would be deleted as intermediate.
.SECONDARY: $(FUZZ_LIB_OBJ) \
            $(foreach n,$(FUZZ_NAMES),$(call fuzz_srv_obj,$(n)))

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-seeds $(FUZZ_NAMES:%=fuzz-run-%)

$(FZ)/obj/%.o: %.c | $(DEPS_STAMP) build/.test-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS_BASE) -MMD -MP -c $< -o $@

$(FZ)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_LIB_OBJ) \
              $$(call fuzz_srv_obj,$$*) | $(DEPS_STAMP) build/.test-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS_BASE) -Werror -o $@ $< \
	    $(FUZZ_LIB_OBJ) $(call fuzz_srv_obj,$*) $(LIB_LIBS) $(FUZZ_LIBS_$*)

fuzz-build: $(FUZZ_NAMES:%=$(FZ)/fuzz_%)

# Seeds made from tests/vectors (RFC tokens and keys, hostile tokens,
# Wycheproof keys); the hand-made ones are in fuzz/seeds/<name>/.
$(FZ)/seeds/.done: fuzz/seeds.py $(wildcard tests/vectors/*/*.json) \
                   $(wildcard jotd.conf.example) | build/.test-deps
	@rm -rf $(FZ)/seeds
	@mkdir -p $(FZ)/seeds
	@python3 fuzz/seeds.py tests/vectors $(FZ)/seeds $(wildcard jotd.conf.example)
	@touch $@
fuzz-seeds: $(FZ)/seeds/.done

# A crash does not stop the other harnesses (so make -j2 runs them
# through); "make fuzz" then fails on it.
$(FUZZ_NAMES:%=fuzz-run-%): fuzz-run-%: $(FZ)/fuzz_% $(FZ)/seeds/.done
	-@sh fuzz/run.sh run $(FZ) $* $(FUZZ_SECONDS)

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)
	@sh fuzz/run.sh summary $(FZ) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build fuzz-seeds
	@FUZZ_NO_BUILD=1 FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) \
	    sh fuzz/smoke.sh $(B)
