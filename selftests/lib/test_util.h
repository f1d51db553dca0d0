/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftests/lib/test_util.h - KTAP output, assertions and the subtest
 * runner shared by every lhv selftest.
 *
 * A test binary is a table of subtests.  ktap_main() prints the KTAP
 * header and runs each subtest in a forked child, so that one failing
 * assertion (or a guest that hangs, or a crash) costs only that subtest.
 * Inside a subtest, TEST_ASSERT() failing exits the child with 1 and
 * TEST_REQUIRE() failing exits it with KSFT_SKIP (4).  The binary exits
 * 0 when everything passed or was skipped, 1 when anything failed, and 4
 * when every subtest was skipped.
 */
#ifndef SELFTEST_TEST_UTIL_H
#define SELFTEST_TEST_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define __noreturn	__attribute__((noreturn))
#define __used		__attribute__((used))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define noinline	__attribute__((noinline))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

struct test_case {
	const char *name;
	void (*fn)(void);
	unsigned int timeout_s;	/* 0: the default (see test_util.c) */
};

#define TEST_CASE(f)		{ .name = #f, .fn = f }
#define TEST_CASE_T(f, t)	{ .name = #f, .fn = f, .timeout_s = (t) }

int ktap_main(const struct test_case *tests, unsigned int nr);
/* Printed as a comment right after the KTAP version line. */
extern char ktap_banner[128];
/* Nothing can run at all (no device): report a skipped plan, exit 4. */
void ktap_skip_all(const char *why) __noreturn;

/* Diagnostics: one "# ..." line each, as KTAP wants. */
void ktap_print(const char *fmt, ...) __printf(1, 2);

void __test_fail(const char *file, int line, const char *expr,
		 const char *fmt, ...)
	__printf(4, 5) __noreturn;
void __test_skip(const char *fmt, ...)
	__printf(1, 2) __noreturn;

#define TEST_ASSERT(cond, fmt, ...)					\
do {									\
	if (!(cond))							\
		__test_fail(__FILE__, __LINE__, #cond, fmt, ##__VA_ARGS__); \
} while (0)

#define TEST_ASSERT_EQ(a, b)						\
do {									\
	unsigned long long __a = (unsigned long long)(a);		\
	unsigned long long __b = (unsigned long long)(b);		\
	if (__a != __b)							\
		__test_fail(__FILE__, __LINE__, #a " == " #b,		\
			    "0x%llx != 0x%llx", __a, __b);		\
} while (0)

/* An ioctl-like call that must fail with exactly @err. */
#define TEST_ASSERT_ERRNO(ret, err)					\
do {									\
	long __r = (long)(ret);						\
	int __e = errno;						\
	if (__r != -1 || __e != (err))					\
		__test_fail(__FILE__, __LINE__, #ret,			\
			    "expected -1/%s, got %ld/%s", strerrorname(err), \
			    __r, __r == -1 ? strerrorname(__e) : "-");	\
} while (0)

#define TEST_FAIL(fmt, ...)						\
	__test_fail(__FILE__, __LINE__, "TEST_FAIL", fmt, ##__VA_ARGS__)

#define TEST_REQUIRE(cond)						\
do {									\
	if (!(cond))							\
		__test_skip("requirement not met: %s", #cond);		\
} while (0)

#define TEST_SKIP(fmt, ...)	__test_skip(fmt, ##__VA_ARGS__)

/* "EINVAL" for EINVAL: errno names read better than numbers in logs. */
const char *strerrorname(int err);

#endif /* SELFTEST_TEST_UTIL_H */
