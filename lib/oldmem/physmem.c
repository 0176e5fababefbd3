// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "oldmem/oldmem.h"
#include "util.h"

static int phys_io(uint64_t addr, void *buf, size_t len, int write)
{
	int fd = open("/dev/mem", (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0) {
		err = -errno;
		kj_seterr("/dev/mem: %s", strerror(-err));
		return err;
	}
	n = write ? pwrite(fd, buf, len, addr) : pread(fd, buf, len, addr);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (err)
		kj_seterr("/dev/mem at 0x%" PRIx64 ": %s", addr, strerror(-err));
	close(fd);
	return err;
}

int phys_read(uint64_t addr, void *buf, size_t len)
{
	return phys_io(addr, buf, len, 0);
}

int phys_write(uint64_t addr, const void *buf, size_t len)
{
	return phys_io(addr, (void *)buf, len, 1);
}

/* A mapped window spans at most this much, to bound the kernel's work. */
#define PHYS_VIEW_SIZE (64ull << 20)

int phys_writer_open(struct phys_writer *w)
{
	memset(w, 0, sizeof(*w));
	/* not O_SYNC: that would map the memory uncached */
	w->fd = open("/dev/mem", O_RDWR | O_CLOEXEC);
	if (w->fd < 0) {
		int err = -errno;

		kj_seterr("/dev/mem: %s", strerror(-err));
		return err;
	}
	return 0;
}

int phys_writer_hold(struct phys_writer *w, uint64_t start, uint64_t end)
{
	struct phys_held *h;

	if (w->nr_held == PHYS_HELD_MAX) {
		kj_seterr("more than %d ranges of this kernel's own RAM to "
			  "write", PHYS_HELD_MAX);
		return -E2BIG;
	}
	h = &w->held[w->nr_held];
	h->start = start & ~(uint64_t)(KJ_PAGE_SIZE - 1);
	h->end = (end + KJ_PAGE_SIZE - 1) & ~(uint64_t)(KJ_PAGE_SIZE - 1);
	h->buf = calloc(1, h->end - h->start);
	if (!h->buf) {
		kj_seterr("no memory to hold 0x%" PRIx64 "-0x%" PRIx64,
			  h->start, h->end);
		return -ENOMEM;
	}
	w->nr_held++;
	return 0;
}

static void unmap_view(struct phys_writer *w)
{
	if (w->view)
		munmap(w->view, w->view_end - w->view_start);
	w->view = NULL;
	w->view_start = w->view_end = 0;
}

/* Map the window around paddr inside [lo, hi), clear of held ranges. */
static int map_view(struct phys_writer *w, uint64_t paddr, uint64_t lo,
		    uint64_t hi)
{
	uint64_t start = paddr & ~(PHYS_VIEW_SIZE - 1);
	uint64_t end = start + PHYS_VIEW_SIZE;
	void *p;

	unmap_view(w);
	start = start > lo ? start : lo;
	end = end < hi ? end : hi;
	for (int i = 0; i < w->nr_held; i++) {
		const struct phys_held *h = &w->held[i];

		if (h->end <= paddr && h->end > start)
			start = h->end;
		if (h->start > paddr && h->start < end)
			end = h->start;
	}
	start &= ~(uint64_t)(KJ_PAGE_SIZE - 1);
	end = (end + KJ_PAGE_SIZE - 1) & ~(uint64_t)(KJ_PAGE_SIZE - 1);
	p = mmap(NULL, end - start, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd,
		 (off_t)start);
	if (p == MAP_FAILED) {
		int err = -errno;

		kj_seterr("/dev/mem: mapping 0x%" PRIx64 "-0x%" PRIx64 ": %s%s",
			  start, end, strerror(-err), err == -EPERM ?
			  " (kernel lockdown, or memory this kernel owns?)" : "");
		return err;
	}
	w->view = p;
	w->view_start = start;
	w->view_end = end;
	return 0;
}

void *phys_writer_page(struct phys_writer *w, uint64_t paddr, uint64_t lo,
		       uint64_t hi)
{
	for (int i = 0; i < w->nr_held; i++) {
		const struct phys_held *h = &w->held[i];

		if (paddr >= h->start && paddr < h->end)
			return h->buf + (paddr - h->start);
	}
	if (!w->view || paddr < w->view_start || paddr >= w->view_end) {
		if (map_view(w, paddr, lo, hi))
			return NULL;
	}
	return w->view + (paddr - w->view_start);
}

void phys_writer_close(struct phys_writer *w)
{
	unmap_view(w);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	for (int i = 0; i < w->nr_held; i++)
		free(w->held[i].buf);
	w->nr_held = 0;
}
