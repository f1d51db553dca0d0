// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - the bottom of lhv-run: logging, the clock and exit requests
 * (util.h).  Nothing here calls another file of lhv-run.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

bool log_debug;
static void (*log_error_hook)(void);

static uint64_t clock_frozen;	/* 0: the clock runs */

static volatile sig_atomic_t exit_requested;
static int exit_status;
static const char *exit_why;

void log__set_error_hook(void (*hook)(void))
{
	log_error_hook = hook;
}

static void log_line(const char *fmt, va_list ap)
{
	fputs("lhv-run: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	/* Errors end lhv-run: leave the terminal as we found it first. */
	if (log_error_hook)
		log_error_hook();
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug)
		return;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

uint64_t clock__ns(void)
{
	struct timespec ts;

	if (clock_frozen)
		return clock_frozen;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void clock__freeze(uint64_t ns)
{
	clock_frozen = ns;
}

/* Plain stores, the flag last: safe in a signal handler. */
void exit__request(int status, const char *why)
{
	if (exit_requested)
		return;
	exit_status = status;
	exit_why = why;
	exit_requested = 1;
}

bool exit__requested(void)
{
	return exit_requested;
}

int exit__status(void)
{
	return exit_status;
}

const char *exit__why(void)
{
	return exit_why;
}
