// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "image/passphrase.h"
#include "util.h"

/* One line from fd into buf, without its newline. */
static int read_line(int fd, char *buf, size_t *len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0 || c == '\n')
			break;
		if (n == PASSPHRASE_MAX - 1)
			return -E2BIG;
		buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* One line of fd, which messages call name. */
static int from_fd(int fd, const char *name, char *buf, size_t *len)
{
	int err = read_line(fd, buf, len);

	if (err)
		kj_seterr("%s: %s", name, err == -E2BIG ?
			  "passphrase longer than 1023 bytes" : strerror(-err));
	else if (!*len)
		kj_seterr("%s: empty passphrase", name);
	return err ?: (*len ? 0 : -EINVAL);
}

static int from_file(const char *file, char *buf, size_t *len)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		kj_seterr("%s: %s", file, strerror(errno));
		return -errno;
	}
	err = from_fd(fd, file, buf, len);
	close(fd);
	return err;
}

static int ask(int fd, const char *prompt, char *buf, size_t *len)
{
	struct termios old, quiet;
	int err;

	if (tcgetattr(fd, &old)) {
		kj_seterr("no terminal to ask for the passphrase on; give a "
			  "passphrase file");
		return -ENOTTY;
	}
	quiet = old;
	quiet.c_lflag &= ~(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet))
		return -errno;
	err = read_line(fd, buf, len);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		err = err ?: -errno;
	if (err)
		kj_seterr("reading the passphrase: %s", strerror(-err));
	return err;
}

/*
 * The controlling terminal; without one (an initramfs's boot scripts:
 * /dev/console never becomes one), standard input's terminal.
 */
static int open_terminal(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	const char *name;

	if (fd < 0 && isatty(STDIN_FILENO)) {
		name = ttyname(STDIN_FILENO);
		if (name)
			fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	}
	return fd;
}

static int from_terminal(const char *prompt, bool confirm, char *buf,
			 size_t *len)
{
	char again[PASSPHRASE_MAX];
	size_t len2;
	int fd = open_terminal(), err;

	if (fd < 0) {
		kj_seterr("no terminal to ask for the passphrase on; give a "
			  "passphrase file");
		return -ENOTTY;
	}
	err = ask(fd, prompt, buf, len);
	if (!err && !*len) {
		kj_seterr("empty passphrase");
		err = -EINVAL;
	}
	if (!err && confirm) {
		err = ask(fd, "Again: ", again, &len2);
		if (!err && (len2 != *len || memcmp(again, buf, len2))) {
			kj_seterr("the passphrases differ");
			err = -EINVAL;
		}
		explicit_bzero(again, sizeof(again));
	}
	close(fd);
	return err;
}

int passphrase_get(const char *file, const char *prompt, bool confirm,
		   char *buf, size_t *len)
{
	int err = file ? from_file(file, buf, len)
		       : from_terminal(prompt, confirm, buf, len);

	if (err)
		explicit_bzero(buf, PASSPHRASE_MAX);
	return err;
}

int passphrase_from_stdin(char *buf, size_t *len)
{
	int err = from_fd(STDIN_FILENO, "standard input", buf, len);

	if (err)
		explicit_bzero(buf, PASSPHRASE_MAX);
	return err;
}
