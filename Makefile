# scagent: one build for the C host, the Java applet, the emulator and the tests.
# `make demo` and `make test` are the two entry points; both install what they need (tools/install-deps).

BUILD    ?= build
GEN      := build/gen
CC       ?= cc
SAN      ?=
PKGS     := libpcsclite libcrypto jansson libcurl libwbxml2
CFLAGS_BASE := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
               -g -I host/include -I $(GEN)/c $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ifeq ($(SAN),1)
CFLAGS   ?= $(CFLAGS_BASE) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN    := -fsanitize=address,undefined
else
CFLAGS   ?= $(CFLAGS_BASE) -O2
LDSAN    :=
endif
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
MVN      ?= mvn -q -B
JAVA_STAMP := build/java.stamp

LIB_SRC  := $(wildcard host/lib/*.c)
LIB_OBJ  := $(patsubst host/lib/%.c,$(BUILD)/obj/lib/%.o,$(LIB_SRC)) $(BUILD)/obj/gen/sca_contract.o
CLI_SRC  := $(wildcard host/cli/*.c)
CLI_OBJ  := $(patsubst host/cli/%.c,$(BUILD)/obj/cli/%.o,$(CLI_SRC))
LIB      := $(BUILD)/lib/libscagent.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
UNIT_SUP := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))

.PHONY: all gen host java test unit demo bench cap fuzz deps clean check-contract test-asan print-pkgs
.DELETE_ON_ERROR:

all: host java

deps:
	@tools/install-deps

# --- the wire contract -------------------------------------------------------------------------------------
gen: $(GEN)/c/sca_contract.h
$(GEN)/c/sca_contract.h $(GEN)/c/sca_contract.c: apdu/contract.toml apdu/gen.py
	@mkdir -p $(GEN)/c
	python3 apdu/gen.py c $(GEN)/c
	@touch $(GEN)/c/sca_contract.h $(GEN)/c/sca_contract.c

# --- C host ------------------------------------------------------------------------------------------------
host: $(LIB) $(BUILD)/bin/scagent $(BUILD)/bin/scagent-perso

$(BUILD)/obj/lib/%.o: host/lib/%.c $(GEN)/c/sca_contract.h $(wildcard host/include/scagent/*.h host/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I host/lib -c $< -o $@
$(BUILD)/obj/gen/sca_contract.o: $(GEN)/c/sca_contract.c $(GEN)/c/sca_contract.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	ar rcs $@ $^
$(BUILD)/obj/cli/%.o: host/cli/%.c $(GEN)/c/sca_contract.h $(wildcard host/include/scagent/*.h host/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I host/cli -c $< -o $@
$(BUILD)/bin/scagent: $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDSAN) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)
$(BUILD)/bin/scagent-perso: tools/perso/scagent-perso.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $< $(LIB) $(LDLIBS)

# --- unit tests (cmocka) -----------------------------------------------------------------------------------
$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_SUP) $(wildcard tests/unit/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -I host/lib -I tests/unit $(LDSAN) -o $@ $< $(UNIT_SUP) $(LIB) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

# --- Java: applet, emulator bridge, subset checker ---------------------------------------------------------
java: $(JAVA_STAMP)
$(JAVA_STAMP): pom.xml apdu/contract.toml apdu/gen.py $(shell find applet-spec tools/emu-bridge tools/jcsubset -name '*.java' -o -name pom.xml 2>/dev/null | grep -v /target/)
	$(MVN) -f pom.xml install -DskipTests
	@mkdir -p $(dir $@) && touch $@

# --- entry points ------------------------------------------------------------------------------------------
test: deps
	@$(MAKE) --no-print-directory all unit
	@tests/run-all

test-asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 host unit
	@SCAGENT_BUILD=build/asan tests/run-all --c-only

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bin/bench-apdu $(BUILD)/bin/bench-fu-hash $(BUILD)/bin/bench-dm \
		$(BUILD)/bin/bench-mbms $(BUILD)/bin/bench-daemon
	@tests/bench/run

$(BUILD)/bin/bench-apdu: tests/bench/bench_apdu.c tests/bench/bench_common.c tests/bench/bench_common.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/bench/bench_common.c $(LIB) $(LDLIBS) -lm
$(BUILD)/bin/bench-dm: tests/bench/bench_dm.c tests/bench/bench_common.c tests/bench/bench_common.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/bench/bench_common.c $(LIB) $(LDLIBS) -lm
$(BUILD)/bin/bench-mbms: tests/bench/bench_mbms.c tests/bench/mbms_msgs_bench.c tests/bench/mbms_msgs_bench.h \
		tests/bench/bench_common.c tests/bench/bench_common.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/bench/mbms_msgs_bench.c tests/bench/bench_common.c $(LIB) $(LDLIBS) -lm
$(BUILD)/bin/bench-fu-hash: tests/bench/bench_fu_hash.c tests/bench/bench_common.c tests/bench/bench_common.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/bench/bench_common.c $(LIB) $(LDLIBS) -lm

cap: java
	@tools/cap/build-cap.sh

fuzz: deps gen
	@tests/fuzz/run

# The pkg-config packages of libscagent, for scripts that build against it (tests/fuzz/run).
print-pkgs:
	@echo $(PKGS)

check-contract: gen java
	python3 apdu/gen.py --check $(GEN)/c/sca_contract.h $(GEN)/c/sca_contract.c \
	    applet-spec/target/generated-sources/contract/org/scagent/applet/Contract.java

clean:
	rm -rf build
	$(MVN) -f pom.xml clean || true

# --- integration tests (through pcscd against the emulated card) -------------------------------------------
$(BUILD)/tests/itest_card: tests/integration/itest_card.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers $(LDSAN) -o $@ $< $(LIB) $(LDLIBS) -lcmocka
unit: $(BUILD)/tests/itest_card

# --- registration signalling against the NAF simulator (tests/naf/run) -------------------------------------
$(BUILD)/tests/naf_client: tests/naf/naf_client.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $< $(LIB) $(LDLIBS)
unit: $(BUILD)/tests/naf_client

# --- GBA Ub bootstrapping against the BSF simulator (tests/gba/run) ----------------------------------------
$(BUILD)/tests/ub_client: tests/gba/ub_client.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I host/lib $(LDSAN) -o $@ $< $(LIB) $(LDLIBS)
unit: $(BUILD)/tests/ub_client

# --- scagentd, the socket service (host/daemon; tests/daemon) ----------------------------------------------
DAEMON_SRC  := $(wildcard host/daemon/*.c)
DAEMON_OBJ  := $(patsubst host/daemon/%.c,$(BUILD)/obj/daemon/%.o,$(DAEMON_SRC))
DAEMON_CORE := $(filter-out $(BUILD)/obj/daemon/main.o,$(DAEMON_OBJ))
DAEMON_TEST := $(patsubst tests/daemon/%.c,$(BUILD)/tests/%,$(wildcard tests/daemon/test_daemon_*.c))
host: $(BUILD)/bin/scagentd
$(BUILD)/obj/daemon/%.o: host/daemon/%.c $(GEN)/c/sca_contract.h $(wildcard host/include/scagent/*.h host/lib/*.h host/daemon/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I host/lib -I host/daemon -c $< -o $@
$(BUILD)/bin/scagentd: $(DAEMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDSAN) -o $@ $(DAEMON_OBJ) $(LIB) $(LDLIBS)
$(DAEMON_TEST): $(BUILD)/tests/test_daemon_%: tests/daemon/test_daemon_%.c $(DAEMON_CORE) $(LIB) $(wildcard tests/daemon/*.h) \
                 tests/unit/scripted.c tests/unit/scripted.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -I host/lib -I host/daemon -I tests/daemon -I tests/unit $(LDSAN) -o $@ $< \
	    tests/unit/scripted.c $(DAEMON_CORE) $(LIB) $(LDLIBS) -lcmocka
unit: $(DAEMON_TEST)
$(BUILD)/bin/bench-daemon: tests/bench/bench_daemon.c tests/bench/mbms_msgs_bench.c tests/bench/mbms_msgs_bench.h \
		tests/bench/bench_common.c tests/bench/bench_common.h tests/bench/bench_floor.c tests/bench/bench_floor.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/bench/mbms_msgs_bench.c tests/bench/bench_common.c tests/bench/bench_floor.c \
	    $(LIB) $(LDLIBS) -lm

# --- MBMS / BCAST provisioning against the BM-SC simulator (tests/mbms/run) ---------------------------------
$(BUILD)/tests/provision_client: tests/mbms/provision_client.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $< $(LIB) $(LDLIBS)
unit: $(BUILD)/tests/provision_client
