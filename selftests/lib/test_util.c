// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/lib/test_util.c - the KTAP subtest runner and the assertion
 * back ends (see test_util.h).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

/* TCG is slow: a subtest that needs longer says so in its table entry. */
#define DEFAULT_TIMEOUT_S	120

char ktap_banner[128];

/* Shared with the forked subtest, so that a skip can say why. */
static char *skip_reason;

const char *strerrorname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

void ktap_print(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void __test_fail(const char *file, int line, const char *expr,
		 const char *fmt, ...)
{
	va_list ap;

	printf("# ASSERTION FAILED %s:%d: %s\n# ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KSFT_FAIL);
}

void __test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (skip_reason)
		vsnprintf(skip_reason, 256, fmt, ap);
	va_end(ap);
	fflush(stdout);
	exit(KSFT_SKIP);
}

/* Wait for @pid for at most @timeout_s; kill it when it overstays. */
static int wait_child(pid_t pid, unsigned int timeout_s, bool *timed_out)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	unsigned long waited_ms = 0;
	int status;

	*timed_out = false;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited_ms >= timeout_s * 1000UL && !*timed_out) {
			*timed_out = true;
			kill(pid, SIGKILL);
		}
		/* Unkillable (stuck in the kernel): give up on it, go on. */
		if (*timed_out && waited_ms >= (timeout_s + 10) * 1000UL)
			return -1;
		nanosleep(&tick, NULL);
		waited_ms += 20;
	}
}

int ktap_main(const struct test_case *tests, unsigned int nr)
{
	unsigned int i, passed = 0, failed = 0, skipped = 0;
	/* KTAP_ONLY=NAME runs that subtest alone (the rest: SKIP). */
	const char *only = getenv("KTAP_ONLY");

	setvbuf(stdout, NULL, _IOLBF, 0);
	skip_reason = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		skip_reason = NULL;

	printf("KTAP version 1\n");
	if (ktap_banner[0])
		printf("# %s\n", ktap_banner);
	printf("1..%u\n", nr);
	for (i = 0; i < nr; i++) {
		const struct test_case *t = &tests[i];
		unsigned int timeout = t->timeout_s ?: DEFAULT_TIMEOUT_S;
		bool timed_out;
		int status;
		pid_t pid;

		if (only && strcmp(only, t->name)) {
			printf("ok %u %s # SKIP not in KTAP_ONLY\n", i + 1,
			       t->name);
			skipped++;
			continue;
		}

		if (skip_reason)
			strcpy(skip_reason, "skipped");
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			printf("# fork: %s\nnot ok %u %s\n", strerror(errno),
			       i + 1, t->name);
			failed++;
			continue;
		}
		if (pid == 0) {
			t->fn();
			fflush(stdout);
			_exit(KSFT_PASS);
		}
		status = wait_child(pid, timeout, &timed_out);
		if (timed_out) {
			printf("# %s: timed out after %u s%s\n", t->name, timeout,
			       status < 0 ? " (and could not be killed)" : "");
			printf("not ok %u %s\n", i + 1, t->name);
			failed++;
		} else if (status >= 0 && WIFEXITED(status) &&
			   WEXITSTATUS(status) == KSFT_PASS) {
			printf("ok %u %s\n", i + 1, t->name);
			passed++;
		} else if (status >= 0 && WIFEXITED(status) &&
			   WEXITSTATUS(status) == KSFT_SKIP) {
			printf("ok %u %s # SKIP %s\n", i + 1, t->name,
			       skip_reason ? skip_reason : "");
			skipped++;
		} else {
			if (status >= 0 && WIFSIGNALED(status))
				printf("# %s: killed by signal %d\n", t->name,
				       WTERMSIG(status));
			printf("not ok %u %s\n", i + 1, t->name);
			failed++;
		}
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       passed, failed, skipped);
	fflush(stdout);
	if (failed)
		return KSFT_FAIL;
	if (!passed && skipped)
		return KSFT_SKIP;
	return KSFT_PASS;
}

void ktap_skip_all(const char *why)
{
	printf("KTAP version 1\n1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(KSFT_SKIP);
}
