# SPDX-License-Identifier: GPL-2.0-only
#
# fwtool build. Kconfig (python3-kconfiglib) picks features and boards:
#   make sim_defconfig | make qemu-arm64-uboot_defconfig | make menuconfig
#   make            build build/fwtool (sim board when nothing is configured)
#   make check      every suite, sanitized, plus e2e scenarios 1-3 on both
#                   QEMU boards and the USB recovery stick; ends
#                   "N passed, N failed, N skipped"
#   make demo       the whole update cycle on the simulated board
#   make bench      ratios against dd / openssl / sha256sum, one run
#   make bench-peers  RAUC and SWUpdate from Debian, in the same rounds
#   make fuzz       libFuzzer targets (clang) and the A/B model, longer runs
#   make e2e        every real-reboot scenario in QEMU, both boards
#   make CROSS_COMPILE=aarch64-linux-gnu- ...   cross build (see README)

PYTHON		?= /usr/bin/python3
CROSS_COMPILE	?=
CC		:= $(CROSS_COMPILE)gcc
AR		:= $(CROSS_COMPILE)ar
CLANG		?= clang
O		:= build
KCONFIG_CONFIG	:= $(O)/.config
export KCONFIG_CONFIG

-include $(O)/auto.mk

# ---- sources ---------------------------------------------------------------
obj-y := err.o log.o hex.o hash.o semver.o manifest.o bundle.o \
	 keyring.o sig.o decomp.o board.o config.o bufq.o iobuf.o \
	 pipeline.o verify.o report.o progress.o atomicfile.o faultpoint.o fdio.o \
	 slot.o slotio.o slotio_file.o recover.o boot.o grubenv.o state.o lock.o \
	 install.o watchdog.o health.o confirm.o outbox.o txn.o txn_manual.o \
	 cmd.o cmd_bundle.o cmd_board.o cmd_install.o cmd_state.o cmd_mark.o \
	 cmd_confirm.o cmd_checkconf.o
obj-$(CONFIG_BUNDLE_CREATE)	+= bundle_write.o mkbundle.o compress.o cmd_mkbundle.o
obj-$(CONFIG_SLOT_BLOCK)	+= slotio_block.o
obj-$(CONFIG_SLOT_MTD)		+= slotio_mtd.o
obj-$(CONFIG_SLOT_DFU)		+= slotio_dfu.o
obj-$(CONFIG_USB)		+= usb.o cmd_usb.o
obj-$(CONFIG_BOOT_SIM)		+= boot_sim.o cmd_sim.o
obj-$(CONFIG_BOOT_UBOOT)	+= boot_uboot.o
obj-$(CONFIG_BOOT_GRUB)		+= boot_grub.o

OBJS_FOUND := $(obj-y)

# ---- flags -----------------------------------------------------------------
WARN	:= -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	   -Wwrite-strings -Wcast-qual -Wformat=2 -Wno-format-nonliteral
ifeq ($(CONFIG_WERROR),y)
WARN	+= -Werror
endif
CPPFLAGS_FW := -std=gnu11 -D_FILE_OFFSET_BITS=64 -D_GNU_SOURCE \
	       -include $(O)/config.h -iquote fwtool
CFLAGS	?= -O2 -g
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer

LIBS := -larchive -lmbedtls -lmbedx509 -lmbedcrypto -lnettle -lfdt \
	-ljson-c -linih -lz -llzma -lzstd -lpthread
ifeq ($(CONFIG_BOOT_UBOOT),y)
LIBS += -lubootenv
endif
ifeq ($(CONFIG_USB),y)
LIBS += -lusb-1.0
endif
ifeq ($(CONFIG_REPORT_HTTP),y)
LIBS += -ldl   # libcurl itself is dlopen()ed when a report is sent
endif
ifeq ($(CONFIG_STATIC),y)
# libarchive's static closure (and libxml2's, which it pulls in), as their .pc
# files list them; then the C++ runtime ICU needs
LIBS := -static $(LIBS) $(shell pkg-config --static --libs-only-l libarchive libxml-2.0 2>/dev/null) \
	-lz -lstdc++ -lm
endif
REL_EXTRA :=
ifeq ($(CONFIG_SANITIZE),y)
REL_EXTRA := $(SANFLAGS)
endif

