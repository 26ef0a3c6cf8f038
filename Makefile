# SPDX-License-Identifier: GPL-2.0-only
#
# fwtool build. Kconfig (python3-kconfiglib) picks features and boards:
#   make            build build/fwtool: board/generic/defconfig (every
#                   backend but sim, no fault injection) when nothing is
#                   configured; make BOARD_defconfig first for another
#   make install    binary, man pages, units, bash completion (DESTDIR,
#                   PREFIX, SBINDIR, MANDIR, SYSCONFDIR, ...; see below)
#   make check      every suite, sanitized, in a test build of its own
#                   (build/test: the sim board, fault injection, -Werror),
#                   plus e2e scenarios 1-3 on both QEMU boards and the USB
#                   recovery stick; ends "N passed, N failed, N skipped"
#   make demo       the whole update cycle on the simulated board
#   make deb        the Debian package (dpkg-buildpackage, no tests)
#   make bench      ratios against dd / openssl / sha256sum, one run
#   make bench-peers  RAUC and SWUpdate from Debian, in the same rounds
#   make bench-http   install from a file and from nginx on 127.0.0.1
#   make fuzz       libFuzzer targets (clang) and the A/B model, longer runs
#   make e2e        every real-reboot scenario in QEMU, both boards
#   make CROSS_COMPILE=aarch64-linux-gnu- ...   cross build (see README)
# CC, AR, PKG_CONFIG, CPPFLAGS, CFLAGS and LDFLAGS come from the
# environment or the command line, as Debian, Yocto and Buildroot pass them.

PYTHON		?= /usr/bin/python3
CROSS_COMPILE	?=
# make's built-in CC and AR (cc, ar) give way to the cross prefix; a CC or
# AR from the environment or the command line is used as it is
ifeq ($(origin CC),default)
CC		:= $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR		:= $(CROSS_COMPILE)ar
endif
PKG_CONFIG	?= pkg-config
CLANG		?= clang
CFLAGS		?= -O2 -g
CPPFLAGS	?=
LDFLAGS		?=
# 1: warnings are errors (make check and CI set it; a release build does
# not, so the next compiler's new warning does not break a package build)
WERROR		?= 0
O		:= build
KCONFIG_CONFIG	:= $(O)/.config
export KCONFIG_CONFIG

# where make install puts things (GNU/FHS names; DESTDIR for staging)
DESTDIR		?=
PREFIX		?= /usr/local
EXEC_PREFIX	?= $(PREFIX)
SBINDIR		?= $(EXEC_PREFIX)/sbin
DATAROOTDIR	?= $(PREFIX)/share
MANDIR		?= $(DATAROOTDIR)/man
DOCDIR		?= $(DATAROOTDIR)/doc/fwtool
SYSCONFDIR	?= /etc
BASHCOMPDIR	?= $(DATAROOTDIR)/bash-completion/completions
SYSTEMDUNITDIR	?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || \
			echo /lib/systemd/system)
INSTALL		?= install

-include $(O)/auto.mk

# ---- sources ---------------------------------------------------------------
obj-y := err.o log.o hex.o hash.o sha256_x86.o semver.o name.o comp.o manifest.o bundle.o \
	 keyring.o sig.o decomp.o dtb.o board.o config.o bufq.o iobuf.o fit.o \
	 pipeline.o verify.o output.o progress.o atomicfile.o faultpoint.o fdio.o \
	 slot.o slotio.o slotio_file.o recover.o boot.o grubenv.o state.o lock.o \
	 install.o watchdog.o health.o confirm.o report_queue.o txn.o txn_manual.o \
	 cmd.o cmd_verify.o cmd_board.o cmd_install.o cmd_recover.o cmd_state.o \
	 cmd_mark.o cmd_confirm.o cmd_report.o cmd_check_config.o url.o http.o \
	 netconn.o download.o hosts.o tarpos.o
