# The BIOS-call stub: long mode down to real mode and back (bios/stub.S),
# linked at 0 into a flat binary that blob.S embeds into libkjump for
# lib/firmware/bios.c.  Included by the top-level Makefile.

$(B)/bios/stub.o: bios/stub.S bios/abi.h
	@mkdir -p $(dir $@)
	$(CC) -c -Ibios -o $@ $<

$(B)/bios/stub.bin: $(B)/bios/stub.o
	ld -Ttext=0 -e entry64 --oformat=binary -o $@ $<
	@test "$$(stat -c %s $@)" = 32768 || \
		{ echo "bios: stub.bin is not 32 KiB" >&2; rm -f $@; exit 1; }

$(B)/obj/bios/blob.o: bios/blob.S $(B)/bios/stub.bin
	@mkdir -p $(dir $@)
	$(CC) -c -Wa,-I$(B)/bios -o $@ $<

LIB_OBJS += $(B)/obj/bios/blob.o
