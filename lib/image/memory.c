// SPDX-License-Identifier: GPL-2.0
/*
 * The original system's memory into a hibernation image, and back.
 *
 * Save: the helper's /proc/vmcore shows the original system's RAM except
 * the jump window and the low memory the helper borrowed.  Those are
 * exactly the ranges a restore kernel occupies, and what the original
 * system kept in the low memory is in its kimage's source pages, which
 * are ordinary RAM and so in the image: the jump back into the original
 * kernel swaps them into place.  The image therefore holds physical
 * memory as it is, without the remapping a snapshot does for readers.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "image/memory.h"
#include "util.h"

/* Pages read or written at a time. */
#define HIB_BATCH 256

static bool is_direct_map(const struct vmcore_load *l, uint64_t base)
{
	return l->vaddr - l->paddr == base;
}

int hibernate_ranges(struct vmcore *vc, struct img_info *info)
{
	uint64_t base = vmcore_direct_map_base(vc);

	vmcore_sort_loads(vc->loads, vc->nr_loads);
	info->nr_ranges = 0;
	for (int i = 0; i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];
		struct img_range *last = info->nr_ranges ?
			&info->ranges[info->nr_ranges - 1] : NULL;

		if (!is_direct_map(l, base) || !l->filesz)
			continue;
		if (last && last->end == l->paddr) {
			last->end += l->filesz;
			continue;
		}
		if (info->nr_ranges == IMG_MAX_RANGES) {
			kj_seterr("%s: more than %d RAM ranges", vc->path,
				  IMG_MAX_RANGES);
			return -E2BIG;
		}
		info->ranges[info->nr_ranges++] = (struct img_range){
			l->paddr, l->paddr + l->filesz };
	}
	if (!info->nr_ranges) {
		kj_seterr("%s: no RAM in the core", vc->path);
		return -ENOENT;
	}
	return 0;
}

/*
 * Read the pages of the batch that are not free, a run at a time: through
 * read() of /proc/vmcore every page costs a mapping, and most of an idle
 * system's memory is free.
 */
static int read_batch(struct vmcore *vc, const struct vmcore_load *l,
		      uint64_t off, unsigned int n, const uint8_t *cls,
		      uint8_t *buf)
{
	for (unsigned int i = 0; i < n;) {
		unsigned int j = i;
		int err;

		if (cls[i] == PAGE_FREE) {
			i++;
			continue;
		}
		while (j < n && cls[j] != PAGE_FREE)
			j++;
		err = vmcore_read(vc, buf + (size_t)i * KJ_PAGE_SIZE,
				  (size_t)(j - i) * KJ_PAGE_SIZE,
				  l->offset + off + (uint64_t)i * KJ_PAGE_SIZE);
		if (err)
			return err;
		i = j;
	}
	return 0;
}

/* Pages to leave out as well: sorted pfns, and where a batch is in them. */
struct spare_set {
	const uint64_t *pfns;
	size_t nr, pos;
};

/* Mark the spare pages of the batch at pfn0 free; how many there were. */
static unsigned int mark_spare(struct spare_set *s, uint64_t pfn0,
			       unsigned int n, uint8_t *cls)
{
	unsigned int marked = 0;

	while (s->pos < s->nr && s->pfns[s->pos] < pfn0)
		s->pos++;
	for (; s->pos < s->nr && s->pfns[s->pos] < pfn0 + n; s->pos++) {
		uint8_t *c = &cls[s->pfns[s->pos] - pfn0];

		marked += *c != PAGE_FREE;
		*c = PAGE_FREE;
	}
	return marked;
}

static int save_batch(struct vmcore *vc, const struct vmcore_load *l,
		      uint64_t off, unsigned int n, struct pageclass *pc,
		      struct spare_set *spare, uint8_t *buf, uint8_t *cls,
		      struct img_writer *w, struct hib_stats *st)
{
	uint64_t pfn0 = (l->paddr + off) / KJ_PAGE_SIZE;
	const uint8_t *pages;
	double start;
	int err;

