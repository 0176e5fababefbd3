// SPDX-License-Identifier: GPL-2.0
/*
 * kpattern: the test workload.  Holds a buffer filled with a seeded
 * pseudo-random pattern and verifies it on request, so tests can prove that
 * a jump, a snapshot or a hibernation cycle lost nothing.
 *
 *   kpattern start DIR SEED MIB [MARKER]   fill, detach, wait for checks
 *   kpattern check DIR                     verify now; exit 0 if intact
 *   kpattern stop DIR                      verify and end the holder
 *   kpattern mark DIR TEXT                 put TEXT in the marker page
 *   kpattern find FILE SEED MIB [PAGE]     count the pattern's pages in a
 *                                          memory image (e.g. /proc/vmcore);
 *                                          say where page PAGE is in FILE
 *   kpattern fresh MIB                     take MIB of new anonymous memory
 *                                          and check that all of it is zero
 *   kpattern text FILE SEED MIB            write MIB of text-like data (words
 *                                          and lines, as compressible as
 *                                          prose) to FILE
 *   kpattern textcheck FILE SEED MIB       check FILE holds exactly that
 *   kpattern pageout DIR                   push the holder's buffer out to
 *                                          swap (MADV_PAGEOUT); say how
 *                                          much of it is still in RAM
 *   kpattern where DIR ADDR                how many of the holder's pages
 *                                          are at physical ADDR or above
 *   kpattern secret DIR                    hold a page of secret memory
 *                                          (memfd_secret) until killed
 *
 * DIR holds "pid" and "result".  Every word of the buffer is a function of
 * the seed and its index, so a check names the first bad offset.  MARKER, if
 * given, is put at the start of a page of its own, after the prefix
 * "kpattern-marker-page:", for tests that look for it in a memory image.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t pending_check, pending_stop, pending_mark,
	pending_pageout;

static uint64_t pattern_word(uint64_t seed, uint64_t index)
{
	/* splitmix64 of seed and index: stateless, so any word can be checked */
	uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill(uint64_t *buf, size_t words, uint64_t seed)
{
	for (size_t i = 0; i < words; i++)
		buf[i] = pattern_word(seed, i);
}

/* Returns the index of the first bad word, or words if all are intact. */
static size_t verify(const uint64_t *buf, size_t words, uint64_t seed)
{
	for (size_t i = 0; i < words; i++)
		if (buf[i] != pattern_word(seed, i))
			return i;
	return words;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096], tmp[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

static int read_file(const char *dir, const char *name, char *buf, size_t n)
{
	char path[4096];
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	len = fread(buf, 1, n - 1, f);
	buf[len] = '\0';
	fclose(f);
	return 0;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		pending_check = 1;
	else if (sig == SIGUSR2)
		pending_mark = 1;
	else if (sig == SIGHUP)
		pending_pageout = 1;
	else
		pending_stop = 1;
}

static int report(const char *dir, const uint64_t *buf, size_t words,
		  uint64_t seed, unsigned int checks)
{
	char text[256];
	size_t bad = verify(buf, words, seed);

	if (bad == words)
		snprintf(text, sizeof(text), "ok %u %zu MiB intact\n", checks,
			 words * 8 >> 20);
	else
		snprintf(text, sizeof(text),
			 "bad %u first mismatch at offset 0x%zx\n", checks,
			 bad * 8);
	write_file(dir, "result", text);
	return bad == words ? 0 : 1;
}

/* This process's memory in swap (VmSwap), in KiB; -1 if unknown. */
static long swapped_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSwap: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/*
 * Out to swap, unlocked: the check that comes next reads it back from
 * there.  Says how much went, without touching the buffer.
 */
static void page_out(const char *dir, uint64_t *buf, size_t bytes)
{
	char text[128];

	munlock(buf, bytes);
	if (madvise(buf, bytes, MADV_PAGEOUT))
		snprintf(text, sizeof(text), "bad pageout: %s\n",
			 strerror(errno));
	else
		snprintf(text, sizeof(text), "ok paged out, %ld of %zu KiB in "
			 "swap\n", swapped_kib(), bytes >> 10);
	write_file(dir, "result", text);
}

/* The marker page starts with a prefix no other page would, then TEXT. */
static void set_marker(char *page, const char *text)
{
	memset(page, 0, 4096);
	snprintf(page, 4096, "kpattern-marker-page:%s", text);
}

static int hold(const char *dir, uint64_t seed, size_t mib, const char *marker)
{
	size_t words = (mib << 20) / 8;
	unsigned int checks = 0;
	char *marker_page = NULL;
	uint64_t *buf;
	char text[1024];
	int rc;

	buf = mmap(NULL, words * 8, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fprintf(stderr, "kpattern: cannot map %zu MiB: %s\n", mib,
			strerror(errno));
		return 1;
	}
	mlock(buf, words * 8);
	fill(buf, words, seed);
	if (marker) {
		marker_page = aligned_alloc(4096, 4096);
		if (!marker_page)
			return 1;
		set_marker(marker_page, marker);
		mlock(marker_page, 4096);
	}
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	snprintf(text, sizeof(text), "%p %zu\n", (void *)buf, words * 8);
	write_file(dir, "buffer", text);
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_file(dir, "pid", text);
	report(dir, buf, words, seed, checks);
	for (;;) {
		pause();
		if (pending_mark && marker_page) {
			/* the new text is in DIR/marker; answer with a check */
			pending_mark = 0;
			read_file(dir, "marker", text, sizeof(text));
			set_marker(marker_page, text);
			report(dir, buf, words, seed, ++checks);
		}
		if (pending_check) {
			pending_check = 0;
			report(dir, buf, words, seed, ++checks);
		}
		if (pending_pageout) {
			pending_pageout = 0;
			page_out(dir, buf, words * 8);
		}
		if (pending_stop) {
			rc = report(dir, buf, words, seed, ++checks);
			return rc;
		}
	}
}

static void remove_result(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/result", dir);
	unlink(path);
}

/* Wait up to a minute for the holder to write "result"; print it. */
static int await_result(const char *dir)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char text[256];

	for (int i = 0; i < 3000; i++) {
		if (!read_file(dir, "result", text, sizeof(text))) {
			fputs(text, stdout);
			return strncmp(text, "ok ", 3) ? 1 : 0;
		}
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "kpattern: %s: holder did not answer\n", dir);
	return 2;
}

