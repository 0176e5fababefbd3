# kjump suite: top-level build.
#
#   make            userspace tools (static) into build/bin
#   make deps       install build and test dependencies (Debian 12, root)
#   make kernel     the patched test kernels (6.12, its variants, 7.2),
#                   cached outside the tree
#   make initramfs  helper and test initramfs images
#   make kernel-helper  the test kernel with the helper initramfs built in
#   make xen        the Xen tests' hypervisor, from Debian's source
#   make test       unit tests, then VM tests under QEMU
#   make demo       hibernate and resume the test system in QEMU, step by step
#   make deb        the kjump-suite Debian package, into build/deb
#   make kernel-deb the test kernel as a Debian package (bindeb-pkg)
#   make demo-debian  systemctl hibernate and resume on a Debian 13 system
#   make test-distro-kernel  the Debian tests on the real-machine kernel
#   make test-classic  the classic memory model's tests on their own kernel
#   make install    the tools and their system integration (DESTDIR, PREFIX)
#   make bench      benchmarks (by hand; results in build/bench)
#   make soak       200 jumps and 30 hibernations in one system (~30 min)
#
# Every target that needs packages runs the dependency check first.

VERSION := $(shell cat VERSION)
B := build
CC := gcc
CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-DKJUMP_VERSION='"$(VERSION)"' -Ilib $(EXTRA_CFLAGS)
LDLIBS := -lelf -lz -llz4 -llzma -lzstd -ldeflate -llzo2 -lsnappy -lgcrypt \
	-lgpg-error -lstdc++ -lm

# Each program: its sources.  All programs link lib/ and are static, so the
# same binaries run on the host and inside the helper initramfs.
PROGS := kjump ksnapshot ksave khibernate krestore kimgcore kacpi kbios kpattern \
	kdropcap kautowait
kjump_SRCS := kjump/kjump.c kjump/boot.c
kimgcore_SRCS := kimgcore/kimgcore.c
ksnapshot_SRCS := snapshot/ksnapshot.c
ksave_SRCS := hibernate/ksave.c
khibernate_SRCS := hibernate/khibernate.c
krestore_SRCS := krestore/krestore.c krestore/onepass.c
kacpi_SRCS := acpi/kacpi.c
kbios_SRCS := bios/kbios.c
kpattern_SRCS := test/workload/kpattern.c
kdropcap_SRCS := test/workload/kdropcap.c
kautowait_SRCS := test/workload/kautowait.c

