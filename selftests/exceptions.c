// SPDX-License-Identifier: GPL-2.0
/*
 * selftests/exceptions.c - the exceptions a hypervisor must always
 * intercept (issue 12, finding 1): #DB and #AC reach the guest as the CPU
 * would deliver them (vector, DR6, return RIP, error code), and a guest
 * that makes #DB delivery raise #DB again forever (CVE-2015-8104: a data
 * breakpoint on the IST stack that delivery writes) loops only itself:
 * KVM_RUN still returns for a signal, and the guest goes on once the
 * breakpoint is gone.  #AC at CPL 3 (CVE-2015-5307's exception) is tested
 * where the lab CPU raises #AC at all.  On lhv the exits are counted too
 * (exits_exception in the binary stats), which shows that the intercept
 * is there.  And the guest's debug registers never arm the host's
 * breakpoints (finding 16): a host perf breakpoint does not fire from the
 * guest's DR0 inside KVM_RUN.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>

#include "processor.h"

#define DR7_L0		(1ULL << 0)
#define DR7_RW0_WRITE	(1ULL << 16)
#define DR7_LEN0_8	(2ULL << 18)
#define DR6_B0		(1ULL << 0)
#define DR6_BS		(1ULL << 14)
#define DR6_INIT	0xffff0ff0ULL
#define X86_EFLAGS_TF	(1ULL << 8)
#define X86_EFLAGS_AC	(1ULL << 18)
#define X86_CR0_AM	(1ULL << 18)

/* IST1 of the library's TSS, a page of its own in slot 0. */
#define IST_STACK_TOP	0x31000ULL
#define TSS_IST1	0x24
/* RSP0 of the TSS, for the switch to CPL 0 from CPL 3: the next page. */
#define RSP0_STACK_TOP	0x32000ULL

#define USER_SEL_CODE	(0x28 | 3)
#define USER_SEL_DATA	(0x30 | 3)

volatile u64 db_count __attribute__((used));
volatile u64 db_dr6 __attribute__((used));
volatile u64 db_rip __attribute__((used));
volatile u64 ac_count __attribute__((used));
volatile u64 ac_error __attribute__((used));
volatile u64 ac_rip __attribute__((used));
volatile u64 watched __attribute__((used));
volatile u64 ud_count __attribute__((used));
volatile u8 ac_buf[16] __attribute__((used, aligned(16)));

/*
 * #DB: count it, keep DR6 and the return RIP, reset DR6 and clear TF in
 * the frame.  #AC: count it, keep the error code and RIP, clear AC in
 * the frame so the access is retried without the check.
 * Frame after the push of %rax: rax, [err,] RIP, CS, RFLAGS, RSP, SS.
 */
asm(".pushsection .text\n"
    ".globl db_stub, ac_stub, ud_skip_stub\n"
    "ud_skip_stub:\n"
    "incq ud_count(%rip)\n"
    "addq $1, (%rsp)\n"
    "iretq\n"
    "db_stub:\n"
    "pushq %rax\n"
    "incq db_count(%rip)\n"
    "movq %dr6, %rax\n"
    "movq %rax, db_dr6(%rip)\n"
    "movq $0xffff0ff0, %rax\n"
    "movq %rax, %dr6\n"
    "movq 8(%rsp), %rax\n"
    "movq %rax, db_rip(%rip)\n"
    "andq $~0x100, 24(%rsp)\n"
    "popq %rax\n"
    "iretq\n"
    "ac_stub:\n"
    "pushq %rax\n"
    "incq ac_count(%rip)\n"
    "movq 8(%rsp), %rax\n"
    "movq %rax, ac_error(%rip)\n"
    "movq 16(%rsp), %rax\n"
    "movq %rax, ac_rip(%rip)\n"
    "andq $~0x40000, 32(%rsp)\n"
    "popq %rax\n"
    "addq $8, %rsp\n"
    "iretq\n"
    ".popsection\n");