/* Signal the holder and wait for it to rewrite "result". */
static int request(const char *dir, int sig)
{
	char text[64];
	int pid, err;

	err = read_file(dir, "pid", text, sizeof(text));
	if (err) {
		fprintf(stderr, "kpattern: %s/pid: %s\n", dir, strerror(-err));
		return 2;
	}
	pid = atoi(text);
	remove_result(dir);
	if (kill(pid, sig)) {
		fprintf(stderr, "kpattern: holder %d: %s\n", pid,
			strerror(errno));
		return 2;
	}
	return await_result(dir);
}

/* Fork the holder; return once its buffer is filled and checked. */
static int start(const char *dir, uint64_t seed, size_t mib, const char *marker)
{
	pid_t pid;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "kpattern: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	remove_result(dir);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "kpattern: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		setsid();
		exit(hold(dir, seed, mib, marker));
	}
	return await_result(dir);
}

static int page_matches(const uint64_t *page, uint64_t seed, size_t index)
{
	for (size_t i = 0; i < 512; i++)
		if (page[i] != pattern_word(seed, index * 512 + i))
			return 0;
	return 1;
}

/*
 * Look for every page of a SEED/MIB pattern in FILE, page by page: a page
 * counts when all its words match the pattern at some page index.  With
 * want < the pattern's pages, print the file offset of that page too.
 */
static int find(const char *path, uint64_t seed, size_t mib, size_t want)
{
	size_t pages = (mib << 20) / 4096, nbuckets = pages * 2, found = 0;
	size_t chunk = 1 << 20;
	uint32_t *bucket = calloc(nbuckets, sizeof(*bucket));
	uint8_t *seen = calloc(pages, 1);
	uint64_t *buf = malloc(chunk);
	FILE *f = fopen(path, "rb");
	off_t pos = 0, want_at = -1;
	size_t n;

	if (!f || !bucket || !seen || !buf) {
		fprintf(stderr, "kpattern: %s: %s\n", path, strerror(errno));
		return 2;
	}
	/* open addressing on the first word of each page; slot = index + 1 */
	for (size_t p = 0; p < pages; p++) {
		size_t h = pattern_word(seed, p * 512) % nbuckets;

		while (bucket[h])
			h = (h + 1) % nbuckets;
		bucket[h] = p + 1;
	}
	while ((n = fread(buf, 1, chunk, f)) > 0) {
		for (size_t off = 0; off + 4096 <= n; off += 4096) {
			const uint64_t *page = buf + off / 8;
			size_t h = page[0] % nbuckets;

			for (; bucket[h]; h = (h + 1) % nbuckets) {
				size_t p = bucket[h] - 1;

				if (page_matches(page, seed, p)) {
					seen[p] = 1;
					if (p == want && want_at < 0)
						want_at = pos + off;
					break;
				}
			}
		}
		pos += n;
	}
	fclose(f);
	for (size_t p = 0; p < pages; p++)
		found += seen[p];
	printf("kpattern: found %zu of %zu pattern pages in %s\n", found,
	       pages, path);
	if (want < pages)
		printf("kpattern: pattern page %zu at offset %lld\n", want,
		       (long long)want_at);
	free(bucket);
	free(seen);
	free(buf);
	return found == pages ? 0 : 1;
}

