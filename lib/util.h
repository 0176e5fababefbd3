/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KJUMP_UTIL_H
#define KJUMP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KJ_PAGE_SIZE 4096UL
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)

/* for printf's %llu */
typedef unsigned long long ull;

/*
 * Fuzzing builds compute every checksum and tag but go on when one does
 * not match, so that mutated inputs reach the parsing behind them.
 */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CHECKS_ENFORCED false
#else
#define CHECKS_ENFORCED true
#endif

/* Seconds on a clock (0 if it cannot be read); on CLOCK_MONOTONIC. */
double kj_clock_secs(clockid_t id);
double kj_monotonic(void);

/*
 * Errors: library functions return a negative errno and leave a message
 * naming what failed in kj_errmsg(); tools print it once, at the top.
 * The message is the calling thread's: a worker thread's failure reaches
 * the tool through whoever waits for that worker.
 */
void kj_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Put "context: " before the message, e.g. which step it stopped. */
void kj_preferr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *kj_errmsg(void);

/* Print "PROG: message" to stderr. */
void kj_set_progname(const char *name);
void kj_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Let what stdout and stderr sent to a terminal reach it before the
 * machine jumps, sleeps, reboots or powers off (at most about 2 s).
 */
void kj_drain_output(void);

/* "256M", "0x1000", "64K", "1G": a size or address with optional suffix. */
int kj_parse_size(const char *s, uint64_t *out);

/* Read a whole file (regular or /proc) into a malloc'd buffer. */
int kj_read_file(const char *path, void **buf, size_t *size);

/* The same, NUL-terminated, for text files. */
int kj_read_text(const char *path, char **text);

/*
 * The pseudo file system TYPE mounted on DIR, by us if an initramfs left
 * it out (magic: its statfs f_type, <linux/magic.h>).  0, or -errno.
 */
int kj_mount_pseudo(const char *type, const char *dir, long magic);

/*
 * The value of the first "KEY=value" line of text[0, len), into out.
 * -ENOENT if there is none.
 */
int kj_kv_get(const char *text, size_t len, const char *key, char *out,
	      size_t outlen);

/*
 * The value of the first "KEY: value" line of text (NUL-terminated), as
 * the suite's state and definition files have them, into out: -ENOENT if
 * there is none.
 */
int kj_colon_get(const char *text, const char *key, char *out, size_t outlen);

/* The value of the last NAME=VALUE on a kernel command line, into out. */
int kj_cmdline_param(const char *cmdline, const char *name, char *out,
		     size_t outlen);

/*
 * All len bytes at off of fd, going on after signals and short counts.
 * A read that meets the end of the file is -ENODATA; a write that the
 * file takes no more of returns its errno (-ENOSPC if none); every error
 * leaves a message naming name and the byte.
 */
int kj_pread_all(int fd, void *buf, size_t len, uint64_t off,
		 const char *name);
int kj_pwrite_all(int fd, const void *buf, size_t len, uint64_t off,
		  const char *name);
/* Bytes read, fewer than len only at the end of the file; or -errno. */
ssize_t kj_pread_upto(int fd, void *buf, size_t len, uint64_t off);
/* Bytes written; fewer than len with *why the error (-ENOSPC: none). */
ssize_t kj_pwrite_upto(int fd, const void *buf, size_t len, uint64_t off,
		       int *why);

/*
 * libgcrypt, set up once by whoever comes first (it must be before any
 * other call): version checked, no secure memory (the tools run as root
 * and wipe their secrets themselves).  -ENOSYS if too old.
 */
int kj_gcrypt_init(void);

/*
 * The number NAME= gives on this kernel's /proc/cmdline: -ENOENT if it is
 * not there, -EINVAL (with a message) if it is no number.
 */
int kj_cmdline_number(const char *name, uint64_t *v);

/*
 * 1 if the running kernel was built with OPT=y (CONFIG_...), 0 if not,
 * -ENOENT if its config is nowhere (/proc/config.gz, /boot/config-RELEASE).
 */
int kj_kernel_config_has(const char *opt);

/* NAME=1, y or on (the last NAME= on the line), as the kernel reads it. */
bool kj_cmdline_bool(const char *cmdline, const char *name);
/* The bare word (nohibernate, quiet) on the line. */
bool kj_cmdline_flag(const char *cmdline, const char *word);

/* Bytes in a regular file or a block device; -EINVAL for anything else. */
int kj_fd_size(int fd, uint64_t *size);

/* All len bytes of p are zero (a page the images record as such). */
bool kj_is_zero(const void *p, size_t len);

/* n bytes as 2n lowercase hex digits and a NUL, into out. */
void kj_hex(const void *p, size_t n, char *out);
/*
 * Whether this process has capability CAP (linux/capability.h) in its
 * effective set; true when /proc cannot tell.
 */
bool kj_cap_effective(int cap);

/* A number in hex digits without "0x", as the kernel's %lx writes it. */
int kj_unhex64(const char *s, uint64_t *v);
/* Exactly 2n hex digits (and nothing after them) into n bytes. */
int kj_unhex(const char *s, void *out, size_t n);

#endif