extern const u8 db_stub[], ac_stub[], ud_skip_stub[];
extern const u8 step_after[], data_bp_after[], icebp_after[], ac_insn[];

/* lhv counts the intercepted exceptions (KVM has no such counter). */
static u64 exception_exits(struct kvm_vcpu *vcpu)
{
	return vcpu_stat(vcpu, "exits_exception");
}

static struct kvm_vm *db_vm(struct kvm_vcpu **vcpu, void *guest_code)
{
	struct kvm_vm *vm = vm_create_longmode(0, vcpu, guest_code, 0, 0);

	vcpu_set_idt_handler(*vcpu, 1, (void *)db_stub);
	return vm;
}

/* --- #DB --- */

/* POPF sets TF: the trap comes after the next instruction (SDM 17.3.1.4). */
static void guest_single_step(void)
{
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "nop\n\t"
		     ".globl step_after\n"
		     "step_after:\n\t"
		     "nop" : : : "memory");
	GUEST_SYNC2(db_count, db_rip);
	GUEST_SYNC(db_dr6);
}

static void db_single_step(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = db_vm(&vcpu, guest_single_step);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(uc.args[1], (u64)step_after);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0] & (DR6_BS | DR6_B0), DR6_BS);
	if (kvm_dev_is_lhv())
		TEST_ASSERT(exception_exits(vcpu) >= 1,
			    "the #DB did not exit: not intercepted");
	vm_free(vm);
}

/* A write breakpoint on @watched: a trap after the store, B0 in DR6. */
static void guest_data_bp(void)
{
	asm volatile("mov %0, %%dr0" : : "r"(&watched));
	asm volatile("mov %0, %%dr7" : : "r"(DR7_L0 | DR7_RW0_WRITE |
					     DR7_LEN0_8));
	asm volatile("movq $1, watched(%%rip)\n\t"
		     ".globl data_bp_after\n"
		     "data_bp_after:\n\t"
		     "nop" : : : "memory");
	asm volatile("mov %0, %%dr7" : : "r"(0x400ULL));
	GUEST_SYNC2(db_count, db_rip);
	GUEST_SYNC2(db_dr6, watched);
}

static void db_data_breakpoint(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = db_vm(&vcpu, guest_data_bp);
	struct ucall uc;

	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(uc.args[1], (u64)data_bp_after);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0] & (DR6_BS | DR6_B0), DR6_B0);
	TEST_ASSERT_EQ(uc.args[1], 1);
	if (kvm_dev_is_lhv())
		TEST_ASSERT(exception_exits(vcpu) >= 1,
			    "the #DB did not exit: not intercepted");
	vm_free(vm);
}

/* INT1 (ICEBP, f1): a trap-like #DB, returning past the instruction. */
static void guest_icebp(void)
{
	asm volatile(".byte 0xf1\n\t"
		     ".globl icebp_after\n"
		     "icebp_after:\n\t"
		     "nop" : : : "memory");
	GUEST_SYNC4(db_count, db_rip, ud_count, 0);
}

static void db_icebp(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = db_vm(&vcpu, guest_icebp);
	struct ucall uc;

	/* QEMU's TCG has no INT1 (it is its gdbstub's): #UD there. */
	vcpu_set_idt_handler(vcpu, 6, (void *)ud_skip_stub);
	vcpu_run_sync(vcpu, &uc);
	if (uc.args[2])
		TEST_SKIP("this CPU does not implement INT1 (#UD)");
	TEST_ASSERT_EQ(uc.args[0], 1);
	TEST_ASSERT_EQ(uc.args[1], (u64)icebp_after);
	vm_free(vm);
}

/*
 * CVE-2015-8104: #DB is delivered on IST1, and a write breakpoint sits on
 * the slot of that stack where delivery pushes SS.  Each delivery raises
 * the next #DB before the handler's first instruction: without a #DB
 * intercept the CPU loops there with no VM exit and no interrupt window.
 */
