/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selftests/lib/ucall.h - "ucalls": how a long-mode guest running C code
 * talks to its test.
 *
 * The guest fills a struct ucall on its own stack and does a 32-bit
 * `out` to UCALL_PORT with the struct's address in EAX (and RDI).  Guest
 * memory is identity mapped and below 4 GiB, so the host finds the struct
 * from the data of the KVM_EXIT_IO alone.  Guest-side functions here use
 * no libc: the guest runs a copy of this very binary without its libc
 * having been initialised.
 */
#ifndef SELFTEST_UCALL_H
#define SELFTEST_UCALL_H

#include "test_util.h"

#define UCALL_PORT	0x1000

enum {
	UCALL_NONE,	/* not a ucall */
	UCALL_SYNC,	/* args[] hold values for the host; resumable */
	UCALL_DONE,	/* the guest has finished */
	UCALL_ABORT,	/* GUEST_ASSERT failed: expr, file, line, args */
	UCALL_EXCEPTION, /* unexpected exception: vector, error, RIP, RSP */
};

struct ucall {
	u64 cmd;
	u64 args[4];
	u64 expr;	/* guest addresses of string literals (ABORT) */
	u64 file;
	u64 line;
};

/* Guest side. */
void ucall(u64 cmd, u64 a0, u64 a1, u64 a2, u64 a3);
void ucall_abort(const char *expr, const char *file, u64 line, u64 a,
		 u64 b) __noreturn;
/* Where guest_code returns to (put on the stack by the library). */
void guest_returned(void);

#define GUEST_SYNC(a)		ucall(UCALL_SYNC, (u64)(a), 0, 0, 0)
#define GUEST_SYNC2(a, b)	ucall(UCALL_SYNC, (u64)(a), (u64)(b), 0, 0)
#define GUEST_SYNC4(a, b, c, d)						\
	ucall(UCALL_SYNC, (u64)(a), (u64)(b), (u64)(c), (u64)(d))
#define GUEST_DONE()		ucall(UCALL_DONE, 0, 0, 0, 0)

#define GUEST_ASSERT(cond)						\
do {									\
	if (!(cond))							\
		ucall_abort(#cond, __FILE__, __LINE__, 0, 0);		\
} while (0)

#define GUEST_ASSERT_EQ(a, b)						\
do {									\
	u64 __ga = (u64)(a), __gb = (u64)(b);				\
	if (__ga != __gb)						\
		ucall_abort(#a " == " #b, __FILE__, __LINE__, __ga, __gb); \
} while (0)

/* Host side. */
struct kvm_vcpu;

/* Decode the current exit: the ucall's cmd, or UCALL_NONE. */
u64 get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/*
 * KVM_RUN once and insist on a ucall; an ABORT fails the test with the
 * guest's expression, file and line.  Returns the cmd.
 */
u64 vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/* Run and expect UCALL_SYNC (returned in @uc) or UCALL_DONE. */
void vcpu_run_sync(struct kvm_vcpu *vcpu, struct ucall *uc);
void vcpu_run_done(struct kvm_vcpu *vcpu);

#endif /* SELFTEST_UCALL_H */
