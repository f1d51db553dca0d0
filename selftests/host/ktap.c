// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/host/ktap.c - the KTAP reporter behind ktap.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"

struct result {
	bool ok;
	char name[120];
};

static struct result *results;
static int nr_results, cap_results;

void ktap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (nr_results == cap_results) {
		cap_results = cap_results ? cap_results * 2 : 256;
		results = realloc(results, cap_results * sizeof(*results));
		if (!results)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(results[nr_results].name, sizeof(results[0].name), fmt, ap);
	va_end(ap);
	results[nr_results++].ok = ok;
}

void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ktap_finish(void)
{
	int i, fail = 0;

	fflush(stderr);
	printf("KTAP version 1\n1..%d\n", nr_results);
	for (i = 0; i < nr_results; i++) {
		printf("%sok %d %s\n", results[i].ok ? "" : "not ", i + 1,
		       results[i].name);
		fail += !results[i].ok;
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       nr_results - fail, fail);
	fflush(stdout);
	return fail ? 1 : 0;
}