static void guest_db_loop(void)
{
	asm volatile("mov %0, %%dr0" : : "r"(IST_STACK_TOP - 8));
	asm volatile("mov %0, %%dr7" : : "r"(DR7_L0 | DR7_RW0_WRITE |
					     DR7_LEN0_8));
	GUEST_SYNC(1);
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "nop" : : : "memory");
	GUEST_SYNC2(db_count, db_dr6);
}

/*
 * QEMU 7.2's TCG takes a data breakpoint that hits during exception
 * delivery in a guest whose #DB is intercepted with its I/O thread lock
 * held and aborts the whole emulator (kvm-amd in the lab hits it too).
 * Its CPU models call themselves "QEMU Virtual CPU".
 */
static bool cpu_is_qemu_tcg(void)
{
	char line[256];
	bool qemu = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) &&
		    strstr(line, "QEMU Virtual CPU"))
			qemu = true;
	fclose(f);
	return qemu;
}

static void guest_after_loop(void)
{
	GUEST_SYNC4(0x77, db_count, db_rip, 0);
}

static void on_alarm(int sig)
{
}

static void db_delivery_loop(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 300000 } };
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_regs regs;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = db_vm(&vcpu, guest_db_loop);
	u64 *idt = addr_gpa2hva(vm, LM_IDT_GPA);
	u64 before = 0;
	struct ucall uc;
	int r;

	if (cpu_is_qemu_tcg())
		TEST_SKIP("QEMU's TCG aborts on a watchpoint hit in the delivery of an intercepted #DB (its own bug)");
	/* #DB on IST1 (SDM 6.14.5). */
	*(u64 *)((u8 *)addr_gpa2hva(vm, LM_TSS_GPA) + TSS_IST1) =
		IST_STACK_TOP;
	idt[2 * 1] |= 1ULL << 32;
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);
	if (kvm_dev_is_lhv())
		before = exception_exits(vcpu);

	/* No SA_RESTART: the signal ends KVM_RUN with EINTR. */
	TEST_ASSERT(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	TEST_ASSERT(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	r = __vcpu_run(vcpu);
	if (r == 0 && get_ucall(vcpu, &uc) == UCALL_SYNC &&
	    guest_global(vm, db_count) == 1)
		TEST_SKIP("this CPU raises no #DB for the stack writes of #DB delivery");
	TEST_ASSERT(r == -1 && errno == EINTR,
		    "KVM_RUN returned %d (%s), exit reason %u: expected EINTR",
		    r, strerrorname(errno), vcpu->run->exit_reason);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_INTR);
	/* The handler never ran: every delivery was cut short by the next. */
	TEST_ASSERT_EQ(guest_global(vm, db_count), 0);
	if (kvm_dev_is_lhv())
		TEST_ASSERT(exception_exits(vcpu) - before > 10,
			    "only %llu #DB exits in the loop",
			    (unsigned long long)(exception_exits(vcpu) -
						 before));

	/*
	 * The #DB is still there to deliver: the guest is stuck, not
	 * broken.  With the event dropped, the breakpoint off and RIP on a
	 * fresh function (the loop overwrote the IST frame of the first
	 * #DB), the guest runs on.
	 */
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &events);
	TEST_ASSERT(events.exception.injected || events.exception.pending,
		    "no #DB left to deliver after the loop");
	TEST_ASSERT_EQ(events.exception.nr, 1);
	events.exception.injected = 0;
	events.exception.pending = 0;
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &events);
	vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dregs);
	TEST_ASSERT_EQ(dregs.db[0], IST_STACK_TOP - 8);
	dregs.dr7 = 0x400;
	vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dregs);
	vcpu_regs_get(vcpu, &regs);
	regs.rip = (u64)guest_after_loop;
	regs.rsp = vm_stack_top(vm) - 4096;
	regs.rflags = X86_EFLAGS_FIXED;
	vcpu_regs_set(vcpu, &regs);
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 0x77);
	TEST_ASSERT_EQ(uc.args[1], 0);		/* the handler never ran */
	vm_free(vm);
}

