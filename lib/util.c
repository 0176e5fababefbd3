// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"

/* Each thread's own: a worker's failure is handed over by its caller */
static __thread char errmsg[1024];
static const char *progname = "kjump";

void kj_seterr(const char *fmt, ...)
{
	char msg[sizeof(errmsg)];
	va_list ap;

	/* through a copy: the arguments may include the message itself */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(errmsg, msg, sizeof(errmsg));
}

void kj_preferr(const char *fmt, ...)
{
	char msg[sizeof(errmsg)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 3 < sizeof(msg)) {
		const char *old = kj_errmsg();
		size_t room = sizeof(msg) - n - 3, len = strnlen(old, room);

		/* as much of the old message as fits */
		memcpy(msg + n, ": ", 2);
		memcpy(msg + n + 2, old, len);
		msg[n + 2 + len] = '\0';
	}
	memcpy(errmsg, msg, sizeof(errmsg));
}

const char *kj_errmsg(void)
{
	return errmsg[0] ? errmsg : "unknown error";
}

void kj_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

void kj_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int kj_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -errno;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int kj_read_file(const char *path, void **bufp, size_t *sizep)
{
	size_t size = 0, cap = 65536;
	char *buf = malloc(cap);
	int fd, err;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		kj_seterr("%s: %s", path, strerror(-err));
		return err;
	}
	for (;;) {
		if (size == cap) {
			char *nbuf = realloc(buf, cap * 2);

			if (!nbuf) {
				err = -ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + size, cap - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		size += n;
	}
	close(fd);
	*bufp = buf;
	*sizep = size;
	return 0;
fail:
	kj_seterr("%s: %s", path, strerror(-err));
	close(fd);
	free(buf);
	return err;
}

int kj_read_text(const char *path, char **text)
{
	size_t size;
	void *buf;
	char *s;
	int err = kj_read_file(path, &buf, &size);

	if (err)
		return err;
	s = realloc(buf, size + 1);
	if (!s) {
		free(buf);
		return -ENOMEM;
	}
	s[size] = '\0';
	*text = s;
	return 0;
}

int kj_mount_pseudo(const char *type, const char *dir, long magic)
{
	struct statfs s;

	if (!statfs(dir, &s) && s.f_type == magic)
		return 0;
	return mount(type, dir, type, 0, NULL) ? -errno : 0;
}

/*
 * The first line of text[0, len) that is key, sep, then a value: where
 * the value starts, its length in *vlen; NULL if there is none.
 */
static const char *line_value(const char *text, size_t len, const char *key,
			      const char *sep, size_t *vlen)
{
	const char *end = text + len;
	size_t klen = strlen(key), slen = strlen(sep);

	for (const char *p = text; p < end;) {
		const char *eol = memchr(p, '\n', end - p);
		size_t n = (eol ? eol : end) - p;

		if (n >= klen + slen && !memcmp(p, key, klen) &&
		    !memcmp(p + klen, sep, slen)) {
			*vlen = n - klen - slen;
			return p + klen + slen;
		}
		p += n + 1;
	}
	return NULL;
}

int kj_kv_get(const char *text, size_t len, const char *key, char *out,
	      size_t outlen)
{
	size_t n;
	const char *v = line_value(text, len, key, "=", &n);

	if (!v)
		return -ENOENT;
	if (n >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int kj_cmdline_param(const char *cmdline, const char *name, char *out,
		     size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = cmdline;
	int found = -ENOENT;

	while (*p) {
		const char *end;

		while (isspace((unsigned char)*p))
			p++;
		end = p;
		while (*end && !isspace((unsigned char)*end))
			end++;
		if ((size_t)(end - p) > nlen && !strncmp(p, name, nlen) &&
		    p[nlen] == '=') {
			size_t vlen = end - p - nlen - 1;

			if (vlen >= outlen)
				return -ENAMETOOLONG;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			found = 0;
		}
		p = end;
	}
	return found;
}

/*
 * A serial console sends a terminal's output from its interrupts after
 * write() returned; suspending or stopping the port drops what is still
 * queued, the last lines a test or a user reads.  Bounded: a port held
 * by flow control must not keep the machine up.
 */
static bool queued(int fd)
{
	int n;

	return !ioctl(fd, TIOCOUTQ, &n) && n > 0;
}

void kj_drain_output(void)
{
	int i;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 200; i++) {
		if (!queued(STDOUT_FILENO) && !queued(STDERR_FILENO))
			return;
		usleep(10000);
	}
}

double kj_clock_secs(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return 0;
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double kj_monotonic(void)
{
	return kj_clock_secs(CLOCK_MONOTONIC);
}

#define GCRYPT_NEEDED "1.8.0"

int kj_gcrypt_init(void)
{
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return 0;
	if (!gcry_check_version(GCRYPT_NEEDED)) {
		kj_seterr("libgcrypt %s is older than %s",
			  gcry_check_version(NULL), GCRYPT_NEEDED);
		return -ENOSYS;
	}
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return 0;
}

ssize_t kj_pread_upto(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done,
				  off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += n;
	}
	return done;
}

int kj_pread_all(int fd, void *buf, size_t len, uint64_t off,
		 const char *name)
{
	ssize_t n = kj_pread_upto(fd, buf, len, off);

	if (n == (ssize_t)len)
		return 0;
	if (n < 0) {
		kj_seterr("%s: read at byte %llu: %s", name,
			  (unsigned long long)off, strerror(-n));
		return n;
	}
	kj_seterr("%s: ends at byte %llu, before byte %llu", name,
		  (unsigned long long)(off + n),
		  (unsigned long long)(off + len));
	return -ENODATA;
}

ssize_t kj_pwrite_upto(int fd, const void *buf, size_t len, uint64_t off,
		       int *why)
{
	size_t done = 0;

	*why = 0;
	while (done < len) {
		ssize_t n = pwrite(fd, (const uint8_t *)buf + done, len - done,
				   off + done);

		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		*why = n < 0 ? -errno : -ENOSPC;
		break;
	}
	return done;
}

int kj_pwrite_all(int fd, const void *buf, size_t len, uint64_t off,
		  const char *name)
{
	int err;
	ssize_t n = kj_pwrite_upto(fd, buf, len, off, &err);

	if (!err)
		return 0;
	kj_seterr("%s: write at byte %llu: %s", name,
		  (unsigned long long)(off + n), strerror(-err));
	return err;
}

int kj_colon_get(const char *text, const char *key, char *out, size_t outlen)
{
	size_t n;
	const char *v = line_value(text, strlen(text), key, ": ", &n);

	if (!v)
		return -ENOENT;
	snprintf(out, outlen, "%.*s", (int)n, v);
	return 0;
}

int kj_cmdline_number(const char *name, uint64_t *v)
{
	char value[64], *cmdline;
	int err = kj_read_text("/proc/cmdline", &cmdline);

	if (err)
		return err;
	err = kj_cmdline_param(cmdline, name, value, sizeof(value));
	free(cmdline);
	if (err)
		return -ENOENT;
	if (kj_parse_size(value, v)) {
		kj_seterr("/proc/cmdline: %s=%s is no number", name, value);
		return -EINVAL;
	}
	return 0;
}

bool kj_cmdline_bool(const char *cmdline, const char *name)
{
	char v[16];

	/* as the kernel's kstrtobool() reads it */
	if (kj_cmdline_param(cmdline, name, v, sizeof(v)))
		return false;
	return v[0] == '1' || v[0] == 'y' || v[0] == 'Y' ||
	       ((v[0] == 'o' || v[0] == 'O') && (v[1] == 'n' || v[1] == 'N'));
}

bool kj_cmdline_flag(const char *cmdline, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = cmdline; (p = strstr(p, word)); p += len)
		if ((p == cmdline || isspace((unsigned char)p[-1])) &&
		    (!p[len] || isspace((unsigned char)p[len])))
			return true;
	return false;
}

int kj_fd_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*size = st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	return -EINVAL;
}

