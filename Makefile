# kjump suite: top-level build.
#
#   make            userspace tools (static) into build/bin
#   make deps       install build and test dependencies (Debian 12, root)
#   make kernel     patched Linux 6.12 test kernel, cached outside the tree
#   make initramfs  helper and test initramfs images
#   make test       unit tests, then VM tests under QEMU
#   make demo       hibernate and resume the test system in QEMU, step by step
#   make bench      benchmarks (by hand; results in build/bench)
#
# Every target that needs packages runs the dependency check first.

VERSION := $(shell cat VERSION)
B := build
CC := gcc
CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-DKJUMP_VERSION='"$(VERSION)"' -Ilib $(EXTRA_CFLAGS)
LDLIBS := -lelf -lz -llzma -lzstd -ldeflate -lgcrypt -lgpg-error -lm

# Each program: its sources.  All programs link lib/ and are static, so the
# same binaries run on the host and inside the helper initramfs.
PROGS := kjump ksnapshot ksave khibernate krestore kimgcore kacpi kbios kpattern \
	kdropcap
kjump_SRCS := kjump/kjump.c
kimgcore_SRCS := kimgcore/kimgcore.c
ksnapshot_SRCS := snapshot/ksnapshot.c
ksave_SRCS := hibernate/ksave.c
khibernate_SRCS := hibernate/khibernate.c
krestore_SRCS := krestore/krestore.c
kacpi_SRCS := acpi/kacpi.c
kbios_SRCS := bios/kbios.c
kpattern_SRCS := test/workload/kpattern.c
kdropcap_SRCS := test/workload/kdropcap.c

LIB_SRCS := $(wildcard lib/*.c lib/*/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
include purgatory/purgatory.mk
include bios/bios.mk
UNIT_SRCS := $(wildcard test/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(B)/test/unit/%)

.PHONY: all deps kernel initramfs test unit-test vm-test demo bench clean
.DEFAULT_GOAL := all
.SECONDARY:

all: deps $(PROGS:%=$(B)/bin/%)

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
# one with the classic SPARSEMEM layout (no VMEMMAP) in a tree of its own.
kernel: deps
	@scripts/build-kernel.sh $(B)/kernel
	@scripts/build-kernel.sh $(B)/kernel-nojump kernel-patches \
		kernel-patches/nojump.config
	@scripts/build-kernel.sh $(B)/kernel-classic kernel-patches \
		kernel-patches/classic.config tree-classic

initramfs: all kernel
	@initramfs/build.sh helper $(B)/initramfs/helper.cpio.gz
	@initramfs/build.sh test $(B)/initramfs/test.cpio.gz

unit-test: deps $(UNIT_BINS) $(UNIT_AML)

test: all unit-test kernel initramfs
	@test/run.sh

# Hibernate and resume the test system in QEMU, then read a snapshot of it.
demo: all kernel initramfs
	@scripts/demo.sh

vm-test: all kernel initramfs
	@test/run.sh --vm-only

bench: all kernel initramfs
	@bench/snapshot-writer.sh
	@bench/hibernate-vs-kernel.sh
	@bench/switch-vs-boot.sh

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# Fuzzing the image reader (lib/image/) with libFuzzer, ASan and UBSan:
#   make fuzz [FUZZ_SECONDS=60]
# Seeds are a few valid images (fuzz/image_seeds.c); what the fuzzer finds
# goes to build/fuzz/corpus, a crashing input to build/fuzz/crash-*.
FUZZ_SECONDS ?= 60
FUZZ_CC := clang
FUZZ_SRCS := lib/image/format.c lib/image/writer.c lib/image/reader.c \
	lib/image/blockmap.c lib/util.c
FUZZ_DEPS := $(FUZZ_SRCS) lib/image/image.h lib/image/internal.h lib/util.h \
	fuzz/image_fuzz.h
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib
FUZZ_LIBS := -lz -lgcrypt -lgpg-error

.PHONY: fuzz
fuzz: deps $(B)/fuzz/image_fuzz $(B)/fuzz/image_seeds
	@rm -rf $(B)/fuzz/seeds
	@mkdir -p $(B)/fuzz/seeds $(B)/fuzz/corpus
	$(B)/fuzz/image_seeds $(B)/fuzz/seeds
	$(B)/fuzz/image_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -print_final_stats=1 -artifact_prefix=$(B)/fuzz/ \
		$(B)/fuzz/corpus $(B)/fuzz/seeds

$(B)/fuzz/image_fuzz: fuzz/image_fuzz.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $< $(FUZZ_SRCS) $(FUZZ_LIBS)

$(B)/fuzz/image_seeds: fuzz/image_seeds.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS) $(FUZZ_LIBS)

# Throughput of the image format, writing and reading 256 MiB of memory:
#   make bench-image [BENCH_IMAGE_ARGS="MIB [PATH [LANES]]"]
.PHONY: bench-image
bench-image: deps $(B)/bench/image-throughput
	$(B)/bench/image-throughput $(BENCH_IMAGE_ARGS)

$(B)/bench/image-throughput: $(B)/obj/bench/image-throughput.o $(B)/libkjump.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LDLIBS)