/* --- #AC --- */

/*
 * Does this CPU raise #AC at all?  Emulated CPUs may not (QEMU's TCG
 * ignores EFLAGS.AC): a child process does a misaligned load with AC set,
 * and SIGBUS is the answer.
 */
static bool cpu_raises_ac(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		static volatile u8 buf[16] __attribute__((aligned(16)));

		asm volatile("pushfq\n\t"
			     "orq $0x40000, (%%rsp)\n\t"
			     "popfq\n\t"
			     "movl 1(%0), %%eax\n\t"
			     "pushfq\n\t"
			     "andq $~0x40000, (%%rsp)\n\t"
			     "popfq"
			     : : "r"(buf) : "rax", "memory");
		_exit(0);
	}
	TEST_ASSERT(pid > 0, "fork: %s", strerror(errno));
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

/*
 * CPL 3 with CR0.AM and EFLAGS.AC: a misaligned load is #AC(0), and the
 * handler (CPL 0, on the TSS's RSP0 stack) sees the load's RIP; it clears
 * AC in the frame, so the load runs again and completes.  The guest gets
 * to CPL 3 by IRETQ (IOPL 3, so that its ucalls may use port I/O).
 */
static void guest_ac(void)
{
	asm volatile("movq %%cr0, %%rax\n\t"
		     "orq %[am], %%rax\n\t"
		     "movq %%rax, %%cr0\n\t"
		     "movq %%rsp, %%rax\n\t"
		     "pushq %[ss]\n\t"
		     "pushq %%rax\n\t"
		     "pushq %[fl]\n\t"
		     "pushq %[cs]\n\t"
		     "leaq ac_insn(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "iretq\n"
		     ".globl ac_insn\n"
		     "ac_insn:\n\t"
		     "movl 1+ac_buf(%%rip), %%eax\n\t"
		     : : [am] "i"(X86_CR0_AM), [ss] "i"(USER_SEL_DATA),
		       [cs] "i"(USER_SEL_CODE),
		       [fl] "i"(X86_EFLAGS_FIXED | X86_EFLAGS_AC | (3 << 12))
		     : "rax", "memory");
	GUEST_SYNC4(ac_count, ac_error, ac_rip, 0);
}

/* Every guest page user-accessible: U/S in all levels of the map. */
static void map_all_user(struct kvm_vm *vm)
{
	u64 *t;
	int i;

	*(u64 *)addr_gpa2hva(vm, LM_PML4_GPA) |= 1ULL << 2;
	t = addr_gpa2hva(vm, LM_PDPT_GPA);
	for (i = 0; i < 4; i++)
		t[i] |= 1ULL << 2;
	t = addr_gpa2hva(vm, LM_PD_GPA);
	for (i = 0; i < 4 * 512; i++)
		t[i] |= 1ULL << 2;
}

static void ac_at_cpl3(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_vm *vm;
	struct ucall uc;
	u64 *gdt;

	if (!cpu_raises_ac())
		TEST_SKIP("this CPU does not raise #AC (no SIGBUS with EFLAGS.AC)");
	vm = vm_create_longmode(0, &vcpu, guest_ac, 0, 0);
	vcpu_set_idt_handler(vcpu, 17, (void *)ac_stub);
	map_all_user(vm);
	gdt = addr_gpa2hva(vm, LM_GDT_GPA);
	gdt[5] = 0x00affb000000ffffULL;	/* 0x28: 64-bit code, DPL 3 */
	gdt[6] = 0x00cff3000000ffffULL;	/* 0x30: data, DPL 3 */
	*(u64 *)((u8 *)addr_gpa2hva(vm, LM_TSS_GPA) + 4) = RSP0_STACK_TOP;
	vcpu_sregs_get(vcpu, &sregs);
	if (sregs.gdt.limit < 7 * 8 - 1) {
		sregs.gdt.limit = 7 * 8 - 1;
		vcpu_sregs_set(vcpu, &sregs);
	}
	vcpu_run_sync(vcpu, &uc);
	TEST_ASSERT_EQ(uc.args[0], 1);		/* one #AC */
	TEST_ASSERT_EQ(uc.args[1], 0);		/* error code 0 */
	TEST_ASSERT_EQ(uc.args[2], (u64)ac_insn);
	if (kvm_dev_is_lhv())
		TEST_ASSERT(exception_exits(vcpu) >= 1,
			    "the #AC did not exit: not intercepted");
	vm_free(vm);
}

