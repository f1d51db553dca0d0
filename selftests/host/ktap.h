/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftests/host/ktap.h - a tiny KTAP reporter for the host unit tests:
 * results are collected, then printed as "KTAP version 1", the plan, one
 * "ok N name" / "not ok N name" line each and a "# Totals" line.
 * Diagnostics ("# ...") go to stderr as they happen.
 */
#ifndef LHV_KTAP_H
#define LHV_KTAP_H

#include <stdbool.h>

void ktap_result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print everything; returns the process exit code (0: all passed). */
int ktap_finish(void);

#endif /* LHV_KTAP_H */