	memset(cls, PAGE_KEEP, n);
	start = kj_monotonic();
	if (pc) {
		err = pageclass_get(pc, pfn0, n, cls);
		if (err)
			return err;
	}
	st->secs_classify += kj_monotonic() - start;
	st->pages_spare += mark_spare(spare, pfn0, n, cls);
	start = kj_monotonic();
	/* in the mapped window, the pages go to the writer uncopied */
	pages = vmcore_peek(vc, (size_t)n * KJ_PAGE_SIZE, l->offset + off);
	if (!pages) {
		err = read_batch(vc, l, off, n, cls, buf);
		if (err)
			return err;
		pages = buf;
	}
	st->secs_read += kj_monotonic() - start;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *page = pages + (size_t)i * KJ_PAGE_SIZE;

		st->pages_total++;
		if (cls[i] == PAGE_FREE) {
			st->pages_free++;
			continue;
		}
		/* zero or not, the lanes tell, on every CPU */
		err = pages == buf ? img_writer_add_memory(w, pfn0 + i, page)
				   : img_writer_add_mapped(w, pfn0 + i, page);
		if (err)
			return err;
	}
	return 0;
}

/* A window of the core goes: the writer lets go of the pages in it. */
static void settle_writer(void *arg)
{
	img_writer_settle(arg);
}

int hibernate_write_memory(struct vmcore *vc, struct pageclass *pc,
			   const uint64_t *spare, size_t nr_spare,
			   struct img_writer *w, struct hib_stats *st,
			   hib_progress_fn progress, void *arg)
{
	struct spare_set ss = { spare, nr_spare, 0 };
	uint64_t base = vmcore_direct_map_base(vc);
	uint8_t *buf = malloc(HIB_BATCH * KJ_PAGE_SIZE), cls[HIB_BATCH];
	int err = 0;

	memset(st, 0, sizeof(*st));
	st->secs_start = kj_monotonic();
	if (!buf)
		return -ENOMEM;
	vc->unmapping = settle_writer;
	vc->unmapping_arg = w;
	/* sorted by address, the pages go out in pfn order */
	vmcore_sort_loads(vc->loads, vc->nr_loads);
	for (int i = 0; !err && i < vc->nr_loads; i++) {
		const struct vmcore_load *l = &vc->loads[i];
		uint64_t pages = l->filesz / KJ_PAGE_SIZE;

		if (!is_direct_map(l, base))
			continue;
		for (uint64_t p = 0; !err && p < pages; p += HIB_BATCH) {
			unsigned int n = pages - p < HIB_BATCH ? pages - p
							       : HIB_BATCH;

			err = save_batch(vc, l, p * KJ_PAGE_SIZE, n, pc, &ss,
					 buf, cls, w, st);
			if (!err && progress)
				progress(st, arg);
		}
	}
	img_writer_settle(w);
	vc->unmapping = NULL;
	free(buf);
	return err;
}

int restore_open(struct restore_target *t, const char *path)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->buf = malloc(HIB_BATCH * KJ_PAGE_SIZE);
	if (!t->buf)
		return -ENOMEM;
	err = vmcore_open(&t->vc, path);
	if (err) {
		free(t->buf);
		return err;
	}
	t->fd = open(path, O_WRONLY | O_CLOEXEC);
	if (t->fd < 0) {
		err = -errno;
		kj_seterr("%s: %s%s", path, strerror(errno), errno == EACCES ?
			  " (a kernel without kernel-patches/0012?)" : "");
		restore_close(t);
		return err;
	}
	return 0;
}

uint64_t restore_pages(const struct img_info *info)
{
	if (info->flags & IMG_F_FREE_AS_IS)
		return info->pages_data + info->pages_zero;
	return img_range_pages(info);
}

const char *restore_free_fate(const struct img_info *info)
{
	if (info->flags & IMG_F_FREE_AS_IS)
		return "left as they are";
	return info->flags & IMG_F_POISON_FREE ? "poisoned" : "cleared";
}

int restore_open_direct(struct restore_target *t, struct phys_writer *w)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->direct = w;
	return 0;
}

