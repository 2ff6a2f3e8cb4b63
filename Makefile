# rtpgate - top-level build.
#
#   make            build every userspace program (needs the -dev packages;
#                   `make deps` installs them)
#   make run        install what is missing, build, run rtpgated in the
#                   foreground with the defaults (NG on 127.0.0.1:2223)
#   make test       install what is missing, build, run every suite; the last
#                   line is "N passed, M failed"
#   make SANITIZE=1 ...   the same with ASan + UBSan (clang), in build-san/
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each
#   make bench      run the benchmarks in tests/bench/
#
# Sources are found by wildcard: a new lib/*.c, daemon/*.c,
# tests/unit/test_*.c or tests/fuzz/fuzz_*.c needs no change here.

SANITIZE ?= 0
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),1)
BUILD ?= build-san
CC := clang
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1
else
BUILD ?= build
SAN :=
OPT := -O2
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wpointer-arith -Wundef -Wvla -Wno-unused-parameter
CFLAGS ?= -g $(OPT)
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) $(SAN) -D_GNU_SOURCE -Ilib
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

# Evaluated only when a recipe needs them, so `make deps` can run first.
GLIB_CFLAGS = $(shell pkg-config --cflags glib-2.0)
GLIB_LIBS = $(shell pkg-config --libs glib-2.0)
# libsrtp2: SRTP in userspace (daemon/srtp.c only)
SRTP_CFLAGS = $(shell pkg-config --cflags libsrtp2)
SRTP_LIBS = $(shell pkg-config --libs libsrtp2)
# netlink and nftables: the kernel fast path (daemon/kernel.c, nft_rules.c)
NL_LIBS = $(shell pkg-config --libs libmnl libnftnl)
# libcrypto: HMAC and MD5 for STUN (lib/stun.c)
CRYPTO_LIBS = $(shell pkg-config --libs libcrypto)
# libssl: DTLS-SRTP (daemon/dtls.c only)
SSL_LIBS = $(shell pkg-config --libs libssl)
# HTTP for the Prometheus metrics (daemon/metrics.c)
HTTP_LIBS = $(shell pkg-config --libs libmicrohttpd)
# libxtables: the iptables extension (utils/libxt_RTPGATE.c)
URING_LIBS = $(shell pkg-config --libs liburing)
XT_CFLAGS = $(shell pkg-config --cflags xtables)
XT_LIBS = $(shell pkg-config --libs xtables)

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
DAEMON_SRC := $(wildcard daemon/*.c)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)
DAEMON_CORE_OBJ := $(filter-out $(BUILD)/daemon/main.o,$(DAEMON_OBJ))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
DTEST_SRC := $(wildcard tests/daemon/test_*.c)
DTEST_BIN := $(DTEST_SRC:tests/daemon/%.c=$(BUILD)/tests/daemon/%)
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/bench/%)
UTIL_BIN := $(BUILD)/rtpgate-ctl $(BUILD)/rtpgate-ng
XT_SO := $(BUILD)/libxt_RTPGATE.so
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all deps run test check unit fuzz fuzz-build bench clean test-kernel
.SECONDARY:
all: $(BUILD)/rtpgated $(UNIT_BIN) $(DTEST_BIN) $(BENCH_BIN) $(UTIL_BIN) $(XT_SO) \
	$(BUILD)/tests/tools/srtp_peer $(BUILD)/tests/tools/webrtc_peer

deps:
	scripts/install-deps.sh

run: deps
	$(MAKE) --no-print-directory $(BUILD)/rtpgated
	$(BUILD)/rtpgated --config-file=none --foreground --log-stderr \
		--interface=lo/127.0.0.1 --listen-ng=127.0.0.1:2223 \
		--port-min=30000 --port-max=39999 $(RUN_ARGS)

test: deps
	$(MAKE) --no-print-directory check

# Every suite, summed by tests/run.sh into one "N passed, M failed" line.
check: all
	$(MAKE) --no-print-directory SANITIZE=1 all
	tests/run.sh

# The kernel suite alone: Debian's kernel under QEMU (tests/kernel/), with
# xt_RTPGATE built (and its selftests): a module that does not build fails.
test-kernel:
	RTPGATE_KERNEL_TESTS=1 scripts/install-deps.sh >/dev/null
	$(MAKE) --no-print-directory SANITIZE=0 build/rtpgated
	$(MAKE) -C kernel-module DEBUG=1
	tests/kernel/run.sh

# xt_RTPGATE.ko for the newest installed kernel headers, copied to
# build/kernel-module/ (kernel-module/Makefile; DEBUG=1 adds selftests).
.PHONY: kmod
kmod:
	$(MAKE) -C kernel-module

# Debian packages (debian/): built in a copy of the tree, the .debs left in
# build/deb/. test-deb installs them in a fresh Debian root (tests/deb/).
.PHONY: deb test-deb
deb:
	RTPGATE_DEB_TESTS=1 scripts/install-deps.sh >/dev/null
	debian/build-debs.sh --out build/deb

test-deb:
	tests/deb/run.sh

unit: $(UNIT_BIN) $(DTEST_BIN)
	@for t in $^; do $$t || exit 1; done

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/daemon/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(GLIB_CFLAGS) $(SRTP_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(GLIB_CFLAGS) -Itests/unit -Idaemon -MMD -MP -c $< -o $@

$(BUILD)/librtpgate.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/rtpgated: $(DAEMON_OBJ) $(BUILD)/librtpgate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(HTTP_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS) $(NL_LIBS) $(SRTP_LIBS) $(URING_LIBS) -lm

# tests/unit/ tests lib/ only. tests/daemon/test_X.c names the daemon
# modules it links in a line "/* needs: ports interface */".
$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/tests/unit/test.o \
		$(BUILD)/librtpgate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRYPTO_LIBS) -lm