LIB_SRCS := $(wildcard lib/*.c lib/*/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
include purgatory/purgatory.mk
include bios/bios.mk
UNIT_SRCS := $(wildcard test/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(B)/test/unit/%)

.PHONY: all tools deps kernel chroots initramfs test unit-test vm-test demo bench soak clean xen
.PHONY: kernel-main kernel-classic kernel-7.2 kernel-helper test-kernels test-classic
.PHONY: install deb kernel-deb debian-disk demo-debian test-distro-kernel
.DEFAULT_GOAL := all
.SECONDARY:

all: deps tools

# The programs alone, without the dependency check (for dpkg-buildpackage)
tools: $(PROGS:%=$(B)/bin/%)

deps:
	@scripts/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libkjump.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

define prog_rule
$(B)/bin/$(1): $$(patsubst %.c,$(B)/obj/%.o,$$($(1)_SRCS)) $(B)/libkjump.a
	@mkdir -p $$(dir $$@)
	$$(CC) -static -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(B)/test/unit/%: $(B)/obj/test/unit/%.o $(B)/libkjump.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lcmocka $(LDLIBS)

# ACPI tables for the unit tests, compiled as vendors' firmware has them
# (no optimisation: root-prefixed names stay).
UNIT_AML := $(patsubst test/unit/acpi/%.asl,$(B)/test/unit/acpi/%.aml,\
	$(wildcard test/unit/acpi/*.asl))
$(B)/test/unit/acpi/%.aml: test/unit/acpi/%.asl
	@mkdir -p $(dir $@)
	iasl -oa -p $(basename $@) $< >/dev/null

# The test kernel, a variant without kexec jump for the error tests, and
# the series on Linux 7.2 (kernel-patches/7.2/) in a tree of its own.
# The classic SPARSEMEM layout (no VMEMMAP) has a third tree, built only
# by make kernel-classic and make test-classic: a cold kernel build costs
# CI about 20 minutes.
# Their builds run make -jN themselves, not as jobs of this make; under
# make test the trees build side by side, each filling the CPU the others
# leave idle while they link, encode BTF or pack.  On CI, which
# builds each once, the build trees (12 GB) go once all are cached.
KENV := env -u MAKEFLAGS -u MFLAGS scripts/with-ccache.sh
KBUILD := $(KENV) scripts/build-kernel.sh
kernel: kernel-main kernel-7.2

kernel-main: deps
	@$(KBUILD) $(B)/kernel
	@$(KBUILD) $(B)/kernel-nojump kernel-patches kernel-patches/nojump.config

# The test helper a locked-down kernel can jump to: the main tree again,
# with the helper initramfs built in.
HELPER_KERNEL := $(KENV) scripts/helper-kernel.sh $(B)/kernel-helper \
	$(B)/initramfs/helper.cpio.gz
kernel-helper: initramfs
	@$(HELPER_KERNEL)

# make test's kernels, once its initramfs is made (which it leaves as it
# is: the tests use it), the helper's too; then, on CI, which builds each
# once, the build trees go.
test-kernels: kernel
	@$(HELPER_KERNEL)
	@[ "$${CI:-}" != true ] || scripts/build-kernel.sh --drop-trees

kernel-classic: deps
	@$(KBUILD) $(B)/kernel-classic kernel-patches \
		kernel-patches/lean.config:kernel-patches/classic.config tree-classic

kernel-7.2: deps
	@$(KBUILD) $(B)/kernel-7.2 kernel-patches/7.2 \
		kernel-patches/lean.config:kernel-patches/7.2/kjump.config tree-7.2

# The Debian chroots of the tests, made once by debootstrap and cached:
# the Debian system's base and the dump readers (scripts/readers.sh).
chroots: deps
	@scripts/debian-system.sh base >/dev/null
	@scripts/readers.sh path trixie >/dev/null
	@scripts/readers.sh path sid >/dev/null

initramfs: all kernel-main
	@initramfs/build.sh helper $(B)/initramfs/helper.cpio.gz
	@initramfs/build.sh test $(B)/initramfs/test.cpio.gz
	@initramfs/build.sh boot $(B)/initramfs/boot.cpio.gz

unit-test: deps $(UNIT_BINS) $(UNIT_AML)

# The Xen tests' hypervisor, built from Debian's source with debug
# information and cached (scripts/xen.sh).
xen: deps
	@env -u MAKEFLAGS -u MFLAGS scripts/xen.sh >/dev/null

# debootstrap waits on the network, the kernels on the CPUs: a fresh
# machine makes both at once, the chroots in a job of their own so that
# they never keep a kernel tree waiting, however slow the archive is.
# The Linux 7.2 kernel builds in the background from the start, at the
# lowest priority: it takes the CPU the rest leaves idle (the links, the
# downloads, the guests' waits in the tests), and test/run.sh waits for
# it (KJUMP_KERNELS) only before the tests that need it.  Its output is
# in build/kernel-7.2.log; if it failed, make kernel builds it again
# there, in the foreground.  The test helper kernel, which builds the
# helper initramfs in, follows it once the initramfs is made
# (build/kernel-helper.log), for vm/secure-boot, which the tests run
# after the others.  test/run.sh ends with the time the builds and the
# tests took.
test: export KJUMP_TEST_START := $(shell date +%s)
test: deps
	@mkdir -p $(B)
	@nice -n 19 $(MAKE) --no-print-directory kernel-7.2 \
		>$(B)/kernel-7.2.log 2>&1 </dev/null &
	@$(MAKE) --no-print-directory -j3 chroots xen kernel-main
	@$(MAKE) --no-print-directory -j2 all unit-test initramfs debian-disk
	@nice -n 19 $(HELPER_KERNEL) >$(B)/kernel-helper.log 2>&1 </dev/null &
	@KJUMP_KERNELS='$(MAKE) --no-print-directory test-kernels' test/run.sh

# The tests of the classic memory model (test/classic/), on their own
# kernel (by hand: make test leaves that build out).
test-classic: all kernel kernel-classic initramfs
	@test/run.sh --vm-only $(patsubst test/%.sh,%,$(wildcard test/classic/*.sh))

# Hibernate and resume the test system in QEMU, then read a snapshot of it.
demo: all kernel initramfs
	@scripts/demo.sh

vm-test: all kernel initramfs kernel-helper debian-disk xen
	@test/run.sh --vm-only

# The Debian tests again, the machine running the real-machine kernel
# (Debian's configuration; scripts/build-distro-kernel.sh makes it, in
# about two hours) installed beside the test kernel.
DISTRO_DEB = $(firstword $(wildcard $(B)/distro-kernel/linux-image-*.deb))
test-distro-kernel: all kernel initramfs deb kernel-deb
	@[ -n "$(DISTRO_DEB)" ] || { echo "test-distro-kernel: no" \
		"$(B)/distro-kernel/linux-image-*.deb (scripts/build-distro-kernel.sh)" >&2; \
		exit 1; }
	@KJUMP_DISTRO_KERNEL=$(abspath $(DISTRO_DEB)) test/run.sh --vm-only \
		$(patsubst test/%.sh,%,$(wildcard test/vm/debian-*.sh))

soak: all kernel initramfs
	@test/soak.sh $(SOAK_ARGS)

bench: all kernel initramfs debian-disk
	@bench/snapshot-writer.sh
	@bench/hibernate-vs-kernel.sh
	@bench/hibernate-scale.sh
	@bench/switch-vs-boot.sh
	@bench/jump-vs-boot.sh
	@bench/debian-hibernate.sh

clean:
	rm -rf $(B)

# What a system installs: the tools (not the test workloads), their man
# pages, the helper's init and jobs, kjump-mkhelper, the configuration,
# the initramfs-tools hook and boot script, the kernel hooks, the
# systemd units and the one-pass resume's GRUB entry.  debian/rules
# installs this into the package.
PREFIX ?= /usr
INSTALL_PROGS := kjump ksnapshot ksave khibernate krestore kimgcore kacpi kbios
MAN8 := $(foreach p,$(INSTALL_PROGS),$(wildcard */$(p).8)) dist/kjump-mkhelper.8
MAN5 := hibernate/kjump.conf.5
install: tools
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/kjump/jobs \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/kjump $(DESTDIR)/etc/kjump
	install -m 755 $(INSTALL_PROGS:%=$(B)/bin/%) dist/kjump-mkhelper \
		$(DESTDIR)$(PREFIX)/sbin/
	install -m 644 $(MAN8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 755 initramfs/rootfs/init dist/hibernate dist/boot-once \
		$(DESTDIR)$(PREFIX)/lib/kjump/
	install -m 755 initramfs/helper/lib/kjump/jobs/jumpback \
		initramfs/helper/lib/kjump/jobs/restore \
		initramfs/helper/lib/kjump/jobs/capture \
		initramfs/helper/lib/kjump/jobs/poweroff \
		$(DESTDIR)$(PREFIX)/lib/kjump/jobs/
	echo $(VERSION) >$(DESTDIR)$(PREFIX)/share/kjump/version
	install -m 644 initramfs/lib.sh $(DESTDIR)$(PREFIX)/share/kjump/initramfs.sh
	install -m 644 hibernate/kjump.conf $(DESTDIR)/etc/kjump/kjump.conf
	install -D -m 755 dist/initramfs-tools/hook \
		$(DESTDIR)$(PREFIX)/share/initramfs-tools/hooks/kjump
	install -D -m 755 dist/initramfs-tools/local-premount \
		$(DESTDIR)$(PREFIX)/share/initramfs-tools/scripts/local-premount/kjump
	install -D -m 755 dist/kernel/postinst $(DESTDIR)/etc/kernel/postinst.d/kjump
	install -D -m 755 dist/kernel/postrm $(DESTDIR)/etc/kernel/postrm.d/kjump
	install -D -m 755 dist/grub.d/42_kjump $(DESTDIR)/etc/grub.d/42_kjump
	install -D -m 644 dist/systemd/kjump-prepare.service \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/kjump-prepare.service
	install -D -m 644 dist/systemd/hibernate.conf \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/systemd-hibernate.service.d/kjump.conf
	install -D -m 644 dist/systemd/logind.conf \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/systemd-logind.service.d/kjump.conf
	install -D -m 644 dist/systemd/sleep.conf \
		$(DESTDIR)$(PREFIX)/lib/systemd/sleep.conf.d/kjump.conf

# The Debian packages, built with dpkg-buildpackage in a copy of the tree
# (cached by its contents), and the test kernel's (bindeb-pkg, made with
# the kernel).  The Debian 13 system of the end-to-end tests installs both.
deb: deps
	@env -u MAKEFLAGS -u MFLAGS scripts/build-deb.sh $(B)/deb

kernel-deb: kernel-main
	@mkdir -p $(B)/deb
	@cp -f $(B)/kernel/deb/linux-image-*.deb $(B)/deb/
	@ls $(B)/deb/linux-image-*.deb

debian-disk: deb kernel-deb tools
	@scripts/debian-system.sh cached

# systemctl hibernate and the resume on the Debian system, in QEMU
demo-debian: deb kernel-deb tools
	@scripts/demo-debian.sh

-include $(shell find $(B)/obj $(B)/fuzz/obj -name '*.d' 2>/dev/null)

# Fuzzing the readers of untrusted bytes with libFuzzer, ASan and UBSan:
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="image kernel core text"]
# image: a hibernation image and an image file's block map; kernel: a
# bzImage and the config inside its compressed kernel; core: ELF cores,
# their page tables and struct pages; text: the mailbox, notes, command
# lines and a saved helper's header.  Seeds come from fuzz/NAME_seeds.c
# and fuzz/seeds/NAME-*; what the fuzzer finds goes to
# build/fuzz/NAME/corpus, a crashing input to build/fuzz/NAME-crash-*.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= image kernel core text
FUZZ_CC := clang
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib \
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJS := $(LIB_SRCS:%.c=$(B)/fuzz/obj/%.o) $(filter %/blob.o,$(LIB_OBJS))

.PHONY: fuzz
fuzz: deps $(FUZZ_TARGETS:%=$(B)/fuzz/%_fuzz) $(B)/fuzz/image_seeds \
		$(B)/fuzz/kernel_seeds $(B)/fuzz/core_seeds
	@for t in $(FUZZ_TARGETS); do \
		rm -rf $(B)/fuzz/$$t/seeds; \
		mkdir -p $(B)/fuzz/$$t/seeds $(B)/fuzz/$$t/corpus; \
		if [ -x $(B)/fuzz/$${t}_seeds ]; then \
			$(B)/fuzz/$${t}_seeds $(B)/fuzz/$$t/seeds || exit 1; fi; \
		for f in fuzz/seeds/$$t-*; do \
			[ ! -e "$$f" ] || cp "$$f" $(B)/fuzz/$$t/seeds/; done; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(B)/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) \
			-max_len=65536 -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 \
			-artifact_prefix=$(B)/fuzz/$$t- \
			$(B)/fuzz/$$t/corpus $(B)/fuzz/$$t/seeds || exit 1; \
	done

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(B)/fuzz/libkjump.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/fuzz/%_fuzz: fuzz/%_fuzz.c fuzz/image_fuzz.h $(B)/fuzz/libkjump.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(B)/fuzz/libkjump.a $(LDLIBS)

$(B)/fuzz/%_seeds: fuzz/%_seeds.c fuzz/image_fuzz.h $(B)/libkjump.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libkjump.a $(LDLIBS)

# Throughput of the image format, writing and reading 256 MiB of memory:
#   make bench-image [BENCH_IMAGE_ARGS="MIB [PATH [LANES]]"]
.PHONY: bench-image
bench-image: deps $(B)/bench/image-throughput
	$(B)/bench/image-throughput $(BENCH_IMAGE_ARGS)

$(B)/bench/image-throughput: $(B)/obj/bench/image-throughput.o $(B)/libkjump.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)