/* Is [start, end) in the core at its own physical address? */
static bool covered(const struct vmcore *vc, uint64_t start, uint64_t end)
{
	uint64_t base = vmcore_direct_map_base(vc);

	while (start < end) {
		const struct vmcore_load *hit = NULL;

		for (int i = 0; i < vc->nr_loads && !hit; i++) {
			const struct vmcore_load *l = &vc->loads[i];

			if (is_direct_map(l, base) && l->paddr <= start &&
			    start < l->paddr + l->filesz)
				hit = l;
		}
		if (!hit)
			return false;
		start = hit->paddr + hit->filesz;
	}
	return true;
}

int restore_begin(struct restore_target *t, const struct img_info *info)
{
	t->info = info;
	t->next_pfn = 0;
	t->free_fill = info->flags & IMG_F_POISON_FREE ? HIB_PAGE_POISON : 0;
	t->free_as_is = info->flags & IMG_F_FREE_AS_IS;
	/* /dev/mem says for itself what it cannot write */
	for (uint32_t i = 0; i < info->nr_ranges; i++) {
		const struct img_range *r = &info->ranges[i];

		if (!t->direct && !covered(&t->vc, r->start, r->end)) {
			kj_seterr("the image's RAM 0x%llx-0x%llx is not all "
				  "memory this restore kernel can write (another "
				  "machine, or a different memory size?)",
				  (unsigned long long)r->start,
				  (unsigned long long)r->end);
			return -ERANGE;
		}
	}
	return 0;
}

static int write_run(struct restore_target *t)
{
	size_t len = (size_t)t->run_len * KJ_PAGE_SIZE;
	uint64_t paddr = t->run_pfn * KJ_PAGE_SIZE, off;
	int err;

	if (!t->run_len)
		return 0;
	t->run_len = 0;
	if (t->direct)
		goto done;
	/* a run never crosses a load: restore_page starts a new one there */
	if (vmcore_phys_offset(&t->vc, paddr, &off)) {
		kj_seterr("page 0x%llx is not in %s",
			  (unsigned long long)paddr, t->vc.path);
		return -ERANGE;
	}
	err = kj_pwrite_all(t->fd, t->buf, len, off, t->vc.path);
	if (err) {
		kj_preferr("writing physical 0x%llx", (ull)paddr);
		return err;
	}
done:
	if (t->progress)
		t->progress(&t->st, t->progress_arg);
	return 0;
}

/* Would pfn extend the run within one load of the core? */
static bool extends_run(const struct restore_target *t, uint64_t pfn)
{
	uint64_t a, b;

	if (!t->run_len || pfn != t->run_pfn + t->run_len ||
	    t->run_len == HIB_BATCH)
		return false;
	return !vmcore_phys_offset(&t->vc, t->run_pfn * KJ_PAGE_SIZE, &a) &&
	       !vmcore_phys_offset(&t->vc, pfn * KJ_PAGE_SIZE, &b) &&
	       b == a + (uint64_t)t->run_len * KJ_PAGE_SIZE;
}

/* The image's range that holds physical address paddr. */
static const struct img_range *range_of(const struct img_info *info,
					uint64_t paddr)
{
	for (uint32_t i = 0; i < info->nr_ranges; i++) {
		const struct img_range *r = &info->ranges[i];

		if (paddr >= (r->start & ~(uint64_t)(KJ_PAGE_SIZE - 1)) &&
		    paddr < r->end)
			return r;
	}
	return NULL;
}

/* Where page pfn goes in memory the running kernel does not own. */
static uint8_t *direct_page(struct restore_target *t, uint64_t pfn)
{
	uint64_t paddr = pfn * KJ_PAGE_SIZE, lo, hi;
	const struct img_range *r = range_of(t->info, paddr);

	if (!r) {
		kj_seterr("page 0x%llx is not in the image's RAM", (ull)paddr);
		return NULL;
	}
	lo = r->start & ~(uint64_t)(KJ_PAGE_SIZE - 1);
	hi = DIV_ROUND_UP(r->end, KJ_PAGE_SIZE) * KJ_PAGE_SIZE;
	return phys_writer_page(t->direct, paddr, lo, hi);
}