/*
 * New anonymous memory must read as zeros, whatever the page held before:
 * the kernel clears it, or trusts that free pages are clear (init_on_free).
 */
static int fresh(size_t mib)
{
	size_t len = mib << 20, bad = 0, first = 0;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		perror("kpattern: mmap");
		return 2;
	}
	for (size_t off = 0; off < len; off += 4096) {
		const uint64_t *w = (const uint64_t *)(p + off);
		size_t i = 0;

		while (i < 512 && !w[i])
			i++;
		if (i < 512 && !bad++)
			first = off + i * 8;
	}
	if (bad)
		printf("kpattern: %zu of %zu fresh pages not zero (the first "
		       "at byte %zu: 0x%02x)\n", bad, len / 4096, first,
		       p[first] ? p[first] : p[first + 1]);
	else
		printf("kpattern: %zu MiB of fresh memory, all zero\n", mib);
	munmap(p, len);
	return bad ? 1 : 0;
}

/*
 * Text-like data: lines of words from a made-up vocabulary, common words
 * more often than rare ones, so that it compresses about as prose does.
 */
struct text_gen {
	uint64_t seed, n;
	unsigned int words_in_line;
};

static const char *const syllables[32] = {
	"ka", "lo", "mer", "an", "ti", "sul", "ve", "dor", "i", "pra", "en",
	"gu", "sta", "re", "mo", "lin", "ar", "ce", "no", "bus", "ter", "ho",
	"qui", "da", "fel", "um", "ri", "pe", "son", "ga", "el", "tor",
};

/* Word k of the 1024-word vocabulary, into out; its length. */
static size_t vocab_word(unsigned int k, char *out)
{
	uint64_t h = pattern_word(0x70a5, k);
	size_t len = 0;

	for (unsigned int i = 0; i <= h % 3; i++) {
		const char *syl = syllables[(h >> (8 + 5 * i)) & 31];

		memcpy(out + len, syl, strlen(syl));
		len += strlen(syl);
	}
	return len;
}

/* The next piece of the text into out (room for 64 bytes); its length. */
static size_t text_next(struct text_gen *g, char *out)
{
	uint64_t r = pattern_word(g->seed, g->n++);
	/* the smaller of two picks: low words are common */
	unsigned int a = r & 1023, b = (r >> 10) & 1023;
	size_t len = vocab_word(a < b ? a : b, out);

	if (++g->words_in_line >= 8 + (r >> 20) % 8) {
		out[len++] = '.';
		out[len++] = '\n';
		g->words_in_line = 0;
	} else {
		out[len++] = ' ';
	}
	return len;
}

/* Fill buf with the next len bytes of the text (pieces may split). */
static void text_fill(struct text_gen *g, char *buf, size_t len,
		      char *carry, size_t *carried)
{
	size_t done = 0;

	while (done < len) {
		size_t n;

		if (!*carried)
			*carried = text_next(g, carry);
		n = *carried < len - done ? *carried : len - done;
		memcpy(buf + done, carry, n);
		memmove(carry, carry + n, *carried - n);
		*carried -= n;
		done += n;
	}
}

static int text(const char *path, uint64_t seed, size_t mib, bool check)
{
	struct text_gen g = { .seed = seed };
	char *want = malloc(1 << 20), *have = malloc(1 << 20), carry[64];
	size_t carried = 0;
	int fd = open(path, check ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC,
		      0600), rc = 0;

	if (fd < 0 || !want || !have) {
		fprintf(stderr, "kpattern: %s: %s\n", path, strerror(errno));
		return 2;
	}
	for (size_t m = 0; m < mib && !rc; m++) {
		text_fill(&g, want, 1 << 20, carry, &carried);
		if (!check) {
			if (write(fd, want, 1 << 20) != 1 << 20)
				rc = 2;
		} else if (read(fd, have, 1 << 20) != 1 << 20 ||
			   memcmp(want, have, 1 << 20)) {
			printf("kpattern: %s differs in MiB %zu\n", path, m);
			rc = 1;
		}
	}
	if (rc == 2)
		fprintf(stderr, "kpattern: %s: %s\n", path, strerror(errno));
	else if (!rc)
		printf("kpattern: %s: %zu MiB of text %s\n", path, mib,
		       check ? "intact" : "written");
	close(fd);
	free(want);
	free(have);
	return rc;
}