obj-$(CONFIG_BUNDLE_CREATE)	+= bundle_write.o mkbundle.o compress.o cmd_bundle.o
obj-$(CONFIG_SLOT_BLOCK)	+= slotio_block.o
obj-$(CONFIG_SLOT_MTD)		+= slotio_mtd.o
obj-$(CONFIG_SLOT_UBI)		+= slotio_ubi.o
obj-$(CONFIG_SLOT_DFU)		+= dfu.o slotio_dfu.o
obj-$(CONFIG_USB)		+= usb.o cmd_usb.o
obj-$(CONFIG_BOOT_SIM)		+= boot_sim.o cmd_sim_boot.o
obj-$(CONFIG_BOOT_UBOOT)	+= boot_uboot.o
obj-$(CONFIG_BOOT_GRUB)		+= boot_grub.o
obj-$(CONFIG_BOOT_SDBOOT)	+= boot_sdboot.o
obj-$(CONFIG_BOOT_EFI)		+= boot_efi.o

OBJS_FOUND := $(obj-y)

# ---- flags -----------------------------------------------------------------
WARN	:= -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	   -Wwrite-strings -Wcast-qual -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
VERSION := $(shell cat VERSION)
CPPFLAGS_FW := -std=gnu11 -D_FILE_OFFSET_BITS=64 -D_GNU_SOURCE \
	       -include $(O)/config.h -iquote fwtool \
	       -DFWTOOL_SYSCONFDIR='"$(SYSCONFDIR)"' -DFWTOOL_VERSION='"$(VERSION)"'
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer

# pc NAME,FALLBACK: a library's link flags from its .pc file, or FALLBACK
# where it ships none (Debian 12's mbedTLS 2.28 and libfdt)
pc = $(or $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null),$(2))
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags libarchive nettle json-c inih zlib \
		liblzma libzstd 2>/dev/null)
LIBS := $(call pc,libarchive,-larchive) -lmbedtls -lmbedx509 -lmbedcrypto \
	$(call pc,hogweed,-lhogweed) $(call pc,nettle,-lnettle) -lgmp -lfdt $(call pc,json-c,-ljson-c) \
	$(call pc,inih,-linih) $(call pc,zlib,-lz) $(call pc,liblzma,-llzma) \
	$(call pc,libzstd,-lzstd) -lpthread
ifeq ($(CONFIG_BOOT_UBOOT),y)
LIBS += $(call pc,libubootenv,-lubootenv)
endif
ifeq ($(CONFIG_USB),y)
LIBS += $(call pc,libusb-1.0,-lusb-1.0)
PC_CFLAGS += $(shell $(PKG_CONFIG) --cflags libusb-1.0 2>/dev/null)
endif
ifeq ($(CONFIG_REPORT_HTTP),y)
LIBS += -ldl   # libcurl itself is dlopen()ed when a report is sent
endif
ifeq ($(CONFIG_STATIC),y)
# libarchive's static closure (and libxml2's, which it pulls in), as their .pc
# files list them; then the C++ runtime ICU needs
LIBS := -static $(LIBS) $(shell $(PKG_CONFIG) --static --libs-only-l libarchive libxml-2.0 2>/dev/null) \
	-lz -lstdc++ -lm
endif
REL_EXTRA :=
ifeq ($(CONFIG_SANITIZE),y)
REL_EXTRA := $(SANFLAGS)
endif
CPPFLAGS_FW += $(PC_CFLAGS)

.PHONY: all check demo bench bench-http bench-peers fuzz fuzz-bins e2e e2e-images clean distclean menuconfig \
	savedefconfig format format-check deps unit integ fleet help install uninstall deb deb-root \
	test-build
.DEFAULT_GOAL := all

all: $(O)/fwtool

# ---- Kconfig ---------------------------------------------------------------
$(O)/.config:
	@mkdir -p $(O)
	@echo "  (no configuration: using board/generic/defconfig)"
	@$(PYTHON) -m defconfig --kconfig Kconfig board/generic/defconfig >/dev/null

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
	$(CC) $(CPPFLAGS_FW) $(CPPFLAGS) $(CFLAGS) $(REL_EXTRA) $(WARN) -MMD -MP -c $< -o $@

$(O)/libfwtool.a: $(addprefix $(O)/obj/,$(OBJS_FOUND))
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/obj/main.o $(O)/san/main.o: VERSION

$(O)/fwtool: $(O)/obj/main.o $(O)/libfwtool.a
	$(CC) $(CFLAGS) $(REL_EXTRA) $(LDFLAGS) -o $@ $^ $(LIBS)

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
UMOCKDEV_FLAGS := $(shell $(PKG_CONFIG) --cflags --libs umockdev-1.0 2>/dev/null)

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
	$(AR) rcs $@ $^

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(O)/fuzz/libfwtool.a
	$(CLANG) $(CPPFLAGS_FW) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(O)/fuzz/libfwtool.a $(filter-out -static,$(LIBS))