.PHONY: all check demo bench bench-peers fuzz e2e e2e-build clean distclean menuconfig savedefconfig \
	format format-check deps unit integ fleet help
.DEFAULT_GOAL := all

all: $(O)/fwtool

# ---- Kconfig ---------------------------------------------------------------
$(O)/.config:
	@mkdir -p $(O)
	@echo "  (no configuration: using board/sim/defconfig)"
	@$(PYTHON) -m defconfig --kconfig Kconfig board/sim/defconfig >/dev/null

%_defconfig:
	@test -f board/$*/defconfig || { echo "no board/$*/defconfig" >&2; exit 2; }
	@mkdir -p $(O)
	@$(PYTHON) -m defconfig --kconfig Kconfig board/$*/defconfig >/dev/null
	@$(PYTHON) -m genconfig --header-path $(O)/config.h \
		--config-out $(O)/auto.mk Kconfig
	@echo "  configured for board $*"

menuconfig: | $(O)/.config
	$(PYTHON) -m menuconfig Kconfig

savedefconfig: | $(O)/.config
	$(PYTHON) -m savedefconfig --kconfig Kconfig --out $(O)/defconfig
	@echo "  wrote $(O)/defconfig"

$(O)/config.h $(O)/auto.mk: $(O)/.config Kconfig
	@$(PYTHON) -m genconfig --header-path $(O)/config.h \
		--config-out $(O)/auto.mk Kconfig

# ---- release build ---------------------------------------------------------
$(O)/obj/%.o: fwtool/%.c $(O)/config.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_FW) $(CFLAGS) $(REL_EXTRA) $(WARN) -MMD -MP -c $< -o $@

$(O)/libfwtool.a: $(addprefix $(O)/obj/,$(OBJS_FOUND))
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/fwtool: $(O)/obj/main.o $(O)/libfwtool.a
	$(CC) $(CFLAGS) $(REL_EXTRA) -o $@ $^ $(LIBS) $(LDFLAGS)