.SECONDEXPANSION:
needs = $(patsubst %,$(BUILD)/daemon/%.o,$(shell sed -n 's|^/\* needs: \(.*\) \*/$$|\1|p' $(1)))
$(BUILD)/tests/daemon/test_%: $(BUILD)/tests/daemon/test_%.o $(BUILD)/tests/unit/test.o \
		$$(call needs,tests/daemon/test_$$*.c) $(BUILD)/librtpgate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(NL_LIBS) $(SRTP_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS) $(URING_LIBS) -lm

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(BUILD)/librtpgate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(CRYPTO_LIBS) $(URING_LIBS) -lm

# The media tests' SRTP party: libsrtp2 alone, no rtpgate code
# (tests/media/cases_sdes.py).
$(BUILD)/tests/tools/srtp_peer: tests/tools/srtp_peer.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SRTP_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(SRTP_LIBS)

# The media tests' WebRTC party: ICE, DTLS-SRTP and SRTP from OpenSSL and
# libsrtp2 alone, no rtpgate code (tests/media/cases_webrtc.py).
WEBRTC_PEER := $(addprefix tests/tools/webrtc_,peer.c ice.c stun.c dtls.c)
$(BUILD)/tests/tools/webrtc_peer: $(WEBRTC_PEER) tests/tools/webrtc_peer.h tests/tools/webrtc_stun.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SRTP_CFLAGS) $(ALL_LDFLAGS) -o $@ $(WEBRTC_PEER) $(SRTP_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS)

# The operator tools (utils/rtpgate-*.c): lib only, no glib.
$(BUILD)/utils/%.o: utils/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/rtpgate-%: $(BUILD)/utils/rtpgate-%.o $(BUILD)/utils/tool_net.o $(BUILD)/librtpgate.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

# The iptables extension: a shared object xtables loads by target name.
$(BUILD)/libxt_%.so: utils/libxt_%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(XT_CFLAGS) -fPIC -shared -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(XT_LIBS)

# libFuzzer targets: the library is built again with coverage
# instrumentation in build-fuzz/.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz-build:
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SAN="$(FUZZ_FLAGS)" \
		$(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/fuzz/%)

# A target that drives daemon code names its modules as tests/daemon/ do.
build-fuzz/fuzz/%: tests/fuzz/%.c $$(call needs,tests/fuzz/$$*.c) $(BUILD)/librtpgate.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Idaemon -Itests/unit -Itests/daemon $(GLIB_CFLAGS) -fsanitize=fuzzer -o $@ $^ \
		$(GLIB_LIBS) $(NL_LIBS) $(SRTP_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS) $(URING_LIBS) -lm

fuzz: deps fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: deps all
	tests/bench/run.sh

clean:
	rm -rf build build-san build-fuzz

# (build/deb/ holds package trees and a Debian root, full of *.d directories)
-include $(shell find build build-san build-fuzz -path build/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