# ---- the commands ----------------------------------------------------------
# The tests, the demo and the bench run a configuration of their own (the sim
# board, fault injection; warnings are errors) in $(TEST_O), beside the
# product build in $(O); the e2e host board runs the product as packaged.
TEST_O		:= build/test
TEST_MAKE	= $(MAKE) --no-print-directory O=$(TEST_O) WERROR=1
ARM64_LIBDIR	:= /usr/lib/aarch64-linux-gnu

deps:
	@scripts/install-deps

# (re)configures only when the defconfig or Kconfig is newer
ifneq ($(O),$(TEST_O))
$(TEST_O)/.config: board/sim/defconfig Kconfig
	@$(MAKE) --no-print-directory O=$(TEST_O) sim_defconfig >/dev/null
endif

# what every suite runs; called with O=$(TEST_O)
test-build:
	@$(MAKE) --no-print-directory $(O)/fwtool $(O)/san/fwtool $(UNIT_BINS) \
		$(FUZZ_REPLAY) $(CHECK_USB)
	@$(MAKE) --no-print-directory -k $(FUZZ_BINS) >/dev/null 2>&1 || \
		echo "  (clang libFuzzer build unavailable: fuzzing skipped, replay still runs)"
	@$(MAKE) --no-print-directory O=$(O)/recovery recovery_defconfig >/dev/null
	@$(MAKE) --no-print-directory -s O=$(O)/recovery

check: deps $(TEST_O)/.config
	@$(TEST_MAKE) test-build
	@$(TEST_MAKE) deb-root
	@if scripts/install-deps e2e; then $(TEST_MAKE) e2e-images; else \
		echo "  (QEMU and the cross toolchain could not be installed: e2e will be skipped)"; fi
	@$(PYTHON) tests/run_check.py --build $(TEST_O)

unit: $(TEST_O)/.config
	@$(TEST_MAKE) test-build
	@$(PYTHON) tests/run_check.py --build $(TEST_O) --only unit

integ: $(TEST_O)/.config
	@$(TEST_MAKE) test-build
	@$(PYTHON) tests/run_check.py --build $(TEST_O) --only integ

# the Ansible collection: ansible-lint, and the role over a real sshd
fleet: deps $(TEST_O)/.config
	@$(TEST_MAKE) $(TEST_O)/fwtool
	@$(PYTHON) tests/run_check.py --build $(TEST_O) --only fleet

fuzz: deps $(TEST_O)/.config
	@$(TEST_MAKE) $(TEST_O)/fwtool
	@$(MAKE) --no-print-directory O=$(TEST_O) fuzz-bins
	@$(PYTHON) tests/run_check.py --build $(TEST_O) --only fuzz --fuzz-seconds $${FUZZ_SECONDS:-120} \
		--model-seconds $${MODEL_SECONDS:-1800}

fuzz-bins: $(FUZZ_BINS)

demo: deps $(TEST_O)/.config
	@$(TEST_MAKE) $(TEST_O)/fwtool
	@scripts/demo.sh $(TEST_O)

# the machines of tests/e2e (called with O=$(TEST_O)), beside the product
# .deb that the x86 host runs (deb-root) and the static recovery binary: a
# static arm64 fwtool for the router, cross-built against Debian's arm64 libraries (libfdt-dev
# is not Multi-Arch: same, so its cached arm64 .deb is unpacked instead)
e2e-images:
	@test -f $(O)/arm64-extra$(ARM64_LIBDIR)/libfdt.a || { \
		mkdir -p $(O)/arm64-extra && . scripts/kernel.sh && \
		dpkg-deb -x "$$(deb_fetch libfdt-dev arm64)" $(O)/arm64-extra; }
	@$(MAKE) --no-print-directory O=$(O)/arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		qemu-arm64-uboot_defconfig >/dev/null
	@PKG_CONFIG_LIBDIR=$(ARM64_LIBDIR)/pkgconfig:/usr/share/pkgconfig \
		$(MAKE) --no-print-directory -s O=$(O)/arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		LDFLAGS=-L$(CURDIR)/$(O)/arm64-extra$(ARM64_LIBDIR)