bool kj_is_zero(const void *p, size_t len)
{
	const uint64_t *q = p;
	const uint8_t *b = p;

	for (size_t i = 0; i < len / 8; i++)
		if (q[i])
			return false;
	for (size_t i = len & ~7UL; i < len; i++)
		if (b[i])
			return false;
	return true;
}

void kj_hex(const void *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int kj_unhex64(const char *s, uint64_t *v)
{
	char *end;

	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return *end || errno ? -EINVAL : 0;
}

int kj_unhex(const char *s, void *out, size_t n)
{
	uint8_t *b = out;

	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = hi < 0 ? -1 : nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		b[i] = hi << 4 | lo;
	}
	return s[2 * n] ? -EINVAL : 0;
}

int kj_kernel_config_has(const char *opt)
{
	char line[256], want[128], path[128];
	struct utsname u;
	gzFile f = gzopen("/proc/config.gz", "rb");
	int found = 0;

	/* distributions keep it in /boot instead (gzopen reads it plain) */
	if (!f && !uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		f = gzopen(path, "rb");
	}
	if (!f)
		return -ENOENT;
	snprintf(want, sizeof(want), "%s=y\n", opt);
	while (gzgets(f, line, sizeof(line)))
		if (!strcmp(line, want))
			found = 1;
	gzclose(f);
	return found;
}

bool kj_cap_effective(int cap)
{
	char *text, *line;
	uint64_t caps = ~0ULL;
	int err;

	if (kj_read_text("/proc/self/status", &text))
		return true;
	line = strstr(text, "\nCapEff:\t");
	err = line ? kj_unhex64(strtok(line + 9, "\n"), &caps) : -ENOENT;
	free(text);
	return err || (caps >> cap & 1);
}