/* Pages of the holder's buffer at physical addr or above (pagemap). */
static int where(const char *dir, uint64_t addr)
{
	char text[128], path[64];
	unsigned long long start;
	size_t bytes, above = 0, present = 0;
	uint64_t e;
	int fd, pid;

	if (read_file(dir, "pid", text, sizeof(text)))
		return 2;
	pid = atoi(text);
	if (read_file(dir, "buffer", text, sizeof(text)) ||
	    sscanf(text, "%llx %zu", &start, &bytes) != 2)
		return 2;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "kpattern: %s: %s\n", path, strerror(errno));
		return 2;
	}
	for (size_t i = 0; i < bytes / 4096; i++) {
		if (pread(fd, &e, 8, (start / 4096 + i) * 8) != 8)
			break;
		if (!(e >> 63))
			continue;
		present++;
		above += (e & ((1ull << 55) - 1)) * 4096 >= addr;
	}
	close(fd);
	printf("kpattern: %zu of %zu pages at 0x%llx or above\n", above,
	       present, (unsigned long long)addr);
	return 0;
}

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

/* A page of secret memory, held until the holder is killed. */
static int secret(const char *dir)
{
	char text[64];
	char *page;
	int fd;
	pid_t pid;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return 2;
	remove_result(dir);
	pid = fork();
	if (pid)
		return pid < 0 ? 2 : await_result(dir);
	setsid();
	fd = syscall(SYS_memfd_secret, 0);
	if (fd < 0 || ftruncate(fd, 4096) ||
	    (page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0)) == MAP_FAILED) {
		snprintf(text, sizeof(text), "bad memfd_secret: %s\n",
			 strerror(errno));
		write_file(dir, "result", text);
		exit(1);
	}
	strcpy(page, "kpattern secret");
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_file(dir, "pid", text);
	write_file(dir, "result", "ok holding secret memory\n");
	for (;;)
		pause();
}

static int usage(FILE *out, int status)
{
	fputs("usage: kpattern start DIR SEED MIB [MARKER]\n"
	      "       kpattern check DIR\n"
	      "       kpattern stop DIR\n"
	      "       kpattern mark DIR TEXT\n"
	      "       kpattern find FILE SEED MIB [PAGE]\n"
	      "       kpattern fresh MIB\n"
	      "       kpattern text FILE SEED MIB\n"
	      "       kpattern textcheck FILE SEED MIB\n"
	      "       kpattern pageout DIR\n"
	      "       kpattern where DIR ADDR\n"
	      "       kpattern secret DIR\n", out);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--version")) {
		printf("kpattern %s\n", KJUMP_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "start") && (argc == 5 || argc == 6)) {
		uint64_t seed = strtoull(argv[3], NULL, 0);
		size_t mib = strtoul(argv[4], NULL, 0);

		if (!mib)
			return usage(stderr, 2);
		return start(argv[2], seed, mib, argc == 6 ? argv[5] : NULL);
	}
	if (!strcmp(argv[1], "check") && argc == 3)
		return request(argv[2], SIGUSR1);
	if (!strcmp(argv[1], "find") && (argc == 5 || argc == 6))
		return find(argv[2], strtoull(argv[3], NULL, 0),
			    strtoul(argv[4], NULL, 0),
			    argc == 6 ? strtoul(argv[5], NULL, 0) : SIZE_MAX);
	if (!strcmp(argv[1], "mark") && argc == 4) {
		if (write_file(argv[2], "marker", argv[3]))
			return 2;
		return request(argv[2], SIGUSR2);
	}
	if (!strcmp(argv[1], "fresh") && argc == 3 && atoi(argv[2]) > 0)
		return fresh(strtoul(argv[2], NULL, 0));
	if ((!strcmp(argv[1], "text") || !strcmp(argv[1], "textcheck")) &&
	    argc == 5 && atoi(argv[4]) > 0)
		return text(argv[2], strtoull(argv[3], NULL, 0),
			    strtoul(argv[4], NULL, 0),
			    !strcmp(argv[1], "textcheck"));
	if (!strcmp(argv[1], "stop") && argc == 3)
		return request(argv[2], SIGTERM);
	if (!strcmp(argv[1], "pageout") && argc == 3)
		return request(argv[2], SIGHUP);
	if (!strcmp(argv[1], "where") && argc == 4)
		return where(argv[2], strtoull(argv[3], NULL, 0));
	if (!strcmp(argv[1], "secret") && argc == 3)
		return secret(argv[2]);
	return usage(stderr, 2);
}
