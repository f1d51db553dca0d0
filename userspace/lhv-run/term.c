// SPDX-License-Identifier: GPL-2.0
/*
 * term.c - the guest console on stdio: output buffering, input with the
 * Ctrl-A escape, and raw terminal mode that is restored on every way out
 * (normal exit, error exit, fatal signal).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lhv-run.h"

#define ESCAPE_CHAR	0x01	/* Ctrl-A, as in QEMU */

static enum console_mode term_mode;
static struct termios term_saved;
static volatile sig_atomic_t term_is_raw;
static bool term_in_eof;
static bool term_escape;

static uint8_t out_buf[4096];
static size_t out_len;

/*
 * Called from signal handlers too: tcsetattr is async-signal-safe and the
 * flag keeps it to one restore.
 */
void term__restore(void)
{
	if (term_is_raw) {
		term_is_raw = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
	}
}

static void term_fatal_signal(int sig)
{
	term__restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void term_exit_handler(void)
{
	term__flush();
	term__restore();
}

int term__init(enum console_mode mode)
{
	static const int fatal[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				     SIGSEGV, SIGBUS, SIGABRT, SIGFPE };
	struct sigaction sa;
	struct termios raw;
	size_t i;

	term_mode = mode;
	signal(SIGPIPE, SIG_IGN);
	atexit(term_exit_handler);
	log__set_error_hook(term_exit_handler);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = term_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);

	if (mode != CONSOLE_STDIO) {
		term_in_eof = true;
		return 0;
	}
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &term_saved))
		return 0;

	/* Raw: every key goes to the guest, Ctrl-C included. */
	raw = term_saved;
	raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			 ICRNL | IXON);
	raw.c_oflag &= ~OPOST;
	raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	term_is_raw = 1;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw)) {
		term_is_raw = 0;
		pr_err("cannot put the terminal in raw mode: %s",
		       strerror(errno));
		return -errno;
	}
	return 0;
}

void term__flush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < out_len) {
		n = write(STDOUT_FILENO, out_buf + off, out_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* stdout gone: drop the output */
		off += n;
	}
	out_len = 0;
}

void term__write(const uint8_t *buf, size_t len)
{
	if (term_mode == CONSOLE_NONE)
		return;
	while (len) {
		size_t n = sizeof(out_buf) - out_len;

		if (n > len)
			n = len;
		memcpy(out_buf + out_len, buf, n);
		out_len += n;
		buf += n;
		len -= n;
		if (out_len == sizeof(out_buf))
			term__flush();
	}
}

int term__input_fd(void)
{
	return term_in_eof ? -1 : STDIN_FILENO;
}

/*
 * One byte of console input, -1 when none is ready.  Ctrl-A x quits,
 * Ctrl-A Ctrl-A sends a Ctrl-A (raw terminal only).
 */
int term__getc(void)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	uint8_t c;
	ssize_t n;

	for (;;) {
		if (term_in_eof)
			return -1;
		if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLIN | POLLHUP)))
			return -1;
		n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return -1;
		if (n <= 0) {
			term_in_eof = true;
			return -1;
		}
		if (!term_is_raw)
			return c;
		if (term_escape) {
			term_escape = false;
			if (c == 'x' || c == 'X') {
				exit__request(RUN_EXIT_USER, "Ctrl-A x");
				return -1;
			}
			if (c == ESCAPE_CHAR)
				return c;
			continue;	/* unknown escape: dropped */
		}
		if (c == ESCAPE_CHAR) {
			term_escape = true;
			continue;
		}
		return c;
	}
}