# ---- sanitized build (all tests use it) ------------------------------------
$(O)/san/%.o: fwtool/%.c $(O)/config.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_FW) -O1 -g $(SANFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(O)/san/libfwtool.a: $(addprefix $(O)/san/,$(OBJS_FOUND))
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/san/fwtool: $(O)/san/main.o $(O)/san/libfwtool.a
	$(CC) -g $(SANFLAGS) -o $@ $^ $(filter-out -static,$(LIBS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(O)/san/tests/%,$(UNIT_SRCS))
FAKE_SRCS  := $(wildcard tests/unit/fakes/*.c)

$(O)/san/tests/%: tests/unit/%.c $(FAKE_SRCS) $(O)/san/libfwtool.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_FW) -iquote tests/unit -O1 -g $(SANFLAGS) $(WARN) -o $@ \
		$< $(FAKE_SRCS) $(O)/san/libfwtool.a -lcmocka \
		$(filter-out -static,$(LIBS))

# ---- USB tests: libusb against a DFU device model behind umockdev ---------
USB_TEST := $(O)/san/usbtests/test_dfu
UMOCKDEV_FLAGS := $(shell pkg-config --cflags --libs umockdev-1.0 2>/dev/null)

$(USB_TEST): tests/usb/test_dfu.c tests/usb/dfumodel.c tests/usb/dfumodel.h \
		$(O)/san/libfwtool.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_FW) -iquote tests/usb -O1 -g $(SANFLAGS) $(WARN) \
		-Wno-missing-prototypes -o $@ tests/usb/test_dfu.c tests/usb/dfumodel.c \
		$(O)/san/libfwtool.a $(UMOCKDEV_FLAGS) -lcmocka -lz $(filter-out -static,$(LIBS))

# built by check where DFU is configured and umockdev is there
CHECK_USB := $(if $(and $(CONFIG_SLOT_DFU),$(UMOCKDEV_FLAGS)),$(USB_TEST))

# ---- fuzz targets ----------------------------------------------------------
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(O)/san/fuzz/%,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))

$(O)/san/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(O)/san/libfwtool.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_FW) -O1 -g $(SANFLAGS) $(WARN) -o $@ $< \
		tests/fuzz/replay.c $(O)/san/libfwtool.a $(filter-out -static,$(LIBS))

$(O)/fuzz/%.o: fwtool/%.c $(O)/config.h
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS_FW) -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
		-Wno-unused-command-line-argument -c $< -o $@

$(O)/fuzz/libfwtool.a: $(addprefix $(O)/fuzz/,$(OBJS_FOUND))
	@rm -f $@
	ar rcs $@ $^

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(O)/fuzz/libfwtool.a
	$(CLANG) $(CPPFLAGS_FW) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(O)/fuzz/libfwtool.a $(filter-out -static,$(LIBS))

# ---- the commands ----------------------------------------------------------
deps:
	@scripts/install-deps

check: deps
	@$(MAKE) --no-print-directory $(O)/fwtool $(O)/san/fwtool $(UNIT_BINS) \
		$(FUZZ_REPLAY) $(CHECK_USB)
	@$(MAKE) --no-print-directory -k $(FUZZ_BINS) >/dev/null 2>&1 || \
		echo "  (clang libFuzzer build unavailable: fuzzing skipped, replay still runs)"
	@$(MAKE) --no-print-directory O=$(O)/recovery recovery_defconfig >/dev/null
	@$(MAKE) --no-print-directory -s O=$(O)/recovery
	@if scripts/install-deps e2e; then $(MAKE) --no-print-directory e2e-build; else \
		echo "  (QEMU and the cross toolchain could not be installed: e2e will be skipped)"; fi
	@$(PYTHON) tests/run_check.py --build $(O)

unit: $(UNIT_BINS) $(CHECK_USB)
	@$(PYTHON) tests/run_check.py --build $(O) --only unit

integ: $(O)/san/fwtool
	@$(PYTHON) tests/run_check.py --build $(O) --only integ

# the Ansible collection: ansible-lint, and the role over a real sshd
fleet: deps $(O)/fwtool
	@$(PYTHON) tests/run_check.py --build $(O) --only fleet

fuzz: deps $(FUZZ_BINS) $(O)/fwtool
	@$(PYTHON) tests/run_check.py --build $(O) --only fuzz --fuzz-seconds $${FUZZ_SECONDS:-120} \
		--model-seconds $${MODEL_SECONDS:-1800}

demo: deps
	@$(MAKE) --no-print-directory sim_defconfig $(O)/fwtool
	@scripts/demo.sh $(O)

# the machines of tests/e2e: QEMU and the arm64 cross toolchain, the native
# fwtool for the x86 host and a static arm64 one for the router
e2e-build: deps
	@scripts/install-deps e2e
	@$(MAKE) --no-print-directory $(O)/fwtool
	@$(MAKE) --no-print-directory O=$(O)/recovery recovery_defconfig >/dev/null
	@$(MAKE) --no-print-directory -s O=$(O)/recovery
	@test -f $(O)/arm64-extra/usr/lib/aarch64-linux-gnu/libfdt.a || { \
		mkdir -p $(O)/arm64-extra && cd $(O)/arm64-extra && \
		apt-get download -q libfdt-dev:arm64 >/dev/null 2>&1 && \
		dpkg-deb -x libfdt-dev_*_arm64.deb . ; }
	@$(MAKE) --no-print-directory O=$(O)/arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		qemu-arm64-uboot_defconfig >/dev/null
	@$(MAKE) --no-print-directory -s O=$(O)/arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		LDFLAGS=-L$(CURDIR)/$(O)/arm64-extra/usr/lib/aarch64-linux-gnu

e2e: e2e-build
	@$(PYTHON) tests/e2e/run.py --build $(O)

bench: deps
	@$(MAKE) --no-print-directory $(O)/fwtool
	@scripts/bench.sh $(O)

bench-peers:
	@scripts/install-deps peers
	@$(MAKE) --no-print-directory $(O)/fwtool
	@$(PYTHON) scripts/bench_peers.py --build $(O) --runs $${BENCH_RUNS:-5} \
		--size $${BENCH_SIZE:-1024}

format:
	clang-format -i fwtool/*.[ch] tests/unit/*.[ch] tests/unit/fakes/*.c tests/fuzz/*.[ch] tests/usb/*.[ch]

format-check:
	@$(PYTHON) tests/run_check.py --build $(O) --only style

clean:
	rm -rf $(O)/obj $(O)/san $(O)/fuzz $(O)/fwtool $(O)/libfwtool.a

distclean:
	rm -rf $(O)

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

-include $(wildcard $(O)/obj/*.d $(O)/san/*.d)