/* --- the host's breakpoints and the guest's DR0-3 (finding 16) --- */

/* The address of kernel symbol @name (root reads them in kallsyms). */
static u64 kernel_symbol(const char *name)
{
	char line[256], sym[128], type;
	unsigned long long addr;
	u64 found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, name))
			found = addr;
	fclose(f);
	return found;
}

static u64 perf_count(int fd)
{
	u64 n = 0;

	TEST_ASSERT(read(fd, &n, sizeof(n)) == sizeof(n), "read perf: %s",
		    strerror(errno));
	return n;
}

/*
 * A host breakpoint (perf, on the kernel's getppid) is live in DR7 while
 * this thread runs, also inside KVM_RUN.  The guest's DR0 holds the
 * address of the hypervisor's own entry code.  With the host's DR7 still
 * enabled when the guest's DR0-3 are loaded, that code raises a #DB in
 * the host, which the host's breakpoint handler takes for its own
 * breakpoint: the perf count moves without getppid.  The hypervisor must
 * turn the host's DR7 off first (and restore it after the exit).
 */
static void host_breakpoint_not_fired(void)
{
	static const char *const entries[] = {
		"lhv_svm_enter", "lhv_vmx_enter",	/* lhv */
		"__svm_vcpu_run", "__vmx_vcpu_run",	/* kvm-amd, kvm-intel */
	};
	static const u8 hlt[] = { 0xf4 };
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_X,
		.bp_len = sizeof(long),
		.exclude_hv = 1,
	};
	struct kvm_debugregs dregs;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 entry = 0, before;
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(entries) && !entry; i++)
		entry = kernel_symbol(entries[i]);
	attr.bp_addr = kernel_symbol("__x64_sys_getppid");
	TEST_REQUIRE(entry && attr.bp_addr);
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0)
		TEST_SKIP("no kernel hardware breakpoint here (%s)",
			  strerrorname(errno));
	syscall(SYS_getppid);
	before = perf_count(fd);
	if (!before)
		TEST_SKIP("the host breakpoint does not fire on this CPU");

	vm = vm_create_realmode(64 * KiB, &vcpu, 0x1000);
	vm_write(vm, 0x1000, hlt, sizeof(hlt));
	vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dregs);
	dregs.db[0] = entry;
	dregs.dr7 = 0x401;	/* L0: an execute breakpoint, never hit in the guest */
	vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dregs);
	vcpu_run(vcpu);
	TEST_ASSERT_EXIT_REASON(vcpu, KVM_EXIT_HLT);
	TEST_ASSERT_EQ(perf_count(fd), before);
	syscall(SYS_getppid);
	TEST_ASSERT_EQ(perf_count(fd), before + 1);	/* and it still works */
	vm_free(vm);
	close(fd);
}

static const struct test_case tests[] = {
	TEST_CASE(db_single_step),
	TEST_CASE(db_data_breakpoint),
	TEST_CASE(db_icebp),
	TEST_CASE(db_delivery_loop),
	TEST_CASE(ac_at_cpl3),
	TEST_CASE(host_breakpoint_not_fired),
};

int main(void)
{
	return kvm_test_main(tests, ARRAY_SIZE(tests));
}
