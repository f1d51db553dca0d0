/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - the services every file of lhv-run uses, at the bottom of it:
 * logging, the clock and exit requests.  util.c calls nothing else of
 * lhv-run; everything above calls down into it.
 */
#ifndef LHV_RUN_UTIL_H
#define LHV_RUN_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Logging: one line on stderr, "lhv-run: " first.  pr_debug only with
 * --debug (log_debug).  An error ends lhv-run, so pr_err first calls the
 * hook that the console registered (flush the guest's output, restore
 * the terminal): the console sits above this file and is called back,
 * never named.
 */
extern bool log_debug;
void log__set_error_hook(void (*hook)(void));
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The clock: CLOCK_MONOTONIC in nanoseconds, the time base of every
 * device.  clock__freeze() stops it at a given time (host unit tests
 * drive the devices' time by hand; 0 lets it run again); lhv-run itself
 * never calls it.
 */
uint64_t clock__ns(void);
void clock__freeze(uint64_t ns);

/*
 * Exit requests: a device (i8042 reset, Ctrl-A x) or a signal asks for
 * lhv-run to end with a status; the run loop sees it before its next
 * KVM_RUN.  The first request wins.  exit__request is async-signal-safe.
 */
void exit__request(int status, const char *why);
bool exit__requested(void);
int exit__status(void);
const char *exit__why(void);

#endif /* LHV_RUN_UTIL_H */