e2e: deps $(TEST_O)/.config
	@scripts/install-deps e2e
	@$(TEST_MAKE) test-build deb-root e2e-images
	@$(PYTHON) tests/e2e/run.py --build $(TEST_O)

bench: deps $(TEST_O)/.config
	@$(TEST_MAKE) $(TEST_O)/fwtool
	@scripts/bench.sh $(TEST_O)

bench-http: $(TEST_O)/.config
	@scripts/install-deps peers
	@$(TEST_MAKE) $(TEST_O)/fwtool
	@$(PYTHON) scripts/bench_http.py --build $(TEST_O) --size $${BENCH_SIZE:-256} \
		--runs $${BENCH_RUNS:-9}

bench-peers: $(TEST_O)/.config
	@scripts/install-deps peers
	@$(TEST_MAKE) $(TEST_O)/fwtool
	@$(PYTHON) scripts/bench_peers.py --build $(TEST_O) --runs $${BENCH_RUNS:-5} \
		--size $${BENCH_SIZE:-1024}

# ---- installing and packaging ------------------------------------------------
UNITS := fwtool-confirm.service fwtool-report.service fwtool-report.timer

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0755 $(O)/fwtool $(DESTDIR)$(SBINDIR)/fwtool
	$(INSTALL) -m 0644 docs/fwtool.8 $(DESTDIR)$(MANDIR)/man8/fwtool.8
	$(INSTALL) -m 0644 docs/fwtool-system.conf.5 $(DESTDIR)$(MANDIR)/man5/fwtool-system.conf.5
	for u in $(UNITS); do \
		sed 's|/usr/sbin/fwtool|$(SBINDIR)/fwtool|g; s|/etc/fwtool/|$(SYSCONFDIR)/fwtool/|g' \
			init/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; done
	$(INSTALL) -m 0644 completion/fwtool.bash $(DESTDIR)$(BASHCOMPDIR)/fwtool
	$(INSTALL) -m 0644 docs/system.conf.example $(DESTDIR)$(DOCDIR)/examples/system.conf
	$(INSTALL) -m 0755 init/fwtool-confirm.init $(DESTDIR)$(DOCDIR)/examples/fwtool-confirm.init
	$(INSTALL) -m 0644 docs/json.md $(DESTDIR)$(DOCDIR)/json.md

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/fwtool $(DESTDIR)$(MANDIR)/man8/fwtool.8 \
		$(DESTDIR)$(MANDIR)/man5/fwtool-system.conf.5 $(DESTDIR)$(BASHCOMPDIR)/fwtool \
		$(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS))
	rm -rf $(DESTDIR)$(DOCDIR)

# The Debian package, built from a copy of this tree (so that the build
# artefacts and the .deb stay under $(DEB_O)) without its tests:
# dpkg-buildpackage -us -uc -b in the tree itself runs them (dh_auto_test).
DEB_O ?= $(O)/deb
deb:
	@rm -rf $(DEB_O) && mkdir -p $(DEB_O)/src
	@tar -c --exclude=./build --exclude=./.git . | tar -x -C $(DEB_O)/src
	@cd $(DEB_O)/src && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		DEB_BUILD_OPTIONS="nocheck $${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ tail -30 ../build.log; echo "deb: dpkg-buildpackage failed ($(DEB_O)/build.log)"; exit 1; }
	@rm -rf $(DEB_O)/src
	@ls $(DEB_O)/fwtool_*.deb

# the package unpacked, for the e2e host board: what the reboot tests run
deb-root:
	@$(MAKE) --no-print-directory deb DEB_O=$(O)/deb
	@rm -rf $(O)/deb/root && dpkg-deb -x $(O)/deb/fwtool_*.deb $(O)/deb/root

format:
	clang-format -i fwtool/*.[ch] tests/unit/*.[ch] tests/unit/fakes/*.c tests/fuzz/*.[ch] tests/usb/*.[ch]

format-check:
	@$(PYTHON) tests/run_check.py --build $(O) --only style

clean:
	rm -rf $(O)/obj $(O)/san $(O)/fuzz $(O)/fwtool $(O)/libfwtool.a $(TEST_O) $(O)/deb

distclean:
	rm -rf $(O)

help:
	@sed -n '3,22p' Makefile | sed 's/^# \{0,1\}//'

-include $(wildcard $(O)/obj/*.d $(O)/san/*.d)