/* Queue page pfn: data, or a page of fill bytes if data is NULL. */
static int queue_page(struct restore_target *t, uint64_t pfn,
		      const void *data, uint8_t fill)
{
	uint8_t *dst;
	int err;

	if (t->direct) {
		/* straight into place; write_run only counts */
		dst = direct_page(t, pfn);
		if (!dst)
			return -EIO;
		t->run_len++;
		if (t->run_len == HIB_BATCH && (err = write_run(t)))
			return err;
		goto fill;
	}
	if (!extends_run(t, pfn)) {
		err = write_run(t);
		if (err)
			return err;
		t->run_pfn = pfn;
	}
	dst = t->buf + (size_t)t->run_len++ * KJ_PAGE_SIZE;
fill:
	if (data)
		memcpy(dst, data, KJ_PAGE_SIZE);
	else
		memset(dst, fill, KJ_PAGE_SIZE);
	t->st.pages_total++;
	return 0;
}

/* The pages of the ranges from next_pfn up to end that the image left out. */
static int fill_free(struct restore_target *t, uint64_t end)
{
	const struct img_info *info = t->info;
	int err;

	for (uint32_t i = 0; info && i < info->nr_ranges; i++) {
		uint64_t first = info->ranges[i].start / KJ_PAGE_SIZE;
		uint64_t last = DIV_ROUND_UP(info->ranges[i].end, KJ_PAGE_SIZE);

		if (first < t->next_pfn)
			first = t->next_pfn;
		if (last > end)
			last = end;
		if (t->free_as_is) {
			t->st.pages_free += last > first ? last - first : 0;
			continue;
		}
		for (uint64_t pfn = first; pfn < last; pfn++) {
			err = queue_page(t, pfn, NULL, t->free_fill);
			if (err)
				return err;
			t->st.pages_free++;
		}
	}
	if (end > t->next_pfn)
		t->next_pfn = end;
	return 0;
}

int restore_page(void *arg, uint64_t pfn, const void *data)
{
	struct restore_target *t = arg;
	int err;

	if (pfn < t->next_pfn) {
		kj_seterr("page 0x%llx out of order in the image",
			  (unsigned long long)pfn * KJ_PAGE_SIZE);
		return -EINVAL;
	}
	err = fill_free(t, pfn);
	err = err ?: queue_page(t, pfn, data, 0);
	if (err)
		return err;
	t->next_pfn = pfn + 1;
	if (data)
		t->st.pages_data++;
	else
		t->st.pages_zero++;
	return 0;
}

/*
 * The memory is back: tell the hibernated kernel, through its wake word,
 * that its jump returns from ACPI S4 (kernel-patches 0010), so that it
 * wakes from S4 where the kernel's own resume does.
 */
static int set_wake_word(struct restore_target *t)
{
	uint64_t paddr = t->info->hibernation_wake, off;
	uint32_t one = htole32(1);

	if (!paddr)
		return 0;
	if (t->direct) {
		uint8_t *page = direct_page(t, paddr / KJ_PAGE_SIZE);

		if (!page)
			return -EIO;
		memcpy(page + paddr % KJ_PAGE_SIZE, &one, sizeof(one));
		return 0;
	}
	if (vmcore_phys_offset(&t->vc, paddr, &off)) {
		kj_seterr("the wake word 0x%llx is not in %s", (ull)paddr,
			  t->vc.path);
		return -ERANGE;
	}
	return kj_pwrite_all(t->fd, &one, sizeof(one), off, t->vc.path);
}

int restore_finish(struct restore_target *t)
{
	int err = fill_free(t, UINT64_MAX);

	err = err ?: write_run(t);
	err = err ?: set_wake_word(t);
	restore_close(t);
	return err;
}

void restore_close(struct restore_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->buf && !t->direct) {
		vmcore_close(&t->vc);
		free(t->buf);
		t->buf = NULL;
	}
}
