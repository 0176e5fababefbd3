# The purgatory: freestanding code run between relocate_kernel and the next
# kernel.  Built into one relocatable object, $(B)/purgatory/purgatory.ro,
# which blob.S embeds into libkjump for lib/boot/purgatory.c to relocate.
# Included by the top-level Makefile.

PURGATORY_CFLAGS := -std=gnu11 -Os -ffreestanding -fno-builtin -fno-PIC \
	-fno-PIE -fno-stack-protector -fno-zero-initialized-in-bss \
	-mcmodel=large -mno-sse -mno-mmx -mno-sse2 -mno-red-zone \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-delete-null-pointer-checks \
	-fcf-protection=none -Wall -Wextra -Werror
PURGATORY_LD := ld
PURGATORY_OBJS := $(B)/purgatory/entry.o $(B)/purgatory/purgatory.o \
	$(B)/purgatory/sha256.o

$(B)/purgatory/%.o: purgatory/%.c
	@mkdir -p $(dir $@)
	$(CC) $(PURGATORY_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/purgatory/%.o: purgatory/%.S
	@mkdir -p $(dir $@)
	$(CC) $(PURGATORY_CFLAGS) -MMD -MP -c -o $@ $<

# ld -r cannot refuse undefined symbols itself: nothing may be left to a
# linker, the loader resolves only what is defined in the object.
$(B)/purgatory/purgatory.ro: $(PURGATORY_OBJS)
	$(PURGATORY_LD) -r --strip-debug -o $@.tmp $^
	@undef=$$(nm -u $@.tmp); \
	if [ -n "$$undef" ]; then \
		echo "purgatory: undefined symbols:" $$undef >&2; \
		rm -f $@.tmp; exit 1; \
	fi
	mv $@.tmp $@

$(B)/obj/purgatory/blob.o: purgatory/blob.S $(B)/purgatory/purgatory.ro
	@mkdir -p $(dir $@)
	$(CC) -c -Wa,-I$(B)/purgatory -o $@ $<

LIB_OBJS += $(B)/obj/purgatory/blob.o

-include $(wildcard $(B)/purgatory/*.d)
